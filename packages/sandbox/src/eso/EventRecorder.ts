import { randomBytes } from 'node:crypto';
import { KubeObject, KubernetesEmulator } from '../kubernetes';

/** @public */
export type EventType = 'Normal' | 'Warning';

/**
 * Records core/v1 Events about an object the way client-go's recorder does for ESO: source
 * `external-secrets`, and a repeat of the same reason and message bumps `count` and
 * `lastTimestamp` on the existing Event instead of creating a new one. Events about
 * cluster-scoped objects go to the `default` namespace.
 */
export class EventRecorder {
  constructor(
    private readonly cluster: KubernetesEmulator,
    private readonly now: () => Date,
    private readonly component = 'external-secrets',
  ) {}

  async record(
    object: KubeObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const events = this.cluster.type('events');
    const namespace = object.metadata.namespace ?? 'default';
    const timestamp = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const existing = this.cluster.objects
      .list(events, namespace)
      .find(
        e =>
          (e.involvedObject as { uid?: string })?.uid === object.metadata.uid &&
          e.reason === reason &&
          e.type === type &&
          e.message === message,
      );
    if (existing) {
      await this.cluster.objects.update(
        events,
        namespace,
        existing.metadata.name!,
        {
          ...existing,
          count: ((existing.count as number) ?? 1) + 1,
          lastTimestamp: timestamp,
        },
      );
      return;
    }
    await this.cluster.objects.create(events, namespace, {
      metadata: {
        name: `${object.metadata.name}.${randomBytes(8).toString('hex')}`,
        namespace,
      },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace
          ? { namespace: object.metadata.namespace }
          : {}),
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: '',
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
    });
  }
}
