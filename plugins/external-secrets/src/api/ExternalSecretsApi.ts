import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  ClusterAuthHealth,
  ConfiguredClusters,
  EntityExternalSecretsStatus,
  FleetExternalSecretsPage,
  FleetExternalSecretsQuery,
  FleetStoresPage,
  FleetStoresQuery,
  RefreshTarget,
  WorkloadRestartTarget,
} from '@gitops-secrets/plugin-external-secrets-common';

/**
 * Reads the External Secrets status of catalog entities and asks for an immediate sync.
 *
 * @public
 */
export interface ExternalSecretsApi {
  /**
   * The sync status of every ExternalSecret linked to the entity, across all clusters.
   * Rejects with a `ResponseError` when the backend answers with an error.
   */
  getStatus(entityRef: string): Promise<EntityExternalSecretsStatus>;

  /**
   * Asks the External Secrets Operator to sync one ExternalSecret of the entity now.
   * Rejects with a `ResponseError` when the backend refuses or fails.
   */
  refresh(entityRef: string, target: RefreshTarget): Promise<void>;

  /**
   * Rolls the Pods of a workload that uses one of the entity's target Secrets (a rollout
   * restart), so it reads the Secret's new value. Needs `external-secrets.workload.restart` and
   * the backend's `externalSecrets.workloadRestart.enabled`; rejects with a `ResponseError`.
   */
  restartWorkload(
    entityRef: string,
    target: WorkloadRestartTarget,
  ): Promise<{ restartedAt: string }>;

  /**
   * One page of every ExternalSecret across clusters (the "Secrets health" page), filtered and
   * sorted by the backend. Needs `external-secrets.fleet.read`; rejects with a `ResponseError`.
   */
  getFleetExternalSecrets(
    query: FleetExternalSecretsQuery,
  ): Promise<FleetExternalSecretsPage>;

  /** One page of every store across clusters, with its dependents. */
  getFleetStores(query: FleetStoresQuery): Promise<FleetStoresPage>;

  /**
   * The Vault Kubernetes auth health of a cluster entity (`Resource` of type
   * `kubernetes-cluster`). Rejects with a `ResponseError`.
   */
  getClusterHealth(entityRef: string): Promise<ClusterAuthHealth>;

  /**
   * The clusters of `externalSecrets.clusters` (names, Vault auth mounts, whether each is
   * onboarded), for a template's cluster picker. Rejects with a `ResponseError`.
   */
  getClusters(): Promise<ConfiguredClusters>;
}

/** @public */
export const externalSecretsApiRef = createApiRef<ExternalSecretsApi>().with({
  id: 'plugin.external-secrets.service',
  pluginId: 'external-secrets',
});
