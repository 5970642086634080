import { KubernetesEmulator } from './KubernetesEmulator';
import { KubeObject } from './kubeObject';

const ADMIN = 'admin-token';
const DEV = 'dev-token';

let clock = new Date('2026-05-01T10:00:00Z');
let cluster: KubernetesEmulator;

beforeEach(async () => {
  clock = new Date('2026-05-01T10:00:00Z');
  cluster = new KubernetesEmulator({
    url: 'https://k8s.sandbox.test:6443',
    tokens: [ADMIN, { token: DEV, username: 'dev' }],
    now: () => clock,
  });
  await call('POST', '/api/v1/namespaces', {
    metadata: { name: 'example-api' },
  });
});
afterEach(() => cluster.close());

async function call(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string; contentType?: string } = {},
) {
  const response = await cluster.handle({
    method,
    path,
    headers: {
      authorization: `Bearer ${options.token ?? ADMIN}`,
      'content-type': options.contentType ?? 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (typeof response.body === 'string'
      ? JSON.parse(response.body)
      : response.body ?? {}) as any,
  };
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/example-api/deployments';
const REPLICASETS = '/apis/apps/v1/namespaces/example-api/replicasets';
const PODS = '/api/v1/namespaces/example-api/pods';

function deployment(replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'example-api' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'example-api' } },
      template: {
        metadata: { labels: { app: 'example-api' } },
        spec: {
          containers: [
            {
              name: 'api',
              image: 'registry.invalid/example-api:1.0',
              envFrom: [{ secretRef: { name: 'example-api-env-file' } }],
            },
          ],
        },
      },
    },
  };
}

async function items(path: string): Promise<any[]> {
  return (await call('GET', path)).body.items;
}

