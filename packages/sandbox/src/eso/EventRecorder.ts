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
  /** Event name by involved object uid, type, reason and message, to find repeats quickly. */
  private readonly recorded = new Map<
    string,
    { namespace: string; name: string }
  >();

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
    const timestamp = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const dedupeKey = JSON.stringify([
      object.metadata.uid,
      type,
      reason,
      message,
    ]);
    const seen = this.recorded.get(dedupeKey);
    const existing = seen && this.find(seen.namespace, seen.name);
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
    const name = `${object.metadata.name}.${randomBytes(8).toString('hex')}`;
    this.recorded.set(dedupeKey, { namespace, name });
    await this.cluster.objects.create(events, namespace, {
      metadata: { name, namespace },
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

  private find(namespace: string, name: string): KubeObject | undefined {
    try {
      return this.cluster.objects.get(
        this.cluster.type('events'),
        namespace,
        name,
      );
    } catch {
      return undefined;
    }
  }
}
