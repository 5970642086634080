/**
 * Benchmark (not a test): heap cost of the status backend's Pod cache (the consumers view) per
 * 10,000 Pods.
 *
 * A Kubernetes API emulator (`packages/sandbox`) in this process, reached through msw by a real
 * `ClusterCache` (list+watch with its Pod transform), holds N Pods shaped like a Deployment's:
 * owner reference, labels, two containers with env, envFrom, volume mounts, resources, probes
 * and a status with conditions and container statuses — about what a real Pod carries. The
 * cache lists them with `watchPods: true` and, for the baseline, `watchPods: false`; the
 * difference of the heap after a full GC, divided by N, is the cost of one cached Pod. The
 * emulator's own copies are the same in both runs.
 *
 * Usage, from the repository root:
 *   node --expose-gc --require @backstage/cli/config/nodeTransform.cjs bench/pod-cache-memory.ts
 *     [--pods 10000] [--runs 3] [--json]
 */
import { loadavg, cpus } from 'node:os';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ClusterCache } from '@gitops-secrets/plugin-external-secrets-node';
import { setupServer } from 'msw/node';
import { KubernetesEmulator, kubernetesHandlers } from 'sandbox';
import { createTestCaPem } from 'sandbox';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PODS = flag('pods', 10_000);
const RUNS = flag('runs', 3);
const JSON_OUT = args.includes('--json');
const TOKEN = 'bench-admin-token';
const CA = createTestCaPem('bench-pod-cache-ca');

// outside jest: a logger that drops everything
const quietLogger: LoggerService = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => quietLogger,
};

function gc() {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run node with --expose-gc');
  collect();
  collect();
}

function pod(i: number) {
  const app = `app-${i % 200}`;
  const secret = `${app}-env-file`;
  const container = (name: string) => ({
    name,
    image: `${app}:1.${i % 7}`,
    env: [
      { name: 'MODE', value: 'production' },
      {
        name: 'TOKEN',
        valueFrom: { secretKeyRef: { name: secret, key: 'token' } },
      },
    ],
    envFrom: [{ secretRef: { name: secret } }],
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    },
    readinessProbe: {
      httpGet: { path: '/ready', port: 8080 },
      periodSeconds: 10,
    },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io' },
    ],
  });
  return {
    metadata: {
      name: `${app}-7c9f5d8b4-${i.toString(36).padStart(5, 'b')}`,
      labels: { app, 'pod-template-hash': '7c9f5d8b4' },
      annotations: {
        'kubectl.kubernetes.io/restartedAt': '2026-12-01T10:00:00Z',
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${app}-7c9f5d8b4`,
          uid: `00000000-0000-4000-8000-${String(i % 200).padStart(12, '0')}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      nodeName: `node-${i % 20}`,
      containers: [container('main'), container('sidecar')],
      volumes: [
        { name: 'config', secret: { secretName: `${app}-config-file` } },
        {
          name: 'kube-api-access',
          projected: {
            sources: [{ serviceAccountToken: { path: 'token' } }],
          },
        },
      ],
    },
    status: {
      phase: 'Running',
      startTime: '2026-12-01T10:00:00Z',
      podIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
      conditions: [
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ].map(type => ({
        type,
        status: 'True',
        lastTransitionTime: '2026-12-01T10:00:00Z',
      })),
      containerStatuses: ['main', 'sidecar'].map(name => ({
        name,
        ready: true,
        restartCount: 0,
        image: `${app}:1`,
        imageID: `sha256:${'ab'.repeat(32)}`,
        containerID: `containerd://${'cd'.repeat(32)}`,
        state: { running: { startedAt: '2026-12-01T10:00:00Z' } },
      })),
    },
  };
}

async function cachedHeap(cluster: KubernetesEmulator, watchPods: boolean) {
  const cache = ClusterCache.create(
    {
      name: 'bench',
      url: cluster.url,
      authProvider: 'serviceAccount',
      serviceAccountToken: TOKEN,
      caData: Buffer.from(CA).toString('base64'),
      skipTLSVerify: false,
    },
    { logger: quietLogger, watchPods },
  );
  cache.start();
  const deadline = Date.now() + 300_000;
  while (
    Date.now() < deadline &&
    !(cache.health().synced && (!watchPods || cache.podsHealth().listed))
  ) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  await new Promise(resolve => setTimeout(resolve, 500));
  gc();
  const heap = process.memoryUsage().heapUsed;
  const found = watchPods
    ? cache.podsUsing('bench', 'app-1-env-file').length
    : 0;
  await cache.stop();
  return { heap, found };
}

async function main() {
  const load = loadavg();
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.bench.test:6443',
    caCertPem: CA,
    tokens: [TOKEN],
  });
  const server = setupServer(...kubernetesHandlers(cluster));
  server.listen({ onUnhandledRequest: 'error' });
  await cluster.objects.create(cluster.type('namespaces'), undefined, {
    metadata: { name: 'bench' },
  });
  for (let i = 0; i < PODS; i++) {
    await cluster.objects.create(cluster.type('pods'), 'bench', pod(i));
  }
  const perPod: number[] = [];
  let found = 0;
  for (let run = 0; run < RUNS; run++) {
    const without = await cachedHeap(cluster, false);
    const withPods = await cachedHeap(cluster, true);
    found = withPods.found;
    perPod.push((withPods.heap - without.heap) / PODS);
  }
  server.close();
  cluster.close();
  perPod.sort((a, b) => a - b);
  const median = perPod[Math.floor(perPod.length / 2)];
  const result = {
    pods: PODS,
    runs: RUNS,
    bytesPerPod: Math.round(median),
    mebibytesPer10kPods: Number(((median * 10_000) / 2 ** 20).toFixed(1)),
    podsFoundForOneSecret: found,
    machine: {
      cpus: cpus().length,
      loadAverageBefore: load.map(l => Number(l.toFixed(2))),
    },
  };
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `Pod cache: ${result.bytesPerPod} bytes per Pod, ${
        result.mebibytesPer10kPods
      } MiB per 10k Pods (median of ${RUNS}, ${PODS} Pods; ${found} Pods found for one Secret; load ${result.machine.loadAverageBefore.join(
        ' ',
      )} on ${result.machine.cpus} cores)\n`,
    );
  }
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