describe('Deployments and ReplicaSets', () => {
  it('rolls a Deployment out: a ReplicaSet named by its pod-template-hash, Pods owned by it, running', async () => {
    const created = await call('POST', DEPLOYMENTS, deployment());
    expect(created.status).toBe(201);
    expect(created.body.metadata.generation).toBe(1);
    expect(created.body.status).toBeUndefined();
    expect(created.body.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    await cluster.workloadsIdle();

    const [replicaSet] = await items(REPLICASETS);
    const hash = replicaSet.metadata.labels['pod-template-hash'];
    expect(hash).toMatch(/^[bcdf456789]+$/);
    expect(replicaSet.metadata.name).toBe(`example-api-${hash}`);
    expect(replicaSet.spec.selector.matchLabels).toEqual({
      app: 'example-api',
      'pod-template-hash': hash,
    });
    expect(replicaSet.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'example-api',
        controller: true,
        uid: created.body.metadata.uid,
      }),
    ]);
    expect(
      replicaSet.metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('1');

    const pods = await items(PODS);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(
        new RegExp(`^example-api-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`),
      );
      expect(pod.metadata.ownerReferences[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: replicaSet.metadata.name,
        controller: true,
      });
      expect(pod.metadata.labels['pod-template-hash']).toBe(hash);
      expect(pod.spec.containers[0].envFrom).toEqual([
        { secretRef: { name: 'example-api-env-file' } },
      ]);
      expect(pod.status).toMatchObject({
        phase: 'Running',
        startTime: '2026-05-01T10:00:00Z',
      });
    }

    const { body: rolled } = await call('GET', `${DEPLOYMENTS}/example-api`);
    expect(rolled.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(
      rolled.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
    ).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    expect(
      rolled.metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('1');
  });

  it('restarts like kubectl rollout restart: a new ReplicaSet, new Pods with a new start time, the old ones gone', async () => {
    await call('POST', DEPLOYMENTS, deployment());
    await cluster.workloadsIdle();
    const [first] = await items(REPLICASETS);
    const oldPods = (await items(PODS)).map(p => p.metadata.name);

    clock = new Date('2026-05-01T10:05:00Z');
    const patched = await call(
      'PATCH',
      `${DEPLOYMENTS}/example-api`,
      {
        spec: {
          template: {
            metadata: {
              annotations: {
                'kubectl.kubernetes.io/restartedAt': '2026-05-01T10:05:00Z',
              },
            },
          },
        },
      },
      { contentType: 'application/strategic-merge-patch+json' },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.generation).toBe(2);
    await cluster.workloadsIdle();

    const replicaSets = await items(REPLICASETS);
    expect(replicaSets).toHaveLength(2);
    const next = replicaSets.find(
      rs => rs.metadata.name !== first.metadata.name,
    );
    expect(next.metadata.annotations['deployment.kubernetes.io/revision']).toBe(
      '2',
    );
    expect(
      replicaSets.find(rs => rs.metadata.name === first.metadata.name).spec
        .replicas,
    ).toBe(0);

    const pods = await items(PODS);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(oldPods).not.toContain(pod.metadata.name);
      expect(pod.metadata.ownerReferences[0].name).toBe(next.metadata.name);
      expect(pod.metadata.annotations).toEqual({
        'kubectl.kubernetes.io/restartedAt': '2026-05-01T10:05:00Z',
      });
      expect(pod.status.startTime).toBe('2026-05-01T10:05:00Z');
    }
    const { body: rolled } = await call('GET', `${DEPLOYMENTS}/example-api`);
    expect(rolled.status).toMatchObject({
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    expect(
      rolled.metadata.annotations['deployment.kubernetes.io/revision'],
    ).toBe('2');
  });

  it('scales up and down within the same ReplicaSet', async () => {
    await call('POST', DEPLOYMENTS, deployment(1));
    await cluster.workloadsIdle();
    const before = await items(PODS);
    await call(
      'PATCH',
      `${DEPLOYMENTS}/example-api`,
      { spec: { replicas: 3 } },
      { contentType: 'application/merge-patch+json' },
    );
    await cluster.workloadsIdle();
    const scaled = await items(PODS);
    expect(scaled).toHaveLength(3);
    expect(scaled.map(p => p.metadata.name)).toContain(before[0].metadata.name);
    expect(await items(REPLICASETS)).toHaveLength(1);

    await call(
      'PATCH',
      `${DEPLOYMENTS}/example-api`,
      { spec: { replicas: 1 } },
      { contentType: 'application/merge-patch+json' },
    );
    await cluster.workloadsIdle();
    expect(await items(PODS)).toHaveLength(1);
  });

  it('deletes the ReplicaSets and Pods of a deleted Deployment', async () => {
    await call('POST', DEPLOYMENTS, deployment());
    await cluster.workloadsIdle();
    expect((await call('DELETE', `${DEPLOYMENTS}/example-api`)).status).toBe(
      200,
    );
    await cluster.workloadsIdle();
    expect(await items(REPLICASETS)).toEqual([]);
    expect(await items(PODS)).toEqual([]);
  });

  it('rejects a selector that does not select the template, as the API server does', async () => {
    const bad = deployment();
    (bad.spec as any).selector = { matchLabels: { app: 'other' } };
    const response = await call('POST', DEPLOYMENTS, bad);
    expect(response.status).toBe(422);
    expect(response.body.message).toBe(
      'Deployment.apps "example-api" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"example-api"}: `selector` does not match template `labels`',
    );
  });

  it('authorizes workload requests by RBAC like any kind', async () => {
    await call('POST', DEPLOYMENTS, deployment());
    const denied = await call(
      'PATCH',
      `${DEPLOYMENTS}/example-api`,
      { spec: { replicas: 0 } },
      { token: DEV, contentType: 'application/merge-patch+json' },
    );
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe(
      'deployments.apps "example-api" is forbidden: User "dev" cannot patch resource "deployments" in API group "apps" in the namespace "example-api"',
    );
    await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'restarter' },
      rules: [
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
      ],
    });
    await call(
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/example-api/rolebindings',
      {
        metadata: { name: 'dev-restarter' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'restarter',
        },
        subjects: [
          { kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' },
        ],
      },
    );
    const allowed = await call(
      'PATCH',
      `${DEPLOYMENTS}/example-api`,
      { spec: { replicas: 0 } },
      { token: DEV, contentType: 'application/merge-patch+json' },
    );
    expect(allowed.status).toBe(200);
    expect((await call('GET', PODS, undefined, { token: DEV })).status).toBe(
      403,
    );
  });

  it('rolls out again after a state import', async () => {
    await call('POST', DEPLOYMENTS, deployment(1));
    await cluster.workloadsIdle();
    const state = cluster.exportState();
    const restored = new KubernetesEmulator({
      url: 'https://k8s.sandbox.test:6443',
      tokens: [ADMIN],
      now: () => clock,
    });
    try {
      restored.importState(state);
      await restored.workloadsIdle();
      const type = restored.type('pods');
      expect(restored.objects.list(type, 'example-api')).toHaveLength(1);
    } finally {
      restored.close();
    }
  });
});
