import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { VaultClient } from '@gitops-secrets/plugin-external-secrets-node';
import dns from 'node:dns';
import {
  createKubernetesRequestListener,
  createTestTlsIdentities,
  createTokenReviewer,
  EsoController,
  KubernetesEmulator,
  VaultEmulator,
  createVaultRequestListener,
} from 'sandbox';
import { readBackendClusterRole, readBackendVaultPolicy } from 'sandbox/server';
import {
  BACKEND_NAMESPACE,
  BACKEND_SERVICE_ACCOUNT,
  ESO_NAMESPACE,
  ESO_SERVICE_ACCOUNT,
  installPlatform,
  REVIEWER_NAMESPACE,
  REVIEWER_SERVICE_ACCOUNT,
} from 'sandbox/server';
import { entitySelection } from '../EntityStatusService';
import { createStatusBackend } from '../statusBackend';
import { FaultProxy, type ProxyTls } from './faultProxy';

/** The entity whose rows the suite watches: two on cluster alpha, one on beta. */
export const faultEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

/** Status settings of the suite, as an operator would write them in app-config. */
export const FAULT_STATUS_SETTINGS = {
  budget: 1000,
  vault: {
    // longer than any test runs on the wall clock: a read without answer stays in flight,
    // so what a row says depends on the fake clock only
    timeout: '60s',
    failureTtl: '10s',
    breaker: { failures: 3, openFor: '10s', maxOpenFor: '40s' },
  },
  kubernetes: {
    requestTimeout: '5s',
    // longer than the API server's bookmark interval (1 min), as the default (3 min) is
    silentWatch: '90s',
    // no clean watch ends while the fake clock races ahead of the sockets
    watchTimeout: '60m',
  },
};

const ROLE = 'external-secrets-example-api';
const APPROLE = { roleId: 'backstage-status', secretId: 'approle-secret-id' };
const POLICY = 'path "secret/data/example-api/*" { capabilities = ["read"] }';

/**
 * Resolves the suite's host names to loopback, the way a resolver would answer them, so a test
 * can make one name stop resolving (`ENOTFOUND`) and resolve again. Other names go to the
 * system resolver.
 */
function installResolver(names: Set<string>, failing: Set<string>) {
  const real = dns.lookup;
  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      ...args: unknown[]
    ) => void;
    const opts = (typeof options === 'object' && options) || {};
    if (!names.has(hostname)) {
      return (real as any)(hostname, options, callback);
    }
    process.nextTick(() => {
      if (failing.has(hostname)) {
        cb(
          Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
            hostname,
          }),
        );
      } else if ((opts as { all?: boolean }).all) {
        cb(null, [{ address: '127.0.0.1', family: 4 }]);
      } else {
        cb(null, '127.0.0.1', 4);
      }
    });
    return undefined;
  }) as typeof dns.lookup;
  dns.lookup = lookup;
  return () => {
    dns.lookup = real;
  };
}

interface SeedOptions {
  cluster: KubernetesEmulator;
  vault: VaultClient;
  vaultUrl: string;
  caPem: string;
  authMount: string;
  externalSecrets: Array<{ name: string; key: string; property: string }>;
}

