import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  MockFetchApi,
  TestApiProvider,
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
} from '@backstage/test-utils';
import type {
  FleetExternalSecret,
  FleetExternalSecretsPage,
  FleetStoresPage,
} from '@gitops-secrets/plugin-external-secrets-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';
import { ExternalSecretsClient } from '../../api/ExternalSecretsClient';
import { SecretsHealthPage } from './SecretsHealthPage';

const FLEET =
  'http://localhost:7007/api/external-secrets/fleet/external-secrets';
const STORES = 'http://localhost:7007/api/external-secrets/fleet/stores';

const server = setupServer();
registerMswTestHooks(server);

const rows: FleetExternalSecret[] = [
  {
    cluster: 'prod',
    namespace: 'example-worker',
    name: 'example-worker-config',
    labels: { 'backstage.io/kubernetes-id': 'example-worker' },
    state: 'Error',
    finding: {
      code: 'PROPERTY_MISSING',
      severity: 'error',
      summary:
        'Vault has no property "dotenv" at secret/example-worker/env-file',
    },
    lastSyncTime: new Date(Date.now() - 600_000).toISOString(),
    store: { kind: 'ClusterSecretStore', name: 'vault-store' },
    claim: {
      status: 'claimed',
      entityRef: 'component:default/example-worker',
      ownerRef: 'group:default/payments-team',
    },
  },
  {
    cluster: 'prod',
    namespace: 'legacy',
    name: 'legacy-db',
    labels: { 'app.kubernetes.io/name': 'legacy-db' },
    state: 'Synced',
    store: { kind: 'ClusterSecretStore', name: 'vault-store' },
    claim: { status: 'unclaimed' },
  },
  {
    cluster: 'staging',
    namespace: 'secret-app',
    name: 'secret-app-creds',
    labels: {},
    state: 'Synced',
    store: { kind: 'ClusterSecretStore', name: 'old-store' },
    claim: { status: 'hidden' },
  },
];

function fleetPage(
  items: FleetExternalSecret[],
  overrides: Partial<FleetExternalSecretsPage> = {},
): FleetExternalSecretsPage {
  const counts = {
    total: 3,
    byState: {
      Synced: 2,
      Error: 1,
      Stale: 0,
      Pending: 0,
      PendingRotation: 0,
      Unknown: 0,
    },
    byClaim: { claimed: 1, hidden: 1, unclaimed: 1 },
  };
  return {
    generatedAt: new Date().toISOString(),
    counts,
    matching: { ...counts, total: 60 },
    offset: 0,
    limit: 25,
    items,
    facets: {
      clusters: [
        { value: 'prod', count: 2 },
        { value: 'staging', count: 1 },
      ],
      findings: [{ value: 'PROPERTY_MISSING', count: 1 }],
      owners: [{ value: 'group:default/payments-team', count: 1 }],
    },
    clusters: [
      { name: 'prod', reachable: true, synced: true },
      { name: 'staging', reachable: true, synced: true },
    ],
    pending: 0,
    ...overrides,
  };
}

const storesPage: FleetStoresPage = {
  generatedAt: new Date().toISOString(),
  total: 1,
  notReady: 1,
  offset: 0,
  limit: 25,
  items: [
    {
      cluster: 'prod',
      kind: 'ClusterSecretStore',
      name: 'vault-store',
      ready: false,
      reason: 'InvalidProviderConfig',
      message: 'unable to validate store',
      provider: 'vault',
      vault: {
        server: 'https://vault.example.test:8200',
        authMountPath: 'kubernetes',
        role: 'external-secrets',
      },
      externalSecrets: 42,
      failing: 7,
    },
  ],
  clusters: [{ name: 'prod', reachable: true, synced: true }],
};

