import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleExternalSecrets } from './module';

const VAULT_ACTION_IDS = [
  'vault:policy:create',
  'vault:kubernetes-role:create',
  'vault:kv:seed',
  'vault:kubernetes-auth:configure',
  'external-secrets:cluster-manifests:create',
];

async function start(data: Record<string, unknown>) {
  const addActions = jest.fn();
  const backend = await startTestBackend({
    extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
    features: [
      scaffolderModuleExternalSecrets,
      mockServices.rootConfig.factory({ data: data as any }),
    ],
  });
  const ids = addActions.mock.calls
    .flat()
    .map((action: { id: string }) => action.id);
  await backend.stop();
  return ids;
}

describe('scaffolderModuleExternalSecrets', () => {
  it('registers the Vault actions when externalSecrets.vault is not configured', async () => {
    expect(await start({})).toEqual(expect.arrayContaining(VAULT_ACTION_IDS));
  });

  it('registers the Vault actions with a valid Vault config', async () => {
    const ids = await start({
      externalSecrets: {
        vault: {
          baseUrl: 'https://vault.test:8200',
          auth: { type: 'token', token: 't' },
        },
      },
    });
    expect(ids).toEqual(expect.arrayContaining(VAULT_ACTION_IDS));
  });

  it('fails at start-up on Vault over plain HTTP', async () => {
    await expect(
      start({
        externalSecrets: {
          vault: {
            baseUrl: 'http://vault.test:8200',
            auth: { type: 'token', token: 't' },
          },
        },
      }),
    ).rejects.toThrow(
      /externalSecrets.vault.baseUrl: Vault over plain HTTP is refused/,
    );
  });

  it('fails at start-up on an unknown auth type', async () => {
    await expect(
      start({
        externalSecrets: {
          vault: {
            baseUrl: 'https://vault.test:8200',
            auth: { type: 'userpass' },
          },
        },
      }),
    ).rejects.toThrow(/externalSecrets.vault.auth.type/);
  });

  it('fails at start-up on a cluster-manifests config without a pinned chart version', async () => {
    await expect(
      start({
        externalSecrets: { clusterManifests: { eso: { chartVersion: '2.x' } } },
      }),
    ).rejects.toThrow(
      /clusterManifests.eso.chartVersion: "2.x" is not an exact chart version/,
    );
  });
});
