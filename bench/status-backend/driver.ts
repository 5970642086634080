/**
 * The driver (the process started from the command line, no `--role`): reads the options,
 * forks per size one emulator process per cluster and one backend process, generates the load
 * (`load.ts`), collects the figures over IPC, runs the Vault comparison
 * (`../status-vault-faults.ts`) in this process, and writes the report (`report.ts`).
 */
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { mockCredentials } from '@backstage/backend-test-utils';
import { ANNOTATION_KUBERNETES_ID } from '@gitops-secrets/plugin-external-secrets-common';
import { runVaultFaults, type VaultFaultsReport } from '../status-vault-faults';
import {
  BackendStart,
  EmulatedCluster,
  EmulatorsStart,
  MemoryFigures,
  SignalMessage,
  spawn,
} from './ipc';
import { CONCURRENCY, fleetLoad, load } from './load';
import {
  evaluateTargets,
  SizeResult,
  StatusBackendReport,
  writeReport,
  writeVaultFaultsOnly,
} from './report';
import {
  argument,
  cpuMs,
  ENTITY_COUNT,
  entityName,
  getJson,
  IN_MEMORY_ENTITY,
  IN_MEMORY_ES,
  layout,
  loadSandbox,
  percentile,
  sleep,
} from './shared';

const DEFAULT_SIZES = [1000, 10_000, 50_000];
const DEFAULT_CLUSTERS = 3;
const DEFAULT_LATENCY_MS = 20;
const IN_MEMORY_ITERATIONS = 5000;
const CACHE_WARMUP = 1000;
const CACHE_REQUESTS = 6000;
const CACHE_SERIAL_REQUESTS = 500;
/** a few requests to open connections: a baseline request costs the emulators a lot of CPU */
const BASELINE_WARMUP = 4;
const BASELINE_MAX_REQUESTS = 640;
/** the baseline stops starting requests after this long (the emulators' CPU is the limit) */
const BASELINE_MAX_MS = 45_000;
const SIGNAL_SAMPLES = 7;

function progress(text: string) {
  process.stderr.write(`[status-backend] ${text}\n`);
}

async function runSize(
  size: number,
  clusters: number,
  latencyMs: number,
  tls: { caPem: string; certPem: string; keyPem: string },
  idleRssMb: number,
): Promise<SizeResult> {
  const placements = layout(size, clusters);
  const expected = new Array<number>(ENTITY_COUNT).fill(0);
  const perCluster = new Array<number>(clusters).fill(0);
  for (const p of placements) {
    expected[p.entity]++;
    perCluster[p.cluster]++;
  }

  progress(`${size}: building ${clusters} emulated clusters`);
  const emulators = Array.from({ length: clusters }, () => spawn('emulator'));
  const backend = spawn('backend');
  try {
    const built = await Promise.all(
      emulators.map((emulator, cluster) =>
        emulator.call<EmulatedCluster>('start', {
          size,
          clusters,
          cluster,
          latencyMs,
          ...tls,
        } satisfies EmulatorsStart),
      ),
    );
    progress(`${size}: starting the backend, waiting for its caches`);
    const { port } = await backend.call<{ port: number }>('start', {
      clusters: built.map(c => ({ name: c.name, url: c.url })),
      caPem: tls.caPem,
    } satisfies BackendStart);
    const { syncMs } = await backend.call<{ syncMs: number }>('waitSynced', {
      expected: perCluster,
      timeoutMs: 300_000,
    });
    const afterSync = await backend.call<MemoryFigures>('memory');

    progress(`${size}: cached status requests`);
    const common = { port, expected };
    await load({
      ...common,
      route: 'external-secrets',
      requests: CACHE_WARMUP,
      seed: 1,
    });
    const backendCpuBefore = await backend.call<number>('cpu');
    const clientCpuBefore = cpuMs();
    const cache = await load({
      ...common,
      route: 'external-secrets',
      requests: CACHE_REQUESTS,
      seed: 2,
    });
    const cpuPerRequest = {
      backend:
        ((await backend.call<number>('cpu')) - backendCpuBefore) /
        cache.requests,
      loadGenerator: (cpuMs() - clientCpuBefore) / cache.requests,
    };
    const cacheSerial = await load({
      ...common,
      route: 'external-secrets',
      requests: CACHE_SERIAL_REQUESTS,
      seed: 3,
      concurrency: 1,
    });

    progress(`${size}: fleet API`);
    const fleet = await fleetLoad(port);

    progress(`${size}: baseline (LIST per cluster per request)`);
    await load({
      ...common,
      route: 'status-baseline',
      requests: BASELINE_WARMUP,
      concurrency: BASELINE_WARMUP,
      seed: 4,
    });
    const baseline = await load({
      ...common,
      route: 'status-baseline',
      requests: BASELINE_MAX_REQUESTS,
      maxMs: BASELINE_MAX_MS,
      seed: 5,
    });

    progress(`${size}: in-memory part`);
    const inMemory = await backend.call<SizeResult['inMemory']>('inMemory', {
      entity: entityName(IN_MEMORY_ENTITY),
      iterations: IN_MEMORY_ITERATIONS,
    });

    progress(`${size}: watch event → signal`);
    const samples: number[] = [];
    const agent = new http.Agent({ keepAlive: true });
    for (let s = 0; s < SIGNAL_SAMPLES; s++) {
      const entity = 1 + s;
      const target = placements.find(p => p.entity === entity)!;
      const ref = `component:default/${entityName(entity)}`;
      // The publisher follows the entities whose status was asked for; ask once more.
      await getJson(
        `http://127.0.0.1:${port}/api/external-secrets/entities/default/component/${entityName(
          entity,
        )}/status`,
        agent,
        { authorization: mockCredentials.user.header() },
      );
      await sleep(700); // no debounce window of an earlier change still open
      const seen = backend.signals.length;
      const { at } = await emulators[target.cluster].call<{ at: number }>(
        'patch',
        {
          namespace: entityName(entity),
          name: `${entityName(entity)}-es-${target.index}`,
        },
      );
      const deadline = performance.now() + 5000;
      let signal: SignalMessage | undefined;
      while (!signal && performance.now() < deadline) {
        await sleep(5);
        signal = backend.signals
          .slice(seen)
          .find(m => m.entityRef === ref && m.at >= at);
      }
      samples.push(signal ? signal.at - at : Infinity);
    }
    agent.destroy();

    const afterLoad = await backend.call<MemoryFigures>('memory');
    const listCost = await emulators[0].call<{ ms: number }>('listCost', {
      selector: `${ANNOTATION_KUBERNETES_ID}=${entityName(1)}`,
    });
    return {
      objects: size,
      externalSecretsPerCluster: perCluster,
      emulatorObjects: built.reduce((n, c) => n + c.objects, 0),
      buildSeconds: Math.max(...built.map(c => c.buildMs)) / 1000,
      syncSeconds: syncMs / 1000,
      rssAfterSyncMb: afterSync.rssMb,
      rssAddedMb: afterSync.rssMb - idleRssMb,
      heapUsedAfterSyncMb: afterSync.heapUsedMb,
      rssAfterLoadMb: afterLoad.rssMb,
      heapUsedAfterLoadMb: afterLoad.heapUsedMb,
      cache,
      cpuPerRequest,
      cacheSerial,
      fleet,
      baseline,
      speedup: {
        p50: baseline.p50 / cache.p50,
        p99: baseline.p99 / cache.p99,
      },
      emulatorListMs: listCost.ms,
      inMemory,
      eventToSignalMs: {
        median: percentile(samples, 0.5),
        max: Math.max(...samples),
        samples,
      },
    };
  } finally {
    await backend.stop();
    await Promise.all(emulators.map(e => e.stop()));
  }
}

