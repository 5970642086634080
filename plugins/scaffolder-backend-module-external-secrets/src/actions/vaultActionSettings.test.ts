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
      allowedPathRoots: [{ mount: 'secret', roots: ['{name}'] }],
      kubernetesRole: {
        authMount: 'kubernetes',
        allowedAuthMounts: ['kubernetes'],
        clusterMounts: new Map(),
        audience: 'https://kubernetes.default.svc.cluster.local',
        allowedAudiences: ['https://kubernetes.default.svc.cluster.local'],
        ttl: '1h',
        allowedServiceAccounts: [],
      },
    });
  });

  it("reads each cluster's auth mount as readClusterConfigs resolves it", () => {
    const settings = readVaultActionSettings(
      new ConfigReader({
        externalSecrets: {
          vault: { kubernetesAuth: { mountPath: 'k8s-{cluster}' } },
          clusters: [
            {
              name: 'edge',
              url: 'https://edge.test',
              serviceAccountToken: 't',
            },
            {
              name: 'legacy',
              url: 'https://legacy.test',
              serviceAccountToken: 't',
              vaultAuthMount: 'kubernetes',
            },
          ],
        },
      }),
    );
    expect(settings.kubernetesRole.clusterMounts).toEqual(
      new Map([
        ['edge', 'k8s-edge'],
        ['legacy', 'kubernetes'],
      ]),
    );
    // a cluster's mount is allowed only together with its cluster, not as a bare authMount
    expect(settings.kubernetesRole.allowedAuthMounts).toEqual(['kubernetes']);
  });

  it('binds to a shared account only when both parts are configured', () => {
    expect(
      read({
        kvMount: 'kv',
        kvVersion: 2,
        kubernetesRole: {
          serviceAccountName: 'external-secrets',
          serviceAccountNamespace: 'external-secrets',
        },
      }),
    ).toMatchObject({
      configuredKvVersion: 2,
      allowedPathRoots: [{ mount: 'kv', roots: ['{name}'] }],
      kubernetesRole: {
        sharedServiceAccount: {
          name: 'external-secrets',
          namespace: 'external-secrets',
        },
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
      {
        kubernetesRole: {
          serviceAccountName: 'ESO',
          serviceAccountNamespace: 'eso',
        },
      },
      /kubernetesRole.serviceAccountName/,
    ],
    [
      {
        kubernetesRole: {
          serviceAccountName: 'eso',
          serviceAccountNamespace: 'a_b',
        },
      },
      /kubernetesRole.serviceAccountNamespace/,
    ],
    [
      { kubernetesRole: { serviceAccountName: 'eso' } },
      /set both serviceAccountName and serviceAccountNamespace/,
    ],
    [
      { allowedPathRoots: [{ mount: 'secret', roots: ['shared'] }] },
      /allowedPathRoots\[0\]\.roots\[0\]: "shared" does not contain \{name\}/,
    ],
    [
      { allowedPathRoots: [{ mount: 'secret', roots: ['../{name}'] }] },
      /allowedPathRoots\[0\]\.roots\[0\]/,
    ],
    [
      { allowedPathRoots: [{ mount: 'secret/data', roots: ['{name}'] }] },
      /allowedPathRoots\[0\]\.mount/,
    ],
    [
      {
        kubernetesRole: {
          allowedServiceAccounts: [{ name: '*', namespace: '{name}' }],
        },
      },
      /kubernetesRole.allowedServiceAccounts\[0\]\.name/,
    ],
    [
      { kubernetesRole: { allowedAudiences: ['a b'] } },
      /kubernetesRole.allowedAudiences\[0\]/,
    ],
    [
      { kubernetesRole: { allowedAuthMounts: ['../x'] } },
      /kubernetesRole.allowedAuthMounts\[0\]/,
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
