/**
 * Benchmark (not a test): the sync history at scale, and what one backend replica holds in
 * memory. A Kubernetes API emulator (`packages/sandbox`, over HTTPS on loopback) serves N
 * ExternalSecrets rendered by the template's manifests action; one replica — the plugin's own
 * ClusterCache, EntityStatusService (for findings) and, with history on, its TransitionRecorder
 * and TransitionStore on SQLite (a file) or a real PostgreSQL cluster (started here, as the
 * tests do) — runs in a child process, so its RSS and CPU are its own.
 *
 * Per size and database, it measures:
 * - memory of the replica once the cache is full: RSS and V8 heap after a GC, without and
 *   with the history (the recorder's per-object state; the store holds nothing in memory);
 * - the first start with an empty history: every object's first state written (N rows);
 * - a flip of every ExternalSecret to Error and back (2 × N transitions through the watch):
 *   rows per second, and the replica's CPU seconds with history on minus those with it off.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/history.ts
 *     [--sizes 10000,50000] [--databases sqlite,postgres] [--flips-up-to 10000] [--json]
 * Flips are measured up to `--flips-up-to` ExternalSecrets (default 10,000): above, the
 * emulator's own cost of 2 × N status writes dominates the run.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ClusterCache,
  renderManifestObjects,
  resolveManifestSpec,
} from '@gitops-secrets/plugin-external-secrets-node';
// Not part of the backend package's API: the bench drives the plugin's own classes.
import { EntityStatusService } from '@gitops-secrets/plugin-external-secrets-backend/src/service/EntityStatusService';
import { TransitionRecorder } from '@gitops-secrets/plugin-external-secrets-backend/src/history/TransitionRecorder';
import { TransitionStore } from '@gitops-secrets/plugin-external-secrets-backend/src/history/TransitionStore';
import {
  findPostgres,
  startPostgres,
} from '@gitops-secrets/plugin-external-secrets-backend/src/__testUtils__/postgres';
import knexFactory, { type Knex } from 'knex';
import type { KubeObject, KubernetesEmulator } from 'sandbox';

const TOKEN = 'history-bench-reader';
const NAMESPACES = 200;
const DEFAULT_SIZES = [10_000, 50_000];

type Db = 'sqlite' | 'postgres';

interface ReplicaStart {
  url: string;
  caPem: string;
  history: boolean;
  db?: Db;
  sqliteFile?: string;
  pg?: { host: string; port: number; user: string; password: string };
  pgDatabase?: string;
}

interface Memory {
  rssMb: number;
  heapMb: number;
}

// ---------------------------------------------------------------------------------------------
// child: one replica

/** Warnings and errors only, on stderr. */
function quietLogger(): LoggerService {
  const logger: LoggerService = {
    error: message => process.stderr.write(`error: ${message}\n`),
    warn: message => process.stderr.write(`warn: ${message}\n`),
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
  };
  return logger;
}

