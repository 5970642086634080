import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import {
  createVaultClientProvider,
  readVaultActionSettings,
} from './vaultActionSettings';

const read = (vault?: object) =>
  readVaultActionSettings(
    new ConfigReader(vault ? { externalSecrets: { vault: vault as any } } : {}),
  );

describe('readVaultActionSettings', () => {
  it('has the workflow defaults without any config', () => {
    expect(read()).toEqual({
      kvMount: 'secret',
      allowedCapabilities: ['read', 'list'],
      kubernetesRole: {
        authMount: 'kubernetes',
        serviceAccountName: 'external-secrets',
        serviceAccountNamespace: 'external-secrets',
        audience: 'https://kubernetes.default.svc.cluster.local',
        ttl: '1h',
      },
    });
  });

  it.each([
    [
      { policy: { allowedCapabilities: ['read', 'deny'] } },
      /policy.allowedCapabilities/,
    ],
    [
      { policy: { allowedCapabilities: ['admin'] } },
      /policy.allowedCapabilities/,
    ],
    [
      { kubernetesRole: { serviceAccountName: 'ESO' } },
      /kubernetesRole.serviceAccountName/,
    ],
    [
      { kubernetesRole: { serviceAccountNamespace: 'a_b' } },
      /kubernetesRole.serviceAccountNamespace/,
    ],
    [{ kubernetesRole: { authMount: '../sys' } }, /kubernetesRole.authMount/],
    [{ kubernetesRole: { audience: 'a b' } }, /kubernetesRole.audience/],
    [{ kubernetesRole: { ttl: 'soon' } }, /kubernetesRole.ttl/],
  ])('refuses invalid action settings %p at start-up', (vault, message) => {
    expect(() => read(vault)).toThrow(message);
  });
});

describe('createVaultClientProvider', () => {
  it('defers the missing-config error to the first use', () => {
    const provider = createVaultClientProvider(
      new ConfigReader({}),
      mockServices.logger.mock(),
    );
    expect(() => provider()).toThrow(/externalSecrets.vault is not configured/);
  });

  it('hands out one shared client', () => {
    const provider = createVaultClientProvider(
      new ConfigReader({
        externalSecrets: {
          vault: {
            baseUrl: 'https://v.test',
            auth: { type: 'token', token: 't' },
          },
        },
      }),
      mockServices.logger.mock(),
    );
    expect(provider()).toBe(provider());
  });
});
