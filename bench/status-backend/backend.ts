/**
 * The backend role (`--role backend`): the real external-secrets backend plugin, unchanged, with
 * its real ClusterCache, in a backend of the test backend's mock services (mock auth, permissions
 * allowing all), a Map-backed catalog, a signals mock that reports each publish to the driver,
 * and the production root HTTP router on an ephemeral loopback port; beside it the baseline
 * plugin (`baseline.ts`). It runs in its own process so that its RSS and CPU are its own, and
 * answers the driver's calls (`start`, `waitSynced`, `memory`, `cpu`, `inMemory`, `stop`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { Backend, createSpecializedBackend } from '@backstage/backend-app-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { ANNOTATION_KUBERNETES_ID } from '@gitops-secrets/plugin-external-secrets-common';
import { ClusterCache } from '@gitops-secrets/plugin-external-secrets-node';
import externalSecretsPlugin from '@gitops-secrets/plugin-external-secrets-backend';
// Not part of the backend package's API: the in-memory part is timed with the plugin's own
// service class over the plugin's own caches.
import { EntityStatusService } from '@gitops-secrets/plugin-external-secrets-backend/src/service/EntityStatusService';
import { createBaselinePlugin } from './baseline';
import { BackendStart, MemoryFigures, serve, SignalMessage } from './ipc';
import {
  cpuMs,
  ENTITY_COUNT,
  entityName,
  epochMs,
  hash,
  percentile,
  sleep,
  TOKEN,
} from './shared';

/** Ports the running app uses; the bench must never bind them. */
const FORBIDDEN_PORTS = [3000, 7007, 7080, 7090, 8200, 6443];

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

async function memory(): Promise<MemoryFigures> {
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

export function runBackend() {
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
