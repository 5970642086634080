import { setupServer } from 'msw/node';
import NodeVault from 'node-vault';
import { KubeObject, KubernetesEmulator } from '../kubernetes';
import { createTokenReviewer } from '../kubernetes/tokenReview';
import { VaultEmulator, vaultHandlers } from '../vault';
import { createTestCaPem } from '../vault/testCertificate';
import { EsoController } from './EsoController';
import { installEso } from './installEso';
import { configureKubernetesAuth } from './__testUtils__/kubernetesAuth';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(60_000);

const VAULT_URL = 'https://vault.kinds.test:8200';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const CLUSTER_CA = createTestCaPem('kinds-cluster-ca');
const VAULT_CA = createTestCaPem('kinds-vault-ca');
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/**
 * One cluster where the `shop` service has its own account, a ClusterSecretStore `vault-shop`
 * (no conditions, so a ClusterExternalSecret may fan it out) and a Vault policy: read on
 * `secret/data/shop/*`, and what a PushSecret needs on `secret/data/shop/pushed/*` (read,
 * create, update on data and metadata).
 */
async function setup() {
  let clock = new Date('2026-03-01T10:00:00Z');
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.kinds.test:6443',
    caCertPem: CLUSTER_CA,
    now: () => clock,
  });
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
  });
  server.use(...vaultHandlers(vault, VAULT_URL));
  const root = NodeVault({
    endpoint: VAULT_URL,
    token: vault.rootToken,
    noCustomHTTPVerbs: true,
  });
  const t = (plural: string) => cluster.type(plural);
  await installEso(cluster);
  for (const [name, labels] of [
    ['vault', {}],
    ['shop', {}],
    ['team-a', { 'shop-secrets': 'yes' }],
    ['team-b', { 'shop-secrets': 'yes' }],
    ['other', {}],
  ] as const) {
    await cluster.objects.create(t('namespaces'), undefined, {
      metadata: { name, labels },
    });
  }
  await configureKubernetesAuth(cluster, root, CLUSTER_CA);
  await cluster.objects.create(t('serviceaccounts'), 'shop', {
    metadata: { name: 'external-secrets-shop' },
  });
  await root.write('sys/policies/acl/shop', {
    policy: [
      'path "secret/data/shop/*" { capabilities = ["read"] }',
      'path "secret/data/shop/pushed/*" { capabilities = ["read", "create", "update"] }',
      'path "secret/metadata/shop/pushed/*" { capabilities = ["read", "create", "update"] }',
    ].join('\n'),
  });
  await root.write('auth/kubernetes/role/external-secrets-shop', {
    bound_service_account_names: ['external-secrets-shop'],
    bound_service_account_namespaces: ['shop'],
    audience: AUDIENCE,
    token_policies: ['shop'],
    token_ttl: '1h',
  });
  await root.write('secret/data/shop/db', { data: { password: 'pw-1' } });
  await cluster.objects.create(t('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-shop', labels: { team: 'shop' } },
    spec: {
      provider: {
        vault: {
          server: VAULT_URL,
          path: 'secret',
          version: 'v2',
          caBundle: Buffer.from(VAULT_CA).toString('base64'),
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-shop',
              serviceAccountRef: {
                name: 'external-secrets-shop',
                namespace: 'shop',
                audiences: [AUDIENCE],
              },
            },
          },
        },
      },
    },
  });
  const controller = new EsoController({ cluster, now: () => clock });
  const get = (plural: string, namespace: string | undefined, name: string) => {
    try {
      return cluster.objects.get(t(plural), namespace, name);
    } catch {
      return undefined;
    }
  };
  const events = (kind: string, namespace: string, name: string) =>
    cluster.objects
      .list(t('events'), namespace)
      .filter(
        e =>
          (e.involvedObject as any).kind === kind &&
          (e.involvedObject as any).name === name,
      )
      .map(e => ({ type: e.type, reason: e.reason, message: e.message }));
  return {
    cluster,
    root,
    t,
    get,
    events,
    sync: () => controller.reconcileAll(),
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

const externalSecretSpec = {
  refreshInterval: '1h',
  secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-shop' },
  target: { name: 'shop-db' },
  data: [
    {
      secretKey: 'password',
      remoteRef: { key: 'shop/db', property: 'password' },
    },
  ],
};

function ready(object: KubeObject | undefined) {
  return ((object?.status as any)?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
}

describe('ClusterExternalSecret in the sandbox', () => {
  it('creates an owned ExternalSecret in each selected namespace and reports them', async () => {
    const env = await setup();
    const ces = await env.cluster.objects.create(
      env.t('clusterexternalsecrets'),
      undefined,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterExternalSecret',
        metadata: { name: 'shop-db' },
        spec: {
          namespaceSelectors: [{ matchLabels: { 'shop-secrets': 'yes' } }],
          namespaces: ['shop'],
          externalSecretMetadata: {
            labels: { 'backstage.io/kubernetes-id': 'shop' },
          },
          externalSecretSpec,
        },
      },
    );
    await env.sync();

    const status = env.get('clusterexternalsecrets', undefined, 'shop-db')
      ?.status as any;
    expect(status).toEqual({
      externalSecretName: 'shop-db',
      provisionedNamespaces: ['shop', 'team-a', 'team-b'],
      conditions: [{ type: 'Ready', status: 'True' }],
    });
    for (const namespace of ['shop', 'team-a', 'team-b']) {
      const es = env.get('externalsecrets', namespace, 'shop-db')!;
      expect(es.metadata.labels).toEqual({
        'backstage.io/kubernetes-id': 'shop',
      });
      expect(es.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'ClusterExternalSecret',
          name: 'shop-db',
          uid: ces.metadata.uid,
          controller: true,
        }),
      ]);
      expect(ready(es)).toMatchObject({
        status: 'True',
        reason: 'SecretSynced',
      });
      const secret = env.get('secrets', namespace, 'shop-db');
      expect(
        Buffer.from((secret?.data as any).password, 'base64').toString(),
      ).toBe('pw-1');
    }
    expect(env.get('externalsecrets', 'other', 'shop-db')).toBeUndefined();

    // a namespace that stops matching loses its ExternalSecret
    await env.cluster.objects.patch(
      env.t('namespaces'),
      undefined,
      'team-b',
      'merge',
      { metadata: { labels: { 'shop-secrets': null } } },
    );
    await env.sync();
    expect(env.get('externalsecrets', 'team-b', 'shop-db')).toBeUndefined();
    expect(
      (env.get('clusterexternalsecrets', undefined, 'shop-db')?.status as any)
        .provisionedNamespaces,
    ).toEqual(['shop', 'team-a']);
  });

  it('leaves an ExternalSecret it does not own alone and reports the namespace as failed', async () => {
    const env = await setup();
    await env.cluster.objects.create(env.t('externalsecrets'), 'team-a', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'shop-db' },
      spec: { ...externalSecretSpec, target: { name: 'mine' } },
    });
    await env.cluster.objects.create(
      env.t('clusterexternalsecrets'),
      undefined,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterExternalSecret',
        metadata: { name: 'shop-db' },
        spec: {
          namespaceSelectors: [{ matchLabels: { 'shop-secrets': 'yes' } }],
          externalSecretSpec,
        },
      },
    );
    await env.sync();

    expect(
      env.get('clusterexternalsecrets', undefined, 'shop-db')?.status,
    ).toEqual({
      externalSecretName: 'shop-db',
      provisionedNamespaces: ['team-b'],
      failedNamespaces: [
        {
          namespace: 'team-a',
          reason: 'external secret already exists in namespace',
        },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          message: 'one or more namespaces failed',
        },
      ],
    });
    expect(
      (env.get('externalsecrets', 'team-a', 'shop-db')?.spec as any).target,
    ).toEqual({ name: 'mine' });

    // once the foreign one is gone, the namespace is provisioned and Ready again
    await env.cluster.objects.delete(
      env.t('externalsecrets'),
      'team-a',
      'shop-db',
    );
    await env.sync();
    expect(
      env.get('clusterexternalsecrets', undefined, 'shop-db')?.status,
    ).toEqual({
      externalSecretName: 'shop-db',
      provisionedNamespaces: ['team-a', 'team-b'],
      conditions: [{ type: 'Ready', status: 'True' }],
    });
  });
});

