import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Read the External Secrets sync status of a catalog entity.
 *
 * @public
 */
export const externalSecretsStatusReadPermission = createPermission({
  name: 'external-secrets.status.read',
  attributes: { action: 'read' },
});

/**
 * Ask the External Secrets Operator to sync an ExternalSecret now (sets `force-sync`).
 *
 * @public
 */
export const externalSecretsSyncTriggerPermission = createPermission({
  name: 'external-secrets.sync.trigger',
  attributes: { action: 'update' },
});

/**
 * Read the fleet view: every ExternalSecret and store across all clusters, including those no
 * catalog entity claims (the "Secrets health" page). Meant for the platform team; entity names
 * are still shown only for entities the caller may see in the catalog.
 *
 * @public
 */
export const externalSecretsFleetReadPermission = createPermission({
  name: 'external-secrets.fleet.read',
  attributes: { action: 'read' },
});

/**
 * Restart a workload that consumes one of the entity's target Secrets (a rollout restart: the
 * pod template annotation `kubectl.kubernetes.io/restartedAt`, as `kubectl rollout restart`
 * sets). Only offered when `externalSecrets.workloadRestart.enabled` is true; a policy should
 * grant it to few (the app's policy denies it unless configured).
 *
 * @public
 */
export const externalSecretsWorkloadRestartPermission = createPermission({
  name: 'external-secrets.workload.restart',
  attributes: { action: 'update' },
});

/**
 * Every permission of the external-secrets plugins.
 *
 * @public
 */
export const externalSecretsPermissions = [
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
  externalSecretsFleetReadPermission,
  externalSecretsWorkloadRestartPermission,
];
