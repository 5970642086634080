/**
 * Benchmark (not a test): the external-secrets status backend under load, side by side with a
 * baseline that LISTs per request the way Backstage's Kubernetes plugin does.
 *
 * 2,000 catalog components annotated `backstage.io/kubernetes-id`, their ExternalSecrets spread
 * over 3 Kubernetes API emulators (`packages/sandbox`) served over HTTPS on loopback, every
 * response and every watch event delayed by 20 ms. The real backend plugin, with its real
 * ClusterCache, runs in a backend of the test backend's mock services (mock auth), a Map-backed
 * catalog, a signals mock and the production root HTTP router; requests go over real HTTP with
 * 32 in flight. See bench/README.md for what is measured and how.
 *
 * Each emulated cluster runs in its own process (like a remote API server), the backend in
 * another, so that its RSS and CPU are its own; this process orchestrates and generates the load.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/status-backend.ts
 *     [--sizes 1000,10000,50000] [--clusters 3] [--latency 20] [--json]
 *     [--no-vault-faults | --vault-faults-only] [--vault-faults-seconds 10]
 * After the sizes it times the fleet API at each size (issue 17) and, in this process, the status
 * with Vault healthy, black-holed and answering in 2 s (issue 12, `status-vault-faults.ts`).
 * With BENCH_PROFILE=DIR in the environment, the backend process writes a CPU profile to DIR.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { Backend, createSpecializedBackend } from '@backstage/backend-app-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  ANNOTATION_KUBERNETES_ID,
  ANNOTATION_KUBERNETES_NAMESPACE,
  classifyExternalSecret,
  countStates,
  entityLabelSelector,
  externalSecretsStatusReadPermission,
  worstState,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  ClusterCache,
  ExternalSecretObject,
  renderManifestObjects,
  resolveManifestSpec,
} from '@gitops-secrets/plugin-external-secrets-node';
import externalSecretsPlugin from '@gitops-secrets/plugin-external-secrets-backend';
// Not part of the backend package's API: the in-memory part is timed with the plugin's own
// service class over the plugin's own caches.
import { EntityStatusService } from '@gitops-secrets/plugin-external-secrets-backend/src/service/EntityStatusService';
// The sandbox is loaded only by the processes that use it (see `loadSandbox`), so that the
// backend's RSS does not include the emulators' code.
import type { KubeObject, KubernetesEmulator } from 'sandbox';
import {
  formatVaultFaults,
  runVaultFaults,
  type VaultFaultsReport,
} from './status-vault-faults';

const ENTITY_COUNT = 2000;
const DEFAULT_SIZES = [1000, 10_000, 50_000];
const DEFAULT_CLUSTERS = 3;
const DEFAULT_LATENCY_MS = 20;
const CONCURRENCY = 32;
/** the entity whose status the in-memory part is timed for; it has exactly this many */
const IN_MEMORY_ENTITY = 0;
const IN_MEMORY_ES = 10;
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
const TOKEN = 'status-bench-reader';
/** Ports the running app uses; the bench must never bind them. */
const FORBIDDEN_PORTS = [3000, 7007, 7080, 7090, 8200, 6443];

const TARGETS = {
  p99Ms: 10,
  speedupAt10k: 10,
  inMemoryMs: 0.5,
  rssMbAt10k: 100,
  eventToSignalMs: 1000,
};

type SeedState = 'Synced' | 'Error' | 'Stale' | 'Pending';

interface Placement {
  entity: number;
  cluster: number;
  /** the n-th ExternalSecret of its entity */
  index: number;
  state: SeedState;
}

function entityName(entity: number): string {
  return `svc-${String(entity).padStart(4, '0')}`;
}

/**
 * A service's store and its `index`-th ExternalSecret, exactly as the template's
 * `external-secrets:manifests:create` renders them; the bench adds what the cluster adds.
 */
function rendered(svc: string, index = 0) {
  const [store, externalSecret] = renderManifestObjects(
    resolveManifestSpec({
      name: svc,
      refreshInterval: '1h',
      store: {
        server: 'https://vault.example.com:8200',
        kvMount: 'secret',
        kvVersion: 2,
        caProvider: {
          type: 'ConfigMap',
          name: 'vault-ca',
          key: 'ca.crt',
          namespace: 'external-secrets',
        },
      },
      secrets: [
        {
          name: `es-${index}`,
          vaultKey: `${svc}/env-file-${index}`,
          properties: [
            { property: 'dotenv', secretKey: '.env' },
            { property: 'json', secretKey: 'config.json' },
          ],
        },
      ],
    }),
  ) as KubeObject[];
  return { store, externalSecret };
}

