import { InputError } from '@backstage/errors';
import { nameProblem } from './naming';

/**
 * The placeholder a mount pattern replaces with the cluster's name.
 *
 * @public
 */
export const CLUSTER_NAME_PLACEHOLDER = '{cluster}';

/**
 * Default pattern of a cluster's Kubernetes auth mount in Vault: one mount per cluster, so each
 * cluster's logins are reviewed by that cluster's API server.
 *
 * @public
 */
export const DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN = `kubernetes-${CLUSTER_NAME_PLACEHOLDER}`;

/**
 * The mount of Vault's Kubernetes auth method that ESO uses when a store sets no
 * `auth.kubernetes.mountPath` (ESO's default), and the mount single-cluster setups use.
 *
 * @public
 */
export const ESO_DEFAULT_KUBERNETES_AUTH_MOUNT = 'kubernetes';

/**
 * ESO's service account as its Helm chart installs it (namespace `external-secrets`), the one
 * the cluster manifests bind in client-JWT mode; `externalSecrets.clusterManifests.eso` may
 * name another.
 *
 * @public
 */
export const ESO_DEFAULT_SERVICE_ACCOUNT = {
  namespace: 'external-secrets',
  name: 'external-secrets',
} as const;

/**
 * The ConfigMap ESO's stores read Vault's CA from, as the cluster manifests create it: the
 * default `caProvider` of the service manifests.
 *
 * @public
 */
export const DEFAULT_VAULT_CA_CONFIG_MAP = {
  namespace: 'external-secrets',
  name: 'vault-ca',
  key: 'ca.crt',
} as const;

/**
 * What is wrong with a mount pattern (`{cluster}` missing, or no valid mount path once a name is
 * put in), or undefined.
 *
 * @public
 */
export function kubernetesAuthMountPatternProblem(
  pattern: string,
): string | undefined {
  if (!pattern.includes(CLUSTER_NAME_PLACEHOLDER)) {
    return `"${pattern}" does not contain ${CLUSTER_NAME_PLACEHOLDER}: every cluster would share one mount`;
  }
  return nameProblem(
    'vaultMount',
    pattern.replaceAll(CLUSTER_NAME_PLACEHOLDER, 'cluster'),
  );
}

/**
 * The Vault Kubernetes auth mount of a cluster: its explicit mount when configured (for example
 * `kubernetes` for a setup that predates one mount per cluster), otherwise the pattern with the
 * cluster's name put in (`kubernetes-<cluster>` by default). Throws an `InputError` when the
 * result is not a valid mount path. The scaffolder actions, the manifests and the status backend
 * all derive a cluster's mount here.
 *
 * @public
 */
export function kubernetesAuthMountFor(
  cluster: { name: string; vaultAuthMount?: string },
  pattern: string = DEFAULT_KUBERNETES_AUTH_MOUNT_PATTERN,
): string {
  const mount =
    cluster.vaultAuthMount ??
    pattern.replaceAll(CLUSTER_NAME_PLACEHOLDER, cluster.name);
  const problem = nameProblem('vaultMount', mount);
  if (problem) {
    throw new InputError(
      `Cluster "${cluster.name}" gives no valid Vault auth mount: ${problem}`,
    );
  }
  return mount;
}
