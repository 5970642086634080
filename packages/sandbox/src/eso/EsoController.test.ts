import { setupServer } from 'msw/node';
import NodeVault from 'node-vault';
import { KubeObject, KubernetesEmulator } from '../kubernetes';
import { createTokenReviewer } from '../kubernetes/tokenReview';
import { VaultEmulator, vaultHandlers } from '../vault';
import { createTestCaPem } from '../vault/testCertificate';
import { installEso } from './installEso';
import { EsoController, EsoTimer } from './EsoController';

// The machine running tests is shared; key generation and TLS can be slow there.
jest.setTimeout(30_000);

const VAULT_URL = 'https://vault.sandbox.test:8200';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const server = setupServer();
const CLUSTER_CA = createTestCaPem('cluster-ca');
const ROTATED_CA = createTestCaPem('rotated-cluster-ca');
const VAULT_CA = createTestCaPem('vault-ca');

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ROLE = {
  bound_service_account_names: ['external-secrets'],
  bound_service_account_namespaces: ['external-secrets'],
  audience: AUDIENCE,
  token_policies: ['example-api'],
  token_ttl: '1h',
};

async function setup(
  kvMounts?: Array<{ path: string; version: 1 | 2 }>,
  timer?: EsoTimer,
) {
  let clock = new Date('2026-03-01T10:00:00Z');
  const now = () => clock;
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.sandbox.test:6443',
    caCertPem: CLUSTER_CA,
    now,
  });
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
    kvMounts,
  });
  server.use(...vaultHandlers(vault, VAULT_URL));
  const root = NodeVault({
    endpoint: VAULT_URL,
    token: vault.rootToken,
    noCustomHTTPVerbs: true,
  });

  const t = (plural: string) => cluster.type(plural);
  for (const name of ['external-secrets', 'example-api', 'vault']) {
    await cluster.objects.create(t('namespaces'), undefined, {
      metadata: { name },
    });
  }
  await cluster.objects.create(t('serviceaccounts'), 'external-secrets', {
    metadata: { name: 'external-secrets' },
  });
  await cluster.objects.create(t('serviceaccounts'), 'vault', {
    metadata: { name: 'vault-auth' },
  });
  cluster.grantTokenReview('vault', 'vault-auth');
  await installEso(cluster);
  await cluster.objects.create(t('configmaps'), 'external-secrets', {
    metadata: { name: 'vault-ca' },
    data: { 'ca.crt': VAULT_CA },
  });
  const reviewerJwt = await cluster.issueServiceAccountToken({
    namespace: 'vault',
    name: 'vault-auth',
    expirationSeconds: 3600,
  });

  await root.write('secret/data/example-api/env-file', {
    data: { dotenv: 'API_KEY=abc' },
  });
  await root.write('sys/policies/acl/example-api', {
    policy: 'path "secret/data/example-api/*" { capabilities = ["read"] }',
  });
  const authConfig = {
    kubernetes_host: cluster.url,
    kubernetes_ca_cert: CLUSTER_CA,
    token_reviewer_jwt: reviewerJwt,
  };
  await root.write('auth/kubernetes/config', authConfig);
  await root.write('auth/kubernetes/role/external-secrets-example-api', ROLE);

  await cluster.objects.create(t('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-example-api' },
    spec: {
      provider: {
        vault: {
          server: VAULT_URL,
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-example-api',
              serviceAccountRef: {
                name: 'external-secrets',
                namespace: 'external-secrets',
              },
            },
          },
        },
      },
    },
  });

  const createExternalSecret = (
    property = 'dotenv',
    key = 'example-api/env-file',
  ) =>
    cluster.objects.create(t('externalsecrets'), 'example-api', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: 'example-api-env-file',
        labels: { 'backstage.io/kubernetes-id': 'example-api' },
      },
      spec: {
        refreshInterval: '2m',
        secretStoreRef: {
          kind: 'ClusterSecretStore',
          name: 'vault-example-api',
        },
        target: { name: 'example-api-env-file', creationPolicy: 'Owner' },
        data: [{ secretKey: '.env', remoteRef: { key, property } }],
      },
    });

  const controller = new EsoController({
    cluster,
    now,
    timer,
    errorRetryMs: 5_000,
  });
  const get = (plural: string, namespace: string | undefined, name: string) => {
    try {
      return cluster.objects.get(t(plural), namespace, name);
    } catch {
      return undefined;
    }
  };
  return {
    cluster,
    vault,
    root,
    controller,
    authConfig,
    createExternalSecret,
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
    externalSecret: () =>
      get('externalsecrets', 'example-api', 'example-api-env-file')!,
    store: () => get('clustersecretstores', undefined, 'vault-example-api')!,
    secret: () => get('secrets', 'example-api', 'example-api-env-file'),
    warnings: (name: string) =>
      cluster.objects
        .list(t('events'))
        .filter(
          e => (e.involvedObject as any).name === name && e.type === 'Warning',
        ),
  };
}