function clusterName(cluster: number): string {
  return `bench-${cluster + 1}`;
}

/**
 * Where each of `total` ExternalSecrets lives. Entity 0 has exactly 10 (one failing, one stale),
 * spread over the clusters; the rest go round-robin over the other entities and the clusters:
 * 5% Error, 5% Stale, 2% Pending, the others Synced.
 */
function layout(total: number, clusters: number): Placement[] {
  const placements: Placement[] = [];
  const perEntity = new Array<number>(ENTITY_COUNT).fill(0);
  for (let i = 0; i < Math.min(IN_MEMORY_ES, total); i++) {
    placements.push({
      entity: IN_MEMORY_ENTITY,
      cluster: i % clusters,
      index: perEntity[IN_MEMORY_ENTITY]++,
      state: i === 0 ? 'Error' : i === 1 ? 'Stale' : 'Synced',
    });
  }
  for (let j = 0; j < total - IN_MEMORY_ES; j++) {
    const entity = 1 + (j % (ENTITY_COUNT - 1));
    let state: SeedState = 'Synced';
    if (j % 20 === 3) state = 'Error';
    else if (j % 20 === 7) state = 'Stale';
    else if (j % 50 === 11) state = 'Pending';
    placements.push({
      entity,
      cluster: j % clusters,
      index: perEntity[entity]++,
      state,
    });
  }
  return placements;
}

function hash(text: string, length = 32): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

// ---------------------------------------------------------------------------------------------
// IPC between the processes

interface CallMessage {
  id: number;
  call: string;
  payload: unknown;
}

interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}

