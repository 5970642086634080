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
  eventually,
  externalSecret,
  FakeKubernetesApi,
} from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import { setupServer } from 'msw/node';
import request from 'supertest';
import { externalSecretsPlugin } from '../plugin';

jest.setTimeout(60_000);

const cluster = new FakeKubernetesApi({
  baseUrl: 'https://fleet.example.test:6443',
  token: 'token-f',
});
const server = setupServer(...cluster.handlers());

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': name },
    },
    spec: { type: 'service', owner, lifecycle: 'production' },
  };
}

const FLEET = '/api/external-secrets/fleet/external-secrets';
const STORES = '/api/external-secrets/fleet/stores';
/** The only user the catalog shows `private-api` to. */
const INSIDER = 'user:default/insider';

describe('fleet API', () => {
  const authorize = jest.fn();
  const byRefs = jest.fn();
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' });
    cluster.put(
      CSS_PATH,
      clusterSecretStore({
        name: 'vault-store',
        ready: { status: 'True', reason: 'Valid', message: 'store validated' },
      }),
    );
    for (const [name, healthy] of [
      ['example-api', true],
      ['private-api', false],
      ['orphan', true],
    ] as const) {
      cluster.put(
        ES_PATH,
        externalSecret({
          name: `${name}-env`,
          namespace: name,
          kubernetesId: name === 'orphan' ? undefined : name,
          ready: healthy
            ? { status: 'True', reason: 'SecretSynced', message: 'ok' }
            : {
                status: 'False',
                reason: 'SecretSyncedError',
                message: 'could not get secret data from provider',
              },
          refreshTime: new Date().toISOString(),
        }),
      );
    }
    const catalog = catalogServiceMock({
      entities: [
        component('example-api', 'payments-team'),
        component('private-api', 'security-team'),
      ],
    });
    // Visibility follows the caller: private-api only for INSIDER.
    byRefs.mockImplementation(async (req: any, options: any) => {
      const answer = await catalog.getEntitiesByRefs(req, options);
      const caller = options?.credentials?.principal?.userEntityRef;
      return {
        items: answer.items.map((entity, i) =>
          req.entityRefs[i] === 'component:default/private-api' &&
          caller !== INSIDER
            ? undefined
            : entity,
        ),
      };
    });
    backend = await startTestBackend({
      features: [
        externalSecretsPlugin,
        mockServices.rootConfig.factory({
          data: {
            externalSecrets: {
              clusters: [
                {
                  name: 'prod',
                  url: cluster.baseUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token-f',
                },
              ],
            },
          },
        }),
        mockServices.permissions.mock({ authorize }).factory,
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({ publish: async () => {} }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistryServiceMock(),
        }),
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () =>
            new Proxy(catalog, {
              get(target, prop) {
                if (prop === 'getEntitiesByRefs') return byRefs;
                const value = (target as any)[prop];
                return typeof value === 'function' ? value.bind(target) : value;
              },
            }),
        }),
      ],
    });
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
  });

  const get = (path: string, header = mockCredentials.user.header()) =>
    request(backend.server).get(path).set('Authorization', header);

  it('needs credentials and external-secrets.fleet.read', async () => {
    expect((await get(FLEET, mockCredentials.none.header())).status).toBe(401);
    authorize.mockImplementation(async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    );
    const denied = await get(FLEET);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('external-secrets.fleet.read');
    expect(authorize.mock.calls[0][0][0].permission.name).toBe(
      'external-secrets.fleet.read',
    );
    expect((await get(STORES)).status).toBe(403);
  });

  it('lists the fleet, naming only the entities the caller may see', async () => {
    const body = await eventually(async () => {
      const res = await get(FLEET);
      expect(res.status).toBe(200);
      expect(res.body.counts.total).toBe(3);
      expect(res.body.counts.byClaim.claimed).toBe(1);
      return res.body;
    });
    const claims = Object.fromEntries(
      body.items.map((i: any) => [i.name, i.claim]),
    );
    expect(claims).toEqual({
      'example-api-env': {
        status: 'claimed',
        entityRef: 'component:default/example-api',
        ownerRef: 'group:default/payments-team',
      },
      'private-api-env': { status: 'hidden' },
      'orphan-env': { status: 'unclaimed' },
    });
    expect(JSON.stringify(body)).not.toContain('security-team');
    // the catalog was asked with the caller's credentials, for every claiming entity at once
    const call = byRefs.mock.calls.at(-1)!;
    expect(call[0].entityRefs).toEqual([
      'component:default/example-api',
      'component:default/private-api',
    ]);
    expect(call[1].credentials.principal.userEntityRef).toBe(
      mockCredentials.user().principal.userEntityRef,
    );

    const insider = await get(FLEET, mockCredentials.user.header(INSIDER));
    expect(
      insider.body.items.find((i: any) => i.name === 'private-api-env').claim,
    ).toEqual({
      status: 'claimed',
      entityRef: 'component:default/private-api',
      ownerRef: 'group:default/security-team',
    });
  });

  it('filters, sorts and pages on the server', async () => {
    await eventually(async () =>
      expect((await get(FLEET)).body.counts.total).toBe(3),
    );
    const failing = await get(`${FLEET}?state=Error,Stale&limit=1`);
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({
      matching: { total: 1 },
      limit: 1,
      items: [{ name: 'private-api-env', state: 'Error' }],
    });
    const page = await get(
      `${FLEET}?sort=name&order=desc&offset=1&limit=1&claim=claimed&claim=unclaimed`,
    );
    expect(page.body.items.map((i: any) => i.name)).toEqual([
      'example-api-env',
    ]);
    expect(page.body.matching.total).toBe(2);
  });

  it('refuses a bad query with a message that names it', async () => {
    for (const [query, text] of [
      ['state=Broken', 'state'],
      ['limit=100000', 'limit'],
      ['sort=secret', 'sort'],
      ['page=2', 'unknown parameter(s) page'],
      ['offset=-1', 'offset'],
    ]) {
      const res = await get(`${FLEET}?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ name: 'InputError' });
      expect(res.body.error.message).toContain(text);
    }
  });

  it('withholds entity names when the catalog fails, and says so', async () => {
    byRefs.mockRejectedValueOnce(new Error('catalog down at 10.0.0.5'));
    const res = await get(
      FLEET,
      mockCredentials.user.header('user:default/new'),
    );
    expect(res.status).toBe(200);
    expect(res.body.visibilityError).toMatch(/Entity names are withheld/);
    expect(res.body.visibilityError).not.toContain('10.0.0.5');
    expect(res.body.counts.byClaim).toMatchObject({ claimed: 0, hidden: 2 });
  });

  it('lists the stores with their dependents', async () => {
    const res = await eventually(async () => {
      const answer = await get(STORES);
      expect(answer.body.items[0]?.externalSecrets).toBe(3);
      return answer;
    });
    expect(res.body).toMatchObject({
      total: 1,
      notReady: 0,
      items: [
        {
          cluster: 'prod',
          kind: 'ClusterSecretStore',
          name: 'vault-store',
          ready: true,
          provider: 'vault',
          vault: {
            server: 'https://vault.example.test:8200',
            role: 'external-secrets-example-api',
          },
          externalSecrets: 3,
          failing: 1,
        },
      ],
    });
    expect((await get(`${STORES}?ready=maybe`)).status).toBe(400);
  });

  it('answers from the caches: no Kubernetes request on the request path', async () => {
    await eventually(async () =>
      expect((await get(FLEET)).body.pending).toBe(0),
    );
    const before = cluster.requests.length;
    for (const path of [
      FLEET,
      `${FLEET}?state=Error&sort=owner`,
      `${FLEET}?claim=unclaimed&search=orphan`,
      STORES,
    ]) {
      expect((await get(path)).status).toBe(200);
    }
    expect(cluster.requests.slice(before)).toEqual([]);
  });

  it('answers service principals too', async () => {
    const res = await get(FLEET, mockCredentials.service.header());
    expect(res.status).toBe(200);
  });
});
