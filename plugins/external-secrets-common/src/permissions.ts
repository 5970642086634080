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
 * Every permission of the external-secrets plugins.
 *
 * @public
 */
export const externalSecretsPermissions = [
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
];
