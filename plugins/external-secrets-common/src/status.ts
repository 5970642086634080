import type { SecretConsumers } from './consumers';
import type { SecretFreshness } from './freshness';

/**
 * The sync state of one ExternalSecret, as the status API reports it.
 *
 * - `Synced`: Ready=True, the current spec was processed and the last sync is recent.
 * - `Error`: Ready=False; the message says why.
 * - `Stale`: Ready=True but the last successful sync is older than twice the refresh interval,
 *   or the controller has not processed the current spec yet.
 * - `PendingRotation`: synced and healthy, but Vault holds a version of a key written after the
 *   last successful sync: the Secret still has the previous value until ESO's next read.
 * - `Pending`: the controller has not reported on the object yet.
 * - `Unknown`: the controller's report cannot be interpreted (Ready=Unknown, unknown values).
 *
 * @public
 */
export type SyncState =
  | 'Synced'
  | 'PendingRotation'
  | 'Error'
  | 'Stale'
  | 'Pending'
  | 'Unknown';

/** @public */
export const SYNC_STATES: readonly SyncState[] = [
  'Synced',
  'PendingRotation',
  'Error',
  'Stale',
  'Pending',
  'Unknown',
];

/**
 * The problems diagnosis can recognise and name. Codes are API: keep them stable.
 *
 * @public
 */
export type FindingCode =
  | 'VAULT_AUTH_HOST_MISMATCH'
  | 'VAULT_AUTH_CA_MISMATCH'
  | 'REVIEWER_JWT_REJECTED'
  | 'ROLE_BINDING_MISMATCH'
  | 'ROLE_MISSING'
  | 'POLICY_MISSING_KV2_DATA_PATH'
  | 'POLICY_DENIES_PATH'
  | 'PROPERTY_MISSING'
  | 'SECRET_PATH_MISSING'
  | 'STORE_NOT_READY'
  | 'STORE_MISSING'
  | 'STORE_PATH_INCLUDES_DATA'
  | 'AUDIENCE_MISMATCH'
  | 'ISSUER_INVALID'
  | 'VAULT_CA_UNTRUSTED'
  | 'VAULT_UNREACHABLE'
  | 'STALE_SYNC'
  | 'NOT_PROCESSED'
  | 'TARGET_SECRET_MISSING'
  | 'CLUSTER_UNREACHABLE'
  | 'VAULT_FACTS_PENDING'
  | 'STATUS_UNAVAILABLE'
  | 'VAULT_TLS_HOSTNAME_MISMATCH'
  | 'VAULT_CERT_EXPIRED'
  | 'VAULT_CONNECTION_FAILED'
  | 'VAULT_SEALED'
  | 'VAULT_RATE_LIMITED'
  | 'VAULT_NOT_ANSWERING_AS_VAULT'
  | 'VAULT_MOUNT_NOT_FOUND'
  | 'VAULT_TOKEN_REJECTED'
  | 'VAULT_LOGIN_DENIED'
  | 'STORE_NAMESPACE_NOT_ALLOWED'
  | 'SERVICE_ACCOUNT_NOT_FOUND'
  | 'SERVICE_ACCOUNT_REF_FOREIGN_NAMESPACE'
  | 'KV_VERSION_MISMATCH'
  | 'POLICY_DENIES_LIST'
  | 'POLICY_UNPARSEABLE'
  | 'FORCE_SYNC_IGNORED'
  | 'CES_NO_NAMESPACE_SELECTED'
  | 'CES_EXTERNAL_SECRET_CONFLICT'
  | 'CES_EXTERNAL_SECRET_REJECTED'
  | 'CES_NAMESPACE_TERMINATING'
  | 'CES_EXTERNAL_SECRET_FAILING'
  | 'PUSH_SOURCE_SECRET_MISSING'
  | 'PUSH_SECRET_KEY_MISSING'
  | 'PUSH_NOT_MANAGED_BY_ESO'
  | 'PUSH_POLICY_DENIES'
  | 'PUSH_CAS_REQUIRED'
  | 'PUSH_DELETE_FAILED'
  | 'PUSH_IF_NOT_EXISTS_KEPT'
  | 'PUSH_SOURCE_DELETED'
  | 'UNRECOGNISED_ERROR'
  | 'DIAGNOSIS_FAILED';

