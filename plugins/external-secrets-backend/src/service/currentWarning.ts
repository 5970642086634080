import type {
  ClusterCache,
  EventObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { eventTime } from '@gitops-secrets/plugin-external-secrets-node';
import type { StatusCondition } from '@gitops-secrets/plugin-external-secrets-common';

export type CachedEvents = ReturnType<ClusterCache['eventsFor']>;

export function timeOf(value: string | Date | null | undefined): number {
  const parsed = value ? new Date(value).getTime() : NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * The newest Warning about an object while it still explains the object's state: not once a
 * Normal event came after it, and not once the object's Ready condition turned True after it
 * (ESO emits no Normal event when a recovered sync leaves the Secret unchanged).
 */
export function currentWarning(
  events: CachedEvents,
  conditions: StatusCondition[] | undefined,
): EventObject | undefined {
  const newest = events[0];
  if (!newest || (newest.type ?? 'Warning') !== 'Warning') {
    return undefined;
  }
  const ready = conditions?.find(c => c?.type === 'Ready');
  if (
    ready?.status === 'True' &&
    timeOf(ready.lastTransitionTime) >= eventTime(newest)
  ) {
    return undefined;
  }
  return newest;
}
