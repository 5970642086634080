import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  ClusterCache,
  VaultClient,
  type VaultSettings,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { SetupServer } from 'msw/node';
import {
  createTokenReviewer,
  EsoController,
  installEso,
  KubernetesEmulator,
  kubernetesHandlers,
  VaultEmulator,
  vaultHandlers,
} from 'sandbox';
import { createTestCaPem } from 'sandbox';
import { EntityStatusService } from '../EntityStatusService';
import { VaultFactsInvalidator } from '../VaultFactsInvalidator';
import { VaultFactsProvider } from '../VaultFactsProvider';

export const VAULT_URL = 'https://vault.status.test:8200';
export const READER_TOKEN = 'status-reader-token';
export const CLUSTER_CA = createTestCaPem('status-cluster-ca');
const VAULT_CA = createTestCaPem('status-vault-ca');
export const ESO_RETRY_MS = 60_000;

export const exampleApi: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

const GOOD_POLICY =
  'path "secret/data/example-api/*" { capabilities = ["read"] }';

/**
 * The status backend against the Kubernetes, ESO and Vault emulators (in-process, through msw):
 * `example-api` syncs from Vault until a test breaks something with `root` (a Vault client
 * holding the root token) or the emulators' fault hooks, then `resync()` lets ESO react and
 * `status()` answers as the route would. Clocks are injected, never the wall clock: the world's
 * (cluster, ESO, Vault) moves with `resync()`, the backend's (facts cache, classification) only
 * with `advanceBackend(ms)`, so a test controls whether a cache entry has expired.
 */
export async function statusEnvironment(server: SetupServer) {
  let nowMs = Date.parse('2026-06-01T12:00:00Z');
  let backendNowMs = nowMs;
  const now = () => nowMs;
  const backendNow = () => backendNowMs;
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.status.test:6443',
    caCertPem: CLUSTER_CA,
    tokens: [READER_TOKEN],
    forbidSecretDataReads: true,
    now: () => new Date(nowMs),
  });
  const vault = new VaultEmulator({
    tokenReviewer: createTokenReviewer(cluster),
    now,
  });
  server.use(
    ...kubernetesHandlers(cluster),
    ...vaultHandlers(vault, VAULT_URL),
  );
  const logger = mockServices.logger.mock();
  logger.child.mockReturnValue(logger);
  const vaultSettings: VaultSettings = {
    baseUrl: VAULT_URL,
    timeoutMs: 5000,
    maxRetries: 0,
    retryBaseDelayMs: 10,
    kvMount: 'secret',
    kvVersion: 2,
    auth: { type: 'token', token: vault.rootToken },
  };
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
    expirationSeconds: 365 * 86_400,
  });
  const authConfig = {
    kubernetes_host: cluster.url,
    kubernetes_ca_cert: CLUSTER_CA,
    token_reviewer_jwt: reviewerJwt,
  };

  await root.write('secret/data/example-api/env-file', {
    data: { dotenv: 'API_KEY=never-shown' },
  });
  await root.write('sys/policies/acl/example-api', { policy: GOOD_POLICY });
  await root.write('auth/kubernetes/config', authConfig);
  await root.write('auth/kubernetes/role/external-secrets-example-api', {
    bound_service_account_names: ['external-secrets'],
    bound_service_account_namespaces: ['external-secrets'],
    audience: 'https://kubernetes.default.svc.cluster.local',
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
          remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
        },
      ],
    },
  });
  const controller = new EsoController({
    cluster,
    errorRetryMs: ESO_RETRY_MS,
    now: () => new Date(nowMs),
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
  const client = new VaultClient(vaultSettings, { logger });
  const facts = new VaultFactsProvider({
    reader: client,
    baseUrl: VAULT_URL,
    now: backendNow,
  });
  const invalidator = new VaultFactsInvalidator({ clusters: [cache], facts });
  const service = new EntityStatusService({
    clusters: [cache],
    vault: facts,
    now: () => new Date(backendNowMs),
  });
  for (let i = 0; i < 200 && !cache.health().synced; i++) {
    await new Promise(resolve => setTimeout(resolve, 25));
  }

  return {
    cluster,
    vault,
    root,
    cache,
    facts,
    service,
    logger,
    authConfig,
    /** answers as the status route does */
    status: (entity: Entity = exampleApi) => service.getStatus(entity),
    /** moves the backend's clock forward (cache TTLs) */
    advanceBackend(ms: number) {
      backendNowMs += ms;
    },
    /**
     * What ESO does after a change: re-validates the stores and re-syncs (past its error
     * backoff), and the caches see the result through their watches.
     */
    async resync() {
      nowMs += ESO_RETRY_MS;
      await controller.reconcileAll();
    },
    async stop() {
      invalidator.stop();
      await cache.stop();
      cluster.close();
    },
  };
}

export type StatusEnvironment = Awaited<ReturnType<typeof statusEnvironment>>;
