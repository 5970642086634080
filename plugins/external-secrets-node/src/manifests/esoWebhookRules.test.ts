import { esoWebhookProblems } from './esoWebhookRules';

const externalSecret = (spec: Record<string, unknown>) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'es', namespace: 'ns' },
  spec: {
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' },
    ...spec,
  },
});

const ref = (secretKey: string) => ({
  secretKey,
  remoteRef: { key: 'app/secret', property: 'p' },
});

const vaultStore = (kind: string, vault: Record<string, unknown>) => ({
  apiVersion: 'external-secrets.io/v1',
  kind,
  metadata: { name: 'store' },
  spec: {
    provider: {
      vault: {
        server: 'https://vault',
        path: 'secret',
        auth: { kubernetes: { mountPath: 'kubernetes', role: 'r' } },
        ...vault,
      },
    },
  },
});

describe('esoWebhookProblems', () => {
  it.each([
    ['a plain ExternalSecret', externalSecret({ data: [ref('a')] }), []],
    [
      'no data and no dataFrom',
      externalSecret({}),
      ['either data or dataFrom must be given'],
    ],
    [
      'a duplicate secretKey',
      externalSecret({ data: [ref('a'), ref('b'), ref('a')] }),
      ['duplicate secretKey "a"'],
    ],
    [
      'Delete without Owner',
      externalSecret({
        data: [ref('a')],
        target: { creationPolicy: 'Orphan', deletionPolicy: 'Delete' },
      }),
      [
        expect.stringMatching(
          /deletionPolicy Delete needs creationPolicy Owner/,
        ),
      ],
    ],
    [
      'Delete with the default (Owner) creation policy',
      externalSecret({
        data: [ref('a')],
        target: { deletionPolicy: 'Delete' },
      }),
      [],
    ],
    [
      'Merge deletion with None creation',
      externalSecret({
        data: [ref('a')],
        target: { creationPolicy: 'None', deletionPolicy: 'Merge' },
      }),
      [expect.stringMatching(/Merge cannot be used with creationPolicy None/)],
    ],
    [
      'an empty dataFrom entry',
      externalSecret({ dataFrom: [{}] }),
      ['dataFrom[0] needs one of extract, find or sourceRef'],
    ],
    ['a valid cluster store', vaultStore('ClusterSecretStore', {}), []],
    [
      'a store path with data/',
      vaultStore('ClusterSecretStore', { path: 'secret/data' }),
      [expect.stringMatching(/must be the mount only/)],
    ],
    [
      'a cluster store CA without namespace',
      vaultStore('ClusterSecretStore', {
        caProvider: { type: 'ConfigMap', name: 'ca', key: 'ca.crt' },
      }),
      [expect.stringMatching(/namespace is required/)],
    ],
    [
      'a namespaced store CA in another namespace',
      vaultStore('SecretStore', {
        caProvider: {
          type: 'ConfigMap',
          name: 'ca',
          key: 'ca.crt',
          namespace: 'x',
        },
      }),
      [expect.stringMatching(/not allowed in a namespaced SecretStore/)],
    ],
    [
      'two auth methods',
      vaultStore('SecretStore', {
        auth: { kubernetes: { role: 'r' }, tokenSecretRef: { name: 't' } },
      }),
      ['provider.vault.auth needs exactly one auth method'],
    ],
  ])('%s', (_, object, expected) => {
    expect(esoWebhookProblems(object as any)).toEqual(expected);
  });

  it('requires exactly one provider', () => {
    expect(
      esoWebhookProblems({
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 's' },
        spec: { provider: {} },
      }),
    ).toEqual(['exactly one provider must be configured (got 0)']);
  });
});
