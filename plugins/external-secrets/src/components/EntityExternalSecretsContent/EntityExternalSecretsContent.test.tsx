import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
import {
  STATUS_PATH,
  annotatedEntity,
  entityStatus,
  failingExternalSecret,
  healthyExternalSecret,
  unannotatedEntity,
  unreachableCluster,
} from '../../__testUtils__/statusFixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { EntityExternalSecretsContent } from './EntityExternalSecretsContent';

const server = setupServer();
registerMswTestHooks(server);

// usePermission caches answers per permission for the whole module, so the tests where the
// user may sync live in EntityExternalSecretsContent.sync.test.tsx
const denySync = [
  permissionApiRef,
  mockApis.permission({ authorize: AuthorizeResult.DENY }),
] as const;

const twoClusters = () =>
  entityStatus(
    [
      healthyExternalSecret(),
      failingExternalSecret(),
      healthyExternalSecret({ cluster: 'staging' }),
    ],
    [
      { name: 'dev', reachable: true, synced: true },
      { name: 'staging', reachable: true, synced: true },
      unreachableCluster,
    ],
  );

function answer(body: EntityExternalSecretsStatus) {
  server.use(http.get(STATUS_PATH, () => HttpResponse.json(body)));
}

async function renderTab(apis: ReadonlyArray<readonly [any, any]>) {
  await renderWithEntity(<EntityExternalSecretsContent />, {
    entity: annotatedEntity,
    apis,
  });
  return screen.findByRole('table', {
    name: 'ExternalSecrets across clusters',
  });
}

describe('EntityExternalSecretsContent', () => {
  it('lists every ExternalSecret across clusters with all columns', async () => {
    answer(twoClusters());
    const table = await renderTab([denySync]);

    for (const header of [
      'Cluster',
      'Namespace',
      'Name',
      'State',
      'Reason',
      'Message',
      'Last sync',
      'Refresh interval',
      'Store',
      'Target Secret',
      'Remote refs',
    ]) {
      expect(
        within(table).getByRole('columnheader', { name: header }),
      ).toBeInTheDocument();
    }
    const failing = within(table).getByRole('row', {
      name: 'dev/example-api/example-api-config',
    });
    expect(failing).toHaveTextContent('Error');
    expect(failing).toHaveTextContent('SecretSyncedError');
    expect(failing).toHaveTextContent('cannot find secret data for key');
    expect(failing).toHaveTextContent('ClusterSecretStore vault-example-api');
    expect(failing).toHaveTextContent('(missing)');
    expect(failing).toHaveTextContent(
      'example-api/config → config.json → config.json',
    );
    expect(
      within(table).getByRole('row', {
        name: 'staging/example-api/example-api-env-file',
      }),
    ).toHaveTextContent('keys: .env');
    expect(screen.getByText(/is unreachable/)).toHaveTextContent(
      'Cluster prod is unreachable: connect ECONNREFUSED',
    );
    expect(
      screen.getByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
  });

  it('shows dataFrom.find references and a templated target in words', async () => {
    answer(
      entityStatus([
        healthyExternalSecret({
          templated: true,
          remoteRefs: [
            {
              key: 'example-api',
              dataFrom: true,
              source: 'find',
              find: { nameRegexp: '^db-' },
              vaultPath: 'secret/metadata/example-api',
            },
          ],
        }),
      ]),
    );
    const table = await renderTab([denySync]);
    expect(
      within(table)
        .getByText(/every secret under/)
        .closest('li'),
    ).toHaveTextContent(
      'every secret under example-api named ^db- (dataFrom.find) → all keys',
    );
    expect(
      within(table).getByText('rendered from target.template'),
    ).toBeInTheDocument();
  });

  it('filters the rows by a search term', async () => {
    answer(twoClusters());
    const table = await renderTab([denySync]);
    const dataRows = () =>
      within(table)
        .getAllByRole('row')
        .map(row => row.getAttribute('aria-label'))
        .filter(Boolean);
    expect(dataRows()).toHaveLength(3);

    await userEvent.type(
      screen.getByRole('textbox', { name: 'Filter' }),
      'staging',
    );
    await waitFor(() =>
      expect(dataRows()).toEqual(['staging/example-api/example-api-env-file']),
    );
  });

  it('expands a row to its findings with fixes, conditions and chain', async () => {
    const es = failingExternalSecret({
      sourceLocation:
        'https://github.com/acme/gitops/blob/main/apps/example-api/externalsecret.yaml',
      store: {
        ...failingExternalSecret().store,
        vault: {
          ...failingExternalSecret().store.vault,
          policies: ['example-api'],
        },
      },
    });
    answer(entityStatus([es]));
    const table = await renderTab([denySync]);
    const toggle = within(table).getByRole('button', {
      name: 'Show details of example-api-config in dev',
    });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');

    const details = await screen.findByRole('region', {
      name: 'Details of dev/example-api/example-api-config',
    });
    expect(details).toHaveTextContent(
      'Vault secret example-api/config has no property "config.json"',
    );
    expect(details).toHaveTextContent('Fix: Add the property');
    const conditions = within(details).getByRole('table', {
      name: 'Conditions of example-api-config',
    });
    expect(conditions).toHaveTextContent(
      'could not get secret data from provider',
    );
    const chain = within(details).getByRole('list', {
      name: 'Chain from Vault to Secret',
    });
    expect(
      within(chain)
        .getAllByRole('listitem')
        .map(step => step.textContent),
    ).toEqual([
      'Vault pathsecret/data/example-api/config',
      'Policyexample-api',
      'Roleauth/kubernetes/role/external-secrets-example-api',
      'StoreClusterSecretStore vault-example-api',
      'ExternalSecretexample-api/example-api-config',
      'Secretexample-api/example-api-config (missing)',
    ]);
    expect(
      within(details).getByRole('link', { name: /externalsecret\.yaml/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/gitops/blob/main/apps/example-api/externalsecret.yaml',
    );
  });

  it('hides "Sync now" without the sync permission', async () => {
    answer(twoClusters());
    const table = await renderTab([denySync]);
    expect(within(table).queryByText('Sync now')).not.toBeInTheDocument();
    expect(
      within(table).queryByRole('columnheader', { name: 'Actions' }),
    ).not.toBeInTheDocument();
  });

  it('shows an API error instead of an empty table', async () => {
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'backend down' } },
          { status: 502 },
        ),
      ),
    );
    await renderWithEntity(<EntityExternalSecretsContent />, {
      entity: annotatedEntity,
      apis: [denySync],
    });
    expect(
      await screen.findByText(/Could not load the External Secrets status/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('says when nothing was found, and how to annotate an unlinked entity', async () => {
    answer(entityStatus([]));
    await renderWithEntity(<EntityExternalSecretsContent />, {
      entity: annotatedEntity,
      apis: [denySync],
    });
    expect(
      await screen.findByText(
        'No ExternalSecrets found for this entity in any cluster.',
      ),
    ).toBeInTheDocument();

    await renderWithEntity(<EntityExternalSecretsContent />, {
      entity: unannotatedEntity,
      apis: [denySync],
    });
    expect(
      screen.getByRole('button', { name: /read more/i }),
    ).toBeInTheDocument();
  });
});