/** What a platform team sets up per cluster: ESO, the store, the app's ExternalSecrets. */
async function seedCluster(options: SeedOptions) {
  const { cluster, vault } = options;
  await installPlatform(cluster, await readBackendClusterRole());
  const type = (plural: string) => cluster.type(plural);
  await cluster.objects.create(type('namespaces'), undefined, {
    metadata: { name: 'example-api' },
  });
  await cluster.objects.create(type('configmaps'), ESO_NAMESPACE, {
    metadata: { name: 'vault-ca' },
    data: { 'ca.crt': options.caPem },
  });
  const reviewerJwt = await cluster.issueServiceAccountToken({
    namespace: REVIEWER_NAMESPACE,
    name: REVIEWER_SERVICE_ACCOUNT,
    expirationSeconds: 365 * 86_400,
  });
  await vault.write(`auth/${options.authMount}/config`, {
    kubernetes_host: cluster.url,
    kubernetes_ca_cert: options.caPem,
    token_reviewer_jwt: reviewerJwt,
  });
  await vault.write(`auth/${options.authMount}/role/${ROLE}`, {
    bound_service_account_names: [ESO_SERVICE_ACCOUNT],
    bound_service_account_namespaces: [ESO_NAMESPACE],
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
          server: options.vaultUrl,
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: ESO_NAMESPACE,
          },
          auth: {
            kubernetes: {
              mountPath: options.authMount,
              role: ROLE,
              serviceAccountRef: {
                name: ESO_SERVICE_ACCOUNT,
                namespace: ESO_NAMESPACE,
              },
            },
          },
        },
      },
    },
  });
  for (const es of options.externalSecrets) {
    await cluster.objects.create(type('externalsecrets'), 'example-api', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: es.name,
        labels: { 'backstage.io/kubernetes-id': 'example-api' },
      },
      spec: {
        refreshInterval: '24h',
        secretStoreRef: {
          kind: 'ClusterSecretStore',
          name: 'vault-example-api',
        },
        target: { name: es.name, creationPolicy: 'Owner' },
        data: [
          {
            secretKey: es.property,
            remoteRef: { key: es.key, property: es.property },
          },
        ],
      },
    });
  }
  const controller = new EsoController({ cluster });
  await controller.reconcileAll();
  return controller;
}

/**
 * The status backend as the plugin builds it (`createStatusBackend`, config read and validated
 * as at start-up) against the Kubernetes, ESO and Vault emulators, each served over TLS on
 * loopback behind its own {@link FaultProxy}: two clusters, `alpha` and `beta`, and one Vault.
 * The backend holds least authority as in production: the shipped ClusterRole through a service
 * account token, the shipped Vault policy through an AppRole login. ESO syncs once at set-up
 * (before any fault): `example-api-env-file` syncs on both clusters, `example-api-db` on alpha
 * fails because its Vault key does not exist — the row whose diagnosis needs Vault.
 *
 * Call with fake timers installed: every timer of the backend (budget, breaker, backoff, watch
 * guards, Kubernetes request timeouts) then moves with the fake clock only. `alphaDownAtStart`
 * starts the backend while alpha refuses connections.
 */
