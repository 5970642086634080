import {
  classifyExternalSecret,
  DEFAULT_REFRESH_INTERVAL,
  parseGoDuration,
} from '@gitops-secrets/plugin-external-secrets-common';
import type { ExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../service/classifyInput';
import type { NotifiedEpisode } from './NotificationLedger';
import type { NotificationSettings } from './notificationsConfig';

/** The ledger subject of one ExternalSecret (uid included: a re-created object starts afresh). */
export function externalSecretSubject(
  cluster: string,
  object: ExternalSecretObject,
): string {
  const { namespace, name, uid } = object.metadata ?? {};
  return `es:${cluster}/${namespace ?? ''}/${name ?? ''}/${uid ?? ''}`;
}

export function clusterSubject(cluster: string): string {
  return `cluster:${cluster}`;
}

function timeOf(value: string | Date | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** A broken ExternalSecret that worked before: what its owner may be told about. */
export interface Failure {
  /** the last successful sync before it broke (`status.refreshTime`), as ISO: the episode */
  episode: string;
  /** when it broke: ESO's Ready transition, else when this replica first saw it broken */
  since: number;
  /** from when the owner is told, if it is still broken */
  notifyFrom: number;
}

/**
 * Whether an ExternalSecret is in a failure its owner should hear of: `Error` as the status API
 * classifies it, after at least one successful sync (an object that never worked is a new
 * service's setup problem, shown on its page, not a breakage). The episode is the last
 * successful sync — ESO leaves `refreshTime` alone while it fails — so every replica names the
 * same episode and a later recovery starts a new one.
 */
export function failureOf(
  object: ExternalSecretObject,
  now: Date,
  gracePeriodMs: number | undefined,
  firstSeenBroken?: number,
): Failure | undefined {
  const { state } = classifyExternalSecret(asExternalSecretLike(object), now);
  if (state !== 'Error') return undefined;
  const lastSync = timeOf(object.status?.refreshTime);
  if (lastSync === undefined) return undefined;
  const ready = object.status?.conditions?.find(c => c?.type === 'Ready');
  const since =
    timeOf(ready?.lastTransitionTime) ?? firstSeenBroken ?? now.getTime();
  return {
    episode: new Date(lastSync).toISOString(),
    since,
    notifyFrom: since + graceOf(object, gracePeriodMs),
  };
}

/** The configured grace period, or two of the object's refresh intervals (one hour each by ESO's default). */
export function graceOf(
  object: ExternalSecretObject,
  gracePeriodMs: number | undefined,
): number {
  if (gracePeriodMs !== undefined) return gracePeriodMs;
  const interval = parseGoDuration(
    object.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
  );
  // refreshInterval 0 (never refresh) has no interval to wait: use ESO's default
  return 2 * (interval && interval > 0 ? interval : 3_600_000);
}

export function isHealthy(object: ExternalSecretObject, now: Date): boolean {
  return (
    classifyExternalSecret(asExternalSecretLike(object), now).state === 'Synced'
  );
}

export interface ClusterView {
  name: string;
  reachable: boolean;
  /** listed at least once */
  synced: boolean;
  /** since when this replica finds it unreachable, if it does */
  unreachableSince?: number;
  objects: ExternalSecretObject[];
}

export type PlannedAction =
  | {
      type: 'failing';
      subject: string;
      object: ExternalSecretObject;
      failure: Failure;
    }
  | { type: 'recovered'; open: NotifiedEpisode; object: ExternalSecretObject }
  | { type: 'gone'; open: NotifiedEpisode }
  | {
      type: 'outage';
      cause: 'unreachable' | 'failing';
      since: number;
      /** broken ExternalSecrets of the cluster (0 when it is unreachable) */
      failing: number;
      total: number;
    }
  | { type: 'outage-over'; open: NotifiedEpisode; total: number };

export interface ClusterPlan {
  actions: PlannedAction[];
  /** ExternalSecrets past their grace whose owners are not told because the cluster is out */
  held: number;
  /**
   * The cluster is out (unreachable, not listed yet, or failing at large): nothing new is told
   * to owners about it, pending rotations included
   */
  out: boolean;
}

/**
 * What to notify for one cluster now, from this replica's cache and the open episodes in the
 * ledger. Pure: the notifier executes the plan, and the ledger makes each action happen once
 * whichever replica plans it.
 *
 * A cluster is out when this replica cannot reach it for the outage grace period, or when at
 * least `minExternalSecrets` of its ExternalSecrets — and `fraction` of them — are broken at
 * once (its Vault auth broke, say). Then the platform hears of it once and the owners' failure
 * notifications are held; recoveries of earlier failures still go out while it is reachable.
 */
export function planCluster(
  view: ClusterView,
  open: readonly NotifiedEpisode[],
  settings: Pick<NotificationSettings, 'gracePeriodMs' | 'clusterOutage'>,
  now: Date,
  firstSeenBroken: (subject: string) => number | undefined = () => undefined,
): ClusterPlan {
  const nowMs = now.getTime();
  const actions: PlannedAction[] = [];
  const openBySubject = new Map(open.map(e => [e.subject, e]));
  const outage = openBySubject.get(clusterSubject(view.name));
  const { clusterOutage } = settings;

  if (!view.reachable) {
    // the cache is as old as the last answer: nothing in it is news
    if (
      !outage &&
      view.unreachableSince !== undefined &&
      nowMs - view.unreachableSince >= clusterOutage.gracePeriodMs
    ) {
      actions.push({
        type: 'outage',
        cause: 'unreachable',
        since: view.unreachableSince,
        failing: 0,
        total: view.objects.length,
      });
    }
    return { actions, held: 0, out: true };
  }
  if (!view.synced) return { actions, held: 0, out: true };

  const due: PlannedAction[] = [];
  const present = new Set<string>();
  let broken = 0;
  let brokenSince = Infinity;
  let pastGrace = 0;
  for (const object of view.objects) {
    const subject = externalSecretSubject(view.name, object);
    present.add(subject);
    const episode = openBySubject.get(subject);
    if (episode) {
      if (isHealthy(object, now)) {
        actions.push({ type: 'recovered', open: episode, object });
      }
      // a failure that was told is told once, however often it flaps unseen
      if (failureOf(object, now, settings.gracePeriodMs)) broken += 1;
      continue;
    }
    const failure = failureOf(
      object,
      now,
      settings.gracePeriodMs,
      firstSeenBroken(subject),
    );
    if (!failure) continue;
    broken += 1;
    brokenSince = Math.min(brokenSince, failure.since);
    if (nowMs >= failure.notifyFrom) {
      pastGrace += 1;
      due.push({ type: 'failing', subject, object, failure });
    }
  }
  for (const episode of open) {
    if (episode.subject.startsWith('es:') && !present.has(episode.subject)) {
      actions.push({ type: 'gone', open: episode });
    }
  }

  const total = view.objects.length;
  const massFailing =
    broken >= clusterOutage.minExternalSecrets &&
    broken >= clusterOutage.fraction * total;
  if (massFailing) {
    if (!outage && pastGrace > 0) {
      actions.push({
        type: 'outage',
        cause: 'failing',
        since: brokenSince === Infinity ? nowMs : brokenSince,
        failing: broken,
        total,
      });
    }
    return { actions, held: pastGrace, out: true };
  }
  if (outage) {
    actions.push({ type: 'outage-over', open: outage, total });
  }
  actions.push(...due);
  return { actions, held: 0, out: false };
}