describe('PushSecret in the sandbox', () => {
  async function pushSetup(remoteKey = 'shop/pushed/api-token') {
    const env = await setup();
    await env.cluster.objects.create(env.t('secrets'), 'shop', {
      metadata: { name: 'api-token' },
      data: { token: Buffer.from('tok-1').toString('base64') },
    });
    await env.cluster.objects.create(env.t('pushsecrets'), 'shop', {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: {
        name: 'api-token',
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      },
      spec: {
        refreshInterval: '1h',
        secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'vault-shop' }],
        selector: { secret: { name: 'api-token' } },
        data: [
          {
            match: {
              secretKey: 'token',
              remoteRef: { remoteKey, property: 'token' },
            },
          },
        ],
      },
    });
    return env;
  }

  it('writes the value to Vault with ESO’s ownership mark and reports what it pushed', async () => {
    const env = await pushSetup();
    await env.sync();

    const ps = env.get('pushsecrets', 'shop', 'api-token')!;
    expect(ready(ps)).toMatchObject({
      status: 'True',
      reason: 'Synced',
      message: 'PushSecret synced successfully',
    });
    expect((ps.status as any).syncedPushSecrets).toEqual({
      'ClusterSecretStore/vault-shop': {
        'shop/pushed/api-token/token': {
          match: {
            secretKey: 'token',
            remoteRef: {
              remoteKey: 'shop/pushed/api-token',
              property: 'token',
            },
          },
        },
      },
    });
    expect((ps.status as any).refreshTime).toBe('2026-03-01T10:00:00Z');
    expect(env.events('PushSecret', 'shop', 'api-token')).toEqual([
      {
        type: 'Normal',
        reason: 'Synced',
        message: 'PushSecret synced successfully',
      },
    ]);
    const stored = await env.root.read('secret/data/shop/pushed/api-token');
    expect(stored.data.data).toEqual({ token: 'tok-1' });
    const metadata = await env.root.read(
      'secret/metadata/shop/pushed/api-token',
    );
    expect(metadata.data.custom_metadata).toEqual({
      'managed-by': 'external-secrets',
    });
  });

  it('reports a write the store’s Vault policy does not allow, with ESO’s wording', async () => {
    const env = await pushSetup('shop/elsewhere');
    await env.sync();

    const ps = env.get('pushsecrets', 'shop', 'api-token')!;
    const condition = ready(ps);
    expect(condition).toMatchObject({ status: 'False', reason: 'Errored' });
    // read-only on shop/*: the read finds nothing (404), the first write (metadata) is refused
    expect(condition.message).toContain(
      'set secret failed: could not write remote ref token to target secretstore vault-shop: failed to write secret metadata: Error making API request.',
    );
    expect(condition.message).toContain(
      'URL: PUT https://vault.kinds.test:8200/v1/secret/metadata/shop/elsewhere',
    );
    expect(condition.message).toContain('Code: 403. Errors:');
    expect(condition.message).toContain('* permission denied');
    expect(env.events('PushSecret', 'shop', 'api-token')).toEqual([
      { type: 'Warning', reason: 'Errored', message: condition.message },
    ]);
  });

  it('refuses to overwrite a Vault secret it does not manage', async () => {
    const env = await pushSetup();
    await env.root.write('secret/data/shop/pushed/api-token', {
      data: { token: 'set by hand' },
    });
    await env.sync();

    expect(ready(env.get('pushsecrets', 'shop', 'api-token'))).toMatchObject({
      status: 'False',
      reason: 'Errored',
      message:
        'set secret failed: could not write remote ref token to target secretstore vault-shop: secret not managed by external-secrets',
    });
    const stored = await env.root.read('secret/data/shop/pushed/api-token');
    expect(stored.data.data).toEqual({ token: 'set by hand' });
  });

  it('reports a missing source Secret, a missing key and a missing store, then recovers', async () => {
    const env = await pushSetup();
    await env.cluster.objects.delete(env.t('secrets'), 'shop', 'api-token');
    await env.sync();
    expect(ready(env.get('pushsecrets', 'shop', 'api-token'))).toMatchObject({
      status: 'False',
      reason: 'Errored',
      message: 'could not get source secret',
    });

    await env.cluster.objects.create(env.t('secrets'), 'shop', {
      metadata: { name: 'api-token' },
      data: { other: Buffer.from('x').toString('base64') },
    });
    env.advance(60_000);
    await env.sync();
    expect(ready(env.get('pushsecrets', 'shop', 'api-token'))?.message).toBe(
      'set secret failed: secret key token does not exist',
    );

    await env.cluster.objects.patch(
      env.t('pushsecrets'),
      'shop',
      'api-token',
      'merge',
      {
        spec: {
          secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'vault-gone' }],
        },
      },
    );
    await env.sync();
    expect(ready(env.get('pushsecrets', 'shop', 'api-token'))?.message).toBe(
      'could not get ClusterSecretStore "vault-gone", clustersecretstores.external-secrets.io "vault-gone" not found',
    );

    await env.cluster.objects.patch(
      env.t('pushsecrets'),
      'shop',
      'api-token',
      'merge',
      {
        spec: {
          secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'vault-shop' }],
        },
      },
    );
    await env.cluster.objects.patch(
      env.t('secrets'),
      'shop',
      'api-token',
      'merge',
      { data: { token: Buffer.from('tok-2').toString('base64') } },
    );
    await env.sync();
    expect(ready(env.get('pushsecrets', 'shop', 'api-token'))).toMatchObject({
      status: 'True',
      reason: 'Synced',
    });
    const stored = await env.root.read('secret/data/shop/pushed/api-token');
    expect(stored.data.data).toEqual({ token: 'tok-2' });
  });
});

