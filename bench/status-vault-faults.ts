/**
 * Benchmark (not a test): status answers while Vault is healthy, black-holed (accepts
 * connections, never answers) or answering every request in 2 s, side by side in one process.
 *
 * 10,000 ExternalSecrets (5 % failing) of 1,000 catalog components on a Kubernetes API emulator
 * (`packages/sandbox`) served over HTTPS on loopback and held by the plugin's real ClusterCache;
 * Vault is the sandbox's emulator over HTTPS behind the fault-injecting proxy of the backend's
 * fault suite. Each run builds the plugin's own EntityStatusService and VaultFactsProvider with
 * the default settings (budget 1 s, diagnosis read timeout 10 s, facts cache 60 s, failures 10 s,
 * 20 new reads per second, breaker after 3 failures) and a cold cache, as a replica that starts
 * during the incident, then asks for the status of random components with 1 and with 32
 * requests in flight for `--seconds` each. See bench/README.md for what it shows.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/status-vault-faults.ts
 *     [--size 10000] [--seconds 10] [--json]
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  ClusterCache,
  VaultClient,
} from '@gitops-secrets/plugin-external-secrets-node';
// Not part of the backend package's API: the bench times the plugin's own classes.
import { EntityStatusService } from '@gitops-secrets/plugin-external-secrets-backend/src/service/EntityStatusService';
import { VaultFactsProvider } from '@gitops-secrets/plugin-external-secrets-backend/src/service/VaultFactsProvider';
import { FaultProxy } from '@gitops-secrets/plugin-external-secrets-backend/src/service/__testUtils__/faultProxy';
import {
  createKubernetesRequestListener,
  createTestTlsIdentities,
  createVaultRequestListener,
  KubernetesEmulator,
  VaultEmulator,
  type KubeObject,
} from 'sandbox';

const ENTITIES = 1000;
const FAILING_SHARE = 0.05;
const TOKEN = 'vault-faults-bench-reader';
const BUDGET_MS = 1000;
/** the status route's defaults (externalSecrets.status) */
const VAULT_READ_TIMEOUT_MS = 10_000;
const SLOW_VAULT_MS = 2000;
const GOAL_P99_RATIO = 1.5;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const entityName = (i: number) => `svc-${String(i).padStart(4, '0')}`;

function entity(i: number): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: entityName(i),
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': entityName(i) },
    },
  };
}

/** Namespaces, one store per component, its ExternalSecrets with the status ESO would write. */
function clusterObjects(size: number, vaultUrl: string) {
  const now = new Date();
  const iso = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const objects: Array<{ plural: string; object: KubeObject }> = [];
  const perEntity = Math.ceil(size / ENTITIES);
  const failingEvery = Math.round(1 / FAILING_SHARE);
  let n = 0;
  for (let e = 0; e < ENTITIES && n < size; e++) {
    const svc = entityName(e);
    objects.push({
      plural: 'namespaces',
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: svc } },
    });
    objects.push({
      plural: 'clustersecretstores',
      object: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: `vault-${svc}` },
        spec: {
          provider: {
            vault: {
              server: vaultUrl,
              path: 'secret',
              version: 'v2',
              auth: {
                kubernetes: {
                  mountPath: 'kubernetes',
                  role: `external-secrets-${svc}`,
                  serviceAccountRef: {
                    name: 'external-secrets',
                    namespace: 'external-secrets',
                  },
                },
              },
            },
          },
        },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Valid',
              message: 'store validated',
              lastTransitionTime: iso,
            },
          ],
        },
      },
    });
    for (let i = 0; i < perEntity && n < size; i++, n++) {
      const failing = n % failingEvery === 3;
      const key = `${svc}/env-${i}`;
      objects.push({
        plural: 'externalsecrets',
        object: {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: {
            name: `es-${i}`,
            namespace: svc,
            labels: { 'backstage.io/kubernetes-id': svc },
            generation: 1,
          },
          spec: {
            refreshInterval: '1h',
            secretStoreRef: {
              kind: 'ClusterSecretStore',
              name: `vault-${svc}`,
            },
            target: { name: `es-${i}` },
            data: [
              {
                secretKey: '.env',
                remoteRef: { key, property: 'dotenv' },
              },
            ],
          },
          status: failing
            ? {
                observedGeneration: 1,
                conditions: [
                  {
                    type: 'Ready',
                    status: 'False',
                    reason: 'SecretSyncedError',
                    message: `error processing spec.data[0] (key: ${key}), err: Secret does not exist`,
                    lastTransitionTime: iso,
                  },
                ],
              }
            : {
                observedGeneration: 1,
                refreshTime: iso,
                syncedResourceVersion: `1-${i}`,
                binding: { name: `es-${i}` },
                conditions: [
                  {
                    type: 'Ready',
                    status: 'True',
                    reason: 'SecretSynced',
                    message: 'secret synced',
                    lastTransitionTime: iso,
                  },
                ],
              },
        },
      });
    }
  }
  return objects;
}

