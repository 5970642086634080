import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  ClusterCache,
  VaultClient,
} from '@gitops-secrets/plugin-external-secrets-node';
import { setupServer } from 'msw/node';
import {
  createTokenReviewer,
  EsoController,
  installEso,
  KubernetesEmulator,
  kubernetesHandlers,
  VaultEmulator,
  vaultHandlers,
} from 'sandbox';
import { readBackendVaultPolicy } from 'sandbox/server';
import { createTestCaPem } from 'sandbox';
import { EntityStatusService } from './EntityStatusService';
import { VaultFactsProvider } from './VaultFactsProvider';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(60_000);

const VAULT_URL = 'https://vault.status.test:8200';
const READER_TOKEN = 'status-reader-token';
const CLUSTER_CA = createTestCaPem('status-cluster-ca');
const VAULT_CA = createTestCaPem('status-vault-ca');
const OLD_CLUSTER_CA = createTestCaPem('status-old-cluster-ca');
const server = setupServer();

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

interface Fault {
  property?: string;
  key?: string;
  policy?: string;
  kubernetesHost?: string;
  kubernetesCaCert?: string;
  reviewerJwt?: string;
  boundNamespaces?: string[];
  audience?: string;
  /** the emulators' shared clock (ms), for tests that move time */
  clock?: { now: number };
  /** the backend token's policy text; the root token when absent */
  backendPolicy?: string;
  /** the facts cache's TTL; the backend's default when absent */
  factsTtlMs?: number;
}