function replica() {
  let cache: ClusterCache | undefined;
  let recorder: TransitionRecorder | undefined;
  let db: Knex | undefined;
  let store: TransitionStore | undefined;
  let mark: { cpu: NodeJS.CpuUsage; at: number } | undefined;
  const memory = (): Memory => {
    global.gc?.();
    global.gc?.();
    const m = process.memoryUsage();
    return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 };
  };
  const rows = async () =>
    Number(
      (
        (await db!('external_secret_transitions').count({ n: '*' })) as {
          n: number | string;
        }[]
      )[0].n,
    );
  const handlers: Record<string, (p: any) => Promise<unknown>> = {
    async start(p: ReplicaStart) {
      const logger = quietLogger();
      const before = memory();
      cache = ClusterCache.create(
        {
          name: 'bench',
          url: p.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: TOKEN,
          caData: Buffer.from(p.caPem).toString('base64'),
          skipTLSVerify: false,
        },
        { logger },
      );
      const listStarted = performance.now();
      cache.start();
      while (!cache.health().synced) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      const listMs = performance.now() - listStarted;
      const cached = memory();
      if (!p.history) {
        return { listMs, before, cached };
      }
      db =
        p.db === 'postgres'
          ? knexFactory({
              client: 'pg',
              connection: { ...p.pg!, database: p.pgDatabase },
              pool: { min: 0, max: 5 },
            })
          : knexFactory({
              client: 'better-sqlite3',
              connection: { filename: p.sqliteFile! },
              useNullAsDefault: true,
            });
      store = await TransitionStore.forKnex(db);
      const status = new EntityStatusService({ clusters: [cache] });
      recorder = new TransitionRecorder({
        clusters: [cache],
        store,
        logger,
        statusOf: (c, o) => status.statusOf(c, o),
        entityRefOf: o =>
          `component:default/${o.metadata?.labels?.['backstage.io/kubernetes-id']}`,
        readyPollMs: 20,
      });
      const cpu = process.cpuUsage();
      const started = performance.now();
      recorder.start();
      const total = cache.listExternalSecrets().length;
      while ((await rows()) < total) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      const catchUpMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return {
        listMs,
        before,
        cached,
        withHistory: memory(),
        catchUp: {
          rows: total,
          ms: catchUpMs,
          cpuS: (used.user + used.system) / 1e6,
        },
      };
    },
    /** Starts a measurement: CPU and time from now. */
    async mark() {
      mark = { cpu: process.cpuUsage(), at: performance.now() };
      return {};
    },
    /** Waits for `expectedRows` rows (or, without history, for the cache to show the flip). */
    async measureFlip(p: { expectState: string; expectedRows: number }) {
      const { cpu, at: started } = mark!;
      const ready = (o: any) =>
        o.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
      const want = p.expectState === 'Error' ? 'False' : 'True';
      for (;;) {
        const done = recorder
          ? (await rows()) >= p.expectedRows && recorder.stats().queued === 0
          : cache!.listExternalSecrets().every(o => ready(o) === want);
        if (done) break;
        await new Promise(resolve => setTimeout(resolve, 25));
      }
      const used = process.cpuUsage(cpu);
      return {
        ms: performance.now() - started,
        cpuS: (used.user + used.system) / 1e6,
        memory: memory(),
      };
    },
    async stop() {
      await recorder?.stop();
      await cache?.stop();
      await db?.destroy();
      return {};
    },
  };
  process.on(
    'message',
    async (m: { id: number; call: string; payload: any }) => {
      try {
        const result = await handlers[m.call](m.payload);
        process.send!({ id: m.id, result });
        if (m.call === 'stop') setImmediate(() => process.exit(0));
      } catch (error) {
        process.send!({ id: m.id, error: String((error as Error).stack) });
      }
    },
  );
  process.on('disconnect', () => process.exit(0));
}

class Child {
  private next = 1;
  private readonly waiting = new Map<number, (m: any) => void>();
  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: any) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }
  call<T>(call: string, payload: unknown = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, m =>
        m.error ? reject(new Error(m.error)) : resolve(m.result),
      );
      this.child.send({ id, call, payload });
    });
  }
  async stop() {
    const exited = new Promise(resolve => this.child.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    await exited;
  }
}

