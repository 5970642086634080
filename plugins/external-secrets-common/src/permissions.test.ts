import {
  externalSecretsFleetReadPermission,
  externalSecretsPermissions,
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
} from './permissions';

describe('permissions', () => {
  it('uses the names policies refer to', () => {
    expect(externalSecretsStatusReadPermission.name).toBe(
      'external-secrets.status.read',
    );
    expect(externalSecretsStatusReadPermission.attributes.action).toBe('read');
    expect(externalSecretsSyncTriggerPermission.name).toBe(
      'external-secrets.sync.trigger',
    );
    expect(externalSecretsSyncTriggerPermission.attributes.action).toBe(
      'update',
    );
    expect(externalSecretsFleetReadPermission.name).toBe(
      'external-secrets.fleet.read',
    );
    expect(externalSecretsFleetReadPermission.attributes.action).toBe('read');
    expect(externalSecretsPermissions).toHaveLength(3);
  });
});
