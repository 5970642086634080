import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  classifyExternalSecret,
  DEFAULT_REFRESH_INTERVAL,
  ExternalSecretStatus,
  HistoryState,
  parseGoDuration,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterCacheChange,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../service/classifyInput';
import type {
  StoredTransition,
  TransitionRecord,
  TransitionStore,
} from './TransitionStore';

export interface TransitionRecorderOptions {
  clusters: ClusterCache[];
  store: Pick<TransitionStore, 'record' | 'latestByUid'>;
  logger: LoggerService;
  /** the row the status API would show for the object (reason, first finding) */
  statusOf?: (
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ) => Promise<ExternalSecretStatus>;
  /** the catalog entity that claims the object */
  entityRefOf?: (object: ExternalSecretObject) => string | undefined;
  /** settles when `entityRefOf` can answer (the catalog was read once) */
  entitiesReady?: () => Promise<void>;
  now?: () => Date;
  /** how often every cached object is classified again (time alone makes a sync Stale) */
  sweepIntervalMs?: number;
  /** how long a first transition waits for others to be written in the same batch */
  flushDelayMs?: number;
  batchSize?: number;
  /** bound of the write queue; the oldest queued transitions are dropped beyond it */
  maxQueued?: number;
  /** how long the finding of one batch may take (Vault is read for failing rows) */
  findingBudgetMs?: number;
  /** how often a cluster that is not listed yet is checked again */
  readyPollMs?: number;
}

interface Known {
  state: HistoryState;
  at: number;
}

interface Pending {
  cluster: ClusterCache;
  /** the object the new state was read from; absent for a deletion */
  object?: ExternalSecretObject;
  record: TransitionRecord;
}

interface ClusterTrack {
  cluster: ClusterCache;
  /** uid → newest state this replica knows (stored or observed) */
  known: Map<string, Known>;
  ready: boolean;
  unsubscribe: () => void;
}

function timeOf(value: string | Date | null | undefined): number | undefined {
  if (!value) return undefined;
  const parsed = new Date(value).getTime();
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Records every state transition of every cached ExternalSecret in the {@link TransitionStore}.
 *
 * Each replica runs one and sees the same watch events; the store's unique key (cluster, uid,
 * resourceVersion, new state) turns the second write of a transition into a no-op, so no leader
 * is needed and no transition is missed while a replica restarts. On start, the newest stored
 * state of every object is compared with the cluster's first full list: what changed while no
 * backend was watching — including deletions — is recorded then.
 *
 * States are ESO's as classified (`classifyExternalSecret`), never the backend's own view of
 * reachability: a cluster this replica cannot reach records nothing until it answers again.
 * `onRecorded` listeners hear only the transitions this replica was the one to write — once per
 * transition across all replicas (what a notifier needs).
 */
export class TransitionRecorder {
  private readonly options: TransitionRecorderOptions;
  private readonly now: () => Date;
  private readonly tracks: ClusterTrack[];
  private readonly listeners = new Set<
    (transitions: StoredTransition[]) => void
  >();
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<boolean> | undefined;
  private stopped = true;
  private retryDelayMs = 1000;
  private dropped = 0;

  constructor(options: TransitionRecorderOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.tracks = options.clusters.map(cluster => ({
      cluster,
      known: new Map(),
      ready: false,
      unsubscribe: () => undefined,
    }));
  }

