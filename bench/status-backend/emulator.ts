/**
 * The emulator role (`--role emulator`): one emulated cluster, a Kubernetes API emulator
 * (`packages/sandbox`) in its own process like a remote API server, served over HTTPS on an
 * ephemeral loopback port with every answer and watch event delayed. It builds its share of the
 * data set straight into the emulator's store and answers the driver's calls (`start`, `patch`,
 * `listCost`, `stop`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ANNOTATION_KUBERNETES_ID } from '@gitops-secrets/plugin-external-secrets-common';
import {
  renderManifestObjects,
  resolveManifestSpec,
} from '@gitops-secrets/plugin-external-secrets-node';
// Types only: the sandbox's code is loaded on first use (`loadSandbox`).
import type { KubeObject, KubernetesEmulator } from 'sandbox';
import { EmulatedCluster, EmulatorsStart, serve } from './ipc';
import {
  entityName,
  epochMs,
  hash,
  layout,
  loadSandbox,
  percentile,
  Placement,
  TOKEN,
} from './shared';

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

/** One emulated cluster: a Kubernetes API emulator in its own process, like a real API server. */
export function runEmulator() {
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
