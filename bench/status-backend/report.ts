/**
 * The report of the status-backend bench, written by the driver: the figures of each size, the
 * targets they are held against, and the text (tables) or `--json` output.
 */
import { cpus, loadavg } from 'node:os';
import {
  formatVaultFaults,
  type VaultFaultsReport,
} from '../status-vault-faults';
import { CONCURRENCY, FleetResult, LoadResult } from './load';
import { ENTITY_COUNT } from './shared';

const TARGETS = {
  p99Ms: 10,
  speedupAt10k: 10,
  inMemoryMs: 0.5,
  rssMbAt10k: 100,
  eventToSignalMs: 1000,
};

/** What one size (one set of emulators and one backend) yields. */
export interface SizeResult {
  objects: number;
  externalSecretsPerCluster: number[];
  emulatorObjects: number;
  buildSeconds: number;
  syncSeconds: number;
  rssAfterSyncMb: number;
  /** RSS after sync minus the idle backend's RSS */
  rssAddedMb: number;
  heapUsedAfterSyncMb: number;
  rssAfterLoadMb: number;
  heapUsedAfterLoadMb: number;
  cache: LoadResult;
  /** CPU milliseconds per cached request (at 32 in flight) in the backend and the load generator */
  cpuPerRequest: { backend: number; loadGenerator: number };
  /** the same cached request with one in flight: the service time without queueing */
  cacheSerial: LoadResult;
  /** the fleet API (issue 17): one request in flight */
  fleet: FleetResult[];
  baseline: LoadResult;
  speedup: { p50: number; p99: number };
  /** server-side time of one baseline LIST in one emulator, without transport or latency */
  emulatorListMs: number;
  inMemory: { p50: number; p99: number; rows: number };
  eventToSignalMs: { median: number; max: number; samples: number[] };
}

export function evaluateTargets(results: SizeResult[]) {
  const at10k = results.find(r => r.objects === 10_000);
  return {
    p99: {
      target: `cached request p99 <= ${TARGETS.p99Ms} ms at every size`,
      met: results.every(r => r.cache.p99 <= TARGETS.p99Ms),
    },
    speedup: {
      target: `>= ${TARGETS.speedupAt10k}x the baseline at 10k (p50 and p99)`,
      met: at10k
        ? Math.min(at10k.speedup.p50, at10k.speedup.p99) >= TARGETS.speedupAt10k
        : undefined,
    },
    inMemory: {
      target: `in-memory part (median) <= ${TARGETS.inMemoryMs} ms for 10 ExternalSecrets`,
      met: results.every(r => r.inMemory.p50 <= TARGETS.inMemoryMs),
    },
    rssTotal: {
      target: `backend process RSS <= ${TARGETS.rssMbAt10k} MB at 10k`,
      met: at10k ? at10k.rssAfterSyncMb <= TARGETS.rssMbAt10k : undefined,
    },
    rssAdded: {
      target: `RSS added over the idle backend <= ${TARGETS.rssMbAt10k} MB at 10k`,
      met: at10k ? at10k.rssAddedMb <= TARGETS.rssMbAt10k : undefined,
    },
    eventToSignal: {
      target: `watch event → signal (median) <= ${TARGETS.eventToSignalMs} ms`,
      met: results.every(
        r => r.eventToSignalMs.median <= TARGETS.eventToSignalMs,
      ),
    },
    correctness: {
      target: 'no errors; sampled answers hold the rows the emulators hold',
      met: results.every(
        r =>
          r.cache.errors +
            r.cache.invalid +
            r.cacheSerial.errors +
            r.cacheSerial.invalid +
            r.baseline.errors +
            r.baseline.invalid ===
          0,
      ),
    },
  };
}