async function environment(options: Fault = {}) {
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.status.test:6443',
    caCertPem: CLUSTER_CA,
    tokens: [READER_TOKEN],
    forbidSecretDataReads: true,
  });
  const clock = options.clock;
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
    now: clock ? () => clock.now : undefined,
  });
  server.use(
    ...kubernetesHandlers(cluster),
    ...vaultHandlers(vault, VAULT_URL),
  );
  const logger = mockServices.logger.mock();
  const vaultSettings = {
    baseUrl: VAULT_URL,
    timeoutMs: 5000,
    maxRetries: 0,
    retryBaseDelayMs: 10,
    kvMount: 'secret',
    kvVersion: 2 as const,
    auth: { type: 'token' as const, token: vault.rootToken },
  };
  // The same client the backend uses, here with the root token to set the scene.
  const root = new VaultClient(vaultSettings, { logger });
  const type = (plural: string) => cluster.type(plural);

  for (const name of ['external-secrets', 'example-api', 'vault']) {
    await cluster.objects.create(type('namespaces'), undefined, {
      metadata: { name },
    });
  }
  await cluster.objects.create(type('serviceaccounts'), 'external-secrets', {
    metadata: { name: 'external-secrets' },
  });
  await cluster.objects.create(type('serviceaccounts'), 'vault', {
    metadata: { name: 'vault-auth' },
  });
  cluster.grantTokenReview('vault', 'vault-auth');
  // ESO runs as its own account, with its chart's RBAC
  await installEso(cluster);
  await cluster.objects.create(type('configmaps'), 'external-secrets', {
    metadata: { name: 'vault-ca' },
    data: { 'ca.crt': VAULT_CA },
  });
  const reviewerJwt = await cluster.issueServiceAccountToken({
    namespace: 'vault',
    name: 'vault-auth',
    expirationSeconds: 3600,
  });

  await root.write('secret/data/example-api/env-file', {
    data: { dotenv: 'API_KEY=never-shown' },
  });
  await root.write('sys/policies/acl/example-api', {
    policy:
      options.policy ??
      'path "secret/data/example-api/*" { capabilities = ["read"] }',
  });
  await root.write('auth/kubernetes/config', {
    kubernetes_host: options.kubernetesHost ?? cluster.url,
    kubernetes_ca_cert: options.kubernetesCaCert ?? CLUSTER_CA,
    token_reviewer_jwt: options.reviewerJwt ?? reviewerJwt,
  });
  await root.write('auth/kubernetes/role/external-secrets-example-api', {
    bound_service_account_names: ['external-secrets'],
    bound_service_account_namespaces: options.boundNamespaces ?? [
      'external-secrets',
    ],
    audience:
      options.audience ?? 'https://kubernetes.default.svc.cluster.local',
    token_policies: ['example-api'],
    token_ttl: '1h',
  });
  await cluster.objects.create(type('clustersecretstores'), undefined, {
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
  await cluster.objects.create(type('externalsecrets'), 'example-api', {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'example-api-env-file',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      target: { name: 'example-api-env-file', creationPolicy: 'Owner' },
      data: [
        {
          secretKey: '.env',
          remoteRef: {
            key: options.key ?? 'example-api/env-file',
            property: options.property ?? 'dotenv',
          },
        },
      ],
    },
  });
  const controller = new EsoController({
    cluster,
    errorRetryMs: 60_000,
    now: clock ? () => new Date(clock.now) : undefined,
  });
  await controller.reconcileAll();

  const cache = ClusterCache.create(
    {
      name: 'sandbox',
      url: cluster.url,
      authProvider: 'serviceAccount',
      serviceAccountToken: READER_TOKEN,
      caData: Buffer.from(CLUSTER_CA).toString('base64'),
      skipTLSVerify: false,
    },
    { logger, backoff: { initialMs: 20, maxMs: 200 } },
  );
  cache.start();
  let backendToken = vault.rootToken;
  if (options.backendPolicy) {
    vault.putPolicy('backstage', options.backendPolicy);
    backendToken = vault.createToken({ policies: ['backstage', 'default'] });
  }
  const client = new VaultClient(
    { ...vaultSettings, auth: { type: 'token' as const, token: backendToken } },
    { logger },
  );
  const service = new EntityStatusService({
    clusters: [cache],
    vault: new VaultFactsProvider({
      reader: client,
      baseUrl: VAULT_URL,
      ttlMs: options.factsTtlMs,
    }),
    now: clock ? () => new Date(clock.now) : undefined,
  });
  const status = async () => {
    for (let i = 0; i < 200 && !cache.health().synced; i++) {
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    return service.getStatus(entity);
  };
  return { cluster, cache, status, root, controller, vault, backendToken };
}

describe('EntityStatusService against the Kubernetes, ESO and Vault emulators', () => {
  let stop: (() => Promise<void>) | undefined;
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(async () => {
    await stop?.();
    server.resetHandlers();
  });
  afterAll(() => server.close());

  it.each([
    ['a healthy sync', {}, 'Synced', [] as string[], /secret synced/],
    [
      'a missing property',
      { property: 'nope' },
      'Error',
      ['PROPERTY_MISSING'],
      /cannot find secret data for key: "nope"/,
    ],
    [
      'a policy without data/',
      { policy: 'path "secret/example-api/*" { capabilities = ["read"] }' },
      'Error',
      ['POLICY_MISSING_KV2_DATA_PATH'],
      /permission denied/,
    ],
    [
      'Vault auth pointing at an old API server',
      { kubernetesHost: 'https://old-k8s.status.test:6443' },
      'Error',
      ['STORE_NOT_READY', 'VAULT_AUTH_HOST_MISMATCH'],
      /is not ready/,
    ],
    [
      'Vault holding an old cluster CA',
      { kubernetesCaCert: OLD_CLUSTER_CA },
      'Error',
      ['STORE_NOT_READY', 'VAULT_AUTH_CA_MISMATCH'],
      /is not ready/,
    ],
    [
      'a rejected token reviewer JWT',
      { reviewerJwt: 'eyJhbGciOiJSUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl' },
      'Error',
      ['STORE_NOT_READY', 'REVIEWER_JWT_REJECTED'],
      /is not ready/,
    ],
    [
      'a role bound to another namespace',
      { boundNamespaces: ['eso-system'] },
      'Error',
      ['STORE_NOT_READY', 'ROLE_BINDING_MISMATCH'],
      /is not ready/,
    ],
    [
      'a role expecting another audience',
      { audience: 'vault' },
      'Error',
      ['STORE_NOT_READY', 'AUDIENCE_MISMATCH'],
      /is not ready/,
    ],
    [
      'a secret path that does not exist',
      { key: 'example-api/missing' },
      'Error',
      ['SECRET_PATH_MISSING'],
      /Secret does not exist/,
    ],
  ])('reports %s', async (_name, options, state, codes, message) => {
    const env = await environment(options);
    stop = () => env.cache.stop();
    const result = await env.status();
    expect(result.clusters).toEqual([
      expect.objectContaining({
        name: 'sandbox',
        reachable: true,
        synced: true,
      }),
    ]);
    expect(result.externalSecrets).toHaveLength(1);
    const [row] = result.externalSecrets;
    expect(row.state).toBe(state);
    expect(row.message).toMatch(message);
    expect(row.findings.map(f => f.code).sort()).toEqual([...codes].sort());
    expect(JSON.stringify(result)).not.toContain('never-shown');
  });

  it('shows a new Vault version as Pending rotation until ESO syncs it, reading metadata with the shipped backend policy only', async () => {
    const clock = { now: Date.parse('2026-12-01T14:00:00Z') };
    const env = await environment({
      clock,
      backendPolicy: await readBackendVaultPolicy(),
      factsTtlMs: 0,
    });
    stop = () => env.cache.stop();

    // two workloads consume the Secret, started after ESO created it: one by env, one by volume
    const pod = (name: string, owner: string, spec: object) =>
      env.cluster.objects.create(env.cluster.type('pods'), 'example-api', {
        metadata: {
          name,
          labels: { 'pod-template-hash': 'abc12' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `${owner}-abc12`,
              uid: `${owner}-uid`,
              controller: true,
            },
          ],
        },
        spec,
        status: { startTime: '2026-12-01T14:00:10Z' },
      });
    await pod('api-abc12-x1', 'example-api', {
      containers: [
        {
          name: 'api',
          image: 'example-api:1',
          env: [
            {
              name: 'DOTENV',
              valueFrom: {
                secretKeyRef: { name: 'example-api-env-file', key: '.env' },
              },
            },
          ],
        },
      ],
    });
    await pod('files-abc12-y1', 'example-api-files', {
      containers: [
        {
          name: 'files',
          image: 'files:1',
          volumeMounts: [{ name: 'env', mountPath: '/etc/app' }],
        },
      ],
      volumes: [
        { name: 'env', secret: { secretName: 'example-api-env-file' } },
      ],
    });
    for (let i = 0; i < 200 && !env.cache.podsHealth().listed; i++) {
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    const consumersOf = async () => {
      for (let i = 0; i < 200; i++) {
        const [r] = (await env.status()).externalSecrets;
        if ((r.consumers?.workloads.length ?? 0) === 2) return r;
        await new Promise(resolve => setTimeout(resolve, 25));
      }
      throw new Error('the consumers never appeared');
    };

    let row = await consumersOf();
    expect(row.consumers).toMatchObject({
      secret: 'example-api-env-file',
      lastDataChange: '2026-12-01T14:00:00.000Z',
      restartNeeded: 0,
      summary: '2 workloads, none needs a restart',
    });
    expect(row.state).toBe('Synced');
    expect(row.freshness).toMatchObject({
      state: 'InSync',
      keys: [
        { key: 'example-api/env-file', state: 'InSync', currentVersion: 1 },
      ],
    });

    clock.now += 30_000;
    await env.root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'API_KEY=rotated-never-shown' },
    });
    [row] = (await env.status()).externalSecrets;
    expect(row.state).toBe('PendingRotation');
    expect(row.reason).toBe('NewVersionInVault');
    expect(row.message).toBe(
      'Vault v2 of example-api/env-file written 2026-12-01T14:00:30.000Z, after the last sync at 2026-12-01T14:00:00.000Z; next sync by 2026-12-01T14:02:00.000Z (refreshInterval 2m).',
    );

    // the refresh interval passes: ESO reads Vault again
    clock.now += 120_000;
    await env.controller.reconcileAll();
    for (
      let i = 0;
      i < 200 &&
      env.cache.getExternalSecret('example-api', 'example-api-env-file')?.status
        ?.refreshTime !== '2026-12-01T14:02:30Z';
      i++
    ) {
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    let result = await env.status();
    for (
      let i = 0;
      i < 300 && !result.externalSecrets[0].consumers?.restartNeeded;
      i++
    ) {
      // ESO's Updated event reaches the cache a moment after the status (slow on a busy box)
      await new Promise(resolve => setTimeout(resolve, 50));
      result = await env.status();
    }
    [row] = result.externalSecrets;
    expect(row.state).toBe('Synced');
    expect(row.freshness).toMatchObject({
      state: 'InSync',
      keys: [{ state: 'InSync', currentVersion: 2 }],
    });
    // the new value changed the Secret: the env consumer needs a restart, the volume one not
    expect(row.consumers).toMatchObject({
      lastDataChange: '2026-12-01T14:02:30.000Z',
      restartNeeded: 1,
      summary: '1 workload needs a restart',
      workloads: [
        {
          kind: 'Deployment',
          name: 'example-api',
          uses: ['env'],
          verdict: 'RestartNeeded',
        },
        {
          kind: 'Deployment',
          name: 'example-api-files',
          uses: ['volume'],
          verdict: 'UpdatesInPlace',
          summary: 'updates within about a minute (kubelet sync)',
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('never-shown');
    // the backend token read metadata, and never data
    const backend = env.vault.requests.filter(
      r => r.headers['x-vault-token'] === env.backendToken,
    );
    expect(backend.map(r => `${r.operation} ${r.path} ${r.status}`)).toContain(
      'read secret/metadata/example-api/env-file 200',
    );
    expect(backend.filter(r => r.path.startsWith('secret/data/'))).toEqual([]);
  });

  it('says freshness cannot be told when the backend token may not read metadata', async () => {
    const env = await environment({
      backendPolicy: 'path "sys/policies/acl/*" { capabilities = ["read"] }',
    });
    stop = () => env.cache.stop();
    const [row] = (await env.status()).externalSecrets;
    expect(row.state).toBe('Synced');
    expect(row.freshness).toMatchObject({
      state: 'Unknown',
      summary: expect.stringMatching(
        /metadata of example-api\/env-file could not be read/,
      ),
    });
  });
});