export async function main() {
  const args = process.argv.slice(2);
  const sizes = (argument(args, '--sizes') ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map(s => Number(s.trim()))
    .filter(n => Number.isInteger(n) && n >= IN_MEMORY_ES && n <= 200_000);
  if (sizes.length === 0) {
    throw new Error('--sizes needs integers between 10 and 200000');
  }
  const clusters = Math.min(
    10,
    Math.max(1, Number(argument(args, '--clusters') ?? DEFAULT_CLUSTERS)),
  );
  const latencyMs = Math.min(
    1000,
    Math.max(0, Number(argument(args, '--latency') ?? DEFAULT_LATENCY_MS)),
  );
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const vaultFaultsOnly = args.includes('--vault-faults-only');
  const withVaultFaults = !args.includes('--no-vault-faults');
  const vaultFaultsSeconds = Number(
    argument(args, '--vault-faults-seconds') ?? 10,
  );
  if (vaultFaultsOnly) {
    const report = await runVaultFaults({
      size: 10_000,
      seconds: vaultFaultsSeconds,
    });
    writeVaultFaultsOnly(report, loadBefore, args.includes('--json'));
    return;
  }

  progress('generating a CA and a server certificate for the emulators');
  const { createCertificateAuthority, issueServerCertificate } = loadSandbox();
  const ca = createCertificateAuthority('status-bench-ca');
  const serverCert = issueServerCertificate(ca, '127.0.0.1');
  const tls = {
    caPem: ca.certPem,
    certPem: serverCert.certPem,
    keyPem: serverCert.keyPem,
  };

  progress('idle backend (no clusters) for reference');
  const idle = spawn('backend');
  let idleMemory: MemoryFigures;
  try {
    await idle.call('start', { clusters: [], caPem: tls.caPem });
    idleMemory = await idle.call<MemoryFigures>('memory');
  } finally {
    await idle.stop();
  }

  const idleRssMb = idleMemory.rssMb;
  const results: SizeResult[] = [];
  for (const size of sizes) {
    results.push(await runSize(size, clusters, latencyMs, tls, idleRssMb));
  }

  // Issue 12: the status with Vault healthy, black-holed and slow, in this process, one after
  // the other (the sizes above have no Vault).
  let vaultFaults: VaultFaultsReport | undefined;
  if (withVaultFaults) {
    progress('Vault faults: healthy, black-holed, answering in 2 s (10k)');
    vaultFaults = await runVaultFaults({
      size: 10_000,
      seconds: vaultFaultsSeconds,
    });
  }

  const targets = evaluateTargets(results);
  const result: StatusBackendReport = {
    settings: {
      entities: ENTITY_COUNT,
      clusters,
      latencyMs,
      concurrency: CONCURRENCY,
      cacheRequests: CACHE_REQUESTS,
      baselineMaxRequests: BASELINE_MAX_REQUESTS,
      baselineMaxSeconds: BASELINE_MAX_MS / 1000,
      cpus: cpus().length,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg()[0],
    },
    idleBackendRssMb: idleRssMb,
    idleBackendHeapUsedMb: idleMemory.heapUsedMb,
    sizes: results,
    vaultFaults,
    targets,
    totalSeconds: (performance.now() - started) / 1000,
  };
  writeReport(result, args.includes('--json'));
}
