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
 * Every permission of the external-secrets plugins.
 *
 * @public
 */
export const externalSecretsPermissions = [
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
  externalSecretsFleetReadPermission,
];
