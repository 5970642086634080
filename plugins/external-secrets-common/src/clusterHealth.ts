import type { Entity } from '@backstage/catalog-model';

/**
 * Entity annotation naming the cluster of a `Resource` entity of type `kubernetes-cluster`, as
 * it is named in `externalSecrets.clusters`. Without it the entity's name is the cluster's.
 *
 * @public
 */
export const ANNOTATION_CLUSTER_NAME = 'gitops-secrets.io/cluster';

/**
 * The `spec.type` of a catalog `Resource` that stands for a Kubernetes cluster.
 *
 * @public
 */
export const KUBERNETES_CLUSTER_RESOURCE_TYPE = 'kubernetes-cluster';

/**
 * Whether an entity is a cluster (`Resource` of type `kubernetes-cluster`); the filter of the
 * cluster health card.
 *
 * @public
 */
export function isKubernetesClusterEntity(entity: Entity): boolean {
  return (
    entity.kind.toLowerCase() === 'resource' &&
    (entity.spec as { type?: unknown } | undefined)?.type ===
      KUBERNETES_CLUSTER_RESOURCE_TYPE
  );
}

/**
 * The cluster name a cluster entity stands for: its `gitops-secrets.io/cluster` annotation, or
 * its name.
 *
 * @public
 */
export function clusterNameOfEntity(entity: Entity): string {
  return (
    entity.metadata.annotations?.[ANNOTATION_CLUSTER_NAME]?.trim() ||
    entity.metadata.name
  );
}

/**
 * One problem (or `info`) of a cluster's Vault auth setup, in words a platform engineer can act
 * on: what is wrong and the fix.
 *
 * @public
 */
export interface ClusterAuthFinding {
  code:
    | 'AUTH_MOUNT_MISSING'
    | 'AUTH_MOUNT_NOT_CONFIGURED'
    | 'AUTH_HOST_MISMATCH'
    | 'AUTH_CA_MISMATCH'
    | 'AUTH_CA_MISSING'
    | 'REVIEWER_REJECTED'
    | 'STORE_ON_OTHER_MOUNT'
    | 'TOKEN_REVIEW_NOT_GRANTED'
    | 'VAULT_CA_MISSING'
    | 'VAULT_UNREADABLE'
    | 'CLUSTER_UNREACHABLE';
  severity: 'error' | 'warning';
  summary: string;
  fix: string;
}

/**
 * The outcome of one check: passed, failed, or not decidable from what could be read.
 *
 * @public
 */
export type ClusterAuthCheckResult = 'ok' | 'failed' | 'unknown';

/**
 * Vault's Kubernetes auth for one cluster, as the status backend judges it from Vault's
 * `auth/<mount>/config` (never the reviewer JWT: Vault only says whether one is set) and the
 * cluster's own stores.
 *
 * @public
 */
export interface ClusterAuthHealth {
  cluster: string;
  /** The cluster's auth mount, e.g. `kubernetes-edge` */
  vaultAuthMount: string;
  /** `Healthy`: every check passed or could not fail; `Unhealthy`: an error finding; `Unknown`: Vault could not be read */
  state: 'Healthy' | 'Unhealthy' | 'Unknown';
  /** How Vault reviews tokens: with a stored reviewer JWT, or with each client's own JWT */
  reviewerMode?: 'reviewer-jwt' | 'client-jwt';
  checks: {
    mountEnabled: ClusterAuthCheckResult;
    configured: ClusterAuthCheckResult;
    hostMatches: ClusterAuthCheckResult;
    caMatches: ClusterAuthCheckResult;
    reviewerWorks: ClusterAuthCheckResult;
    /**
     * Client-JWT mode: ESO's account and the stores' accounts may create TokenReviews
     * (`system:auth-delegator`), as Vault's review of their own tokens needs; `unknown` in
     * reviewer mode (the reviewer's account is not known to the backend)
     */
    tokenReviewGranted?: ClusterAuthCheckResult;
    /** The ConfigMap the stores read Vault's CA from exists in the cluster, with its key */
    vaultCaPresent?: ClusterAuthCheckResult;
  };
  /** Stores in the cluster that log in through this mount, and how many of them are Ready */
  stores: { total: number; ready: number };
  findings: ClusterAuthFinding[];
  checkedAt: string;
}

/**
 * One cluster of `externalSecrets.clusters` as a template's cluster picker offers it: its name,
 * its Vault auth mount, and whether Vault is set up for it — nothing about its credentials.
 *
 * @public
 */
export interface ConfiguredCluster {
  name: string;
  /** The cluster's Kubernetes auth mount in Vault, e.g. `kubernetes-edge` */
  vaultAuthMount: string;
  /** Its Vault auth health (`Unknown` when Vault could not be read in time) */
  vaultAuth: ClusterAuthHealth['state'];
  /**
   * Whether the mount exists and is configured (the cluster is onboarded to Vault): `false`
   * means a service created on it cannot log in yet; undefined when Vault could not be read.
   */
  onboarded?: boolean;
}

/**
 * The answer of `GET /api/external-secrets/clusters`, in config order.
 *
 * @public
 */
export interface ConfiguredClusters {
  items: ConfiguredCluster[];
}

/**
 * A cluster's picker entry from its health: onboarded when both the mount and its config are
 * there, not onboarded when either is known to be missing.
 *
 * @public
 */
export function configuredClusterOf(
  health: ClusterAuthHealth,
): ConfiguredCluster {
  const { mountEnabled, configured } = health.checks;
  let onboarded: boolean | undefined;
  if (mountEnabled === 'failed' || configured === 'failed') onboarded = false;
  else if (mountEnabled === 'ok' && configured === 'ok') onboarded = true;
  return {
    name: health.cluster,
    vaultAuthMount: health.vaultAuthMount,
    vaultAuth: health.state,
    ...(onboarded === undefined ? {} : { onboarded }),
  };
}
