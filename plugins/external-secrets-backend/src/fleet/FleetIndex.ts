import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  classifyExternalSecret,
  type ExternalSecretStatus,
  type FleetExternalSecret,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ClusterCacheChange,
  EventObject,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import { asExternalSecretLike } from '../service/classifyInput';

/** One ExternalSecret as the fleet view keeps it: the row without its claim. */
export interface FleetRow extends Omit<FleetExternalSecret, 'claim'> {
  /** the cached object the row was computed from (shared with the cache, not a copy) */
  object: ExternalSecretObject;
  /** lower-cased name, namespace and `key=value` labels, for the search filter */
  searchText: string;
  /** whether time alone made the last sync too old when the row was computed */
  timeStale: boolean;
}

export interface FleetIndexOptions {
  clusters: ClusterCache[];
  /**
   * The row of one ExternalSecret as the status API computes it. The fleet passes a status
   * service without Vault: diagnosis from the Kubernetes objects and Events only, so that
   * 50,000 rows cost Vault nothing.
   */
  statusOf: (
    cluster: ClusterCache,
    object: ExternalSecretObject,
  ) => Promise<ExternalSecretStatus>;
  logger: LoggerService;
  now?: () => Date;
  /** how often every row is checked against its cached object and the clock; default 30 s */
  sweepIntervalMs?: number;
  /** rows computed before yielding to the event loop; default 200 */
  chunkSize?: number;
}

interface Track {
  cluster: ClusterCache;
  rows: Map<string, FleetRow>;
  dirty: Set<string>;
  /** store key → keys of the ExternalSecrets whose row was computed with that store */
  dependents: Map<string, Set<string>>;
  storeOf: Map<string, string>;
  reachable: boolean | undefined;
  unsubscribe: () => void;
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };

