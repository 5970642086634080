import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { VaultClient } from '@gitops-secrets/plugin-external-secrets-node';
import { setupServer } from 'msw/node';
import {
  createMultiClusterTokenReviewer,
  EsoController,
  installEso,
  KubernetesEmulator,
  kubernetesHandlers,
  VaultEmulator,
  vaultHandlers,
} from 'sandbox';
import { createTestCaPem } from 'sandbox';
import request from 'supertest';
import { externalSecretsPlugin } from '../../plugin';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(90_000);

const VAULT_URL = 'https://vault.health.test:8200';
const READER_TOKEN = 'health-reader-token';
const server = setupServer();
/** ESO's clock: moved past its store re-validation interval before each reconcile */
const clock = { now: Date.parse('2026-06-01T12:00:00Z') };
const STORE_REFRESH_MS = 60_000;

const clusterEntity = (name: string, annotation?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name,
    namespace: 'default',
    ...(annotation
      ? { annotations: { 'gitops-secrets.io/cluster': annotation } }
      : {}),
  },
  spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
});
const entities: Entity[] = [
  clusterEntity('alpha'),
  clusterEntity('cluster-beta', 'beta'),
  clusterEntity('gone'),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'example-api', namespace: 'default' },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  },
];

const healthPath = (kind: string, name: string) =>
  `/api/external-secrets/entities/default/${kind}/${name}/cluster-health`;

