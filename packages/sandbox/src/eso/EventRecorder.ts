import { randomBytes } from 'node:crypto';
import {
  ClusterClient,
  KubeObject,
  KubernetesApiError,
  KubernetesEmulator,
} from '../kubernetes';

/** @public */
export type EventType = 'Normal' | 'Warning';

/**
 * Records core/v1 Events about an object the way client-go's recorder does for ESO: source
 * `external-secrets`, and a repeat of the same reason and message bumps `count` and
 * `lastTimestamp` on the existing Event (a patch, from what it remembers: ESO may create and
 * patch Events, not read them) instead of creating a new one; an Event deleted meanwhile is
 * created anew. Events about cluster-scoped objects go to the `default` namespace.
 */
export class EventRecorder {
  /** Event name by involved object uid, type, reason and message, to find repeats quickly. */
  private readonly recorded = new Map<
    string,
    { namespace: string; name: string; count: number }
  >();

  constructor(
    private readonly client: ClusterClient,
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
    if (seen) {
      try {
        await this.client.patch(events, seen.namespace, seen.name, 'merge', {
          count: seen.count + 1,
          lastTimestamp: timestamp,
        });
        seen.count += 1;
        return;
      } catch (error) {
        if (!(error instanceof KubernetesApiError && error.code === 404)) {
          throw error;
        }
      }
    }
    const name = `${object.metadata.name}.${randomBytes(8).toString('hex')}`;
    this.recorded.set(dedupeKey, { namespace, name, count: 1 });
    await this.client.create(events, namespace, {
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
}