/** @public */
export type FindingSeverity = 'error' | 'warning' | 'info';

/**
 * One diagnosed problem, in plain words, with what to do about it. `evidence` holds object
 * names and Vault paths only, never a secret value or a token.
 *
 * @public
 */
export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  summary: string;
  fix: string;
  evidence: Record<string, string>;
}

/**
 * A Kubernetes status condition as ESO writes it.
 *
 * @public
 */
export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** @public */
export interface StoreStatus {
  kind: 'ClusterSecretStore' | 'SecretStore';
  name: string;
  /** false when the store object does not exist in the cluster */
  found: boolean;
  /** the store's Ready condition; undefined when it has none yet */
  ready?: boolean;
  reason?: string;
  message?: string;
  /** Vault server, mount and auth role of the store, when its provider is Vault */
  vault?: {
    server?: string;
    path?: string;
    version?: string;
    authMountPath?: string;
    role?: string;
    /** the Vault policies the auth role grants (`token_policies`), when diagnosis could read them */
    policies?: string[];
    serviceAccount?: { name?: string; namespace?: string };
  };
}

/** @public */
export interface TargetSecretStatus {
  name: string;
  exists: boolean;
  /** the Secret's data key names (never values) */
  keys: string[];
}

/** @public */
export interface RemoteRefStatus {
  /** key in the target Secret, for `spec.data[]` entries */
  secretKey?: string;
  /** `remoteRef.key` (relative to the store's mount, no `data/`) */
  key: string;
  property?: string;
  /** the Vault API path this key is read from, when the store is a Vault store */
  vaultPath?: string;
  /** true for `spec.dataFrom[]` entries */
  dataFrom?: boolean;
  /**
   * Where the reference comes from: `spec.data[]`, `spec.dataFrom[].extract` (one secret, all
   * its properties) or `spec.dataFrom[].find` (every secret under a path, found by LIST).
   * Absent in answers of older backends: read it as `data`, or `extract` when `dataFrom` is set.
   */
  source?: 'data' | 'extract' | 'find';
  /** for `find`: the name pattern (`find.name.regexp`) or metadata tags it selects by */
  find?: { nameRegexp?: string; tags?: Record<string, string> };
}

/**
 * ESO's `spec.refreshPolicy` (external-secrets.io/v1 since ESO v0.16): `Periodic` (the default)
 * re-syncs every `refreshInterval`, `OnChange` only when the ExternalSecret changes,
 * `CreatedOnce` syncs once and never again.
 *
 * @public
 */
export type RefreshPolicy = 'Periodic' | 'OnChange' | 'CreatedOnce';

/**
 * Whether "Sync now" (ESO's `force-sync` annotation) makes ESO sync this ExternalSecret. ESO
 * ignores it for `CreatedOnce` after the first sync and for `Periodic` with
 * `refreshInterval: 0` once synced; `reason` says so in words.
 *
 * @public
 */
export interface ForceSyncEffect {
  effective: boolean;
  reason?: string;
}

/**
 * A state an ExternalSecret's history records: a {@link SyncState}, or `Deleted` once the object
 * is gone from its cluster.
 *
 * @public
 */
export type HistoryState = SyncState | 'Deleted';

/**
 * One change of an ExternalSecret's state, as the sync history stores it. Never holds a value:
 * states, ESO's reason and a finding code only.
 *
 * @public
 */