describe('refreshPolicy in the sandbox', () => {
  async function withPolicy(refreshPolicy: string) {
    const env = await setup();
    await env.cluster.objects.create(env.t('externalsecrets'), 'shop', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'shop-db' },
      spec: { ...externalSecretSpec, refreshPolicy },
    });
    await env.sync();
    await env.root.write('secret/data/shop/db', { data: { password: 'pw-2' } });
    const value = () =>
      Buffer.from(
        (env.get('secrets', 'shop', 'shop-db')?.data as any).password,
        'base64',
      ).toString();
    const annotate = (forceSync: string) =>
      env.cluster.objects.patch(
        env.t('externalsecrets'),
        'shop',
        'shop-db',
        'merge',
        { metadata: { annotations: { 'force-sync': forceSync } } },
      );
    return { env, value, annotate };
  }

  it('CreatedOnce: synced once, then neither the interval nor force-sync refreshes; a deleted Secret is re-created', async () => {
    const { env, value, annotate } = await withPolicy('CreatedOnce');
    expect(value()).toBe('pw-1');
    env.advance(2 * 3_600_000);
    await annotate('1');
    await env.sync();
    expect(value()).toBe('pw-1');

    await env.cluster.objects.delete(env.t('secrets'), 'shop', 'shop-db');
    await env.sync();
    expect(value()).toBe('pw-2');
  });

  it('OnChange: no refresh on the interval, one when the object changes (force-sync)', async () => {
    const { env, value, annotate } = await withPolicy('OnChange');
    env.advance(2 * 3_600_000);
    await env.sync();
    expect(value()).toBe('pw-1');

    await annotate('1');
    await env.sync();
    expect(value()).toBe('pw-2');
  });

  it('Periodic: refreshes when the interval is over', async () => {
    const { env, value } = await withPolicy('Periodic');
    env.advance(2 * 3_600_000);
    await env.sync();
    expect(value()).toBe('pw-2');
  });
});