  /** Starts following every cluster; returns at once (each cluster joins once it is listed). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const track of this.tracks) {
      track.unsubscribe = track.cluster.onChange(change =>
        this.changed(track, change),
      );
      void this.join(track);
    }
    const sweepMs = this.options.sweepIntervalMs ?? 30_000;
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref?.();
  }

  /** Stops following and writes what is queued (bounded by the store's own timeouts). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const track of this.tracks) {
      track.unsubscribe();
      track.ready = false;
    }
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.sweepTimer = undefined;
    this.flushTimer = undefined;
    await this.flush();
  }

  /** Listens to the transitions this replica wrote; returns the unsubscribe function. */
  onRecorded(listener: (transitions: StoredTransition[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True once every cluster was compared with the stored history. */
  isCaughtUp(): boolean {
    return this.tracks.every(t => t.ready);
  }

  /** How many objects this replica follows and how many transitions wait to be written. */
  stats(): { followed: number; queued: number; dropped: number } {
    return {
      followed: this.tracks.reduce((n, t) => n + t.known.size, 0),
      queued: this.queue.length,
      dropped: this.dropped,
    };
  }

  /** Classifies every object of every listed, reachable cluster again. */
  sweep(): void {
    for (const track of this.tracks) {
      if (!track.ready || !track.cluster.health().reachable) continue;
      for (const object of track.cluster.listExternalSecrets()) {
        this.observe(track, object);
      }
    }
  }

  /** Writes everything queued now (also what `flushDelayMs` would have waited for). */
  async flush(): Promise<void> {
    while (this.flushing) {
      await this.flushing;
    }
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.queue.length > 0) {
      this.flushing = this.writeBatch();
      try {
        const ok = await this.flushing;
        if (!ok) break;
      } finally {
        this.flushing = undefined;
      }
    }
  }

  private async join(track: ClusterTrack): Promise<void> {
    const pollMs = this.options.readyPollMs ?? 500;
    const pause = () =>
      new Promise(resolve => setTimeout(resolve, pollMs).unref?.());
    while (!this.stopped && !track.cluster.health().synced) {
      await pause();
    }
    await this.options.entitiesReady?.();
    // Read after the first list is in, so what other replicas wrote meanwhile is known.
    let stored: Map<string, StoredTransition> | undefined;
    while (!this.stopped && !stored) {
      try {
        stored = await this.options.store.latestByUid(track.cluster.name);
      } catch (error) {
        this.options.logger.warn(
          `Sync history: cannot read the stored states of cluster ${track.cluster.name}, retrying: ${error}`,
        );
        await pause();
      }
    }
    if (this.stopped || !stored) return;
    for (const [uid, last] of stored) {
      track.known.set(uid, {
        state: last.to,
        at: last.occurredAt.getTime(),
      });
    }
    track.ready = true;
    const present = new Set<string>();
    for (const object of track.cluster.listExternalSecrets()) {
      if (object.metadata?.uid) present.add(object.metadata.uid);
      this.observe(track, object);
    }
    // Gone while no backend watched: the newest stored row names the object.
    for (const [uid, last] of stored) {
      if (!present.has(uid) && last.to !== 'Deleted') {
        this.enqueueDeleted(track, {
          uid,
          namespace: last.namespace,
          name: last.name,
          entityRef: last.entityRef,
        });
      }
    }
  }

  private changed(track: ClusterTrack, change: ClusterCacheChange) {
    if (!track.ready || change.resource !== 'ExternalSecret') return;
    const object = change.object as ExternalSecretObject;
    if (change.type === 'deleted') {
      const uid = object.metadata?.uid;
      if (!uid) return;
      this.enqueueDeleted(track, {
        uid,
        namespace: object.metadata?.namespace ?? '',
        name: object.metadata?.name ?? '',
        entityRef: this.options.entityRefOf?.(object),
        deletedAt: timeOf(object.metadata?.deletionTimestamp),
      });
      return;
    }
    this.observe(track, object);
  }

  private observe(track: ClusterTrack, object: ExternalSecretObject) {
    const uid = object.metadata?.uid;
    if (!uid) return;
    const now = this.now();
    const classification = classifyExternalSecret(
      asExternalSecretLike(object),
      now,
    );
    const state = classification.state;
    const previous = track.known.get(uid);
    if (previous?.state === state) return;
    const occurredAt = this.occurredAt(object, state, previous, now);
    track.known.set(uid, { state, at: occurredAt });
    this.enqueue({
      cluster: track.cluster,
      object,
      record: {
        cluster: track.cluster.name,
        namespace: object.metadata?.namespace ?? '',
        name: object.metadata?.name ?? '',
        uid,
        from: previous?.state,
        to: state,
        reason: classification.reason,
        resourceVersion: object.metadata?.resourceVersion ?? '',
        occurredAt: new Date(occurredAt),
      },
    });
  }

  /**
   * When the new state began, as well as the object tells: ESO's Ready transition time for a
   * Ready flip, the moment the last sync became too old for Stale, the creation for Pending;
   * the observation time otherwise. Never before the previous transition, never in the future.
   */
  private occurredAt(
    object: ExternalSecretObject,
    state: HistoryState,
    previous: Known | undefined,
    now: Date,
  ): number {
    const floor = previous?.at ?? -Infinity;
    const nowMs = now.getTime();
    let candidate: number | undefined;
    const ready = object.status?.conditions?.find(c => c?.type === 'Ready');
    if (state === 'Synced' || state === 'Error') {
      candidate = timeOf(ready?.lastTransitionTime);
    } else if (state === 'Stale') {
      const refreshed = timeOf(object.status?.refreshTime);
      const interval = parseGoDuration(
        object.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
      );
      if (refreshed !== undefined && interval) {
        candidate = refreshed + 2 * interval;
      }
    } else if (state === 'Pending') {
      candidate = timeOf(object.metadata?.creationTimestamp);
    }
    if (candidate === undefined || candidate <= floor || candidate > nowMs) {
      return Math.max(nowMs, floor === -Infinity ? nowMs : floor);
    }
    return candidate;
  }

  private enqueueDeleted(
    track: ClusterTrack,
    gone: {
      uid: string;
      namespace: string;
      name: string;
      entityRef?: string;
      deletedAt?: number;
    },
  ) {
    const previous = track.known.get(gone.uid);
    track.known.delete(gone.uid);
    if (previous?.state === 'Deleted') return;
    const nowMs = this.now().getTime();
    const at =
      gone.deletedAt !== undefined && gone.deletedAt <= nowMs
        ? Math.max(gone.deletedAt, previous?.at ?? -Infinity)
        : nowMs;
    this.enqueue({
      cluster: track.cluster,
      record: {
        cluster: track.cluster.name,
        namespace: gone.namespace,
        name: gone.name,
        uid: gone.uid,
        entityRef: gone.entityRef,
        from: previous?.state,
        to: 'Deleted',
        // a uid is deleted once: every replica writes the same key
        resourceVersion: '',
        occurredAt: new Date(at),
      },
    });
  }

  private enqueue(pending: Pending) {
    const max = this.options.maxQueued ?? 100_000;
    this.queue.push(pending);
    if (this.queue.length > max) {
      const excess = this.queue.length - max;
      this.queue.splice(0, excess);
      this.dropped += excess;
      this.options.logger.warn(
        `Sync history: the database falls behind, ${excess} transition(s) dropped (the next start records the current states again)`,
      );
    }
    const batchSize = this.options.batchSize ?? 500;
    if (this.queue.length >= batchSize) {
      void this.flush();
    } else if (!this.flushTimer && !this.flushing) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, this.options.flushDelayMs ?? 250);
      this.flushTimer.unref?.();
    }
  }

