import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  clusterSecretStore,
  CSS_PATH,
  ES_PATH,
  EVENTS_PATH,
  eventually,
  externalSecret,
  FakeKubernetesApi,
  warningEvent,
} from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { externalSecretsPlugin } from './plugin';

jest.setTimeout(30_000);

const clusterA = new FakeKubernetesApi({
  baseUrl: 'https://cluster-a.example.test:6443',
  token: 'token-a',
});
const clusterB = new FakeKubernetesApi({
  baseUrl: 'https://cluster-b.example.test:6443',
  token: 'token-b',
});
const server = setupServer(...clusterA.handlers(), ...clusterB.handlers());

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};
const hiddenEntity: Entity = {
  ...entity,
  metadata: { ...entity.metadata, name: 'hidden-api' },
};

const STATUS =
  '/api/external-secrets/entities/default/component/example-api/status';
const REFRESH =
  '/api/external-secrets/entities/default/component/example-api/refresh';

function seed(api: FakeKubernetesApi, healthy: boolean) {
  api.put(
    CSS_PATH,
    clusterSecretStore({
      name: 'vault-store',
      ready: { status: 'True', reason: 'Valid', message: 'store validated' },
    }),
  );
  api.put(
    ES_PATH,
    externalSecret({
      name: 'example-api-env-file',
      namespace: 'example-api',
      kubernetesId: 'example-api',
      ready: healthy
        ? { status: 'True', reason: 'SecretSynced', message: 'secret synced' }
        : {
            status: 'False',
            reason: 'SecretSyncedError',
            message: 'could not get secret data from provider',
          },
      refreshTime: new Date().toISOString(),
    }),
  );
  if (!healthy) {
    api.put(
      EVENTS_PATH,
      warningEvent({
        name: 'example-api-env-file.1',
        namespace: 'example-api',
        kind: 'ExternalSecret',
        objectName: 'example-api-env-file',
        objectNamespace: 'example-api',
        reason: 'UpdateFailed',
        message:
          'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"',
        lastTimestamp: new Date().toISOString(),
      }),
    );
  }
}