function objectKey(namespace: string | undefined, name: string | undefined) {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function storeKey(
  kind: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
): string {
  return kind === 'ClusterSecretStore'
    ? `ClusterSecretStore//${name ?? ''}`
    : `SecretStore/${namespace ?? ''}/${name ?? ''}`;
}

function storeKeyOf(object: ExternalSecretObject): string {
  const ref = object.spec?.secretStoreRef ?? {};
  return storeKey(
    ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore',
    object.metadata?.namespace,
    ref.name,
  );
}

function searchTextOf(row: {
  namespace: string;
  name: string;
  labels: Record<string, string>;
}): string {
  return [
    row.name,
    row.namespace,
    ...Object.entries(row.labels).map(([k, v]) => `${k}=${v}`),
  ]
    .join('\n')
    .toLowerCase();
}

/**
 * Every ExternalSecret of every cluster cache as one compact row (state, first finding, store,
 * labels), kept current from the caches' change events — no Kubernetes or Vault call. A change
 * marks the rows it touches (the ExternalSecret, every ExternalSecret of a changed store, the
 * object an Event is about) and they are recomputed in the background in small chunks; a sweep
 * catches what time alone changes (a sync getting too old) and anything a listener missed.
 * Queries read whatever is computed; `pending()` says how much is still to do.
 */
export class FleetIndex {
  private readonly options: FleetIndexOptions;
  private readonly now: () => Date;
  private readonly tracks: Track[];
  private draining: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private changes = 0;

  constructor(options: FleetIndexOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.tracks = options.clusters.map(cluster => ({
      cluster,
      rows: new Map(),
      dirty: new Set(),
      dependents: new Map(),
      storeOf: new Map(),
      reachable: undefined,
      unsubscribe: () => undefined,
    }));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const track of this.tracks) {
      track.unsubscribe = track.cluster.onChange(change =>
        this.changed(track, change),
      );
    }
    this.sweep();
    this.sweepTimer = setInterval(
      () => this.sweep(),
      this.options.sweepIntervalMs ?? 30_000,
    );
    this.sweepTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const track of this.tracks) track.unsubscribe();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.draining;
  }

  /** Rows not computed yet (or to be computed again). */
  pending(): number {
    return this.tracks.reduce((n, t) => n + t.dirty.size, 0);
  }

  /** Grows with every row that changed: derived answers can be reused while it stays. */
  get version(): number {
    return this.changes;
  }

  /** Every computed row, cluster by cluster, with its cluster cache. */
  *entries(): Generator<{ cluster: ClusterCache; row: FleetRow }> {
    for (const track of this.tracks) {
      for (const row of track.rows.values()) {
        yield { cluster: track.cluster, row };
      }
    }
  }

  /** How many rows there are in all. */
  size(): number {
    return this.tracks.reduce((n, t) => n + t.rows.size, 0);
  }

  /** Resolves once nothing is pending (tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.pending() > 0 || this.draining) {
      if (!this.draining) this.drain();
      await this.draining;
    }
  }

  /**
   * Compares every row with its cache: objects that are new, gone, replaced, whose sync got too
   * old, or whose cluster's reachability flipped are marked for recomputation.
   */
  sweep(): void {
    const now = this.now();
    for (const track of this.tracks) {
      const reachable = track.cluster.health().reachable;
      const flipped =
        track.reachable !== undefined && track.reachable !== reachable;
      track.reachable = reachable;
      const present = new Set<string>();
      for (const object of track.cluster.listExternalSecrets()) {
        const key = objectKey(
          object.metadata?.namespace,
          object.metadata?.name,
        );
        present.add(key);
        const row = track.rows.get(key);
        if (
          flipped ||
          !row ||
          row.object !== object ||
          classifyExternalSecret(asExternalSecretLike(object), now).stale !==
            row.timeStale
        ) {
          track.dirty.add(key);
        }
      }
      for (const key of track.rows.keys()) {
        if (!present.has(key)) this.remove(track, key);
      }
    }
    this.drain();
  }

  private changed(track: Track, change: ClusterCacheChange) {
    const object = change.object;
    switch (change.resource) {
      case 'ExternalSecret': {
        const key = objectKey(
          object.metadata?.namespace,
          object.metadata?.name,
        );
        if (change.type === 'deleted') {
          this.remove(track, key);
        } else {
          track.dirty.add(key);
        }
        break;
      }
      case 'ClusterSecretStore':
      case 'SecretStore':
        this.markDependents(
          track,
          storeKey(
            change.resource,
            object.metadata?.namespace,
            object.metadata?.name,
          ),
        );
        break;
      case 'Event': {
        const involved = (object as EventObject).involvedObject ?? {};
        if (involved.kind === 'ExternalSecret') {
          const key = objectKey(involved.namespace, involved.name);
          if (
            track.cluster.getExternalSecret(
              involved.namespace ?? '',
              involved.name ?? '',
            )
          ) {
            track.dirty.add(key);
          }
        } else if (
          involved.kind === 'ClusterSecretStore' ||
          involved.kind === 'SecretStore'
        ) {
          this.markDependents(
            track,
            storeKey(involved.kind, involved.namespace, involved.name),
          );
        }
        break;
      }
      default:
        return;
    }
    this.drain();
  }

  private markDependents(track: Track, store: string) {
    for (const key of track.dependents.get(store) ?? []) {
      track.dirty.add(key);
    }
  }

  private remove(track: Track, key: string) {
    track.dirty.delete(key);
    if (track.rows.delete(key)) this.changes += 1;
    const store = track.storeOf.get(key);
    if (store !== undefined) {
      track.dependents.get(store)?.delete(key);
      if (track.dependents.get(store)?.size === 0) {
        track.dependents.delete(store);
      }
      track.storeOf.delete(key);
    }
  }

  /** Starts the background recomputation unless it runs already. */
  private drain(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.run().finally(() => {
      this.draining = undefined;
    });
  }

  private async run(): Promise<void> {
    const chunkSize = this.options.chunkSize ?? 200;
    while (!this.stopped) {
      const batch: Array<{ track: Track; key: string }> = [];
      for (const track of this.tracks) {
        for (const key of track.dirty) {
          if (batch.length >= chunkSize) break;
          batch.push({ track, key });
        }
        if (batch.length >= chunkSize) break;
      }
      if (batch.length === 0) return;
      for (const { track, key } of batch) track.dirty.delete(key);
      await Promise.all(
        batch.map(({ track, key }) => this.compute(track, key)),
      );
      // let requests and watch events in between chunks
      await new Promise(resolve => setImmediate(resolve));
    }
  }

  private async compute(track: Track, key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const object = track.cluster.getExternalSecret(namespace, name);
    if (!object) {
      this.remove(track, key);
      return;
    }
    let status: ExternalSecretStatus;
    try {
      status = await this.options.statusOf(track.cluster, object);
    } catch (error) {
      // the status service turns a row's failure into a finding; this is a last resort
      this.options.logger.warn(
        `Fleet view: no row for ${track.cluster.name}/${key}: ${error}`,
      );
      return;
    }
    // the object may have been deleted or replaced while the row was computed
    if (track.cluster.getExternalSecret(namespace, name) !== object) {
      track.dirty.add(key);
      return;
    }
    const labels = { ...(object.metadata?.labels ?? {}) };
    // the most severe first, the backend's order within a severity: the same finding the
    // entity's card and tab lead with
    const finding = [...status.findings].sort(
      (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
    )[0];
    const row: FleetRow = {
      cluster: track.cluster.name,
      namespace,
      name,
      labels,
      state: status.state,
      reason: status.reason,
      finding: finding
        ? {
            code: finding.code,
            severity: finding.severity,
            summary: finding.summary,
          }
        : undefined,
      lastSyncTime: status.lastSyncTime,
      store: { kind: status.store.kind, name: status.store.name },
      object,
      searchText: searchTextOf({ namespace, name, labels }),
      timeStale: classifyExternalSecret(
        asExternalSecretLike(object),
        this.now(),
      ).stale,
    };
    track.rows.set(key, row);
    this.changes += 1;
    const store = storeKeyOf(object);
    const previous = track.storeOf.get(key);
    if (previous !== store) {
      if (previous !== undefined) track.dependents.get(previous)?.delete(key);
      if (!track.dependents.has(store)) track.dependents.set(store, new Set());
      track.dependents.get(store)!.add(key);
      track.storeOf.set(key, store);
    }
  }
}

export { storeKey as fleetStoreKey };