export interface StateTransition {
  /** ISO time the new state began (ESO's condition time when it tells, else when it was seen) */
  at: string;
  /** the previous state; absent for the first state ever recorded for the object */
  from?: HistoryState;
  to: HistoryState;
  /** ESO's Ready reason (or the backend's) at the time, e.g. `SecretSyncedError` */
  reason?: string;
  /** the first diagnosed finding at the time, e.g. `PROPERTY_MISSING` */
  findingCode?: string;
}

/**
 * Health of one ExternalSecret.
 *
 * @public
 */
export interface ExternalSecretStatus {
  cluster: string;
  namespace: string;
  name: string;
  state: SyncState;
  reason?: string;
  message?: string;
  /** ISO time of the last successful sync (`status.refreshTime`) */
  lastSyncTime?: string;
  refreshInterval?: string;
  /** `spec.refreshPolicy`; absent means ESO's default, `Periodic` */
  refreshPolicy?: RefreshPolicy;
  /** what "Sync now" would do; absent in answers of older backends (read it as effective) */
  syncNow?: ForceSyncEffect;
  /** true when the target Secret is rendered from `spec.target.template` */
  templated?: boolean;
  stale: boolean;
  store: StoreStatus;
  target: TargetSecretStatus;
  remoteRefs: RemoteRefStatus[];
  conditions: StatusCondition[];
  findings: Finding[];
  /** link to the GitOps PR or file the manifest came from, when known */
  sourceLocation?: string;
  /**
   * The last state changes from the sync history, newest first (absent when the history is off
   * or could not be read).
   */
  transitions?: StateTransition[];
  /**
   * When the ExternalSecret was last seen healthy: the answer's time while it is `Synced`,
   * otherwise when it left `Synced` (from the history); absent when it never was in the kept
   * history.
   */
  lastHealthyAt?: string;
  /**
   * Vault's current version of each remote key against the last sync (KV metadata only); absent
   * when the store is not on the backend's Vault or in answers of older backends.
   */
  freshness?: SecretFreshness;
  /**
   * The workloads using the target Secret and whether they see its current value; absent when
   * the backend does not watch Pods in that cluster (or in answers of older backends).
   */
  consumers?: SecretConsumers;
  /** why consumers are missing although Pods are watched (e.g. no RBAC on pods) */
  consumersError?: string;
}

/**
 * Reachability of one configured cluster.
 *
 * @public
 */
export interface ClusterStatus {
  name: string;
  reachable: boolean;
  /** true once the cluster's caches have listed everything at least once */
  synced: boolean;
  lastSyncTime?: string;
  error?: string;
}

/**
 * Response of `GET /api/external-secrets/entities/:namespace/:kind/:name/status`.
 *
 * @public
 */
export interface EntityExternalSecretsStatus {
  entityRef: string;
  generatedAt: string;
  /** the worst state over all ExternalSecrets; `Unknown` when there are none */
  overall: SyncState;
  counts: Record<SyncState, number>;
  clusters: ClusterStatus[];
  externalSecrets: ExternalSecretStatus[];
  /** set when the sync history could not be read for this answer; the states still stand */
  historyError?: string;
  /**
   * true when this backend offers "Restart workload" (`externalSecrets.workloadRestart.enabled`);
   * the caller still needs `external-secrets.workload.restart`
   */
  workloadRestart?: boolean;
  /**
   * The entity's ClusterExternalSecrets (labelled for it, or owning one of its ExternalSecrets);
   * absent in answers of older backends. Not counted in `overall`/`counts`.
   */
  clusterExternalSecrets?: ClusterExternalSecretStatus[];
  /** The entity's PushSecrets; absent in answers of older backends. Not counted in `overall`. */
  pushSecrets?: PushSecretStatus[];
}

/**
 * Health of one ClusterExternalSecret: which namespaces got its ExternalSecret, which failed
 * and why (ESO's `status.failedNamespaces`), and which provisioned ExternalSecrets fail.
 *
 * @public
 */
