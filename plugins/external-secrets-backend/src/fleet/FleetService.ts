import {
  type ClusterStatus,
  FLEET_MAX_PAGE_SIZE,
  type FleetClaim,
  type FleetClaimStatus,
  type FleetCounts,
  type FleetExternalSecret,
  type FleetExternalSecretsPage,
  type FleetExternalSecretsQuery,
  type FleetSortKey,
  type FleetStore,
  type FleetStoresPage,
  type FleetStoresQuery,
  type SyncState,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ClusterCache,
  ExternalSecretObject,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { EntityClaim } from '../history/ClaimingEntityIndex';
import { fleetStoreKey, type FleetIndex, type FleetRow } from './FleetIndex';

/** What the fleet needs of the claiming-entity index. */
export interface ClaimLookup {
  claimsOf(object: ExternalSecretObject): EntityClaim[];
  entityRefs(): readonly string[];
  readonly version: number;
}

export interface FleetServiceOptions {
  index: FleetIndex;
  claims: ClaimLookup;
  clusters: ClusterCache[];
  now?: () => Date;
}

/** Entities the caller may see, or `undefined` when that is not known (names withheld). */
export type Visibility = ReadonlySet<string> | undefined;

/** Error first, healthy last: the order a platform engineer reads the fleet in. */
const STATE_RANK: Record<SyncState, number> = {
  Error: 0,
  Stale: 1,
  Unknown: 2,
  Pending: 3,
  PendingRotation: 4,
  Synced: 5,
};

const DEFAULT_PAGE_SIZE = 50;

interface Resolved {
  row: FleetRow;
  state: SyncState;
  reason?: string;
  finding?: FleetExternalSecret['finding'];
  claim: FleetClaim;
}

function emptyCounts(): FleetCounts {
  return {
    total: 0,
    byState: {
      Synced: 0,
      PendingRotation: 0,
      Error: 0,
      Stale: 0,
      Pending: 0,
      Unknown: 0,
    },
    byClaim: { claimed: 0, hidden: 0, unclaimed: 0 },
  };
}

function count(counts: FleetCounts, item: Resolved) {
  counts.total += 1;
  counts.byState[item.state] += 1;
  counts.byClaim[item.claim.status] += 1;
}

function tally(map: Map<string, number>, value: string) {
  map.set(value, (map.get(value) ?? 0) + 1);
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function facet(map: Map<string, number>) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
    .map(([value, n]) => ({ value, count: n }));
}

function ownerOf(item: Resolved): string | undefined {
  return item.claim.status === 'claimed' ? item.claim.ownerRef : undefined;
}

/** A comparator on one key; rows without a value sort last in both orders. */
function comparator(
  key: FleetSortKey,
  order: 'asc' | 'desc',
): (a: Resolved, b: Resolved) => number {
  const sign = order === 'desc' ? -1 : 1;
  const byName = (a: Resolved, b: Resolved) =>
    compareText(a.row.cluster, b.row.cluster) ||
    compareText(a.row.namespace, b.row.namespace) ||
    compareText(a.row.name, b.row.name);
  const optional =
    (value: (item: Resolved) => string | number | undefined) =>
    (a: Resolved, b: Resolved) => {
      const x = value(a);
      const y = value(b);
      if (x === undefined || y === undefined) {
        if (x === y) return byName(a, b);
        return x === undefined ? 1 : -1;
      }
      if (x === y) return byName(a, b);
      return sign * (x < y ? -1 : 1);
    };
  switch (key) {
    case 'state':
      return (a, b) =>
        sign * (STATE_RANK[a.state] - STATE_RANK[b.state]) || byName(a, b);
    case 'cluster':
      return (a, b) => sign * byName(a, b);
    case 'namespace':
      return (a, b) =>
        sign *
        (compareText(a.row.namespace, b.row.namespace) ||
          compareText(a.row.name, b.row.name) ||
          compareText(a.row.cluster, b.row.cluster));
    case 'name':
      return (a, b) =>
        sign *
        (compareText(a.row.name, b.row.name) ||
          compareText(a.row.namespace, b.row.namespace) ||
          compareText(a.row.cluster, b.row.cluster));
    case 'owner':
      return optional(ownerOf);
    case 'finding':
      return optional(item => item.finding?.code);
    case 'lastSync':
      return optional(item =>
        item.row.lastSyncTime ? Date.parse(item.row.lastSyncTime) : undefined,
      );
    default:
      return byName;
  }
}

function claimFor(claims: EntityClaim[], visible: Visibility): FleetClaim {
  if (claims.length === 0) return { status: 'unclaimed' };
  const seen = visible ? claims.filter(c => visible.has(c.entityRef)) : [];
  if (seen.length === 0) return { status: 'hidden' };
  return {
    status: 'claimed',
    entityRef: seen[0].entityRef,
    ownerRef: seen[0].ownerRef,
    alsoClaimedBy: seen.length > 1 ? seen.length - 1 : undefined,
  };
}

function providerOf(store: SecretStoreObject): string | undefined {
  const provider = store.spec?.provider as Record<string, unknown> | undefined;
  if (!provider) return undefined;
  if (provider.vault) return 'vault';
  return Object.keys(provider)[0];
}

/**
 * Answers the fleet view from the {@link FleetIndex} and the claiming-entity index: filters,
 * counts, facets, sort and one page, all in memory. Which claiming entities are named depends
 * on the caller's visibility, asked of the catalog by the router.
 */
export class FleetService {
  private readonly options: FleetServiceOptions;
  private readonly now: () => Date;

  constructor(options: FleetServiceOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  /** Every entity ref that claims something, and the version of that list. */
  claimingEntities(): { refs: readonly string[]; version: number } {
    return {
      refs: this.options.claims.entityRefs(),
      version: this.options.claims.version,
    };
  }

  externalSecrets(
    query: FleetExternalSecretsQuery,
    visible: Visibility,
  ): FleetExternalSecretsPage {
    const health = new Map<string, ClusterStatus>(
      this.options.clusters.map(c => [c.name, c.health()]),
    );
    const counts = emptyCounts();
    const matching = emptyCounts();
    const clusters = new Map<string, number>();
    const findings = new Map<string, number>();
    const owners = new Map<string, number>();
    const selected: Resolved[] = [];
    const filter = {
      cluster: query.cluster?.length ? new Set(query.cluster) : undefined,
      namespace: query.namespace?.length ? new Set(query.namespace) : undefined,
      state: query.state?.length ? new Set<string>(query.state) : undefined,
      finding: query.finding?.length ? new Set(query.finding) : undefined,
      owner: query.owner?.length ? new Set(query.owner) : undefined,
      claim: query.claim?.length
        ? new Set<FleetClaimStatus>(query.claim)
        : undefined,
      search: query.search?.trim().toLowerCase() || undefined,
    };
    for (const { row } of this.options.index.entries()) {
      const cluster = health.get(row.cluster);
      const item: Resolved = {
        row,
        state: row.state,
        reason: row.reason,
        finding: row.finding,
        claim: claimFor(this.options.claims.claimsOf(row.object), visible),
      };
      if (
        cluster &&
        !cluster.reachable &&
        row.finding?.code !== 'CLUSTER_UNREACHABLE'
      ) {
        // the cluster went away after the row was computed: the row is its last known state
        item.state = 'Unknown';
        item.reason = 'ClusterUnreachable';
        item.finding = {
          code: 'CLUSTER_UNREACHABLE',
          severity: 'warning',
          summary: `Cluster ${row.cluster} cannot be reached; this row shows the last known state (${row.state}).`,
        };
      }
      count(counts, item);
      tally(clusters, row.cluster);
      if (item.finding) tally(findings, item.finding.code);
      const owner = ownerOf(item);
      if (owner) tally(owners, owner);

      if (filter.cluster && !filter.cluster.has(row.cluster)) continue;
      if (filter.namespace && !filter.namespace.has(row.namespace)) continue;
      if (filter.state && !filter.state.has(item.state)) continue;
      if (filter.finding && !filter.finding.has(item.finding?.code ?? 'none'))
        continue;
      if (filter.owner && !(owner && filter.owner.has(owner))) continue;
      if (filter.claim && !filter.claim.has(item.claim.status)) continue;
      if (filter.search && !row.searchText.includes(filter.search)) continue;
      count(matching, item);
      selected.push(item);
    }
    selected.sort(comparator(query.sort ?? 'state', query.order ?? 'asc'));
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(
      FLEET_MAX_PAGE_SIZE,
      Math.max(1, query.limit ?? DEFAULT_PAGE_SIZE),
    );
    for (const c of this.options.clusters) {
      if (!clusters.has(c.name)) clusters.set(c.name, 0);
    }
    return {
      generatedAt: this.now().toISOString(),
      counts,
      matching,
      offset,
      limit,
      items: selected.slice(offset, offset + limit).map(item => ({
        cluster: item.row.cluster,
        namespace: item.row.namespace,
        name: item.row.name,
        labels: item.row.labels,
        state: item.state,
        reason: item.reason,
        finding: item.finding,
        lastSyncTime: item.row.lastSyncTime,
        store: item.row.store,
        claim: item.claim,
      })),
      facets: {
        clusters: facet(clusters),
        findings: facet(findings),
        owners: facet(owners),
      },
      clusters: [...health.values()],
      pending: this.options.index.pending(),
    };
  }

  stores(query: FleetStoresQuery): FleetStoresPage {
    const dependents = new Map<string, { total: number; failing: number }>();
    for (const { row } of this.options.index.entries()) {
      const key = `${row.cluster}\n${fleetStoreKey(
        row.store.kind,
        row.namespace,
        row.store.name,
      )}`;
      const entry = dependents.get(key) ?? { total: 0, failing: 0 };
      entry.total += 1;
      if (row.state === 'Error') entry.failing += 1;
      dependents.set(key, entry);
    }
    const search = query.search?.trim().toLowerCase() || undefined;
    const clusters = query.cluster?.length ? new Set(query.cluster) : undefined;
    const all: FleetStore[] = [];
    for (const cluster of this.options.clusters) {
      for (const kind of ['ClusterSecretStore', 'SecretStore'] as const) {
        for (const store of cluster.listStores(kind)) {
          const namespace =
            kind === 'SecretStore' ? store.metadata?.namespace : undefined;
          const name = store.metadata?.name ?? '';
          const ready = store.status?.conditions?.find(
            c => c?.type === 'Ready',
          );
          const vault = store.spec?.provider?.vault;
          const usage = dependents.get(
            `${cluster.name}\n${fleetStoreKey(kind, namespace, name)}`,
          ) ?? { total: 0, failing: 0 };
          all.push({
            cluster: cluster.name,
            kind,
            namespace,
            name,
            ready: ready ? ready.status === 'True' : undefined,
            reason: ready?.reason,
            message: ready?.message,
            provider: providerOf(store),
            vault: vault
              ? {
                  server: vault.server,
                  path: vault.path,
                  version: vault.version,
                  authMountPath: vault.auth?.kubernetes?.mountPath,
                  role: vault.auth?.kubernetes?.role,
                }
              : undefined,
            externalSecrets: usage.total,
            failing: usage.failing,
          });
        }
      }
    }
    const notReady = all.filter(s => s.ready !== true).length;
    const selected = all.filter(
      s =>
        (!clusters || clusters.has(s.cluster)) &&
        (query.ready === undefined || (s.ready === true) === query.ready) &&
        (!search ||
          `${s.name}\n${s.namespace ?? ''}\n${s.vault?.server ?? ''}\n${
            s.vault?.role ?? ''
          }`
            .toLowerCase()
            .includes(search)),
    );
    // not ready first, then the most failing dependents, then by name
    selected.sort(
      (a, b) =>
        Number(a.ready === true) - Number(b.ready === true) ||
        b.failing - a.failing ||
        compareText(a.cluster, b.cluster) ||
        compareText(a.kind, b.kind) ||
        compareText(a.namespace ?? '', b.namespace ?? '') ||
        compareText(a.name, b.name),
    );
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(
      FLEET_MAX_PAGE_SIZE,
      Math.max(1, query.limit ?? DEFAULT_PAGE_SIZE),
    );
    return {
      generatedAt: this.now().toISOString(),
      total: selected.length,
      notReady,
      offset,
      limit,
      items: selected.slice(offset, offset + limit),
      clusters: this.options.clusters.map(c => c.health()),
    };
  }
}