function render() {
  const client = new ExternalSecretsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi: new MockFetchApi(),
  });
  return renderInTestApp(
    <TestApiProvider apis={[[externalSecretsApiRef, client]]}>
      <SecretsHealthPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

async function choose(label: string, option: RegExp | string) {
  await userEvent.click(screen.getByLabelText(label));
  await userEvent.click(
    within(await screen.findByRole('listbox')).getByRole('option', {
      name: option,
    }),
  );
}

describe('SecretsHealthPage', () => {
  let asked: URLSearchParams[];
  beforeEach(() => {
    asked = [];
    server.use(
      http.get(FLEET, ({ request }) => {
        const params = new URL(request.url).searchParams;
        asked.push(params);
        if (params.get('state') === 'Error') {
          return HttpResponse.json(
            fleetPage([rows[0]], {
              matching: {
                total: 1,
                byState: {
                  Synced: 0,
                  Error: 1,
                  Stale: 0,
                  Pending: 0,
                  PendingRotation: 0,
                  Unknown: 0,
                },
                byClaim: { claimed: 1, hidden: 0, unclaimed: 0 },
              },
            }),
          );
        }
        return HttpResponse.json(fleetPage(rows));
      }),
      http.get(STORES, () => HttpResponse.json(storesPage)),
    );
  });

  it('shows counts and every row with owner, state, first finding and last sync', async () => {
    await render();
    expect(
      await screen.findByRole('table', {
        name: 'ExternalSecrets of all clusters',
      }),
    ).toBeInTheDocument();
    const counts = screen.getByLabelText('Fleet counts');
    expect(within(counts).getByText('3 ExternalSecrets')).toBeInTheDocument();
    expect(within(counts).getByText('1 Error')).toBeInTheDocument();
    expect(within(counts).getByText('1 unclaimed')).toBeInTheDocument();

    const failing = screen.getByText('example-worker-config').closest('tr')!;
    expect(within(failing).getByText('Error')).toBeInTheDocument();
    expect(within(failing).getByText('PROPERTY_MISSING')).toBeInTheDocument();
    expect(
      within(failing).getByText(/no property "dotenv"/),
    ).toBeInTheDocument();
    expect(within(failing).getByText('10 minutes ago')).toBeInTheDocument();
    expect(
      within(failing).getByRole('link', { name: 'example-worker' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/example-worker/secrets',
    );
    expect(within(failing).getByText(/payments-team/)).toBeInTheDocument();

    // an orphan shows its labels, so the right component can be annotated
    const orphan = screen
      .getByText('legacy-db', { selector: 'td' })
      .closest('tr')!;
    expect(within(orphan).getByText(/unclaimed/)).toBeInTheDocument();
    expect(
      within(orphan).getByText('app.kubernetes.io/name=legacy-db'),
    ).toBeInTheDocument();

    // an entity the caller may not see is not named
    const hidden = screen.getByText('secret-app-creds').closest('tr')!;
    expect(
      within(hidden).getByText('claimed by an entity you may not see'),
    ).toBeInTheDocument();
    expect(within(hidden).queryByRole('link')).toBeNull();
  });

  it('filters, sorts and pages on the server', async () => {
    await render();
    await screen.findByText('example-worker-config');

    await choose('State', 'Error');
    await waitFor(() =>
      expect(asked.at(-1)!.getAll('state')).toEqual(['Error']),
    );
    await waitFor(() => expect(screen.queryByText('legacy-db')).toBeNull());

    await choose('Owner', /payments-team/);
    await waitFor(() =>
      expect(asked.at(-1)!.get('owner')).toBe('group:default/payments-team'),
    );
    await choose('Cluster', /^prod/);
    await choose('Finding', /PROPERTY_MISSING/);
    await choose('Claimed', 'claimed by an entity');
    await userEvent.type(screen.getByLabelText('Namespace'), 'example-worker');
    await userEvent.type(screen.getByLabelText('Search'), 'config');
    await waitFor(() => {
      const last = asked.at(-1)!;
      expect(Object.fromEntries(last.entries())).toMatchObject({
        state: 'Error',
        owner: 'group:default/payments-team',
        cluster: 'prod',
        finding: 'PROPERTY_MISSING',
        claim: 'claimed',
        namespace: 'example-worker',
        search: 'config',
        offset: '0',
      });
    });

    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    await waitFor(() => {
      expect(asked.at(-1)!.get('sort')).toBe('name');
      expect(asked.at(-1)!.get('order')).toBe('asc');
    });
    await userEvent.click(screen.getByRole('button', { name: 'Name' }));
    await waitFor(() => expect(asked.at(-1)!.get('order')).toBe('desc'));
  });

  it('asks the backend for the next page', async () => {
    await render();
    await screen.findByText('example-worker-config');
    expect(screen.getByText('1-25 of 60')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => {
      expect(asked.at(-1)!.get('offset')).toBe('25');
      expect(asked.at(-1)!.get('limit')).toBe('25');
    });
  });

  it('filters to the unclaimed ExternalSecrets from the counts', async () => {
    await render();
    await userEvent.click(await screen.findByText('1 unclaimed'));
    await waitFor(() => expect(asked.at(-1)!.get('claim')).toBe('unclaimed'));
  });

  it('warns about an unreachable cluster and withheld names', async () => {
    server.use(
      http.get(FLEET, () =>
        HttpResponse.json(
          fleetPage(rows, {
            clusters: [
              { name: 'prod', reachable: true, synced: true },
              {
                name: 'staging',
                reachable: false,
                synced: true,
                error: 'connect ECONNREFUSED',
              },
            ],
            visibilityError:
              'Entity names are withheld: the catalog did not answer within 10000 ms. Try again shortly.',
          }),
        ),
      ),
    );
    await render();
    expect(
      await screen.findByLabelText('Cluster staging unreachable'),
    ).toHaveTextContent(/1 ExternalSecrets show their last known state/);
    expect(screen.getByText(/Entity names are withheld/)).toBeInTheDocument();
  });

  it('explains a refusal by the permission policy', async () => {
    server.use(
      http.get(FLEET, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'You may not use external-secrets.fleet.read',
            },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    await render();
    expect(
      await screen.findByText(
        /You may not see the Secrets health of the whole fleet/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('external-secrets.fleet.read')).toBeInTheDocument();
  });

  it('lists the stores with readiness, Vault server, mount, role and dependents', async () => {
    await render();
    await screen.findByText('example-worker-config');
    await userEvent.click(screen.getByRole('tab', { name: 'Stores' }));
    const table = await screen.findByRole('table', {
      name: 'Secret stores of all clusters',
    });
    const row = within(table).getByText('vault-store').closest('tr')!;
    for (const text of [
      'Not ready (InvalidProviderConfig)',
      'unable to validate store',
      'https://vault.example.test:8200',
      'kubernetes',
      'external-secrets',
      '42',
      '7',
    ]) {
      expect(within(row).getByText(text)).toBeInTheDocument();
    }
    expect(screen.getByLabelText('Store counts')).toHaveTextContent(
      '1 stores · 1 not ready',
    );
  });
});
