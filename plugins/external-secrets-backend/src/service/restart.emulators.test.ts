import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ClusterCache } from '@gitops-secrets/plugin-external-secrets-node';
import express from 'express';
import { setupServer } from 'msw/node';
import { KubernetesEmulator, kubernetesHandlers } from 'sandbox';
import { readBackendClusterRole } from 'sandbox/server';
import { createTestCaPem } from 'sandbox';
import request from 'supertest';
import { EntityStatusService } from './EntityStatusService';
import { createRouter } from './router';

jest.setTimeout(60_000);

/**
 * "Restart workload" end to end below the browser: the router, the status service and a real
 * ClusterCache against the Kubernetes emulator, whose Deployment controller rolls new Pods. The
 * backend's cluster account holds exactly the shipped ClusterRoles.
 */

const CLUSTER_CA = createTestCaPem('restart-cluster-ca');
const BACKEND_TOKEN = 'restart-backend-token';
const ADMIN_TOKEN = 'restart-admin-token';
const RESTART = '/entities/default/component/example-api/restart';
const server = setupServer();

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
};

const target = {
  cluster: 'sandbox',
  namespace: 'example-api',
  externalSecret: 'example-api-env-file',
  kind: 'Deployment',
  name: 'example-api',
};

function deployment(name: string, secret: string) {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: `${name}:1`,
              envFrom: [{ secretRef: { name: secret } }],
            },
          ],
        },
      },
    },
  };
}

async function environment(options: {
  enabled?: boolean;
  allow?: boolean;
  restartRole?: boolean;
}) {
  const cluster = new KubernetesEmulator({
    url: 'https://k8s.restart.test:6443',
    caCertPem: CLUSTER_CA,
    tokens: [
      ADMIN_TOKEN,
      { token: BACKEND_TOKEN, username: 'backstage-backend' },
    ],
    forbidSecretDataReads: true,
  });
  server.use(...kubernetesHandlers(cluster));
  const type = (plural: string) => cluster.type(plural);
  await cluster.objects.create(type('namespaces'), undefined, {
    metadata: { name: 'example-api' },
  });
  const roles = [await readBackendClusterRole('clusterrole.yaml')];
  if (options.restartRole ?? true) {
    roles.push(
      await readBackendClusterRole('clusterrole-workload-restart.yaml'),
    );
  }
  for (const role of roles) {
    await cluster.objects.create(type('clusterroles'), undefined, role);
    await cluster.objects.create(type('clusterrolebindings'), undefined, {
      metadata: { name: role.metadata.name },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: role.metadata.name!,
      },
      subjects: [
        {
          kind: 'User',
          name: 'backstage-backend',
          apiGroup: 'rbac.authorization.k8s.io',
        },
      ],
    });
  }
  await cluster.objects.create(type('externalsecrets'), 'example-api', {
    metadata: {
      name: 'example-api-env-file',
      labels: { 'backstage.io/kubernetes-id': 'example-api' },
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
      target: { name: 'example-api-env-file' },
      data: [
        {
          secretKey: '.env',
          remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
        },
      ],
    },
  });
  await cluster.objects.create(
    type('deployments'),
    'example-api',
    deployment('example-api', 'example-api-env-file'),
  );
  await cluster.objects.create(
    type('deployments'),
    'example-api',
    deployment('unrelated', 'someone-elses-secret'),
  );
  await cluster.workloadsIdle();

  const logger = mockServices.logger.mock();
  const cache = ClusterCache.create(
    {
      name: 'sandbox',
      url: cluster.url,
      authProvider: 'serviceAccount',
      serviceAccountToken: BACKEND_TOKEN,
      caData: Buffer.from(CLUSTER_CA).toString('base64'),
      skipTLSVerify: false,
    },
    { logger, backoff: { initialMs: 20, maxMs: 200 } },
  );
  cache.start();
  for (
    let i = 0;
    i < 200 && !(cache.health().synced && cache.podsHealth().listed);
    i++
  ) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const statusService = new EntityStatusService({
    clusters: [cache],
    budgetMs: 1000,
    logger,
  });
  const auditEvent = { success: jest.fn(), fail: jest.fn() };
  const createEvent = jest.fn(async (_options: any) => auditEvent);
  const authorize = jest.fn(async (requests: any[]) =>
    requests.map(() => ({
      result:
        options.allow ?? true ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    })),
  );
  const router = await createRouter({
    httpAuth: mockServices.httpAuth({
      defaultCredentials: mockCredentials.user('user:default/alice'),
    }),
    permissions: mockServices.permissions.mock({ authorize: authorize as any }),
    catalog: catalogServiceMock({ entities: [entity] }),
    auditor: mockServices.auditor.mock({ createEvent: createEvent as any }),
    logger,
    statusService,
    workloadRestartEnabled: options.enabled ?? true,
  });
  const app = express().use(router).use(mockErrorHandler());
  const restartedAt = () =>
    (
      cluster.objects.get(
        type('deployments'),
        'example-api',
        'example-api',
      ) as any
    ).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
  const podsOf = (name: string) =>
    cluster.objects
      .list(type('pods'), 'example-api')
      .filter(p => p.metadata.labels?.app === name)
      .map(p => p.metadata.name);
  return {
    cluster,
    cache,
    app,
    createEvent,
    auditEvent,
    authorize,
    restartedAt,
    podsOf,
  };
}