async function vaultWrite(vault: VaultEmulator, path: string, body: unknown) {
  const response = await vault.handle({
    method: 'POST',
    path: `/v1/${path}`,
    headers: { 'x-vault-token': vault.rootToken },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) {
    throw new Error(`seeding ${path}: HTTP ${response.status}`);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface RunResult {
  vault: string;
  inFlight: number;
  requests: number;
  p50: number;
  p99: number;
  /** over the second half of the run, once the breaker and caches have reacted */
  p99SecondHalf: number;
  /** rows that said Vault's facts were pending or unreachable, of all failing rows served */
  degradedShare: number;
}

export interface VaultFaultsReport {
  size: number;
  seconds: number;
  results: RunResult[];
}

/**
 * The runs, in the calling process: `bench/status-backend.ts` calls it after its own sizes, and
 * this file's command line alone.
 */
export async function runVaultFaults(
  options: { size?: number; seconds?: number } = {},
): Promise<VaultFaultsReport> {
  const size = options.size ?? 10_000;
  const seconds = options.seconds ?? 10;
  const log = (text: string) =>
    process.stderr.write(`[status-vault-faults] ${text}\n`);

  const pki = createTestTlsIdentities({
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
  // warnings go to stderr: a run that fails for another reason than the fault shows why
  const logger: LoggerService = {
    error: message => log(`error: ${message}`),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
  };

  // Vault, behind the fault proxy
  const vaultProxy = await FaultProxy.start({ tls: pki.trusted });
  const vault = new VaultEmulator();
  vaultProxy.setHandler(createVaultRequestListener(vault));
  const readerToken = vault.createToken({ policies: ['backstage'] });
  await vaultWrite(vault, 'sys/policies/acl/backstage', {
    policy: [
      'path "sys/policies/acl/*" { capabilities = ["read"] }',
      'path "auth/kubernetes/config" { capabilities = ["read"] }',
      'path "auth/kubernetes/role/*" { capabilities = ["read"] }',
      'path "secret/metadata/*" { capabilities = ["read"] }',
    ].join('\n'),
  });
  await vaultWrite(vault, 'auth/kubernetes/config', {
    kubernetes_host: 'https://kubernetes.default.svc',
  });
  const failingEvery = Math.round(1 / FAILING_SHARE);
  const perEntity = Math.ceil(size / ENTITIES);
  for (let e = 0, n = 0; e < ENTITIES && n < size; e++) {
    const svc = entityName(e);
    await vaultWrite(vault, `sys/policies/acl/${svc}`, {
      policy: `path "secret/data/${svc}/*" { capabilities = ["read"] }`,
    });
    await vaultWrite(vault, `auth/kubernetes/role/external-secrets-${svc}`, {
      bound_service_account_names: ['external-secrets'],
      bound_service_account_namespaces: ['external-secrets'],
      token_policies: [svc],
    });
    for (let i = 0; i < perEntity && n < size; i++, n++) {
      if (n % failingEvery !== 3) {
        await vaultWrite(vault, `secret/data/${svc}/env-${i}`, {
          data: { dotenv: 'X=1' },
        });
      }
    }
  }

  // the cluster, objects loaded as a saved state
  const server = https.createServer({
    cert: pki.trusted.certPem,
    key: pki.trusted.keyPem,
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const clusterUrl = `https://127.0.0.1:${
    (server.address() as AddressInfo).port
  }`;
  const cluster = new KubernetesEmulator({
    url: clusterUrl,
    caCertPem: pki.caPem,
    tokens: [TOKEN],
  });
  const state = cluster.exportState();
  let revision = state.store.revision;
  for (const { plural, object } of clusterObjects(size, vaultProxy.url)) {
    const type = cluster.type(plural);
    object.metadata.resourceVersion = String(++revision);
    state.store.objects.push({
      group: type.group,
      plural: type.plural,
      object,
    });
  }
  state.store.revision = revision;
  cluster.importState(state);
  server.on('request', createKubernetesRequestListener(cluster));

  const cache = ClusterCache.create(
    {
      name: 'bench',
      url: clusterUrl,
      authProvider: 'serviceAccount',
      serviceAccountToken: TOKEN,
      caData: Buffer.from(pki.caPem).toString('base64'),
      skipTLSVerify: false,
    },
    { logger },
  );
  cache.start();
  while (!cache.health().synced) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  log(`${size} ExternalSecrets listed; Vault seeded`);

  async function run(
    mode: 'healthy' | 'black-holed' | 'slow',
    inFlight: number,
  ): Promise<RunResult> {
    await vaultProxy.clear();
    if (mode === 'black-holed') vaultProxy.blackhole();
    if (mode === 'slow') vaultProxy.delay(() => true, SLOW_VAULT_MS);
    // a replica started during the incident: nothing cached, the breaker closed
    const reader = new VaultClient(
      {
        baseUrl: vaultProxy.url,
        ca: pki.caPem,
        timeoutMs: VAULT_READ_TIMEOUT_MS,
        maxRetries: 0,
        retryBaseDelayMs: 0,
        kvMount: 'secret',
        kvVersion: 2,
        auth: { type: 'token', token: readerToken },
      },
      { logger },
    );
    const facts = new VaultFactsProvider({
      reader,
      baseUrl: vaultProxy.url,
      // as the status route wires it: reads past the budget make Vault "slow"
      slowMs: BUDGET_MS,
      logger,
    });
    const service = new EntityStatusService({
      clusters: [cache],
      vault: facts,
      budgetMs: BUDGET_MS,
      logger,
    });
    const samples: Array<{ at: number; ms: number }> = [];
    let failingRows = 0;
    let degradedRows = 0;
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % ENTITIES;
    };
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const status = await service.getStatus(entity(next()));
          samples.push({ at: t0 - start, ms: performance.now() - t0 });
          for (const row of status.externalSecrets) {
            if (row.state !== 'Error') continue;
            failingRows += 1;
            if (
              row.findings.some(
                f =>
                  f.code === 'VAULT_FACTS_PENDING' ||
                  f.code === 'VAULT_UNREACHABLE',
              )
            ) {
              degradedRows += 1;
            }
          }
        }
      }),
    );
    const all = samples.map(s => s.ms).sort((a, b) => a - b);
    const late = samples
      .filter(s => s.at >= (seconds * 1000) / 2)
      .map(s => s.ms)
      .sort((a, b) => a - b);
    return {
      vault: mode === 'slow' ? `answering in ${SLOW_VAULT_MS / 1000} s` : mode,
      inFlight,
      requests: samples.length,
      p50: percentile(all, 0.5),
      p99: percentile(all, 0.99),
      p99SecondHalf: percentile(late, 0.99),
      degradedShare: failingRows ? degradedRows / failingRows : 0,
    };
  }

  const results: RunResult[] = [];
  for (const inFlight of [1, 32]) {
    for (const mode of ['healthy', 'black-holed', 'slow'] as const) {
      log(`run: Vault ${mode}, ${inFlight} in flight, ${seconds} s`);
      results.push(await run(mode, inFlight));
    }
  }
  // reads left hanging in the black hole end with the proxy
  await vaultProxy.clear();

  await cache.stop();
  await vaultProxy.close();
  cluster.close();
  server.closeAllConnections();
  server.close();
  return { size, seconds, results };
}

/** The report as a Markdown table. */
export function formatVaultFaults({
  size,
  seconds,
  results,
}: VaultFaultsReport): string {
  const fmt = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));
  const lines = [
    `${size.toLocaleString('en-US')} ExternalSecrets (${
      FAILING_SHARE * 100
    } % failing), ${ENTITIES} components, budget ${BUDGET_MS} ms, ${seconds} s per run`,
    '',
    '| Vault | in flight | requests | p50 ms | p99 ms | p99 ms, 2nd half | p99 / healthy | failing rows without Vault facts |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const healthy = results.find(
      h => h.vault === 'healthy' && h.inFlight === r.inFlight,
    )!;
    lines.push(
      `| ${r.vault} | ${r.inFlight} | ${r.requests} | ${fmt(r.p50)} | ${fmt(
        r.p99,
      )} | ${fmt(r.p99SecondHalf)} | ${(r.p99 / healthy.p99).toFixed(1)}× | ${(
        r.degradedShare * 100
      ).toFixed(0)} % |`,
    );
  }
  const met = results.every(r => {
    const healthy = results.find(
      h => h.vault === 'healthy' && h.inFlight === r.inFlight,
    )!;
    return r.p99 <= GOAL_P99_RATIO * healthy.p99;
  });
  lines.push(
    '',
    `goal: p99 within ${GOAL_P99_RATIO}× of the healthy run at the same concurrency: ${
      met ? 'met' : 'NOT MET'
    }`,
  );
  return `${lines.join('\n')}\n`;
}

async function main() {
  const report = await runVaultFaults({
    size: Number(argument('--size') ?? 10_000),
    seconds: Number(argument('--seconds') ?? 10),
  });
  process.stdout.write(
    process.argv.includes('--json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatVaultFaults(report),
  );
}

// run from the command line (not when status-backend.ts imports it)
if (/status-vault-faults\.ts$/.test(process.argv[1] ?? '')) {
  main().then(
    () => process.exit(0),
    error => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