interface SignalMessage {
  event: 'signal';
  entityRef: string;
  at: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

class Child {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: any) => void; reject: (error: Error) => void }
  >();
  readonly signals: SignalMessage[] = [];

  constructor(private readonly process: ChildProcess, readonly name: string) {
    process.on('message', (message: ReplyMessage | SignalMessage) => {
      if ('event' in message) {
        this.signals.push(message);
        return;
      }
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) {
        waiter?.reject(new Error(`${name}: ${message.error}`));
      } else {
        waiter?.resolve(message.result);
      }
    });
    process.on('exit', code => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${name} exited with code ${code}`));
      }
      this.pending.clear();
    });
  }

  call<T>(call: string, payload: unknown = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.process.send({ id, call, payload } satisfies CallMessage);
    });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise(resolve => this.process.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    await exited;
  }
}

function spawn(role: 'emulator' | 'backend'): Child {
  const child = fork(__filename, ['--role', role], {
    execArgv: [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      '--expose-gc',
      ...(process.env.BENCH_PROFILE && role === 'backend'
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : []),
    ],
    // The children's output goes to stderr, so that --json output stays clean.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return new Child(child, role);
}

function serve(handlers: Record<string, (payload: any) => unknown>) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: CallMessage) => {
    try {
      const handler = handlers[message.call];
      if (!handler) throw new Error(`unknown call ${message.call}`);
      const result = await handler(message.payload);
      process.send!({ id: message.id, result } satisfies ReplyMessage);
      if (message.call === 'stop') {
        setImmediate(() => process.exit(0));
      }
    } catch (error) {
      process.send!({
        id: message.id,
        error: (error as Error).stack ?? String(error),
      } satisfies ReplyMessage);
    }
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The emulators' process

interface EmulatorsStart {
  size: number;
  clusters: number;
  /** which of the clusters this process serves */
  cluster: number;
  latencyMs: number;
  certPem: string;
  keyPem: string;
  caPem: string;
}

interface EmulatedCluster {
  name: string;
  url: string;
  externalSecrets: number;
  objects: number;
  buildMs: number;
}

/**
 * Delays everything the emulator writes back (the answer, and each event of a watch) by `ms`:
 * the server → client leg of a remote API server.
 */
function withLatency(
  listener: http.RequestListener,
  ms: number,
): http.RequestListener {
  if (ms <= 0) return listener;
  return (req, res) => {
    const target = res as unknown as Record<string, (...args: any[]) => any>;
    for (const method of ['writeHead', 'flushHeaders', 'write', 'end']) {
      const original = target[method].bind(res);
      target[method] = (...args: unknown[]) => {
        // Timers of equal delay fire in the order they were set: the stream keeps its order.
        setTimeout(() => {
          if (!res.destroyed) original(...args);
        }, ms);
        return method === 'write' ? true : res;
      };
    }
    return listener(req, res);
  };
}

function objectsFor(
  placements: Placement[],
  cluster: number,
  now: number,
): Array<{ plural: string; object: KubeObject }> {
  const out: Array<{ plural: string; object: KubeObject }> = [];
  const iso = (ms: number) =>
    new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const created = iso(now - 30 * 86_400_000);
  const mine = placements.filter(p => p.cluster === cluster);
  const entities = [...new Set(mine.map(p => p.entity))].sort((a, b) => a - b);

  out.push({
    plural: 'namespaces',
    object: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'external-secrets',
        uid: randomUUID(),
        creationTimestamp: created,
      },
      status: { phase: 'Active' },
    },
  });
  for (const entity of entities) {
    const svc = entityName(entity);
    out.push({
      plural: 'namespaces',
      object: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: svc,
          uid: randomUUID(),
          creationTimestamp: created,
          labels: { 'kubernetes.io/metadata.name': svc },
        },
        status: { phase: 'Active' },
      },
    });
    const store = rendered(svc).store;
    out.push({
      plural: 'clustersecretstores',
      object: {
        ...store,
        metadata: {
          ...store.metadata,
          uid: randomUUID(),
          generation: 1,
          creationTimestamp: created,
        },
        status: {
          capabilities: 'ReadWrite',
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Valid',
              message: 'store validated',
              lastTransitionTime: created,
            },
          ],
        },
      },
    });
  }

  for (const p of mine) {
    const svc = entityName(p.entity);
    const externalSecret = rendered(svc, p.index).externalSecret!;
    const name = externalSecret.metadata.name!;
    const uid = randomUUID();
    const hashed = hash(`${cluster}/${name}`);
    const synced = iso(now - ((p.index * 37 + p.entity) % 1800) * 1000);
    const applied = {
      manager: 'argocd-controller',
      operation: 'Apply',
      apiVersion: 'external-secrets.io/v1',
      time: created,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:annotations': { 'f:argocd.argoproj.io/tracking-id': {} },
          'f:labels': {
            'f:app.kubernetes.io/instance': {},
            [`f:${ANNOTATION_KUBERNETES_ID}`]: {},
          },
        },
        'f:spec': {
          'f:data': {},
          'f:refreshInterval': {},
          'f:secretStoreRef': { 'f:kind': {}, 'f:name': {} },
          'f:target': { 'f:creationPolicy': {}, 'f:name': {} },
        },
      },
    };
    const statusWrite = {
      manager: 'external-secrets',
      operation: 'Update',
      apiVersion: 'external-secrets.io/v1',
      time: synced,
      fieldsType: 'FieldsV1',
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          '.': {},
          'f:binding': { '.': {}, 'f:name': {} },
          'f:conditions': {},
          'f:refreshTime': {},
          'f:syncedResourceVersion': {},
        },
      },
    };
    const ready = {
      Synced: {
        status: 'True',
        reason: 'SecretSynced',
        message: 'secret synced',
      },
      Stale: {
        status: 'True',
        reason: 'SecretSynced',
        message: 'secret synced',
      },
      Error: {
        status: 'False',
        reason: 'SecretSyncedError',
        message: 'could not get secret data from provider',
      },
      Pending: undefined,
    }[p.state];
    const refreshTime =
      p.state === 'Stale'
        ? iso(now - 5 * 3_600_000)
        : p.state === 'Error'
        ? iso(now - 3 * 3_600_000)
        : synced;
    out.push({
      plural: 'externalsecrets',
      object: {
        ...externalSecret,
        metadata: {
          ...externalSecret.metadata,
          uid,
          generation: 1,
          creationTimestamp: created,
          labels: {
            ...externalSecret.metadata.labels,
            'app.kubernetes.io/instance': svc,
          },
          annotations: {
            'argocd.argoproj.io/tracking-id': `${svc}:external-secrets.io/ExternalSecret:${svc}/${name}`,
          },
          managedFields: ready ? [applied, statusWrite] : [applied],
        },
        ...(ready
          ? {
              status: {
                binding: { name },
                conditions: [
                  { type: 'Ready', ...ready, lastTransitionTime: refreshTime },
                ],
                refreshTime,
                syncedResourceVersion: `1-${hashed}`,
              },
            }
          : {}),
      },
    });
    if (p.state === 'Synced' || p.state === 'Stale') {
      out.push({
        plural: 'secrets',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name,
            namespace: svc,
            uid: randomUUID(),
            creationTimestamp: created,
            labels: {
              'reconcile.external-secrets.io/created-by': hashed,
              'reconcile.external-secrets.io/managed': 'true',
            },
            annotations: { 'reconcile.external-secrets.io/data-hash': hashed },
            ownerReferences: [
              {
                apiVersion: 'external-secrets.io/v1',
                kind: 'ExternalSecret',
                name,
                uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
            managedFields: [
              {
                manager: 'external-secrets',
                operation: 'Update',
                apiVersion: 'v1',
                time: synced,
                fieldsType: 'FieldsV1',
                fieldsV1: {
                  'f:data': { '.': {}, 'f:.env': {}, 'f:config.json': {} },
                  'f:metadata': { 'f:labels': {}, 'f:ownerReferences': {} },
                  'f:type': {},
                },
              },
            ],
          },
          type: 'Opaque',
          data: {
            '.env': Buffer.from(`API_KEY=${hash(name, 40)}\n`).toString(
              'base64',
            ),
            'config.json': Buffer.from(
              JSON.stringify({ token: hash(`${name}/json`, 40) }),
            ).toString('base64'),
          },
        },
      });
    }
    if (p.state === 'Error') {
      out.push({
        plural: 'events',
        object: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: `${name}.${hash(name, 16)}`,
            namespace: svc,
            uid: randomUUID(),
            creationTimestamp: iso(now - 3_600_000),
          },
          involvedObject: {
            apiVersion: 'external-secrets.io/v1',
            kind: 'ExternalSecret',
            name,
            namespace: svc,
            uid,
          },
          type: 'Warning',
          reason: 'UpdateFailed',
          message: `error processing spec.data[0] (key: ${svc}/env-file-${p.index}), err: cannot find secret data for key: "dotenv"`,
          count: 12,
          firstTimestamp: iso(now - 3 * 3_600_000),
          lastTimestamp: iso(now - 60_000),
          source: { component: 'external-secrets' },
          reportingComponent: 'external-secrets',
        },
      });
    }
  }
  return out;
}

/** The sandbox's emulators and certificate helpers, loaded on first use. */
function loadSandbox() {
  type Sandbox = typeof import('sandbox');
  type Certificates = typeof import('sandbox/server');
  return {
    ...(require('sandbox') as Sandbox),
    ...(require('sandbox/server') as Certificates),
  };
}

/** One emulated cluster: a Kubernetes API emulator in its own process, like a real API server. */
function runEmulator() {
  const { KubernetesEmulator, createKubernetesRequestListener } = loadSandbox();
  let emulator: KubernetesEmulator | undefined;
  let server: https.Server | undefined;

  serve({
    async start(p: EmulatorsStart): Promise<EmulatedCluster> {
      const started = performance.now();
      const placements = layout(p.size, p.clusters);
      const now = Date.now();
      const c = p.cluster;
      let listener: http.RequestListener = (_req, res) => {
        res.writeHead(503).end();
      };
      const httpsServer = https.createServer(
        { cert: p.certPem, key: p.keyPem },
        (req, res) => listener(req, res),
      );
      // Keep idle connections open, as an API server does: the 5 s Node default makes a reused
      // keep-alive socket race its own closing (ECONNRESET) when a request waits for long.
      httpsServer.keepAliveTimeout = 120_000;
      server = httpsServer;
      await new Promise<void>(resolve =>
        httpsServer.listen(0, '127.0.0.1', resolve),
      );
      const { port } = httpsServer.address() as AddressInfo;
      const url = `https://127.0.0.1:${port}`;
      const cluster = new KubernetesEmulator({
        url,
        caCertPem: p.caPem,
        tokens: [TOKEN],
        // The status backend must never read Secret data; this makes it fail loudly if it did.
        forbidSecretDataReads: true,
      });
      emulator = cluster;
      // Objects go straight into the emulated store (as a saved state), not through 10,000s of
      // HTTP creates; the store then serves and watches them like any other.
      const state = cluster.exportState();
      let revision = state.store.revision;
      const objects = objectsFor(placements, c, now);
      for (const { plural, object } of objects) {
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
      listener = withLatency(
        createKubernetesRequestListener(cluster),
        p.latencyMs,
      );
      return {
        name: clusterName(c),
        url,
        externalSecrets: placements.filter(x => x.cluster === c).length,
        objects: objects.length,
        buildMs: performance.now() - started,
      };
    },

    /** Touches an ExternalSecret's status (a new refreshTime); answers when it was committed. */
    async patch(p: { namespace: string; name: string }) {
      const cluster = emulator!;
      let committedAt = 0;
      const unsubscribe = cluster.onChange(change => {
        if (change.object.metadata.name === p.name && !committedAt) {
          committedAt = epochMs();
        }
      });
      try {
        await cluster.objects.patch(
          cluster.type('externalsecrets'),
          p.namespace,
          p.name,
          'merge',
          { status: { refreshTime: new Date().toISOString() } },
          { subresource: 'status' },
        );
      } finally {
        unsubscribe();
      }
      return { at: committedAt };
    },

    /**
     * Server-side time of one label-selector LIST of ExternalSecrets, in-process
     * (no transport, no injected latency): what the emulator itself spends per baseline LIST.
     */
    async listCost(p: { selector: string }) {
      const cluster = emulator!;
      const times: number[] = [];
      let matched = 0;
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const response = await cluster.handle({
          method: 'GET',
          path: '/apis/external-secrets.io/v1/externalsecrets',
          query: { labelSelector: p.selector },
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        JSON.stringify(response.body);
        if (i > 0) times.push(performance.now() - started);
        matched = (response.body as { items: unknown[] }).items.length;
      }
      return { ms: percentile(times, 0.5), matched };
    },

    async stop() {
      emulator?.close();
      server?.closeAllConnections();
      await new Promise(resolve =>
        server ? server.close(resolve) : resolve(undefined),
      );
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The backend's process

interface BackendStart {
  clusters: Array<{ name: string; url: string }>;
  caPem: string;
}

function benchEntities(): Entity[] {
  return Array.from({ length: ENTITY_COUNT }, (_, i) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: entityName(i),
      namespace: 'default',
      uid: randomUUID(),
      etag: hash(entityName(i), 16),
      annotations: {
        [ANNOTATION_KUBERNETES_ID]: entityName(i),
        'backstage.io/source-location': `url:https://github.example.com/org/${entityName(
          i,
        )}/tree/main/`,
      },
    },
    spec: { type: 'service', owner: `team-${i % 40}`, lifecycle: 'production' },
  }));
}