  /** Writes one batch; false when the store failed (the batch stays queued, retried later). */
  private async writeBatch(): Promise<boolean> {
    const batchSize = this.options.batchSize ?? 500;
    const batch = this.queue.slice(0, batchSize);
    const records = await Promise.all(batch.map(p => this.complete(p)));
    let written: StoredTransition[];
    try {
      written = await this.options.store.record(records, this.now());
    } catch (error) {
      this.options.logger.warn(
        `Sync history: writing ${records.length} transition(s) failed, retrying in ${this.retryDelayMs} ms: ${error}`,
      );
      if (!this.flushTimer && !this.stopped) {
        this.flushTimer = setTimeout(() => {
          this.flushTimer = undefined;
          void this.flush();
        }, this.retryDelayMs);
        this.flushTimer.unref?.();
      }
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, 60_000);
      return false;
    }
    this.retryDelayMs = 1000;
    this.queue.splice(0, batch.length);
    if (written.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(written);
        } catch (error) {
          this.options.logger.error(`Sync history listener failed: ${error}`);
        }
      }
    }
    return true;
  }

  /** Adds what the status row knows: the claiming entity and the first finding. */
  private async complete(pending: Pending): Promise<TransitionRecord> {
    const record = { ...pending.record };
    if (!pending.object) return record;
    record.entityRef ??= this.options.entityRefOf?.(pending.object);
    if (!this.options.statusOf || record.to === 'Synced') return record;
    const budget = this.options.findingBudgetMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const row = await Promise.race([
        this.options.statusOf(pending.cluster, pending.object),
        new Promise<undefined>(resolve => {
          timer = setTimeout(() => resolve(undefined), budget);
          timer.unref?.();
        }),
      ]);
      const finding = row?.findings.find(f => f.code !== 'CLUSTER_UNREACHABLE');
      record.findingCode = finding?.code;
      if (row?.reason && row.reason !== 'ClusterUnreachable') {
        record.reason = row.reason;
      }
    } catch (error) {
      this.options.logger.debug(
        `Sync history: no finding for ${record.namespace}/${record.name}: ${error}`,
      );
    } finally {
      if (timer) clearTimeout(timer);
    }
    return record;
  }
}
