import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { MockFetchApi, registerMswTestHooks } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { externalSecretsApiRef } from '../api/ExternalSecretsApi';
import { ExternalSecretsClient } from '../api/ExternalSecretsClient';
import {
  STATUS_PATH,
  annotatedEntity,
  entityStatus,
  healthyExternalSecret,
  unannotatedEntity,
} from '../__testUtils__/statusFixtures';
import plugin, {
  externalSecretsClusterHealthCard,
  externalSecretsEntityCard,
  externalSecretsEntityContent,
  externalSecretsFleetPage,
} from './plugin';

const server = setupServer();
registerMswTestHooks(server);

const apis = [
  [
    externalSecretsApiRef,
    new ExternalSecretsClient({
      discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
      fetchApi: new MockFetchApi(),
    }),
  ],
  mockApis.permission(),
] as const;

describe('New Frontend System plugin', () => {
  beforeEach(() => {
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json(entityStatus([healthyExternalSecret()])),
      ),
    );
  });

  it('has the plugin id the backend route and signals use', () => {
    expect(plugin.pluginId).toBe('external-secrets');
  });

  it('exposes the extension ids documented in the README', () => {
    for (const id of [
      'api:external-secrets',
      'entity-card:external-secrets/status',
      'entity-card:external-secrets/cluster-health',
      'entity-content:external-secrets/secrets',
      'page:external-secrets/secrets-health',
    ] as const) {
      expect(plugin.getExtension(id)).toBeDefined();
    }
  });

  it('offers the card as an info card for annotated entities only', async () => {
    const tester = createExtensionTester(externalSecretsEntityCard);
    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('info');
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(unannotatedEntity)).toBe(false);

    renderInTestApp(
      <EntityProvider entity={annotatedEntity}>
        {tester.reactElement()}
      </EntityProvider>,
      {
        apis,
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );
    expect(
      await screen.findByRole('status', { name: 'External Secrets: Synced' }),
    ).toBeInTheDocument();
  });

  it('offers the cluster health card for cluster resources only', async () => {
    const tester = createExtensionTester(externalSecretsClusterHealthCard);
    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('info');
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    const cluster = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: { name: 'edge', namespace: 'default' },
      spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
    };
    expect(filter(cluster)).toBe(true);
    expect(filter(annotatedEntity)).toBe(false);
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/entities/default/resource/edge/cluster-health',
        () =>
          HttpResponse.json({
            cluster: 'edge',
            vaultAuthMount: 'kubernetes-edge',
            state: 'Healthy',
            checks: {
              mountEnabled: 'ok',
              configured: 'ok',
              hostMatches: 'ok',
              caMatches: 'ok',
              reviewerWorks: 'ok',
            },
            stores: { total: 0, ready: 0 },
            findings: [],
            checkedAt: new Date().toISOString(),
          }),
      ),
    );
    renderInTestApp(
      <EntityProvider entity={cluster}>{tester.reactElement()}</EntityProvider>,
      { apis },
    );
    expect(
      await screen.findByRole('status', {
        name: 'Vault auth of cluster edge: Healthy',
      }),
    ).toBeInTheDocument();
  });

  it('offers the "Secrets" tab at path secrets for annotated entities only', async () => {
    const tester = createExtensionTester(externalSecretsEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('secrets');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Secrets');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(unannotatedEntity)).toBe(false);

    renderInTestApp(
      <EntityProvider entity={annotatedEntity}>
        {tester.reactElement()}
      </EntityProvider>,
      { apis },
    );
    expect(
      await screen.findByRole('table', {
        name: 'ExternalSecrets across clusters',
      }),
    ).toBeInTheDocument();
  });

  it('offers the "Secrets health" page at /secrets-health, titled and with an icon for the sidebar', async () => {
    server.use(
      http.get(
        'http://localhost:7007/api/external-secrets/fleet/external-secrets',
        () =>
          HttpResponse.json({
            generatedAt: new Date().toISOString(),
            counts: {
              total: 0,
              byState: {
                Synced: 0,
                Error: 0,
                Stale: 0,
                Pending: 0,
                Unknown: 0,
              },
              byClaim: { claimed: 0, hidden: 0, unclaimed: 0 },
            },
            matching: {
              total: 0,
              byState: {
                Synced: 0,
                Error: 0,
                Stale: 0,
                Pending: 0,
                Unknown: 0,
              },
              byClaim: { claimed: 0, hidden: 0, unclaimed: 0 },
            },
            offset: 0,
            limit: 25,
            items: [],
            facets: { clusters: [], findings: [], owners: [] },
            clusters: [],
            pending: 0,
          }),
      ),
    );
    const tester = createExtensionTester(externalSecretsFleetPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/secrets-health');
    expect(tester.get(coreExtensionData.title)).toBe('Secrets health');
    expect(tester.get(coreExtensionData.icon)).toBeDefined();
    expect(tester.get(coreExtensionData.routeRef)).toBeDefined();

    renderInTestApp(tester.reactElement(), { apis });
    expect(
      await screen.findByText('No ExternalSecret matches these filters.'),
    ).toBeInTheDocument();
  });
});