export interface ClusterExternalSecretStatus {
  cluster: string;
  name: string;
  /** `Synced` when ESO provisioned every selected namespace, `Error` when one failed */
  state: SyncState;
  message?: string;
  /** the name of the ExternalSecret created in each namespace */
  externalSecretName: string;
  provisionedNamespaces: string[];
  failedNamespaces: Array<{ namespace: string; reason: string }>;
  /** provisioned ExternalSecrets that do not sync, with their own first finding */
  failingExternalSecrets: Array<{
    namespace: string;
    name: string;
    state: SyncState;
    findingCode?: FindingCode;
  }>;
  conditions: StatusCondition[];
  findings: Finding[];
}

/**
 * ESO's `spec.updatePolicy` of a PushSecret: `Replace` (default) overwrites the provider's
 * value, `IfNotExists` leaves an existing one alone.
 *
 * @public
 */
export type PushUpdatePolicy = 'Replace' | 'IfNotExists';

/**
 * ESO's `spec.deletionPolicy` of a PushSecret: `None` (default) leaves pushed values in the
 * provider, `Delete` removes them when the PushSecret (or an entry, or the source) goes.
 *
 * @public
 */
export type PushDeletionPolicy = 'None' | 'Delete';

/**
 * Health of one PushSecret (external-secrets.io/v1alpha1): a Kubernetes Secret pushed to Vault.
 *
 * @public
 */
export interface PushSecretStatus {
  cluster: string;
  namespace: string;
  name: string;
  state: SyncState;
  reason?: string;
  /** ESO's error (Warning Event or condition) or its success text */
  message?: string;
  lastSyncTime?: string;
  refreshInterval?: string;
  updatePolicy: PushUpdatePolicy;
  deletionPolicy: PushDeletionPolicy;
  /** the source Secret (`spec.selector.secret.name`) */
  sourceSecret?: string;
  /** the stores pushed to, by name, or `labelSelector` when picked by labels */
  stores: Array<{ kind: 'ClusterSecretStore' | 'SecretStore'; name: string }>;
  /** what ESO reports as pushed (`status.syncedPushSecrets`), per store */
  pushed: Array<{ store: string; remoteKey: string; property?: string }>;
  conditions: StatusCondition[];
  findings: Finding[];
}

/**
 * Body of `POST .../refresh`: which ExternalSecret to sync now.
 *
 * @public
 */
export interface RefreshTarget {
  cluster: string;
  namespace: string;
  name: string;
}

/**
 * A workload to restart (`POST .../restart`): one that consumes the target Secret of the
 * entity's ExternalSecret `externalSecret` in `cluster`/`namespace`.
 *
 * @public
 */
export interface WorkloadRestartTarget {
  cluster: string;
  namespace: string;
  externalSecret: string;
  kind: RestartableWorkloadKind;
  name: string;
}

/**
 * The workload kinds a rollout restart applies to (those with a pod template).
 *
 * @public
 */
export type RestartableWorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet';

/** @public */
export const RESTARTABLE_WORKLOAD_KINDS: readonly RestartableWorkloadKind[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
];

const SEVERITY_ORDER: readonly SyncState[] = [
  'Error',
  'Stale',
  'Unknown',
  'Pending',
  'PendingRotation',
  'Synced',
];

/**
 * The worst of several states, from worst to best: Error, Stale, Unknown, Pending,
 * PendingRotation, Synced; `Unknown` for none.
 *
 * @public
 */
export function worstState(states: readonly SyncState[]): SyncState {
  if (states.length === 0) {
    return 'Unknown';
  }
  return SEVERITY_ORDER.find(s => states.includes(s)) ?? 'Unknown';
}

/**
 * How many ExternalSecrets are in each state.
 *
 * @public
 */
export function countStates(
  states: readonly SyncState[],
): Record<SyncState, number> {
  const counts = {
    Synced: 0,
    PendingRotation: 0,
    Error: 0,
    Stale: 0,
    Pending: 0,
    Unknown: 0,
  };
  for (const state of states) {
    counts[state] += 1;
  }
  return counts;
}