function spawnReplica(): Child {
  return new Child(
    fork(__filename, ['--role', 'replica'], {
      execArgv: [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        '--expose-gc',
      ],
      stdio: ['ignore', 2, 2, 'ipc'],
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// parent: the emulator and the orchestration

function loadSandbox() {
  return {
    ...(require('sandbox') as typeof import('sandbox')),
    ...(require('sandbox/server') as typeof import('sandbox/server')),
  };
}

function externalSecretObjects(size: number): KubeObject[] {
  const objects: KubeObject[] = [];
  const created = new Date(Date.now() - 86_400_000).toISOString();
  for (let i = 0; i < size; i++) {
    const svc = `svc-${String(i % NAMESPACES).padStart(3, '0')}`;
    const [, es] = renderManifestObjects(
      resolveManifestSpec({
        name: svc,
        refreshInterval: '1h',
        store: {
          server: 'https://vault.example.com:8200',
          kvMount: 'secret',
          kvVersion: 2,
        },
        secrets: [
          {
            name: `es-${i}`,
            vaultKey: `${svc}/es-${i}`,
            properties: [{ property: 'dotenv', secretKey: '.env' }],
          },
        ],
      }),
    ) as KubeObject[];
    objects.push({
      ...es,
      metadata: {
        ...es.metadata,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: created,
      },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'SecretSynced',
            message: 'secret synced',
            lastTransitionTime: created,
          },
        ],
        refreshTime: new Date().toISOString(),
        syncedResourceVersion: '1-0123456789abcdef',
        binding: { name: es.metadata.name },
      },
    });
  }
  return objects;
}

async function startEmulator(size: number) {
  const {
    KubernetesEmulator,
    createKubernetesRequestListener,
    createCertificateAuthority,
    issueServerCertificate,
  } = loadSandbox();
  const ca = createCertificateAuthority('history-bench-ca');
  const cert = issueServerCertificate(ca, '127.0.0.1', { ips: ['127.0.0.1'] });
  let listener: (req: any, res: any) => void = (_q, res) =>
    res.writeHead(503).end();
  const server = https.createServer(
    { cert: cert.certPem, key: cert.keyPem },
    (req, res) => listener(req, res),
  );
  server.keepAliveTimeout = 120_000;
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cluster: KubernetesEmulator = new KubernetesEmulator({
    url,
    caCertPem: ca.certPem,
    tokens: [TOKEN],
    forbidSecretDataReads: true,
  });
  const state = cluster.exportState();
  let revision = state.store.revision;
  const type = cluster.type('externalsecrets');
  const namespaces = cluster.type('namespaces');
  for (let n = 0; n < NAMESPACES; n++) {
    const name = `svc-${String(n).padStart(3, '0')}`;
    state.store.objects.push({
      group: namespaces.group,
      plural: namespaces.plural,
      object: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: randomUUID(),
          resourceVersion: String(++revision),
        },
      },
    });
  }
  for (const object of externalSecretObjects(size)) {
    object.metadata.resourceVersion = String(++revision);
    state.store.objects.push({
      group: type.group,
      plural: type.plural,
      object,
    });
  }
  state.store.revision = revision;
  cluster.importState(state);
  listener = createKubernetesRequestListener(cluster);
  return {
    url,
    caPem: ca.certPem,
    /** every ExternalSecret's Ready condition to `ready`, as ESO would write it */
    async flip(ready: boolean) {
      const at = new Date().toISOString();
      for (const object of cluster.objects.list(type)) {
        await cluster.objects.patch(
          type,
          object.metadata.namespace,
          object.metadata.name!,
          'merge',
          {
            status: {
              conditions: [
                {
                  type: 'Ready',
                  status: ready ? 'True' : 'False',
                  reason: ready ? 'SecretSynced' : 'SecretSyncedError',
                  message: ready
                    ? 'secret synced'
                    : 'could not get secret data from provider',
                  lastTransitionTime: at,
                },
              ],
              ...(ready ? { refreshTime: at } : {}),
            },
          },
          { subresource: 'status' },
        );
      }
    },
    async stop() {
      cluster.close();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

const mb = (m: Memory) =>
  `${m.rssMb.toFixed(0)} MB RSS, ${m.heapMb.toFixed(0)} MB heap`;

async function main() {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizes = (option('--sizes') ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map(Number);
  const found = findPostgres();
  const databases = (
    option('--databases') ?? ('missing' in found ? 'sqlite' : 'sqlite,postgres')
  ).split(',') as Db[];
  const json = args.includes('--json');
  const flipsUpTo = Number(option('--flips-up-to') ?? 10_000);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pg =
    databases.includes('postgres') && !('missing' in found)
      ? await startPostgres(found)
      : undefined;
  const admin =
    pg &&
    knexFactory({
      client: 'pg',
      connection: { ...pg.connection, database: 'postgres' },
      pool: { min: 0, max: 1 },
    });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'history-bench-'));
  // an interrupted run still stops its PostgreSQL cluster
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
  const results: unknown[] = [];
  try {
    for (const size of sizes) {
      log(`— ${size} ExternalSecrets`);
      const emulator = await startEmulator(size);
      // without history: the caches' cost alone
      const plain = spawnReplica();
      const base = await plain.call<any>('start', {
        url: emulator.url,
        caPem: emulator.caPem,
        history: false,
      });
      const flips = size <= flipsUpTo;
      let plainCpuS = 0;
      if (flips) {
        await plain.call('mark');
        await emulator.flip(false);
        const plainDown = await plain.call<any>('measureFlip', {
          expectState: 'Error',
          expectedRows: 0,
        });
        await plain.call('mark');
        await emulator.flip(true);
        const plainUp = await plain.call<any>('measureFlip', {
          expectState: 'Synced',
          expectedRows: 0,
        });
        plainCpuS = plainDown.cpuS + plainUp.cpuS;
      }
      await plain.stop();
      log(
        `  no history: list ${base.listMs.toFixed(0)} ms, ${mb(
          base.cached,
        )} (empty process ${mb(base.before)}), flip CPU ${
          flips ? `${plainCpuS.toFixed(2)} s` : 'not measured'
        }`,
      );
      for (const db of databases) {
        const pgDatabase = `bench_${size}_${Date.now()}`;
        if (db === 'postgres')
          await admin!.raw('create database ??', [pgDatabase]);
        const child = spawnReplica();
        const started = await child.call<any>('start', {
          url: emulator.url,
          caPem: emulator.caPem,
          history: true,
          db,
          sqliteFile: path.join(tmp, `${pgDatabase}.sqlite`),
          pg: pg?.connection,
          pgDatabase,
        });
        let down: any;
        let up: any;
        if (flips) {
          await child.call('mark');
          await emulator.flip(false);
          down = await child.call<any>('measureFlip', {
            expectState: 'Error',
            expectedRows: 2 * size,
          });
          await child.call('mark');
          await emulator.flip(true);
          up = await child.call<any>('measureFlip', {
            expectState: 'Synced',
            expectedRows: 3 * size,
          });
        }
        await child.stop();
        const flipCpu = flips ? down.cpuS + up.cpuS : 0;
        const result = {
          size,
          db,
          memory: {
            emptyProcess: base.before,
            cachesOnly: base.cached,
            cachesAndHistory: started.withHistory,
            afterFlips: up?.memory,
          },
          firstStart: {
            rows: size,
            ms: started.catchUp.ms,
            rowsPerSecond: size / (started.catchUp.ms / 1000),
            cpuS: started.catchUp.cpuS,
          },
          flips: flips
            ? {
                rows: 2 * size,
                ms: down.ms + up.ms,
                rowsPerSecond: (2 * size) / ((down.ms + up.ms) / 1000),
                cpuS: flipCpu,
                cpuSWithoutHistory: plainCpuS,
                addedCpuS: flipCpu - plainCpuS,
                addedCpuMsPerTransition:
                  ((flipCpu - plainCpuS) * 1000) / (2 * size),
              }
            : undefined,
        };
        results.push(result);
        log(
          `  ${db}: first start ${size} rows in ${(
            started.catchUp.ms / 1000
          ).toFixed(1)} s (${result.firstStart.rowsPerSecond.toFixed(0)}/s); ${
            result.flips
              ? `flips ${2 * size} rows at ${result.flips.rowsPerSecond.toFixed(
                  0,
                )}/s, added CPU ${result.flips.addedCpuS.toFixed(
                  2,
                )} s (${result.flips.addedCpuMsPerTransition.toFixed(
                  3,
                )} ms/transition); `
              : ''
          }memory ${mb(started.withHistory)}`,
        );
      }
      await emulator.stop();
    }
  } finally {
    await admin?.destroy();
    await pg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv.includes('--role')) {
  replica();
} else {
  main().catch(error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
