import { createServer } from 'node:https';
import { createServer as createPlainServer } from 'node:net';
import { AddressInfo } from 'node:net';
import { KubeObject, KubernetesEmulator } from '../kubernetes';
import { createTokenReviewer } from '../kubernetes/tokenReview';
import { VaultEmulator, createVaultRequestListener } from '../vault';
import { createTestCaPem } from '../vault/testCertificate';
import { installEso } from './installEso';
import { EsoController } from './EsoController';
import { createTestServerTls } from '../kubernetes/__testUtils__/testTls';

// The machine running tests is shared; key generation and TLS can be slow there.
jest.setTimeout(30_000);

const CLUSTER_CA = createTestCaPem('cluster-ca');
const vaultTls = createTestServerTls();
const otherTls = createTestServerTls();

async function serveVaultOverHttps(vault: VaultEmulator) {
  const server = createServer(
    { key: vaultTls.keyPem, cert: vaultTls.certPem },
    createVaultRequestListener(vault),
  );
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const probe = createPlainServer();
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>(resolve => probe.close(() => resolve()));
  return port;
}

async function setup(
  vaultUrl: string,
  trustedCaPem: string,
  vault: VaultEmulator,
) {
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.sandbox.test:6443',
    caCertPem: CLUSTER_CA,
  });
  vault.setTokenReviewer(createTokenReviewer(cluster));
  const t = (plural: string) => cluster.type(plural);
  for (const name of ['external-secrets', 'example-api']) {
    await cluster.objects.create(t('namespaces'), undefined, {
      metadata: { name },
    });
  }
  await cluster.objects.create(t('serviceaccounts'), 'external-secrets', {
    metadata: { name: 'external-secrets' },
  });
  cluster.grantTokenReview('external-secrets', 'external-secrets');
  await installEso(cluster);
  await cluster.objects.create(t('configmaps'), 'external-secrets', {
    metadata: { name: 'vault-ca' },
    data: { 'ca.crt': trustedCaPem },
  });
  await cluster.objects.create(t('clustersecretstores'), undefined, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault' },
    spec: {
      provider: {
        vault: {
          server: vaultUrl,
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
  // Configure Vault in-process: this test is about the ESO side of TLS.
  await vault.handle({
    method: 'POST',
    path: '/v1/auth/kubernetes/config',
    headers: { 'x-vault-token': vault.rootToken },
    body: JSON.stringify({
      kubernetes_host: cluster.url,
      kubernetes_ca_cert: CLUSTER_CA,
    }),
  });
  await vault.handle({
    method: 'POST',
    path: '/v1/auth/kubernetes/role/eso',
    headers: { 'x-vault-token': vault.rootToken },
    body: JSON.stringify({
      bound_service_account_names: ['external-secrets'],
      bound_service_account_namespaces: ['external-secrets'],
      token_policies: ['default'],
    }),
  });
  const controller = new EsoController({ cluster });
  await controller.reconcileAll();
  const store = cluster.objects.get(
    t('clustersecretstores'),
    undefined,
    'vault',
  );
  const warnings = cluster.objects
    .list(t('events'), 'default')
    .filter(e => e.type === 'Warning')
    .map(e => e.message as string);
  return { store, warnings };
}

function ready(object: KubeObject) {
  return ((object.status as any)?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
}

describe('EsoController over real HTTPS', () => {
  it('logs in to Vault over HTTPS when the store trusts Vault CA', async () => {
    const vault = new VaultEmulator();
    const served = await serveVaultOverHttps(vault);
    try {
      const { store, warnings } = await setup(
        served.url,
        vaultTls.caPem,
        vault,
      );
      expect(warnings).toEqual([]);
      expect(ready(store)).toMatchObject({ status: 'True', reason: 'Valid' });
    } finally {
      await served.close();
    }
  });

  it('reports x509 errors like ESO when the store trusts another CA', async () => {
    const vault = new VaultEmulator();
    const served = await serveVaultOverHttps(vault);
    try {
      const { store, warnings } = await setup(
        served.url,
        otherTls.caPem,
        vault,
      );
      expect(ready(store)).toMatchObject({
        status: 'False',
        reason: 'InvalidProviderConfig',
      });
      expect(warnings).toEqual([
        `unable to log in to auth method: unable to log in with Kubernetes auth: Put "${served.url}/v1/auth/kubernetes/login": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
      ]);
    } finally {
      await served.close();
    }
  });

  it('reports a Vault that does not answer as a refused connection', async () => {
    const port = await closedPort();
    const { warnings } = await setup(
      `https://127.0.0.1:${port}`,
      vaultTls.caPem,
      new VaultEmulator(),
    );
    expect(warnings).toEqual([
      `unable to log in to auth method: unable to log in with Kubernetes auth: Put "https://127.0.0.1:${port}/v1/auth/kubernetes/login": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    ]);
  });
});
