import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  EntityExternalSecretsStatus,
  RefreshTarget,
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
}

/** @public */
export const externalSecretsApiRef = createApiRef<ExternalSecretsApi>().with({
  id: 'plugin.external-secrets.service',
  pluginId: 'external-secrets',
});
