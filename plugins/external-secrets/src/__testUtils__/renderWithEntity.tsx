import type { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  MockFetchApi,
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import type { ReactElement } from 'react';
import { externalSecretsApiRef } from '../api/ExternalSecretsApi';
import { ExternalSecretsClient } from '../api/ExternalSecretsClient';

/**
 * Renders an entity view in a legacy test app, with the real HTTP client pointed at
 * `http://localhost:7007` (answered by msw in the tests).
 */
export function renderWithEntity(
  element: ReactElement,
  options: {
    entity: Entity;
    apis?: ReadonlyArray<readonly [any, any]>;
  },
) {
  const client = new ExternalSecretsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: new MockFetchApi(),
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[[externalSecretsApiRef, client], ...(options.apis ?? [])] as any}
    >
      <EntityProvider entity={options.entity}>{element}</EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}