/** One emulated cluster with ESO and a store logging in through the cluster's own mount. */
async function emulatedCluster(name: string, vaultCa: string) {
  const caCertPem = createTestCaPem(`health-${name}-ca`);
  const cluster = new KubernetesEmulator({
    url: `https://k8s-${name}.health.test:6443`,
    caCertPem,
    tokens: [READER_TOKEN],
    forbidSecretDataReads: true,
  });
  const type = (plural: string) => cluster.type(plural);
  for (const ns of ['external-secrets', 'vault']) {
    await cluster.objects.create(type('namespaces'), undefined, {
      metadata: { name: ns },
    });
  }
  await cluster.objects.create(type('serviceaccounts'), 'external-secrets', {
    metadata: { name: 'external-secrets' },
  });
  await cluster.objects.create(type('serviceaccounts'), 'vault', {
    metadata: { name: 'vault-auth' },
  });
  cluster.grantTokenReview('vault', 'vault-auth');
  await installEso(cluster);
  await cluster.objects.create(type('configmaps'), 'external-secrets', {
    metadata: { name: 'vault-ca' },
    data: { 'ca.crt': vaultCa },
  });
  await cluster.objects.create(type('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: `vault-${name}` },
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
              mountPath: `kubernetes-${name}`,
              role: 'eso',
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
  const reviewerJwt = await cluster.issueServiceAccountToken({
    namespace: 'vault',
    name: 'vault-auth',
    expirationSeconds: 86_400,
  });
  const eso = new EsoController({ cluster, now: () => new Date(clock.now) });
  return { name, cluster, caCertPem, reviewerJwt, eso };
}

describe('cluster health route (two clusters, one Vault)', () => {
  const authorize = jest.fn();
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let alpha: Awaited<ReturnType<typeof emulatedCluster>>;
  let beta: Awaited<ReturnType<typeof emulatedCluster>>;
  let root: VaultClient;

  const authConfigOf = (c: typeof alpha) => ({
    kubernetes_host: c.cluster.url,
    kubernetes_ca_cert: c.caCertPem,
    token_reviewer_jwt: c.reviewerJwt,
  });

  async function health(kind: string, name: string) {
    return request(backend.server)
      .get(healthPath(kind, name))
      .set('Authorization', mockCredentials.user.header());
  }

  /** Lets both ESOs re-validate their stores, then waits until the answer satisfies `ok`. */
  async function settle(name: string, ok: (body: any) => boolean) {
    let last: any;
    for (let i = 0; i < 100; i++) {
      clock.now += STORE_REFRESH_MS;
      await alpha.eso.reconcileAll();
      await beta.eso.reconcileAll();
      last = (await health('resource', name)).body;
      if (ok(last)) return last;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(`no such answer: ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    const vaultCa = createTestCaPem('health-vault-ca');
    alpha = await emulatedCluster('alpha', vaultCa);
    beta = await emulatedCluster('beta', vaultCa);
    const vault = new VaultEmulator({
      tokenReviewer: createMultiClusterTokenReviewer([
        alpha.cluster,
        beta.cluster,
      ]),
    });
    server.use(
      ...kubernetesHandlers(alpha.cluster),
      ...kubernetesHandlers(beta.cluster),
      ...vaultHandlers(vault, VAULT_URL),
    );
    root = new VaultClient(
      {
        baseUrl: VAULT_URL,
        timeoutMs: 5000,
        maxRetries: 0,
        retryBaseDelayMs: 10,
        kvMount: 'secret',
        kvVersion: 2,
        auth: { type: 'token', token: vault.rootToken },
      },
      { logger: mockServices.logger.mock() },
    );
    await root.write('sys/policies/acl/eso', {
      policy: 'path "secret/data/*" { capabilities = ["read"] }',
    });
    for (const c of [alpha, beta]) {
      await root.enableAuthMount(`kubernetes-${c.name}`, 'kubernetes', '');
      await root.write(`auth/kubernetes-${c.name}/config`, authConfigOf(c));
      await root.write(`auth/kubernetes-${c.name}/role/eso`, {
        bound_service_account_names: ['external-secrets'],
        bound_service_account_namespaces: ['external-secrets'],
        token_policies: ['eso'],
      });
    }

    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    );
    const catalog = catalogServiceMock({ entities });
    backend = await startTestBackend({
      features: [
        externalSecretsPlugin,
        mockServices.rootConfig.factory({
          data: {
            externalSecrets: {
              vault: {
                baseUrl: VAULT_URL,
                auth: { type: 'token', token: vault.rootToken },
              },
              clusters: [alpha, beta].map(c => ({
                name: c.name,
                url: c.cluster.url,
                authProvider: 'serviceAccount',
                serviceAccountToken: READER_TOKEN,
                caData: Buffer.from(c.caCertPem).toString('base64'),
              })),
              history: { enabled: false },
              status: { clusterHealth: { cacheTtl: 0 } },
            },
          },
        }),
        mockServices.permissions.mock({ authorize }).factory,
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistryServiceMock(),
        }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () => catalog,
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    alpha?.cluster.close();
    beta?.cluster.close();
    server.close();
  });

  it('finds each cluster healthy on its own mount', async () => {
    const a = await settle(
      'alpha',
      body => body.state === 'Healthy' && body.stores?.ready === 1,
    );
    expect(a).toMatchObject({
      cluster: 'alpha',
      vaultAuthMount: 'kubernetes-alpha',
      reviewerMode: 'reviewer-jwt',
      checks: {
        mountEnabled: 'ok',
        configured: 'ok',
        hostMatches: 'ok',
        caMatches: 'ok',
        reviewerWorks: 'ok',
      },
      findings: [],
    });
    // the annotation names the cluster when the entity is named otherwise
    const b = await settle(
      'cluster-beta',
      body => body.state === 'Healthy' && body.stores?.ready === 1,
    );
    expect(b).toMatchObject({
      cluster: 'beta',
      vaultAuthMount: 'kubernetes-beta',
    });
    // never the reviewer JWT
    expect(JSON.stringify([a, b])).not.toContain(alpha.reviewerJwt);
    expect(JSON.stringify([a, b])).not.toContain(beta.reviewerJwt);
  });

  it("names the broken mount's problem on that cluster only, and recovers when it is fixed", async () => {
    // beta's mount is pointed at alpha's API server (a copy-paste of the wrong cluster)
    await root.write('auth/kubernetes-beta/config', {
      ...authConfigOf(beta),
      kubernetes_host: alpha.cluster.url,
    });
    const broken = await settle(
      'cluster-beta',
      body => body.state === 'Unhealthy',
    );
    expect(broken.checks).toMatchObject({
      hostMatches: 'failed',
      caMatches: 'ok',
    });
    expect(broken.findings).toEqual([
      expect.objectContaining({
        code: 'AUTH_HOST_MISMATCH',
        severity: 'error',
        summary: expect.stringContaining(
          `auth/kubernetes-beta/config points at ${alpha.cluster.url}, not at cluster beta`,
        ),
        fix: expect.stringContaining(`kubernetes_host=${beta.cluster.url}`),
      }),
    ]);
    expect((await health('resource', 'alpha')).body).toMatchObject({
      state: 'Healthy',
      findings: [],
    });

    await root.write('auth/kubernetes-beta/config', authConfigOf(beta));
    await settle('cluster-beta', body => body.state === 'Healthy');

    // the reviewer account loses system:auth-delegator: host and CA still match
    beta.cluster.revokeTokenReview('vault', 'vault-auth');
    const reviewer = await settle(
      'cluster-beta',
      body => body.findings?.[0]?.code === 'REVIEWER_REJECTED',
    );
    expect(reviewer).toMatchObject({
      state: 'Unhealthy',
      checks: { hostMatches: 'ok', caMatches: 'ok', reviewerWorks: 'failed' },
    });
    expect(reviewer.findings[0].summary).toMatch(/token reviewer JWT/);
    expect((await health('resource', 'alpha')).body.state).toBe('Healthy');
    beta.cluster.grantTokenReview('vault', 'vault-auth');
    await settle('cluster-beta', body => body.state === 'Healthy');
  });

  it('in client-JWT mode names the account that may not review tokens, and a missing Vault CA ConfigMap; both recover', async () => {
    // beta switched to client-JWT mode: ESO's account (the store's) now needs system:auth-delegator
    await root.write('auth/kubernetes-beta/config', {
      kubernetes_host: beta.cluster.url,
      kubernetes_ca_cert: beta.caCertPem,
    });
    const codes = (body: any): string[] =>
      (body.findings ?? []).map((f: any) => f.code);
    const denied = await settle('cluster-beta', body =>
      codes(body).includes('TOKEN_REVIEW_NOT_GRANTED'),
    );
    expect(denied).toMatchObject({
      state: 'Unhealthy',
      reviewerMode: 'client-jwt',
      checks: { tokenReviewGranted: 'failed', vaultCaPresent: 'ok' },
    });
    // named once, at the source: not also as "every login denied"
    expect(codes(denied)).toEqual(['TOKEN_REVIEW_NOT_GRANTED']);
    expect(denied.findings[0].summary).toContain(
      'external-secrets/external-secrets may not create TokenReviews',
    );
    expect(denied.findings[0].fix).toMatch(/system:auth-delegator/);
    // the other cluster is untouched
    expect((await health('resource', 'alpha')).body.state).toBe('Healthy');

    beta.cluster.grantTokenReview('external-secrets', 'external-secrets');
    const granted = await settle(
      'cluster-beta',
      body => body.state === 'Healthy' && body.stores?.ready === 1,
    );
    expect(granted.checks).toMatchObject({
      tokenReviewGranted: 'ok',
      vaultCaPresent: 'ok',
      reviewerWorks: 'ok',
    });

    // the ConfigMap the store reads Vault's CA from, deleted
    const configMaps = beta.cluster.type('configmaps');
    const vaultCa = beta.cluster.objects.get(
      configMaps,
      'external-secrets',
      'vault-ca',
    );
    await beta.cluster.objects.delete(
      configMaps,
      'external-secrets',
      'vault-ca',
    );
    const noCa = await settle('cluster-beta', body =>
      codes(body).includes('VAULT_CA_MISSING'),
    );
    expect(noCa.checks.vaultCaPresent).toBe('failed');
    const finding = noCa.findings.find(
      (f: any) => f.code === 'VAULT_CA_MISSING',
    );
    expect(finding.summary).toMatch(
      /ConfigMap external-secrets\/vault-ca, which ESO's stores in cluster beta read Vault's CA from, does not exist/,
    );
    expect(finding.fix).toContain(
      'kubectl -n external-secrets create configmap vault-ca --from-file=ca.crt=vault-ca.pem',
    );
    await beta.cluster.objects.create(configMaps, 'external-secrets', {
      metadata: { name: 'vault-ca' },
      data: vaultCa.data,
    });
    await settle(
      'cluster-beta',
      body => body.state === 'Healthy' && body.checks?.vaultCaPresent === 'ok',
    );
    await root.write('auth/kubernetes-beta/config', authConfigOf(beta));
  });

  it('says when the mount is missing and when the entity is not a configured cluster', async () => {
    await root.delete('sys/auth/kubernetes-alpha');
    const missing = await settle(
      'alpha',
      body => body.findings?.[0]?.code === 'AUTH_MOUNT_MISSING',
    );
    expect(missing).toMatchObject({
      state: 'Unhealthy',
      checks: { mountEnabled: 'failed' },
    });
    expect(missing.findings[0].fix).toMatch(/vault:kubernetes-auth:configure/);

    // a template's cluster picker sees alpha as not onboarded, beta as ready for services
    const clusters = await request(backend.server)
      .get('/api/external-secrets/clusters')
      .set('Authorization', mockCredentials.user.header());
    expect(clusters.status).toBe(200);
    expect(clusters.body).toEqual({
      items: [
        {
          name: 'alpha',
          vaultAuthMount: 'kubernetes-alpha',
          vaultAuth: 'Unhealthy',
          onboarded: false,
        },
        {
          name: 'beta',
          vaultAuthMount: 'kubernetes-beta',
          vaultAuth: 'Healthy',
          onboarded: true,
        },
      ],
    });
    // names and mounts only: no API server, CA or token of a cluster
    const body = JSON.stringify(clusters.body);
    for (const c of [alpha, beta]) {
      expect(body).not.toContain(c.cluster.url);
      expect(body).not.toContain(c.reviewerJwt);
    }
    expect(body).not.toContain(READER_TOKEN);

    const gone = await health('resource', 'gone');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(
      /Cluster "gone" .* is not in externalSecrets.clusters; configured: alpha, beta/,
    );
    const component = await health('component', 'example-api');
    expect(component.status).toBe(400);
  });

  it('requires external-secrets.status.read', async () => {
    authorize.mockImplementationOnce(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    );
    const denied = await health('resource', 'alpha');
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/external-secrets.status.read/);
    authorize.mockImplementationOnce(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    );
    const list = await request(backend.server)
      .get('/api/external-secrets/clusters')
      .set('Authorization', mockCredentials.user.header());
    expect(list.status).toBe(403);
  });
});