function ready(object: KubeObject) {
  return ((object.status as any)?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
}

function decode(secret: KubeObject | undefined, key: string) {
  return Buffer.from((secret?.data as any)[key], 'base64').toString('utf8');
}

describe('EsoController against the Vault emulator', () => {
  it('validates the store and syncs the ExternalSecret into an owned Secret', async () => {
    const env = await setup();
    await env.createExternalSecret();
    await env.controller.reconcileAll();

    expect(ready(env.store())).toMatchObject({
      status: 'True',
      reason: 'Valid',
      message: 'store validated',
    });
    const es = env.externalSecret();
    expect(ready(es)).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
      message: 'secret synced',
    });
    const status = es.status as any;
    expect(status.refreshTime).toBe('2026-03-01T10:00:00Z');
    expect(status.syncedResourceVersion).toMatch(/^1-[0-9a-f]{32}$/);
    expect(status.binding).toEqual({ name: 'example-api-env-file' });

    const secret = env.secret();
    expect(decode(secret, '.env')).toBe('API_KEY=abc');
    expect(secret?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ExternalSecret',
        uid: es.metadata.uid,
        controller: true,
      }),
    ]);
    expect(env.warnings('example-api-env-file')).toEqual([]);

    env.cluster.objects.delete(
      env.cluster.type('externalsecrets'),
      'example-api',
      'example-api-env-file',
    );
    expect(env.secret()).toBeUndefined();
  });

  it('reports a missing property with ESO wording and keeps refreshTime unset', async () => {
    const env = await setup();
    await env.createExternalSecret('missing');
    await env.controller.reconcileAll();
    const es = env.externalSecret();
    expect(ready(es)).toMatchObject({
      status: 'False',
      reason: 'SecretSyncedError',
      message: 'could not get secret data from provider',
    });
    expect((es.status as any).refreshTime).toBeUndefined();
    expect(
      env.warnings('example-api-env-file').map(e => [e.reason, e.message]),
    ).toEqual([
      [
        'UpdateFailed',
        'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "missing"',
      ],
    ]);
    expect(env.secret()).toBeUndefined();

    env.advance(5_000);
    await env.controller.reconcileAll();
    expect(env.warnings('example-api-env-file')[0].count).toBe(2);
  });

  it('reports a missing secret path as Secret does not exist', async () => {
    const env = await setup();
    await env.createExternalSecret('dotenv', 'example-api/nothing-here');
    await env.controller.reconcileAll();
    expect(env.warnings('example-api-env-file')[0].message).toBe(
      'error processing spec.data[0] (key: example-api/nothing-here), err: Secret does not exist',
    );
  });

  it('surfaces the 403 of a policy that lacks the KV v2 data/ segment, while the store stays Valid', async () => {
    const env = await setup();
    await env.root.write('sys/policies/acl/example-api', {
      policy: 'path "secret/example-api/*" { capabilities = ["read"] }',
    });
    await env.createExternalSecret();
    await env.controller.reconcileAll();
    expect(ready(env.store()).reason).toBe('Valid');
    const message = env.warnings('example-api-env-file')[0].message as string;
    expect(message).toMatch(
      /^error processing spec\.data\[0\] \(key: example-api\/env-file\), err: cannot read secret data from Vault: Error making API request\./,
    );
    expect(message).toContain(
      `URL: GET ${VAULT_URL}/v1/secret/data/example-api/env-file`,
    );
    expect(message).toContain('Code: 403');
    expect(message).toContain('permission denied');
  });

  it.each([
    [
      'a role bound to another service account',
      { role: { ...ROLE, bound_service_account_names: ['eso'] } },
      'service account name not authorized',
    ],
    [
      'a role bound to another namespace',
      { role: { ...ROLE, bound_service_account_namespaces: ['eso'] } },
      'namespace not authorized',
    ],
    [
      'a role with another audience',
      { role: { ...ROLE, audience: 'vault' } },
      'invalid audience (aud) claim',
    ],
    [
      'auth config pointing at an old API server',
      { config: { kubernetes_host: 'https://old-k8s.test:6443' } },
      'permission denied',
    ],
    [
      'auth config holding another cluster CA',
      { config: { kubernetes_ca_cert: ROTATED_CA } },
      'permission denied',
    ],
  ])('fails the store login with %s', async (_, change, vaultMessage) => {
    const env = await setup();
    if ('role' in change) {
      await env.root.write(
        'auth/kubernetes/role/external-secrets-example-api',
        change.role,
      );
    } else {
      await env.root.write('auth/kubernetes/config', {
        ...env.authConfig,
        ...change.config,
      });
    }
    await env.createExternalSecret();
    await env.controller.reconcileAll();

    expect(ready(env.store())).toMatchObject({
      status: 'False',
      reason: 'InvalidProviderConfig',
      message: 'unable to create client',
    });
    const storeEvent = env.warnings('vault-example-api')[0];
    expect(storeEvent.reason).toBe('InvalidProviderConfig');
    expect(storeEvent.metadata.namespace).toBe('default');
    expect(storeEvent.message).toMatch(
      /^unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request\.\n\nURL: PUT https:\/\/vault\.sandbox\.test:8200\/v1\/auth\/kubernetes\/login\nCode: 403/,
    );
    expect(storeEvent.message).toContain(vaultMessage);
    // ESO's client manager refuses a store that is not ready per data entry
    expect(env.warnings('example-api-env-file')[0].message).toBe(
      'error processing spec.data[0] (key: example-api/env-file), err: ClusterSecretStore "vault-example-api" is not ready',
    );
  });

  it('fails logins once the reviewer JWT expires, and recovers when the store is re-validated after a fix', async () => {
    const env = await setup();
    await env.createExternalSecret();
    await env.controller.reconcileAll();
    expect(ready(env.externalSecret()).reason).toBe('SecretSynced');

    env.advance(2 * 3600 * 1000);
    await env.controller.reconcileAll();
    expect(ready(env.store()).reason).toBe('InvalidProviderConfig');
    expect(env.warnings('vault-example-api')[0].message).toContain(
      'permission denied',
    );
    expect(ready(env.externalSecret()).reason).toBe('SecretSyncedError');
    const refreshTime = (env.externalSecret().status as any).refreshTime;
    expect(refreshTime).toBe('2026-03-01T10:00:00Z');

    const fresh = await env.cluster.issueServiceAccountToken({
      namespace: 'vault',
      name: 'vault-auth',
    });
    await env.root.write('auth/kubernetes/config', {
      ...env.authConfig,
      token_reviewer_jwt: fresh,
    });
    env.advance(5_000);
    await env.controller.reconcileAll();
    expect(ready(env.store()).reason).toBe('Valid');
    expect(ready(env.externalSecret()).reason).toBe('SecretSynced');
  });

  it('refreshes every refreshInterval and at once on a force-sync annotation change', async () => {
    const env = await setup();
    await env.createExternalSecret();
    env.controller.start();
    try {
      await env.controller.idle();
      expect(decode(env.secret(), '.env')).toBe('API_KEY=abc');

      await env.root.write('secret/data/example-api/env-file', {
        data: { dotenv: 'API_KEY=v2' },
      });
      env.advance(60_000);
      await env.controller.reconcileAll();
      expect(decode(env.secret(), '.env')).toBe('API_KEY=abc');

      await env.cluster.objects.patch(
        env.cluster.type('externalsecrets'),
        'example-api',
        'example-api-env-file',
        'merge',
        { metadata: { annotations: { 'force-sync': '1772359260' } } },
      );
      await env.controller.idle();
      expect(decode(env.secret(), '.env')).toBe('API_KEY=v2');
      expect((env.externalSecret().status as any).refreshTime).toBe(
        '2026-03-01T10:01:00Z',
      );

      await env.root.write('secret/data/example-api/env-file', {
        data: { dotenv: 'API_KEY=v3' },
      });
      env.advance(120_000);
      await env.controller.reconcileAll();
      expect(decode(env.secret(), '.env')).toBe('API_KEY=v3');
    } finally {
      env.controller.stop();
    }
  });

  it('recreates a deleted target Secret', async () => {
    const env = await setup();
    await env.createExternalSecret();
    await env.controller.reconcileAll();
    env.cluster.objects.delete(
      env.cluster.type('secrets'),
      'example-api',
      'example-api-env-file',
    );
    await env.controller.reconcileAll();
    expect(decode(env.secret(), '.env')).toBe('API_KEY=abc');
  });

  it('reads KV v1 through a namespaced SecretStore, with dataFrom extract and creationPolicy Merge', async () => {
    const env = await setup([
      { path: 'secret', version: 2 },
      { path: 'kv', version: 1 },
    ]);
    const t = (plural: string) => env.cluster.type(plural);
    await env.root.write('kv/example-api/config', {
      url: 'https://db',
      port: 5432,
    });
    await env.root.write('sys/policies/acl/example-api', {
      policy: 'path "kv/example-api/*" { capabilities = ["read"] }',
    });
    await env.root.write('auth/kubernetes/role/app-reader', {
      ...ROLE,
      bound_service_account_names: ['app-reader'],
      bound_service_account_namespaces: ['example-api'],
    });
    await env.cluster.objects.create(t('serviceaccounts'), 'example-api', {
      metadata: { name: 'app-reader' },
    });
    await env.cluster.objects.create(t('secretstores'), 'example-api', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'kv1' },
      spec: {
        provider: {
          vault: {
            server: VAULT_URL,
            path: 'kv',
            version: 'v1',
            auth: {
              kubernetes: {
                mountPath: 'kubernetes',
                role: 'app-reader',
                serviceAccountRef: { name: 'app-reader' },
              },
            },
          },
        },
      },
    });
    await env.cluster.objects.create(t('secrets'), 'example-api', {
      metadata: { name: 'existing' },
      stringData: { keep: 'me' },
    });
    await env.cluster.objects.create(t('externalsecrets'), 'example-api', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'config' },
      spec: {
        refreshInterval: '0',
        secretStoreRef: { kind: 'SecretStore', name: 'kv1' },
        target: { name: 'existing', creationPolicy: 'Merge' },
        dataFrom: [{ extract: { key: 'example-api/config' } }],
      },
    });
    await env.controller.reconcileAll();

    const es = env.cluster.objects.get(
      t('externalsecrets'),
      'example-api',
      'config',
    );
    expect(ready(es)).toMatchObject({ reason: 'SecretSynced' });
    const secret = env.cluster.objects.get(
      t('secrets'),
      'example-api',
      'existing',
    );
    expect(decode(secret, 'keep')).toBe('me');
    expect(decode(secret, 'url')).toBe('https://db');
    expect(decode(secret, 'port')).toBe('5432');
    expect(secret.metadata.ownerReferences).toBeUndefined();
  });

  it('runs on an injected timer: each tick syncs what is due, nothing waits for real time', async () => {
    const pending = new Set<{ callback: () => void; ms: number }>();
    const timer: EsoTimer = {
      setTimeout: (callback, ms) => {
        const handle = { callback, ms };
        pending.add(handle);
        return handle;
      },
      clearTimeout: handle => {
        pending.delete(handle as { callback: () => void; ms: number });
      },
    };
    const fire = () => {
      const due = [...pending];
      pending.clear();
      due.forEach(h => h.callback());
    };
    const env = await setup(undefined, timer);
    await env.createExternalSecret();
    env.controller.start();
    await env.controller.idle();
    expect(decode(env.secret(), '.env')).toBe('API_KEY=abc');
    expect([...pending].map(h => h.ms)).toEqual([1000]);

    await env.root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'API_KEY=later' },
    });
    env.advance(119_000);
    fire();
    await env.controller.idle();
    expect(decode(env.secret(), '.env')).toBe('API_KEY=abc');
    env.advance(1_000);
    fire();
    await env.controller.idle();
    expect(decode(env.secret(), '.env')).toBe('API_KEY=later');
    env.controller.stop();
    expect(pending.size).toBe(0);
  });
});
