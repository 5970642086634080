import type {
  Classification,
  EventLike,
  Finding,
  FindingCode,
  KvVersion,
  StatusCondition,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  ExternalSecretObject,
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  SecretStoreObject,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { ErrorSignals } from './errorText';

/**
 * What diagnosis learned from Vault's configuration for one store. `null` means "read, and it
 * does not exist"; `undefined` means "not read".
 */
export interface VaultFacts {
  authConfig?: KubernetesAuthConfigInfo | null;
  role?: KubernetesRoleInfo | null;
  /** policy name → policy text (null when the policy does not exist) */
  policies?: Record<string, string | null>;
  /** remoteRef key → whether the KV secret exists (from its metadata, never its data) */
  kvExists?: Record<string, boolean>;
  /** the KV version of the store's mount, as Vault reports it */
  kvVersion?: 1 | 2;
  /** why Vault could not be read, when it could not */
  error?: string;
}

/** The cluster an ExternalSecret lives in, as the backend reaches it. */
export interface ClusterFacts {
  name: string;
  /** the API server URL the backend uses (from config or kubeconfig) */
  url?: string;
  /** the CA the backend trusts for that API server, as PEM, however it is configured */
  caPem?: string;
  /** `caData` as configured (base64 PEM or PEM); read when `caPem` is absent */
  caData?: string;
}

/** Everything diagnosis looks at for one ExternalSecret; all of it already in memory. */
export interface DiagnosisInput {
  externalSecret: ExternalSecretObject;
  classification: Classification;
  storeKind: string;
  storeName: string;
  /** undefined when the referenced store does not exist in the cluster */
  store?: SecretStoreObject;
  externalSecretWarning?: EventLike;
  storeWarning?: EventLike;
  targetExists: boolean;
  cluster: ClusterFacts;
  vault?: VaultFacts;
}

/** One reference ESO resolves through the store, with the Vault paths it touches. */
export interface RefTarget {
  source: 'data' | 'extract' | 'find';
  /** `remoteRef.key`, `extract.key` or `find.path` (may be empty for a find over the mount) */
  key: string;
  property?: string;
  /** the path ESO reads (data), or LISTs (find) */
  path: string;
  /** the metadata path of the key (KV v2), where existence is checked */
  metadataPath: string;
}

/** A message ESO wrote about this row, and the object it is on (for `kubectl describe`). */
export interface RowMessage {
  /** `ExternalSecret ns/name`, `ClusterSecretStore name`, `SecretStore ns/name` */
  object: string;
  describe: string;
  channel: 'event' | 'condition';
  text: string;
}

/** What every rule reads: the input plus everything derived from it once. */
export interface DiagnosisContext {
  input: DiagnosisInput;
  classification: Classification;
  externalSecretRef: string;
  storeRef: string;
  storeKind: string;
  storeName: string;
  /** the namespace of a namespaced SecretStore (that of the ExternalSecret) */
  storeNamespace?: string;
  storeReady?: StatusCondition;
  vaultSpec?: NonNullable<
    NonNullable<SecretStoreObject['spec']>['provider']
  >['vault'];
  authMount: string;
  roleName?: string;
  serviceAccount?: { name?: string; namespace?: string; audiences?: string[] };
  /** the store's `path` without slashes; '' when unset */
  mount: string;
  /** the KV version the store declares (ESO builds its paths with it) */
  storeKvVersion: KvVersion;
  /** true when the ExternalSecret fails or its store is not ready */
  failing: boolean;
  messages: RowMessage[];
  error: ErrorSignals;
  /** the remoteRef key ESO names in its error, if any */
  failingKey?: string;
  refs: RefTarget[];
  /** refs narrowed to the failing key when ESO names one */
  failingRefs: RefTarget[];
  facts?: VaultFacts;
}

/**
 * One diagnosis rule: pure, one finding code. `cause` rules name why a sync fails; `context`
 * rules add what is true besides (not processed yet, stale, store not ready, facts missing).
 */
export interface Rule {
  code: FindingCode;
  kind: 'cause' | 'context';
  evaluate(ctx: DiagnosisContext): Finding | Finding[] | undefined;
}