export async function faultEnvironment(
  options: { alphaDownAtStart?: boolean } = {},
) {
  const hostnames = ['vault.fault.test', 'alpha.fault.test', 'beta.fault.test'];
  const pki = createTestTlsIdentities({ dns: hostnames, ips: ['127.0.0.1'] });
  const ca = { certPem: pki.caPem };
  const rogue: ProxyTls = pki.untrusted;
  const unresolvable = new Set<string>();
  const restoreResolver = installResolver(new Set(hostnames), unresolvable);

  const tls: ProxyTls = pki.trusted;
  const vaultProxy = await FaultProxy.start({
    tls,
    hostname: 'vault.fault.test',
  });
  const alphaProxy = await FaultProxy.start({
    tls,
    hostname: 'alpha.fault.test',
  });
  const betaProxy = await FaultProxy.start({
    tls,
    hostname: 'beta.fault.test',
  });

  const alpha = new KubernetesEmulator({
    url: alphaProxy.url,
    caCertPem: ca.certPem,
  });
  const beta = new KubernetesEmulator({
    url: betaProxy.url,
    caCertPem: ca.certPem,
  });
  const reviewers = new Map([
    [alpha.url, createTokenReviewer(alpha)],
    [beta.url, createTokenReviewer(beta)],
  ]);
  const vault = new VaultEmulator({
    kubernetesAuthMounts: ['kubernetes', 'kubernetes-beta'],
    tokenReviewer: request => {
      const review = reviewers.get(request.kubernetesHost);
      return review ? review(request) : Promise.resolve('permission denied');
    },
  });
  vaultProxy.setHandler(createVaultRequestListener(vault));
  alphaProxy.setHandler(createKubernetesRequestListener(alpha));
  betaProxy.setHandler(createKubernetesRequestListener(beta));

  const logger = mockServices.logger.mock();
  logger.child.mockReturnValue(logger);
  const root = new VaultClient(
    {
      baseUrl: vaultProxy.url,
      ca: ca.certPem,
      timeoutMs: 10_000,
      maxRetries: 0,
      retryBaseDelayMs: 0,
      kvMount: 'secret',
      kvVersion: 2,
      auth: { type: 'token', token: vault.rootToken },
    },
    { logger },
  );
  await root.write('sys/policies/acl/backstage', {
    policy: await readBackendVaultPolicy(),
  });
  await root.write('sys/policies/acl/example-api', { policy: POLICY });
  vault.addAppRole({ ...APPROLE, policies: ['backstage'], ttl: 3600 });
  await root.write('secret/data/example-api/env-file', {
    data: { dotenv: 'API_KEY=never-shown' },
  });

  await seedCluster({
    cluster: alpha,
    vault: root,
    vaultUrl: vaultProxy.url,
    caPem: ca.certPem,
    authMount: 'kubernetes',
    externalSecrets: [
      {
        name: 'example-api-env-file',
        key: 'example-api/env-file',
        property: 'dotenv',
      },
      { name: 'example-api-db', key: 'example-api/db', property: 'password' },
    ],
  });
  await seedCluster({
    cluster: beta,
    vault: root,
    vaultUrl: vaultProxy.url,
    caPem: ca.certPem,
    authMount: 'kubernetes-beta',
    externalSecrets: [
      {
        name: 'example-api-env-file',
        key: 'example-api/env-file',
        property: 'dotenv',
      },
    ],
  });

  const clusterToken = async (cluster: KubernetesEmulator) =>
    cluster.issueServiceAccountToken({
      namespace: BACKEND_NAMESPACE,
      name: BACKEND_SERVICE_ACCOUNT,
      expirationSeconds: 365 * 86_400,
    });
  const caData = Buffer.from(ca.certPem).toString('base64');
  const config = new ConfigReader({
    externalSecrets: {
      clusters: [
        {
          name: 'alpha',
          url: alphaProxy.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: await clusterToken(alpha),
          caData,
        },
        {
          name: 'beta',
          url: betaProxy.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: await clusterToken(beta),
          caData,
        },
      ],
      vault: {
        baseUrl: vaultProxy.url,
        caData: ca.certPem,
        // the status reads have their own timeout (externalSecrets.status.vault.timeout)
        timeout: '60s',
        auth: { type: 'approle', ...APPROLE },
      },
      status: FAULT_STATUS_SETTINGS,
    },
  });

  if (options.alphaDownAtStart) {
    await alphaProxy.refuse();
  }
  const signals = { publish: jest.fn(async () => undefined) };
  const backend = createStatusBackend({ config, logger, signals });
  backend.start();

  return {
    ca,
    rogue,
    alpha,
    beta,
    vault,
    root,
    vaultProxy,
    alphaProxy,
    betaProxy,
    backend,
    signals,
    logger,
    /** makes a host name stop resolving (`ENOTFOUND`), or resolve again */
    setResolvable(hostname: string, resolvable: boolean) {
      if (resolvable) unresolvable.delete(hostname);
      else unresolvable.add(hostname);
    },
    /** answers as the status route does: the entity is followed for signals, then served */
    status(entity: Entity = faultEntity) {
      const selection = entitySelection(entity);
      if (selection) {
        backend.signalPublisher.follow(stringifyEntityRef(entity), selection);
      }
      return backend.statusService.getStatus(entity);
    },
    async stop() {
      await backend.stop();
      await Promise.all(
        [vaultProxy, alphaProxy, betaProxy].map(p => p.close()),
      );
      alpha.close();
      beta.close();
      restoreResolver();
    },
  };
}

export type FaultEnvironment = Awaited<ReturnType<typeof faultEnvironment>>;