describe('external-secrets backend plugin', () => {
  const publish = jest.fn(async () => {});
  const authorize = jest.fn();
  const createEvent = jest.fn();
  const auditEvent = {
    success: jest.fn(async () => {}),
    fail: jest.fn(async () => {}),
  };
  const actionsRegistry = actionsRegistryServiceMock();
  const catalog = catalogServiceMock({ entities: [entity] });
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    );
    seed(clusterA, true);
    seed(clusterB, false);
    backend = await startTestBackend({
      features: [
        externalSecretsPlugin,
        mockServices.rootConfig.factory({
          data: {
            externalSecrets: {
              clusters: [
                {
                  name: 'cluster-a',
                  url: clusterA.baseUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token-a',
                },
                {
                  name: 'cluster-b',
                  url: clusterB.baseUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token-b',
                },
              ],
            },
          },
        }),
        mockServices.permissions.mock({ authorize }).factory,
        mockServices.auditor.mock({ createEvent }).factory,
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistry,
        }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          // Visibility follows the caller: only the default mock user may see example-api.
          factory: () => ({
            ...catalog,
            getEntityByRef: async (ref: any, options: any) =>
              options?.credentials?.principal?.userEntityRef ===
              mockCredentials.user().principal.userEntityRef
                ? catalog.getEntityByRef(ref, options)
                : undefined,
          }),
        }),
      ],
    });
    await eventually(async () => {
      const res = await request(backend.server)
        .get(STATUS)
        .set('Authorization', mockCredentials.user.header());
      const synced =
        res.status === 200 &&
        res.body.clusters.length === 2 &&
        res.body.clusters.every((c: { synced: boolean }) => c.synced);
      if (!synced) {
        throw new Error(`caches not synced yet: ${JSON.stringify(res.body)}`);
      }
    }, 8_000);
  });

  afterAll(async () => {
    await backend?.stop();
    server.close();
  });

  beforeEach(() => {
    authorize.mockReset();
    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    );
    createEvent.mockReset();
    createEvent.mockResolvedValue(auditEvent);
    auditEvent.success.mockClear();
    auditEvent.fail.mockClear();
    publish.mockClear();
  });

  it('answers 401 without credentials', async () => {
    const anonymous = await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
    const invalid = await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.user.invalidHeader());
    expect(invalid.status).toBe(401);
  });

  it('answers 404 when the entity is not visible to the caller', async () => {
    const other = await request(backend.server)
      .get(STATUS)
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/someone-else'),
      );
    expect(other.status).toBe(404);
    const missing = await request(backend.server)
      .get('/api/external-secrets/entities/default/component/nope/status')
      .set('Authorization', mockCredentials.user.header());
    expect(missing.status).toBe(404);
    expect(hiddenEntity.metadata.name).toBe('hidden-api');
  });

  it('answers 403 without external-secrets.status.read', async () => {
    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    );
    const res = await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(403);
    expect(authorize.mock.calls[0][0][0].permission.name).toBe(
      'external-secrets.status.read',
    );
  });

  it('reports each cluster with the real error message and a finding', async () => {
    const res = await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'component:default/example-api',
      overall: 'Error',
      counts: { Synced: 1, Error: 1 },
    });
    const [a, b] = res.body.externalSecrets;
    expect(a).toMatchObject({
      cluster: 'cluster-a',
      state: 'Synced',
      target: { exists: true, keys: ['.env'] },
      findings: [],
    });
    expect(b).toMatchObject({
      cluster: 'cluster-b',
      state: 'Error',
      message: expect.stringContaining(
        'cannot find secret data for key: "dotenv"',
      ),
      remoteRefs: [
        {
          key: 'example-api/env-file',
          property: 'dotenv',
          vaultPath: 'secret/data/example-api/env-file',
        },
      ],
    });
    expect(b.findings.map((f: any) => f.code)).toContain('PROPERTY_MISSING');
    expect(clusterA.secretRequests).toEqual([]);
    expect(clusterB.secretRequests).toEqual([]);
  });

  it('degrades only the rows of a cluster that goes down, and recovers', async () => {
    clusterB.setDown(true);
    await eventually(async () => {
      const res = await request(backend.server)
        .get(STATUS)
        .set('Authorization', mockCredentials.user.header());
      const b = res.body.externalSecrets.find(
        (r: any) => r.cluster === 'cluster-b',
      );
      expect(b).toMatchObject({
        state: 'Unknown',
        reason: 'ClusterUnreachable',
      });
      expect(b.findings[0].code).toBe('CLUSTER_UNREACHABLE');
      expect(
        res.body.externalSecrets.find((r: any) => r.cluster === 'cluster-a')
          .state,
      ).toBe('Synced');
      expect(res.body.clusters).toEqual([
        expect.objectContaining({ name: 'cluster-a', reachable: true }),
        expect.objectContaining({
          name: 'cluster-b',
          reachable: false,
          error: expect.any(String),
        }),
      ]);
    }, 10_000);
    clusterB.setDown(false);
    await eventually(async () => {
      const res = await request(backend.server)
        .get(STATUS)
        .set('Authorization', mockCredentials.user.header());
      expect(
        res.body.externalSecrets.find((r: any) => r.cluster === 'cluster-b')
          .state,
      ).toBe('Error');
    }, 10_000);
  });

  it('publishes a small signal when an object of a viewed entity changes', async () => {
    await request(backend.server)
      .get(STATUS)
      .set('Authorization', mockCredentials.user.header());
    clusterA.put(
      ES_PATH,
      externalSecret({
        name: 'example-api-env-file',
        namespace: 'example-api',
        kubernetesId: 'example-api',
        ready: { status: 'True', reason: 'SecretSynced' },
        refreshInterval: '5m',
      }),
    );
    await eventually(() =>
      expect(publish).toHaveBeenCalledWith({
        recipients: { type: 'broadcast' },
        channel: 'external-secrets:component:default/example-api',
        message: {
          entityRef: 'component:default/example-api',
          type: 'status-changed',
        },
      }),
    );
  });

  it('sets force-sync on refresh, and audits it', async () => {
    const res = await request(backend.server)
      .post(REFRESH)
      .set('Authorization', mockCredentials.user.header())
      .send({
        cluster: 'cluster-a',
        namespace: 'example-api',
        name: 'example-api-env-file',
      });
    expect(res.status).toBe(202);
    expect(
      clusterA.get(ES_PATH, 'example-api', 'example-api-env-file').metadata
        .annotations['force-sync'],
    ).toBe(res.body.requestedAt);
    expect(createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'external-secret-refresh',
        severityLevel: 'medium',
      }),
    );
    expect(auditEvent.success).toHaveBeenCalled();
  });

  it.each([
    ['created-once', { refreshPolicy: 'CreatedOnce' }],
    ['interval-zero', { refreshInterval: '0' }],
  ])(
    'says when force-sync would do nothing (%s) and changes nothing',
    async (name, spec) => {
      const object = externalSecret({
        name,
        namespace: 'example-api',
        kubernetesId: 'example-api',
        ready: {
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
        },
        refreshTime: new Date().toISOString(),
      });
      Object.assign(object.spec, spec);
      clusterA.put(ES_PATH, object);
      const patchesBefore = clusterA.patches.length;
      await eventually(async () => {
        const res = await request(backend.server)
          .post(REFRESH)
          .set('Authorization', mockCredentials.user.header())
          .send({ cluster: 'cluster-a', namespace: 'example-api', name });
        expect(res.status).toBe(409);
        expect(res.body.error.message).toMatch(
          /Sync now does nothing .* ignores force-sync/,
        );
      });
      expect(clusterA.patches.length).toBe(patchesBefore);
      const status = await request(backend.server)
        .get(STATUS)
        .set('Authorization', mockCredentials.user.header());
      const row = status.body.externalSecrets.find((r: any) => r.name === name);
      expect(row.syncNow).toEqual({
        effective: false,
        reason: expect.stringMatching(/ignores force-sync/),
      });
      expect(row.state).toBe('Synced');
      clusterA.remove(ES_PATH, 'example-api', name);
    },
  );

  it('refuses refresh without external-secrets.sync.trigger and changes nothing', async () => {
    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    );
    const patchesBefore = clusterA.patches.length;
    const res = await request(backend.server)
      .post(REFRESH)
      .set('Authorization', mockCredentials.user.header())
      .send({
        cluster: 'cluster-a',
        namespace: 'example-api',
        name: 'example-api-env-file',
      });
    expect(res.status).toBe(403);
    expect(authorize.mock.calls[0][0][0].permission.name).toBe(
      'external-secrets.sync.trigger',
    );
    expect(clusterA.patches.length).toBe(patchesBefore);
    expect(auditEvent.fail).toHaveBeenCalled();
  });

  it('refuses to refresh an ExternalSecret of another entity, or a malformed body', async () => {
    clusterA.put(
      ES_PATH,
      externalSecret({
        name: 'not-mine',
        namespace: 'other',
        kubernetesId: 'other-app',
      }),
    );
    await eventually(async () => {
      const res = await request(backend.server)
        .post(REFRESH)
        .set('Authorization', mockCredentials.user.header())
        .send({ cluster: 'cluster-a', namespace: 'other', name: 'not-mine' });
      expect(res.status).toBe(404);
    });
    const bad = await request(backend.server)
      .post(REFRESH)
      .set('Authorization', mockCredentials.user.header())
      .send({ cluster: 'cluster-a' });
    expect(bad.status).toBe(400);
    expect(
      clusterA.get(ES_PATH, 'other', 'not-mine').metadata.annotations,
    ).toBeUndefined();
  });

  it('serves the status through the actions registry', async () => {
    const result = await actionsRegistry.invoke({
      id: 'test:get-entity-external-secrets-status',
      input: { entityRef: 'example-api' },
      credentials: mockCredentials.user(),
    });
    expect(result.output).toMatchObject({
      entityRef: 'component:default/example-api',
      overall: 'Error',
      externalSecrets: [
        { cluster: 'cluster-a', state: 'Synced' },
        {
          cluster: 'cluster-b',
          state: 'Error',
          findings: [expect.objectContaining({ code: 'PROPERTY_MISSING' })],
        },
      ],
    });
  });
});
