import { parse } from 'yaml';
import { renderManifestFiles } from './renderManifestFiles';
import { resolveManifestSpec } from './resolveManifestSpec';
import { validateEsoObject } from './validateEsoObject';

const defaults = {
  store: {
    server: 'https://vault.example.com:8200',
    caProvider: {
      type: 'ConfigMap' as const,
      name: 'vault-ca',
      key: 'ca.crt',
      namespace: 'external-secrets',
    },
  },
};

describe('renderManifestFiles', () => {
  it('writes one YAML file per object and a kustomization listing them', async () => {
    const files = await renderManifestFiles(
      resolveManifestSpec(
        {
          name: 'shop',
          secrets: [
            {
              name: 'db',
              properties: [
                { property: 'username', secretKey: 'DB_USER' },
                { property: 'password', secretKey: 'DB_PASSWORD' },
              ],
            },
            {
              name: 'api-key',
              properties: [{ property: 'key', secretKey: 'API_KEY' }],
            },
          ],
        },
        defaults,
      ),
    );
    expect(files.map(f => f.fileName)).toEqual([
      '00-serviceaccount-external-secrets-shop.yaml',
      'clustersecretstore-vault-shop.yaml',
      'externalsecret-shop-db.yaml',
      'externalsecret-shop-api-key.yaml',
      'kustomization.yaml',
    ]);
    for (const file of files) {
      expect(parse(file.content)).toEqual(file.object);
    }
    for (const file of files.slice(0, 4)) {
      expect(file.object.metadata.labels).toEqual({
        'backstage.io/kubernetes-id': 'shop',
      });
    }
    expect(parse(files[4].content).resources).toEqual(
      files.slice(0, 4).map(f => f.fileName),
    );
    // The store presents the service's own account, and only the service's namespace may use it.
    expect(files[1].object.spec).toMatchObject({
      conditions: [{ namespaces: ['shop'] }],
      provider: {
        vault: {
          auth: {
            kubernetes: {
              role: 'external-secrets-shop',
              serviceAccountRef: {
                name: 'external-secrets-shop',
                namespace: 'shop',
              },
            },
          },
        },
      },
    });
    expect(files[0].object).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'external-secrets-shop',
        namespace: 'shop',
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      },
      automountServiceAccountToken: false,
    });
    expect(parse(files[2].content).spec).toEqual({
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-shop' },
      target: {
        name: 'shop-db',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: 'DB_USER',
          remoteRef: { key: 'shop/db', property: 'username' },
        },
        {
          secretKey: 'DB_PASSWORD',
          remoteRef: { key: 'shop/db', property: 'password' },
        },
      ],
    });
  });

  it('renders a namespaced SecretStore for kind SecretStore', async () => {
    const files = await renderManifestFiles(
      resolveManifestSpec(
        {
          name: 'shop',
          store: { kind: 'SecretStore', kvVersion: 1 },
          secrets: [
            { name: 'db', properties: [{ property: 'u', secretKey: 'U' }] },
          ],
        },
        defaults,
      ),
    );
    const [account, store, externalSecret] = files.map(f => f.object);
    expect(store.kind).toBe('SecretStore');
    expect(store.metadata.namespace).toBe('shop');
    expect((store.spec as any).conditions).toBeUndefined();
    expect((store.spec as any).provider.vault.auth.kubernetes).toMatchObject({
      serviceAccountRef: { name: 'external-secrets-shop' },
    });
    expect(account.metadata).toMatchObject({
      name: 'external-secrets-shop',
      namespace: 'shop',
    });
    expect((store.spec as any).provider.vault.version).toBe('v1');
    expect((externalSecret.spec as any).secretStoreRef).toEqual({
      kind: 'SecretStore',
      name: 'vault-shop',
    });
  });

  it('renders no ServiceAccount when config names a shared one, and still limits the store', async () => {
    const files = await renderManifestFiles(
      resolveManifestSpec(
        {
          name: 'shop',
          secrets: [
            { name: 'db', properties: [{ property: 'u', secretKey: 'U' }] },
          ],
        },
        {
          store: {
            ...defaults.store,
            serviceAccount: {
              name: 'external-secrets',
              namespace: 'external-secrets',
            },
          },
        },
      ),
    );
    expect(files.map(f => f.object.kind)).toEqual([
      'ClusterSecretStore',
      'ExternalSecret',
      'Kustomization',
    ]);
    expect((files[0].object.spec as any).conditions).toEqual([
      { namespaces: ['shop'] },
    ]);
  });

  it('binds the store account to system:auth-delegator on a client-JWT mount, and applies it before the store', async () => {
    const request = {
      name: 'shop',
      secrets: [
        { name: 'db', properties: [{ property: 'password', secretKey: 'PW' }] },
      ],
    };
    const files = await renderManifestFiles(
      resolveManifestSpec({ ...request, reviewerMode: 'client-jwt' }, defaults),
    );
    expect(files.map(f => f.fileName)).toEqual([
      '00-serviceaccount-external-secrets-shop.yaml',
      '00-clusterrolebinding-shop-vault-token-review.yaml',
      'clustersecretstore-vault-shop.yaml',
      'externalsecret-shop-db.yaml',
      'kustomization.yaml',
    ]);
    expect(parse(files[1].content)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {
        name: 'shop-vault-token-review',
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'external-secrets-shop',
          namespace: 'shop',
        },
      ],
    });
    expect(parse(files[4].content).resources).toContain(files[1].fileName);
    // a reviewer JWT reviews for everyone: no binding for the tenant's account
    for (const reviewerMode of [undefined, 'reviewer-jwt']) {
      const plain = await renderManifestFiles(
        resolveManifestSpec({ ...request, reviewerMode }, defaults),
      );
      expect(plain.map(f => f.object.kind)).not.toContain('ClusterRoleBinding');
    }
    expect(() =>
      resolveManifestSpec({ ...request, reviewerMode: 'local-jwt' }, defaults),
    ).toThrow(/reviewerMode/);
  });

  it('refuses to render objects ESO would reject', async () => {
    const spec = resolveManifestSpec(
      {
        name: 'shop',
        secrets: [
          {
            name: 'db',
            properties: [
              { property: 'a', secretKey: 'ONE' },
              { property: 'b', secretKey: 'TWO' },
            ],
          },
        ],
        creationPolicy: 'Orphan',
        deletionPolicy: 'Delete',
      },
      defaults,
    );
    // resolveManifestSpec refuses duplicate keys itself; the render checks again
    spec.secrets[0].properties[1].secretKey = 'SAME';
    spec.secrets[0].properties[0].secretKey = 'SAME';
    await expect(renderManifestFiles(spec)).rejects.toThrow(
      /ExternalSecret "shop-db" would be rejected by the cluster: .*deletionPolicy Delete needs creationPolicy Owner.*duplicate secretKey "SAME"/,
    );
  });
});

describe('validateEsoObject', () => {
  it('reports schema violations found by the ESO v1 models', async () => {
    await expect(
      validateEsoObject({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'x', namespace: 'y' },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: 's' },
          data: [{ secretKey: 'k', remoteRef: { key: 42 } }],
        },
      }),
    ).rejects.toThrow(
      /ExternalSecret "x" would be rejected by the cluster: schema: .*remoteRef\/key/,
    );
  });

  it('rejects other API versions and kinds', async () => {
    await expect(
      validateEsoObject({
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata: { name: 'x' },
      }),
    ).rejects.toThrow(/expected external-secrets.io\/v1/);
    await expect(
      validateEsoObject({
        apiVersion: 'external-secrets.io/v1',
        kind: 'PushSecret',
        metadata: { name: 'x' },
      }),
    ).rejects.toThrow(/not an External Secrets Operator kind/);
  });
});