/** What `--json` prints; the text report is made of the same figures. */
export interface StatusBackendReport {
  settings: {
    entities: number;
    clusters: number;
    latencyMs: number;
    concurrency: number;
    cacheRequests: number;
    baselineMaxRequests: number;
    baselineMaxSeconds: number;
    cpus: number;
    loadAverageBefore: number;
    loadAverageAfter: number;
  };
  idleBackendRssMb: number;
  idleBackendHeapUsedMb: number;
  sizes: SizeResult[];
  vaultFaults: VaultFaultsReport | undefined;
  targets: ReturnType<typeof evaluateTargets>;
  totalSeconds: number;
}

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
const sizeLabel = (n: number) => n.toLocaleString('en-US');

export function writeReport(result: StatusBackendReport, json: boolean) {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const { sizes: results, targets, vaultFaults } = result;
  const { clusters, latencyMs } = result.settings;
  const loadBefore = result.settings.loadAverageBefore;
  const idleRssMb = result.idleBackendRssMb;

  const met = (value: boolean | undefined) =>
    value === undefined ? 'n/a' : value ? 'met' : 'NOT MET';
  const each = (f: (r: SizeResult) => string) => results.map(f);
  const rows: string[][] = [
    ['figure', ...each(r => sizeLabel(r.objects)), 'target', ''],
    ['cached request p50 (ms)', ...each(r => fmt(r.cache.p50, 1)), '', ''],
    [
      'cached request p99 (ms)',
      ...each(r => fmt(r.cache.p99, 1)),
      `<= ${TARGETS.p99Ms}`,
      met(targets.p99.met),
    ],
    [
      'cached request/s',
      ...each(r => fmt(r.cache.requests / r.cache.seconds, 0)),
      '',
      '',
    ],
    [
      'CPU per cached request: backend / client (ms)',
      ...each(
        r =>
          `${fmt(r.cpuPerRequest.backend, 2)} / ${fmt(
            r.cpuPerRequest.loadGenerator,
            2,
          )}`,
      ),
      '',
      '',
    ],
    [
      'cached, 1 in flight: p50 / p99 (ms)',
      ...each(
        r => `${fmt(r.cacheSerial.p50, 1)} / ${fmt(r.cacheSerial.p99, 1)}`,
      ),
      '',
      '',
    ],
    ['baseline request p50 (ms)', ...each(r => fmt(r.baseline.p50, 0)), '', ''],
    ['baseline request p99 (ms)', ...each(r => fmt(r.baseline.p99, 0)), '', ''],
    [
      'baseline requests measured',
      ...each(r => String(r.baseline.requests)),
      '',
      '',
    ],
    [
      'speedup p50 / p99',
      ...each(r => `${fmt(r.speedup.p50, 0)}x / ${fmt(r.speedup.p99, 0)}x`),
      `>= ${TARGETS.speedupAt10k}x at 10k`,
      met(targets.speedup.met),
    ],
    [
      'emulator LIST, server side (ms)',
      ...each(r => fmt(r.emulatorListMs, 0)),
      '',
      '',
    ],
    [
      'in-memory part p50 / p99 (ms)',
      ...each(r => `${fmt(r.inMemory.p50, 3)} / ${fmt(r.inMemory.p99, 3)}`),
      `p50 <= ${TARGETS.inMemoryMs}`,
      met(targets.inMemory.met),
    ],
    [
      'backend RSS after sync (MB)',
      ...each(r => fmt(r.rssAfterSyncMb, 0)),
      `<= ${TARGETS.rssMbAt10k} at 10k`,
      met(targets.rssTotal.met),
    ],
    [
      'backend heap used after sync (MB)',
      ...each(r => fmt(r.heapUsedAfterSyncMb, 0)),
      '',
      '',
    ],
    [
      'RSS added over idle backend (MB)',
      ...each(r => fmt(r.rssAddedMb, 0)),
      `<= ${TARGETS.rssMbAt10k} at 10k`,
      met(targets.rssAdded.met),
    ],
    [
      'watch event → signal median (ms)',
      ...each(r => fmt(r.eventToSignalMs.median, 0)),
      `<= ${TARGETS.eventToSignalMs}`,
      met(targets.eventToSignal.met),
    ],
  ];
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map(row => row[i].length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]),
      )
      .join('  ');
  process.stdout.write(
    `Status backend: ${ENTITY_COUNT} entities, ${clusters} emulated clusters, ` +
      `${latencyMs} ms per API response, ${CONCURRENCY} requests in flight, ` +
      `${cpus().length} CPUs (load average ${fmt(loadBefore, 2)} before, ${fmt(
        result.settings.loadAverageAfter,
        2,
      )} after)\n\n`,
  );
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\n');
  for (const r of results) {
    process.stdout.write(
      `${sizeLabel(
        r.objects,
      )} ExternalSecrets (${r.externalSecretsPerCluster.join(
        '/',
      )} per cluster, ${sizeLabel(r.emulatorObjects)} objects in all): ` +
        `caches synced ${fmt(
          r.syncSeconds,
          1,
        )} s after start; after the load RSS ${fmt(
          r.rssAfterLoadMb,
          0,
        )} MB, heap ${fmt(r.heapUsedAfterLoadMb, 0)} MB; ` +
        `event → signal max ${fmt(r.eventToSignalMs.max, 0)} ms; baseline ${
          r.baseline.requests
        } requests in ${fmt(r.baseline.seconds, 0)} s; errors ${
          r.cache.errors + r.cacheSerial.errors
        }/${r.baseline.errors}; wrong answers ${
          r.cache.invalid + r.cacheSerial.invalid
        }/${r.cache.checked + r.cacheSerial.checked} and ${
          r.baseline.invalid
        }/${r.baseline.checked}\n`,
    );
    for (const [name, l] of [
      ['cached', r.cache],
      ['cached, 1 in flight', r.cacheSerial],
      ['baseline', r.baseline],
    ] as const) {
      if (l.firstError) {
        process.stdout.write(`  first ${name} error: ${l.firstError}\n`);
      }
    }
  }
  process.stdout.write(
    '\nFleet API (one request in flight; page of 50 unless limit is given)\n\n',
  );
  process.stdout.write(
    '| size | query | p50 ms | p99 ms | payload KB | gzipped KB | rows / matching |\n|---|---|---:|---:|---:|---:|---:|\n',
  );
  for (const r of results) {
    for (const f of r.fleet) {
      process.stdout.write(
        `| ${sizeLabel(r.objects)} | \`${f.query}\` | ${fmt(f.p50, 1)} | ${fmt(
          f.p99,
          1,
        )} | ${fmt(f.bytes / 1024, 1)} | ${fmt(f.gzipBytes / 1024, 1)} | ${
          f.rows
        } / ${f.total}${f.errors ? ` (${f.errors} errors)` : ''} |\n`,
      );
    }
  }
  if (vaultFaults) {
    process.stdout.write(
      `\nStatus while Vault is down or slow\n\n${formatVaultFaults(
        vaultFaults,
      )}`,
    );
  }
  process.stdout.write(
    `idle backend (the same backend with no clusters): RSS ${fmt(
      idleRssMb,
      0,
    )} MB, heap ${fmt(result.idleBackendHeapUsedMb, 0)} MB; correctness: ${met(
      targets.correctness.met,
    )}; total ${fmt(result.totalSeconds, 0)} s\n`,
  );
}

/** `--vault-faults-only`: the Vault comparison alone. */
export function writeVaultFaultsOnly(
  report: VaultFaultsReport,
  loadBefore: number,
  json: boolean,
) {
  process.stdout.write(
    json
      ? `${JSON.stringify(
          { vaultFaults: report, loadAverage: [loadBefore, loadavg()[0]] },
          null,
          2,
        )}\n`
      : `Status while Vault is down or slow (load average ${fmt(
          loadBefore,
          2,
        )} before, ${fmt(loadavg()[0], 2)} after)\n\n${formatVaultFaults(
          report,
        )}`,
  );
}