let env: Awaited<ReturnType<typeof environment>> | undefined;
beforeAll(() =>
  server.listen({
    // supertest's own requests go to the router on 127.0.0.1; anything else is a mistake
    onUnhandledRequest: (req, print) => {
      if (new URL(req.url).hostname !== '127.0.0.1') print.error();
    },
  }),
);
afterEach(async () => {
  await env?.cache.stop();
  env?.cluster.close();
  env = undefined;
  server.resetHandlers();
});
afterAll(() => server.close());

describe('POST .../restart', () => {
  it('restarts a workload that uses the entity’s Secret: restartedAt patched, new Pods, audited', async () => {
    env = await environment({});
    const before = env.podsOf('example-api');
    const status = await request(env.app).get(
      '/entities/default/component/example-api/status',
    );
    expect(status.body.workloadRestart).toBe(true);

    const response = await request(env.app).post(RESTART).send(target);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      ...target,
      restartedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(env.restartedAt()).toBe(response.body.restartedAt);
    await env.cluster.workloadsIdle();
    const after = env.podsOf('example-api');
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);

    expect(env.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'external-secrets-workload-restart',
        severityLevel: 'high',
        meta: {
          entityRef: 'component:default/example-api',
          target,
        },
      }),
    );
    expect(env.auditEvent.success).toHaveBeenCalledWith({
      meta: { restartedAt: response.body.restartedAt },
    });
    expect(env.auditEvent.fail).not.toHaveBeenCalled();
    // least authority: no Secret was read to do it
    expect(env.cluster.requestLog.secretDataReads()).toEqual([]);
  });

  it('refuses when the feature is off, without asking the policy or the cluster', async () => {
    env = await environment({ enabled: false });
    const response = await request(env.app).post(RESTART).send(target);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toMatch(
      /turned off.*externalSecrets\.workloadRestart\.enabled/,
    );
    expect(env.restartedAt()).toBeUndefined();
    expect(env.authorize).not.toHaveBeenCalled();
    expect(env.auditEvent.fail).toHaveBeenCalled();
    const status = await request(env.app).get(
      '/entities/default/component/example-api/status',
    );
    expect(status.body.workloadRestart).toBe(false);
  });

  it('refuses without external-secrets.workload.restart', async () => {
    env = await environment({ allow: false });
    const response = await request(env.app).post(RESTART).send(target);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toBe(
      'Permission external-secrets.workload.restart is required',
    );
    expect(env.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'external-secrets.workload.restart',
          }),
        },
      ],
      expect.anything(),
    );
    expect(env.restartedAt()).toBeUndefined();
    expect(env.auditEvent.fail).toHaveBeenCalled();
  });

  it('refuses a workload that does not use the entity’s Secret', async () => {
    env = await environment({});
    const response = await request(env.app)
      .post(RESTART)
      .send({ ...target, name: 'unrelated' });
    expect(response.status).toBe(404);
    expect(response.body.error.message).toMatch(
      /Deployment example-api\/unrelated .* does not use the target Secret/,
    );
    const before = env.podsOf('unrelated');
    await env.cluster.workloadsIdle();
    expect(env.podsOf('unrelated')).toEqual(before);
  });

  it('says which ClusterRole is missing when the cluster refuses the patch', async () => {
    env = await environment({ restartRole: false });
    const response = await request(env.app).post(RESTART).send(target);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toMatch(
      /needs patch on deployments \(deploy\/clusterrole-workload-restart\.yaml\)/,
    );
    expect(env.restartedAt()).toBeUndefined();
  });

  it('refuses a body that names anything but a Deployment, StatefulSet or DaemonSet', async () => {
    env = await environment({});
    const response = await request(env.app)
      .post(RESTART)
      .send({ ...target, kind: 'Pod' });
    expect(response.status).toBe(400);
    expect(env.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({ target: null }),
      }),
    );
  });
});
