import { ResponseError } from '@backstage/errors';
import {
  MockFetchApi,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  ENTITY_REF,
  REFRESH_PATH,
  STATUS_PATH,
  entityStatus,
  healthyExternalSecret,
} from '../__testUtils__/statusFixtures';
import { ExternalSecretsClient } from './ExternalSecretsClient';

const server = setupServer();
registerMswTestHooks(server);

function client() {
  return new ExternalSecretsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: new MockFetchApi({ injectIdentityAuth: { token: 'user-token' } }),
  });
}

describe('ExternalSecretsClient', () => {
  it('lists the configured clusters with the user token, and rejects with the backend error', async () => {
    const seen: Array<string | null> = [];
    const items = [
      {
        name: 'edge',
        vaultAuthMount: 'kubernetes-edge',
        vaultAuth: 'Healthy',
        onboarded: true,
      },
    ];
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/clusters',
        ({ request }) => {
          seen.push(request.headers.get('authorization'));
          return HttpResponse.json({ items });
        },
      ),
    );
    await expect(client().getClusters()).resolves.toEqual({ items });
    expect(seen).toEqual(['Bearer user-token']);
    server.use(
      http.get('http://localhost:7007/api/external-secrets/clusters', () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'denied' } },
          { status: 403 },
        ),
      ),
    );
    await expect(client().getClusters()).rejects.toBeInstanceOf(ResponseError);
  });

  it('asks the fleet routes with each list value repeated, commas kept, and the user token', async () => {
    const seen: Array<{ url: URL; authorization: string | null }> = [];
    const record = ({ request }: { request: Request }) => {
      seen.push({
        url: new URL(request.url),
        authorization: request.headers.get('authorization'),
      });
      return HttpResponse.json({ items: [] });
    };
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/fleet/external-secrets',
        record,
      ),
      http.get(
        'http://localhost:7007/api/external-secrets/fleet/stores',
        record,
      ),
    );
    await client().getFleetExternalSecrets({
      state: ['Error', 'Stale'],
      search: 'a,b',
      sort: 'owner',
      offset: 0,
      limit: 10,
    });
    await client().getFleetStores({ ready: false });
    expect(seen[0].url.searchParams.getAll('state')).toEqual([
      'Error',
      'Stale',
    ]);
    expect(seen[0].url.searchParams.get('search')).toBe('a,b');
    expect(seen[0].url.searchParams.get('offset')).toBe('0');
    expect(seen[0].url.searchParams.get('limit')).toBe('10');
    expect(seen[0].url.searchParams.has('cluster')).toBe(false);
    expect(seen[1].url.search).toBe('?ready=false');
    expect(seen.map(s => s.authorization)).toEqual([
      'Bearer user-token',
      'Bearer user-token',
    ]);
  });

  it('rejects a refused fleet request with a ResponseError', async () => {
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/fleet/external-secrets',
        () =>
          HttpResponse.json(
            { error: { name: 'NotAllowedError', message: 'denied' } },
            { status: 403 },
          ),
      ),
    );
    const failure = await client()
      .getFleetExternalSecrets({})
      .catch(e => e);
    expect(failure).toBeInstanceOf(ResponseError);
    expect(failure.response.status).toBe(403);
  });

  it('reads the status of an entity from its own route, with the user token', async () => {
    const body = entityStatus([healthyExternalSecret()]);
    let authorization: string | null = null;
    server.use(
      http.get(STATUS_PATH, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json(body);
      }),
    );

    await expect(client().getStatus(ENTITY_REF)).resolves.toEqual(body);
    expect(authorization).toBe('Bearer user-token');
  });

  it('escapes entity names so they cannot change the route', async () => {
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/entities/team%20a/component/a%2Fb/status',
        () => HttpResponse.json(entityStatus([])),
      ),
    );

    await expect(
      client().getStatus('component:team a/a/b'),
    ).resolves.toMatchObject({ externalSecrets: [] });
  });

  it('turns an error answer into a ResponseError carrying the status and message', async () => {
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json(
          {
            error: { name: 'NotAllowedError', message: 'not allowed to read' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );

    const error = await client()
      .getStatus(ENTITY_REF)
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.cause.message).toBe('not allowed to read');
  });

  it('posts the refresh target as JSON', async () => {
    let received: unknown;
    server.use(
      http.post(REFRESH_PATH, async ({ request }) => {
        received = await request.json();
        return new HttpResponse(null, { status: 202 });
      }),
    );

    await client().refresh(ENTITY_REF, {
      cluster: 'dev',
      namespace: 'example-api',
      name: 'example-api-env-file',
    });
    expect(received).toEqual({
      cluster: 'dev',
      namespace: 'example-api',
      name: 'example-api-env-file',
    });
  });

  it('rejects a refused refresh', async () => {
    server.use(
      http.post(REFRESH_PATH, () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'denied' } },
          { status: 403 },
        ),
      ),
    );

    await expect(
      client().refresh(ENTITY_REF, {
        cluster: 'dev',
        namespace: 'example-api',
        name: 'example-api-env-file',
      }),
    ).rejects.toMatchObject({ name: 'ResponseError', statusCode: 403 });
  });
});