/** GET and parse JSON over a keep-alive agent. */
function getJson(
  url: string,
  agent: http.Agent | https.Agent,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, res => {
      const chunks: Buffer[] = [];
      res.on('data', chunk => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface BaselineCluster {
  name: string;
  url: string;
  agent: https.Agent;
}

/**
 * The baseline: what the status route would cost without the caches, done the Kubernetes
 * plugin's way — per request, after the same auth, permission and catalog steps, one
 * label-selector LIST of ExternalSecrets per cluster (in parallel), then the same classification.
 * It lists ExternalSecrets only (no stores, Events or Secrets), which favours it.
 */
function createBaselinePlugin(clusters: BaselineCluster[]) {
  return createBackendPlugin({
    pluginId: 'status-baseline',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
          catalog: catalogServiceRef,
        },
        async init({ httpRouter, httpAuth, permissions, catalog }) {
          const router = Router();
          router.get(
            '/entities/:namespace/:kind/:name/status',
            async (req, res) => {
              const credentials = await httpAuth.credentials(req, {
                allow: ['user', 'service'],
              });
              const [decision] = await permissions.authorize(
                [{ permission: externalSecretsStatusReadPermission }],
                { credentials },
              );
              if (decision.result !== AuthorizeResult.ALLOW) {
                throw new NotAllowedError('not allowed');
              }
              const { kind, namespace, name } = req.params;
              const entity = await catalog.getEntityByRef(
                { kind, namespace, name },
                { credentials },
              );
              if (!entity) throw new NotFoundError('no such entity');
              const selector = entityLabelSelector(entity);
              const inNamespace =
                entity.metadata.annotations?.[
                  ANNOTATION_KUBERNETES_NAMESPACE
                ]?.trim() || undefined;
              const now = new Date();
              const listed = selector
                ? await Promise.all(
                    clusters.map(async cluster => {
                      const path = `/apis/external-secrets.io/v1${
                        inNamespace
                          ? `/namespaces/${encodeURIComponent(inNamespace)}`
                          : ''
                      }/externalsecrets?labelSelector=${encodeURIComponent(
                        selector,
                      )}`;
                      const answer = await getJson(
                        `${cluster.url}${path}`,
                        cluster.agent,
                        {
                          authorization: `Bearer ${TOKEN}`,
                          accept: 'application/json',
                        },
                      );
                      if (answer.status !== 200) {
                        throw new Error(
                          `LIST in ${cluster.name} answered ${answer.status}`,
                        );
                      }
                      const items = (
                        JSON.parse(answer.body) as {
                          items: ExternalSecretObject[];
                        }
                      ).items;
                      return { cluster, items };
                    }),
                  )
                : [];
              const rows = listed.flatMap(({ cluster, items }) =>
                items.map(object => {
                  const c = classifyExternalSecret(
                    {
                      metadata: { generation: object.metadata?.generation },
                      spec: { refreshInterval: object.spec?.refreshInterval },
                      status: object.status,
                    },
                    now,
                  );
                  return {
                    cluster: cluster.name,
                    namespace: object.metadata?.namespace ?? '',
                    name: object.metadata?.name ?? '',
                    state: c.state,
                    reason: c.reason,
                    message: c.message,
                    lastSyncTime: c.lastSyncTime,
                    refreshInterval: object.spec?.refreshInterval ?? '1h',
                    stale: c.stale || c.behindSpec,
                    store: object.spec?.secretStoreRef,
                    remoteRefs: (object.spec?.data ?? []).map(d => ({
                      secretKey: d.secretKey,
                      key: d.remoteRef?.key,
                      property: d.remoteRef?.property,
                    })),
                    conditions: object.status?.conditions ?? [],
                  };
                }),
              );
              rows.sort((a, b) =>
                `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(
                  `${b.cluster}/${b.namespace}/${b.name}`,
                ),
              );
              const states = rows.map(r => r.state);
              res.json({
                entityRef: stringifyEntityRef(entity),
                generatedAt: now.toISOString(),
                overall: worstState(states),
                counts: countStates(states),
                clusters: clusters.map(c => ({
                  name: c.name,
                  reachable: true,
                  synced: true,
                })),
                externalSecrets: rows,
              });
            },
          );
          httpRouter.use(router);
        },
      });
    },
  });
}

async function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  await sleep(1000);
  gc?.();
  await sleep(200);
  gc?.();
  const m = process.memoryUsage();
  return {
    rssMb: m.rss / 1048576,
    heapUsedMb: m.heapUsed / 1048576,
    externalMb: m.external / 1048576,
    gcForced: !!gc,
  };
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function runBackend() {
  const caches: ClusterCache[] = [];
  // Records the caches the plugin creates (the plugin itself is unchanged), so the bench can
  // wait for them to sync and time the in-memory part on them.
  const createCache = ClusterCache.create;
  ClusterCache.create = (cluster, options) => {
    const cache = createCache.call(ClusterCache, cluster, options);
    caches.push(cache);
    return cache;
  };
  const entities = benchEntities();
  const byRef = new Map(
    entities.map(e => [stringifyEntityRef(e).toLocaleLowerCase('en-US'), e]),
  );
  let backend: Backend | undefined;
  let startedAt = 0;

  serve({
    async start(p: BackendStart) {
      let server: http.Server | undefined;
      const baselineClusters = p.clusters.map(c => ({
        ...c,
        agent: new https.Agent({ keepAlive: true, ca: p.caPem }),
      }));
      // The catalog: the 2,000 entities behind an O(1) lookup (the catalog-node mock rebuilds a
      // ref map on every lookup, which would dominate the figures).
      const catalog = Object.assign(catalogServiceMock({ entities }), {
        getEntityByRef: async (
          ref: string | { kind: string; namespace?: string; name: string },
        ) => {
          const text =
            typeof ref === 'string'
              ? ref
              : `${ref.kind}:${ref.namespace ?? 'default'}/${ref.name}`;
          const found = byRef.get(text.toLocaleLowerCase('en-US'));
          // a fresh copy per call, as from the catalog's API
          return found ? structuredClone(found) : undefined;
        },
      });
      startedAt = performance.now();
      // The test backend's mock services (as startTestBackend wires them, minus its jest-based
      // alpha mocks), with the production root HTTP router bound to an ephemeral loopback port.
      backend = createSpecializedBackend({
        defaultServiceFactories: [
          mockServices.auth.factory(),
          mockServices.auditor.factory(),
          mockServices.cache.factory(),
          mockServices.database.factory(),
          mockServices.discovery.factory(),
          mockServices.httpAuth.factory(),
          mockServices.httpRouter.factory(),
          mockServices.lifecycle.factory(),
          mockServices.logger.factory(),
          mockServices.permissionsRegistry.factory(),
          mockServices.rootHealth.factory(),
          mockServices.rootLifecycle.factory(),
          mockServices.scheduler.factory(),
          mockServices.userInfo.factory(),
          mockServices.urlReader.factory(),
          mockServices.events.factory(),
          mockServices.rootConfig.factory({
            data: {
              backend: {
                baseUrl: 'http://127.0.0.1',
                listen: { host: '127.0.0.1', port: 0 },
              },
              externalSecrets: {
                clusters: p.clusters.map(c => ({
                  name: c.name,
                  url: c.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: TOKEN,
                  caData: Buffer.from(p.caPem).toString('base64'),
                })),
                // no notifications backend runs in this process: every send would fail and log
                notifications: { enabled: false },
              },
            },
          }),
          mockServices.rootLogger.factory({ level: 'warn' }),
          mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
          // The production root router (helmet, CORS, compression, request logging).
          rootHttpRouterServiceFactory({
            configure(context) {
              server = context.server;
              context.applyDefaults();
            },
          }),
          createServiceFactory({
            service: signalsServiceRef,
            deps: {},
            factory: () => ({
              async publish(signal: { message: unknown }) {
                const message = signal.message as { entityRef?: string };
                process.send!({
                  event: 'signal',
                  entityRef: message.entityRef ?? '',
                  at: epochMs(),
                } satisfies SignalMessage);
              },
            }),
          }),
          createServiceFactory({
            service: actionsRegistryServiceRef,
            deps: {},
            factory: () => ({ register() {} }),
          }),
          createServiceFactory({
            service: catalogServiceRef,
            deps: {},
            factory: () => catalog,
          }),
        ],
      });
      backend.add(externalSecretsPlugin);
      backend.add(createBaselinePlugin(baselineClusters));
      await backend.start();
      const address = server?.address() as AddressInfo | undefined;
      if (
        !address ||
        address.address !== '127.0.0.1' ||
        FORBIDDEN_PORTS.includes(address.port)
      ) {
        throw new Error(
          `the backend listens on ${JSON.stringify(
            address,
          )}, not an ephemeral loopback port`,
        );
      }
      return { port: address.port };
    },

    async waitSynced(p: { expected: number[]; timeoutMs: number }) {
      const deadline = performance.now() + p.timeoutMs;
      for (;;) {
        const done =
          caches.length === p.expected.length &&
          caches.every(
            (c, i) =>
              c.health().synced &&
              c.health().reachable &&
              c.listExternalSecrets().length === p.expected[i],
          );
        if (done) return { syncMs: performance.now() - startedAt };
        if (performance.now() > deadline) {
          throw new Error(
            `caches not synced: ${JSON.stringify(
              caches.map(c => ({
                ...c.health(),
                externalSecrets: c.listExternalSecrets().length,
              })),
            )}`,
          );
        }
        await sleep(50);
      }
    },

    memory,

    /** CPU time this process has used, in milliseconds. */
    cpu: () => cpuMs(),

    /** The in-memory part alone: index lookup + classification (+ diagnosis) for one entity. */
    async inMemory(p: { entity: string; iterations: number }) {
      const service = new EntityStatusService({ clusters: caches });
      const entity = byRef.get(`component:default/${p.entity}`)!;
      let rows = 0;
      for (let i = 0; i < Math.ceil(p.iterations / 5); i++) {
        rows = (await service.getStatus(entity)).externalSecrets.length;
      }
      const times: number[] = [];
      for (let i = 0; i < p.iterations; i++) {
        const started = performance.now();
        await service.getStatus(entity);
        times.push(performance.now() - started);
      }
      return {
        p50: percentile(times, 0.5),
        p99: percentile(times, 0.99),
        rows,
      };
    },

    // The process just ends: a graceful backend.stop() makes every informer log its aborted
    // watch as a failure, which says nothing about the figures.
    async stop() {},
  });
}

// ---------------------------------------------------------------------------------------------
// The orchestrator and load generator

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** A small deterministic PRNG, so every run asks for the same entities. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LoadResult {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  /** sampled answers whose row count or cluster health was not what the emulators hold */
  invalid: number;
  checked: number;
  seconds: number;
  /** what the first failing request got, for the report */
  firstError?: string;
}

async function load(options: {
  port: number;
  route: 'external-secrets' | 'status-baseline';
  requests: number;
  maxMs?: number;
  seed: number;
  expected: number[];
  concurrency?: number;
}): Promise<LoadResult> {
  const concurrency = options.concurrency ?? CONCURRENCY;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const random = prng(options.seed);
  const headers = { authorization: mockCredentials.user.header() };
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let invalid = 0;
  let checked = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = options.maxMs ? started + options.maxMs : Infinity;
  async function worker() {
    while (next < options.requests && performance.now() < deadline) {
      const i = next++;
      const entity = Math.floor(random() * ENTITY_COUNT);
      const url = `http://127.0.0.1:${options.port}/api/${
        options.route
      }/entities/default/component/${entityName(entity)}/status`;
      const t0 = performance.now();
      let answer: { status: number; body: string };
      try {
        answer = await getJson(url, agent, headers);
      } catch (error) {
        errors++;
        firstError ??= String(error);
        continue;
      }
      latencies.push(performance.now() - t0);
      if (answer.status !== 200) {
        errors++;
        firstError ??= `${answer.status} ${answer.body.slice(0, 300)}`;
      } else if (i % 50 === 0) {
        checked++;
        const body = JSON.parse(answer.body) as {
          externalSecrets: unknown[];
          clusters: Array<{ reachable: boolean; synced: boolean }>;
        };
        if (
          body.externalSecrets.length !== options.expected[entity] ||
          !body.clusters.every(c => c.reachable && c.synced)
        ) {
          invalid++;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return {
    requests: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    invalid,
    checked,
    seconds: (performance.now() - started) / 1000,
    firstError,
  };
}

/** One query of the fleet API (issue 17), timed with one request in flight. */
interface FleetResult {
  query: string;
  requests: number;
  p50: number;
  p99: number;
  /** the answer's JSON, and gzipped as the root router's compression sends it */
  bytes: number;
  gzipBytes: number;
  /** rows on the page / rows matching the query */
  rows: number;
  total: number;
  errors: number;
}

const FLEET_QUERIES = [
  'external-secrets',
  'external-secrets?state=Error',
  'external-secrets?limit=500&sort=state',
  'external-secrets?search=svc-1234',
  'stores',
];
const FLEET_REQUESTS = 100;

async function fleetLoad(port: number): Promise<FleetResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: mockCredentials.user.header() };
  const results: FleetResult[] = [];
  for (const query of FLEET_QUERIES) {
    const url = `http://127.0.0.1:${port}/api/external-secrets/fleet/${query}`;
    const latencies: number[] = [];
    let errors = 0;
    let last: { status: number; body: string } | undefined;
    // a few to warm up (the visibility cache of the caller, JIT)
    for (let i = 0; i < 5 + FLEET_REQUESTS; i++) {
      const t0 = performance.now();
      const answer = await getJson(url, agent, headers).catch(error => ({
        status: 0,
        body: String(error),
      }));
      if (i >= 5) latencies.push(performance.now() - t0);
      if (answer.status !== 200) errors++;
      last = answer;
    }
    let rows = 0;
    let total = 0;
    try {
      const body = JSON.parse(last!.body);
      rows = Array.isArray(body.items) ? body.items.length : 0;
      total = Number(body.total ?? body.matching?.total ?? rows);
    } catch {
      errors++;
    }
    results.push({
      query,
      requests: latencies.length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      bytes: Buffer.byteLength(last!.body),
      gzipBytes: gzipSync(last!.body).length,
      rows,
      total,
      errors,
    });
  }
  agent.destroy();
  return results;
}

interface SizeResult {
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

type MemoryFigures = Awaited<ReturnType<typeof memory>>;

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

function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const fmt = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
const sizeLabel = (n: number) => n.toLocaleString('en-US');

async function main() {
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
    process.stdout.write(
      args.includes('--json')
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

  const at10k = results.find(r => r.objects === 10_000);
  const targets = {
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
  const result = {
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
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

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
    )} MB, heap ${fmt(idleMemory.heapUsedMb, 0)} MB; correctness: ${met(
      targets.correctness.met,
    )}; total ${fmt(result.totalSeconds, 0)} s\n`,
  );
}

const role = argument(process.argv.slice(2), '--role');
if (role === 'emulator') {
  runEmulator();
} else if (role === 'backend') {
  runBackend();
} else {
  main().catch(error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
