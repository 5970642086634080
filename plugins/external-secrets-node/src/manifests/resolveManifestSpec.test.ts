import { InputError } from '@backstage/errors';
import {
  ExternalSecretsManifestDefaults,
  resolveManifestSpec,
} from './resolveManifestSpec';

const defaults: ExternalSecretsManifestDefaults = {
  store: {
    server: 'https://vault.example.com:8200',
    caProvider: {
      type: 'ConfigMap',
      name: 'vault-ca',
      key: 'ca.crt',
      namespace: 'external-secrets',
    },
    audiences: ['https://kubernetes.default.svc.cluster.local'],
  },
};

const secrets = [
  { name: 'env-file', properties: [{ property: 'dotenv', secretKey: '.env' }] },
];

describe('resolveManifestSpec', () => {
  it('applies the workflow defaults to a bare request', () => {
    const spec = resolveManifestSpec(
      { name: 'example-api', secrets },
      defaults,
    );
    expect(spec).toEqual({
      name: 'example-api',
      namespace: 'example-api',
      refreshInterval: '2m',
      creationPolicy: 'Owner',
      deletionPolicy: 'Retain',
      reviewerMode: 'reviewer-jwt',
      secrets: [
        {
          name: 'env-file',
          vaultKey: 'example-api/env-file',
          properties: [{ property: 'dotenv', secretKey: '.env' }],
        },
      ],
      store: {
        kind: 'ClusterSecretStore',
        name: 'vault-example-api',
        server: 'https://vault.example.com:8200',
        kvMount: 'secret',
        kvVersion: 2,
        authMount: 'kubernetes',
        role: 'external-secrets-example-api',
        serviceAccount: {
          name: 'external-secrets-example-api',
          namespace: 'example-api',
        },
        serviceAccountPerService: true,
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        caProvider: {
          type: 'ConfigMap',
          name: 'vault-ca',
          key: 'ca.crt',
          namespace: 'external-secrets',
        },
      },
    });
  });

  it('lets the request override the configured defaults', () => {
    const spec = resolveManifestSpec(
      {
        name: 'billing',
        namespace: 'payments',
        secrets: [{ ...secrets[0], vaultKey: 'teams/billing/env' }],
        store: {
          name: 'vault-payments',
          kvMount: 'kv',
          kvVersion: '1',
          caProvider: { name: 'other-ca' },
          role: 'billing-reader',
        },
        refreshInterval: '1h30m',
        deletionPolicy: 'Delete',
      },
      defaults,
    );
    expect(spec.namespace).toBe('payments');
    expect(spec.secrets[0].vaultKey).toBe('teams/billing/env');
    expect(spec.store).toMatchObject({
      name: 'vault-payments',
      kvMount: 'kv',
      kvVersion: 1,
      role: 'billing-reader',
      caProvider: {
        type: 'ConfigMap',
        name: 'other-ca',
        key: 'ca.crt',
        namespace: 'external-secrets',
      },
    });
    expect(spec.refreshInterval).toBe('1h30m');
    expect(spec.deletionPolicy).toBe('Delete');
  });

  it('keeps a SecretStore inside the service namespace', () => {
    const spec = resolveManifestSpec(
      { name: 'example-api', secrets, store: { kind: 'SecretStore' } },
      defaults,
    );
    expect(spec.store.serviceAccount).toEqual({
      name: 'external-secrets-example-api',
    });
    expect(spec.store.caProvider).toEqual({
      type: 'ConfigMap',
      name: 'vault-ca',
      key: 'ca.crt',
    });
    expect(() =>
      resolveManifestSpec(
        {
          name: 'example-api',
          secrets,
          store: {
            kind: 'SecretStore',
            serviceAccount: { namespace: 'external-secrets' },
          },
        },
        defaults,
      ),
    ).toThrow(/store.serviceAccount.namespace: this service's store presents/);
  });

  it("presents the service's own account unless config names a shared one", () => {
    const own = resolveManifestSpec(
      { name: 'example-api', namespace: 'apis', secrets },
      defaults,
    );
    expect(own.store).toMatchObject({
      serviceAccount: {
        name: 'external-secrets-example-api',
        namespace: 'apis',
      },
      serviceAccountPerService: true,
    });
    const shared = resolveManifestSpec(
      { name: 'example-api', secrets },
      {
        store: {
          ...defaults.store,
          serviceAccount: {
            name: 'external-secrets',
            namespace: 'external-secrets',
          },
        },
      },
    );
    expect(shared.store).toMatchObject({
      serviceAccount: {
        name: 'external-secrets',
        namespace: 'external-secrets',
      },
      serviceAccountPerService: false,
    });
  });

  it.each([
    [{ name: 'external-secrets', namespace: 'external-secrets' }],
    [{ name: 'default' }],
    [{ namespace: 'example-worker' }],
  ])(
    'refuses a template asking for another service account %j',
    serviceAccount => {
      expect(() =>
        resolveManifestSpec(
          { name: 'example-api', secrets, store: { serviceAccount } },
          defaults,
        ),
      ).toThrow(
        /Invalid store.serviceAccount.(name|namespace): .*externalSecrets.manifests.store.serviceAccount/,
      );
    },
  );

  it.each([
    ['30s', {}, /shorter than the minimum "1m"/],
    ['0', {}, /allowZeroRefreshInterval/],
    ['5m', { minRefreshInterval: '10m' }, /shorter than the minimum "10m"/],
  ])(
    'refuses refreshInterval %s under %j',
    (refreshInterval, limits, message) => {
      expect(() =>
        resolveManifestSpec(
          { name: 'example-api', secrets, refreshInterval },
          { ...defaults, ...limits },
        ),
      ).toThrow(message);
    },
  );

  it.each([
    ['1m', {}],
    ['0', { allowZeroRefreshInterval: true }],
    ['30s', { minRefreshInterval: '15s' }],
  ])('accepts refreshInterval %s under %j', (refreshInterval, limits) => {
    expect(
      resolveManifestSpec(
        { name: 'example-api', secrets, refreshInterval },
        { ...defaults, ...limits },
      ).refreshInterval,
    ).toBe(refreshInterval);
  });

  it('accepts a CA bundle instead of a CA provider', () => {
    const pem = Buffer.from(
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    ).toString('base64');
    const spec = resolveManifestSpec(
      { name: 'example-api', secrets, store: { caBundle: pem } },
      defaults,
    );
    expect(spec.store.caBundle).toBe(pem);
    expect(spec.store.caProvider).toBeUndefined();
  });

  it('refuses plain HTTP unless the config allows it', () => {
    const request = {
      name: 'example-api',
      secrets,
      store: { server: 'http://127.0.0.1:8200' },
    };
    expect(() => resolveManifestSpec(request, defaults)).toThrow(/plain HTTP/);
    expect(
      resolveManifestSpec(request, { ...defaults, allowInsecureHttp: true })
        .store.server,
    ).toBe('http://127.0.0.1:8200');
  });

  it.each([
    ['a missing server', { store: { server: '' } }, {}, /Missing store.server/],
    ['a bad service name', { name: 'Example_API' }, defaults, /Invalid name/],
    ['a bad namespace', { namespace: 'a/b' }, defaults, /Invalid namespace/],
    [
      'an unknown store kind',
      { store: { kind: 'Vault' } },
      defaults,
      /store.kind/,
    ],
    ['a KV version 3', { store: { kvVersion: 3 } }, defaults, /kvVersion/],
    [
      'a mount with data/',
      { store: { kvMount: 'secret/data' } },
      defaults,
      /kvMount/,
    ],
    [
      'a server with credentials',
      { store: { server: 'https://u:p@vault' } },
      defaults,
      /no credentials/,
    ],
    [
      'a non-URL server',
      { store: { server: 'not a url' } },
      defaults,
      /not a URL/,
    ],
    ['an ftp server', { store: { server: 'ftp://vault' } }, defaults, /https/],
    ['a bad role', { store: { role: 'x" }' } }, defaults, /store.role/],
    [
      'a bad CA bundle',
      { store: { caBundle: 'bm90IGEgY2VydA==' } },
      defaults,
      /caBundle/,
    ],
    [
      'both CA options',
      { store: { caBundle: 'x', caProvider: { name: 'a' } } },
      defaults,
      /either caBundle or caProvider/,
    ],
    [
      'a cluster store CA without namespace',
      {
        store: {
          server: 'https://v',
          caProvider: { name: 'ca', key: 'ca.crt' },
        },
      },
      {},
      /required for a ClusterSecretStore/,
    ],
    [
      'an empty audience',
      { store: { audiences: [' '] } },
      defaults,
      /audiences\[0\]/,
    ],
    [
      'a bad refresh interval',
      { refreshInterval: 'soon' },
      defaults,
      /refreshInterval/,
    ],
    [
      'an unknown creation policy',
      { creationPolicy: 'Always' },
      defaults,
      /creationPolicy/,
    ],
    ['no secrets', { secrets: [] }, defaults, /at least one secret/],
    [
      'a secret without properties',
      { secrets: [{ name: 'a', properties: [] }] },
      defaults,
      /at least one property/,
    ],
    [
      'a duplicated secret',
      { secrets: [secrets[0], secrets[0]] },
      defaults,
      /listed twice/,
    ],
    [
      'a traversal vault key',
      { secrets: [{ ...secrets[0], vaultKey: '../root' }] },
      defaults,
      /vaultKey/,
    ],
    [
      'a vault key with the mount',
      { secrets: [{ ...secrets[0], vaultKey: 'secret/example-api/env' }] },
      defaults,
      /relative to the mount/,
    ],
    [
      'a vault key with data/',
      { secrets: [{ ...secrets[0], vaultKey: 'data/example-api/env' }] },
      defaults,
      /ESO adds "data\/"/,
    ],
    [
      'a property with a quote',
      {
        secrets: [
          { name: 'a', properties: [{ property: 'x"', secretKey: 'k' }] },
        ],
      },
      defaults,
      /property/,
    ],
    [
      'a secret key with a slash',
      {
        secrets: [
          { name: 'a', properties: [{ property: 'x', secretKey: 'a/b' }] },
        ],
      },
      defaults,
      /secretKey/,
    ],
  ])('rejects %s with an InputError', (_, override, configured, message) => {
    const request = { name: 'example-api', secrets, ...override } as any;
    let caught: unknown;
    try {
      resolveManifestSpec(
        request,
        configured as ExternalSecretsManifestDefaults,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(message);
  });
});
