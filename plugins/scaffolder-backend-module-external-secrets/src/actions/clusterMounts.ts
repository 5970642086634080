import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { readClusterConfigs } from '@gitops-secrets/plugin-external-secrets-node';

/** The Vault Kubernetes auth mount of each cluster of `externalSecrets.clusters`, by name. */
export type ClusterMounts = ReadonlyMap<string, string>;

/**
 * Reads each cluster's mount as `readClusterConfigs` resolves it (its `vaultAuthMount`, else
 * `kubernetes-<cluster>`), the same derivation the status backend uses, so a role and a store
 * land on the mount the status backend checks.
 */
export function readClusterMounts(config: Config): ClusterMounts {
  return new Map(
    readClusterConfigs(config).map(cluster => {
      if (!cluster.vaultAuthMount) {
        // readClusterConfigs always resolves it; a cluster without one would be a bug there
        throw new Error(
          `externalSecrets.clusters "${cluster.name}" has no resolved Vault auth mount`,
        );
      }
      return [cluster.name, cluster.vaultAuthMount];
    }),
  );
}

function shown(value: unknown): string {
  return JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value);
}

/**
 * The auth mount a step's `cluster` input selects, or undefined when the step names no
 * cluster. A cluster's mount is the platform's own config, so it needs no allow-list entry;
 * what a template may not do is name a cluster that is not configured, or pair a cluster with
 * another mount (the role or store would then sit where that cluster's logins never arrive).
 */
export function clusterAuthMount(
  input: { cluster: unknown; authMount: unknown },
  authMountField: string,
  clusterMounts: ClusterMounts,
): string | undefined {
  if (input.cluster === undefined) {
    return undefined;
  }
  const configured = [...clusterMounts.keys()];
  const choices = `configured: ${configured.join(', ') || 'none'}`;
  if (typeof input.cluster !== 'string') {
    throw new InputError(
      `Invalid cluster: must be the name of a cluster of externalSecrets.clusters; ${choices}`,
    );
  }
  const mount = clusterMounts.get(input.cluster);
  if (mount === undefined) {
    throw new InputError(
      `Invalid cluster: ${shown(
        input.cluster,
      )} is not in externalSecrets.clusters; ${choices}. Choose one of these, or add the cluster to the app config`,
    );
  }
  if (input.authMount !== undefined && input.authMount !== mount) {
    throw new InputError(
      `Invalid ${authMountField}: ${shown(
        input.authMount,
      )} is not the Vault auth mount of cluster "${
        input.cluster
      }" (${mount}, from externalSecrets.clusters); leave ${authMountField} out to use the cluster's mount`,
    );
  }
  return mount;
}
