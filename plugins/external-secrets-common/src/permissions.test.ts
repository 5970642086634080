import {
  externalSecretsFleetReadPermission,
  externalSecretsPermissions,
  externalSecretsStatusReadPermission,
  externalSecretsSyncTriggerPermission,
  externalSecretsWorkloadRestartPermission,
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
    expect(externalSecretsWorkloadRestartPermission.name).toBe(
      'external-secrets.workload.restart',
    );
    expect(externalSecretsPermissions).toContain(
      externalSecretsWorkloadRestartPermission,
    );
    expect(externalSecretsPermissions).toHaveLength(4);
  });
});
