import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  MockFetchApi,
  TestApiProvider,
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  ENTITY_REF,
  STATUS_PATH,
  annotatedEntity,
  entityStatus,
  failingExternalSecret,
  healthyExternalSecret,
} from './__testUtils__/statusFixtures';
import {
  EntityExternalSecretsCard,
  EntityExternalSecretsContent,
  ExternalSecretsClient,
  externalSecretsApiRef,
  externalSecretsPlugin,
  isExternalSecretsAvailable,
  SecretsHealthPage,
} from './index';

const server = setupServer();
registerMswTestHooks(server);

const client = new ExternalSecretsClient({
  discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
  fetchApi: new MockFetchApi(),
});

async function renderLegacy(element: JSX.Element) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [externalSecretsApiRef, client],
        [permissionApiRef, mockApis.permission()],
      ]}
    >
      <EntityProvider entity={annotatedEntity}>{element}</EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('legacy exports', () => {
  beforeEach(() => {
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json(
          entityStatus([healthyExternalSecret(), failingExternalSecret()]),
        ),
      ),
    );
  });

  it('the plugin provides a working API client', async () => {
    const factory = [...externalSecretsPlugin.getApis()].find(
      f => f.api.id === externalSecretsApiRef.id,
    )!;
    expect(factory).toBeDefined();
    const api = factory.factory({
      discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
      fetchApi: new MockFetchApi(),
    }) as ExternalSecretsClient;
    await expect(api.getStatus(ENTITY_REF)).resolves.toMatchObject({
      overall: 'Error',
    });
  });

  it('the card extension loads lazily and renders', async () => {
    await renderLegacy(<EntityExternalSecretsCard />);
    expect(
      await screen.findByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
  });

  it('the content extension loads lazily and renders', async () => {
    // a legacy app mounts the tab under a path, as EntityLayout.Route does
    await renderLegacy(
      <Routes>
        <Route path="/*" element={<EntityExternalSecretsContent />} />
      </Routes>,
    );
    expect(
      await screen.findByRole('table', {
        name: 'ExternalSecrets across clusters',
      }),
    ).toBeInTheDocument();
  });

  it('the "Secrets health" page loads lazily and renders with its header', async () => {
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
    expect(externalSecretsPlugin.routes.fleet).toBeDefined();
    await renderInTestApp(
      <TestApiProvider apis={[[externalSecretsApiRef, client]]}>
        <Routes>
          <Route path="/*" element={<SecretsHealthPage />} />
        </Routes>
      </TestApiProvider>,
    );
    expect(
      await screen.findByRole('heading', { name: 'Secrets health' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/may not see the Secrets health/),
    ).toBeInTheDocument();
  });

  it('re-exports the entity filter', () => {
    expect(isExternalSecretsAvailable(annotatedEntity)).toBe(true);
    expect(
      isExternalSecretsAvailable({
        ...annotatedEntity,
        metadata: { name: 'x' },
      }),
    ).toBe(false);
  });
});
