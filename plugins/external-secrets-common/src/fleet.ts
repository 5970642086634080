import type {
  ClusterStatus,
  FindingCode,
  FindingSeverity,
  StoreStatus,
  SyncState,
} from './status';

/**
 * Who claims an ExternalSecret, as the caller may know it:
 *
 * - `claimed`: a catalog entity the caller can see selects it (its annotations), with the
 *   entity's owner;
 * - `hidden`: an entity selects it, but the caller may not see that entity, so neither the
 *   entity nor its owner is named;
 * - `unclaimed`: no catalog entity selects it (an orphan, to be annotated).
 *
 * @public
 */
export type FleetClaim =
  | {
      status: 'claimed';
      entityRef: string;
      /** the entity's owner (`ownedBy` relation), e.g. `group:default/payments-team` */
      ownerRef?: string;
      /** how many other entities the caller can see also claim it */
      alsoClaimedBy?: number;
    }
  | { status: 'hidden' }
  | { status: 'unclaimed' };

/** @public */
export type FleetClaimStatus = FleetClaim['status'];

/**
 * One ExternalSecret of the fleet view, reduced to what a platform engineer scans for.
 *
 * @public
 */
export interface FleetExternalSecret {
  cluster: string;
  namespace: string;
  name: string;
  /** the object's labels, so an orphan can be matched to the component it belongs to */
  labels: Record<string, string>;
  state: SyncState;
  reason?: string;
  /**
   * The first finding, from the Kubernetes objects and Events (the fleet view reads no Vault
   * configuration per row; the entity's Secrets tab adds the Vault-based diagnosis).
   */
  finding?: { code: FindingCode; severity: FindingSeverity; summary: string };
  /** ISO time of the last successful sync */
  lastSyncTime?: string;
  store: { kind: StoreStatus['kind']; name: string };
  claim: FleetClaim;
}

/**
 * Sort keys of `GET /fleet/external-secrets`. `state` orders by severity (Error first).
 *
 * @public
 */
export const FLEET_SORT_KEYS = [
  'state',
  'cluster',
  'namespace',
  'name',
  'owner',
  'finding',
  'lastSync',
] as const;

/** @public */
export type FleetSortKey = (typeof FLEET_SORT_KEYS)[number];

/**
 * The most rows one page of the fleet API returns.
 *
 * @public
 */
export const FLEET_MAX_PAGE_SIZE = 500;

/**
 * Filters, sort and page of `GET /api/external-secrets/fleet/external-secrets`. Each list
 * filter matches any of its values; different filters must all match.
 *
 * @public
 */
export interface FleetExternalSecretsQuery {
  cluster?: string[];
  /** exact namespace names */
  namespace?: string[];
  state?: SyncState[];
  /** finding codes of the first finding; `none` matches rows without a finding */
  finding?: string[];
  /** owner entity refs (only owners of entities the caller can see match) */
  owner?: string[];
  claim?: FleetClaimStatus[];
  /** case-insensitive substring of the name, namespace or a label */
  search?: string;
  sort?: FleetSortKey;
  order?: 'asc' | 'desc';
  offset?: number;
  /** 1 to {@link FLEET_MAX_PAGE_SIZE}; default 50 */
  limit?: number;
}

/**
 * How many ExternalSecrets there are in each state and claim status.
 *
 * @public
 */
export interface FleetCounts {
  total: number;
  byState: Record<SyncState, number>;
  byClaim: Record<FleetClaimStatus, number>;
}

/**
 * Answer of `GET /api/external-secrets/fleet/external-secrets`.
 *
 * @public
 */
export interface FleetExternalSecretsPage {
  generatedAt: string;
  /** the whole fleet the caller may list (filters not applied) */
  counts: FleetCounts;
  /** the rows matching the filters (before paging) */
  matching: FleetCounts;
  offset: number;
  limit: number;
  items: FleetExternalSecret[];
  /** values the filters can take, over the whole fleet, with how many rows have each */
  facets: {
    clusters: Array<{ value: string; count: number }>;
    findings: Array<{ value: string; count: number }>;
    owners: Array<{ value: string; count: number }>;
  };
  clusters: ClusterStatus[];
  /** ExternalSecrets whose row is still being computed (right after start or a re-list) */
  pending: number;
  /**
   * Set when the catalog could not say which entities you may see: every claimed row is then
   * `hidden` (names withheld rather than guessed).
   */
  visibilityError?: string;
}

/**
 * One ClusterSecretStore or SecretStore of the fleet, with the ExternalSecrets that use it.
 *
 * @public
 */
export interface FleetStore {
  cluster: string;
  kind: StoreStatus['kind'];
  /** the namespace of a SecretStore; absent for a ClusterSecretStore */
  namespace?: string;
  name: string;
  /** the store's Ready condition; undefined when it has none yet */
  ready?: boolean;
  reason?: string;
  message?: string;
  /** `vault`, or the first other provider key (`aws`, `gcpsm`, …) */
  provider?: string;
  vault?: {
    server?: string;
    path?: string;
    version?: string;
    authMountPath?: string;
    role?: string;
  };
  /** ExternalSecrets that reference this store */
  externalSecrets: number;
  /** of those, the ones in state `Error` */
  failing: number;
}

/**
 * Filters and page of `GET /api/external-secrets/fleet/stores`.
 *
 * @public
 */
export interface FleetStoresQuery {
  cluster?: string[];
  /** `true`: only stores whose Ready condition is True; `false`: the others */
  ready?: boolean;
  search?: string;
  offset?: number;
  limit?: number;
}

/**
 * Answer of `GET /api/external-secrets/fleet/stores`, sorted failing first.
 *
 * @public
 */
export interface FleetStoresPage {
  generatedAt: string;
  total: number;
  /** stores that are not Ready, over all stores (filters not applied) */
  notReady: number;
  offset: number;
  limit: number;
  items: FleetStore[];
  clusters: ClusterStatus[];
}
