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
  conflictingClusterExternalSecret,
  entityStatus,
  failingExternalSecret,
  healthyExternalSecret,
  pendingRotationExternalSecret,
  restartNeededExternalSecret,
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
  it('lists every ExternalSecret across clusters in few columns, leading with the finding', async () => {
    answer(twoClusters());
    const table = await renderTab([denySync]);

    expect(
      within(table)
        .getAllByRole('columnheader')
        .map(header => header.textContent),
    ).toEqual(['Details', 'ExternalSecret', 'State', 'Summary', 'Last sync']);
    const failing = within(table).getByRole('row', {
      name: 'dev/example-api/example-api-config',
    });
    expect(failing).toHaveTextContent('dev · example-api');
    expect(failing).toHaveTextContent('Error');
    // the explanation, not the operator's raw error, in the collapsed row
    expect(failing).toHaveTextContent(
      'Vault secret example-api/config has no property "config.json"',
    );
    expect(failing).not.toHaveTextContent('cannot find secret data for key');
    expect(
      within(table).getByRole('row', {
        name: 'staging/example-api/example-api-env-file',
      }),
    ).toHaveTextContent('Secret example-api-env-file with keys .env');
    expect(
      screen.getByRole('alert', { name: 'Cluster prod unreachable' }),
    ).toHaveTextContent(
      'Cluster prod cannot be reached: nothing accepted the connection at its address. Its ExternalSecrets are not known until it answers.',
    );
    expect(
      screen.getByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
  });

  it('shows the controller message in the row when there is no finding', async () => {
    answer(
      entityStatus([
        failingExternalSecret({ findings: [], message: 'ESO says: no luck' }),
      ]),
    );
    const table = await renderTab([denySync]);
    expect(
      within(table).getByRole('row', {
        name: 'dev/example-api/example-api-config',
      }),
    ).toHaveTextContent('ESO says: no luck');
  });

  it('leads with the most severe finding, as the card does', async () => {
    const es = failingExternalSecret();
    answer(
      entityStatus([
        failingExternalSecret({
          findings: [
            {
              code: 'STALE_SYNC',
              severity: 'warning',
              summary: 'Last sync is old',
              fix: 'Wait',
              evidence: {},
            },
            ...es.findings,
          ],
        }),
      ]),
    );
    const table = await renderTab([denySync]);
    const row = within(table).getByRole('row', {
      name: 'dev/example-api/example-api-config',
    });
    expect(row).toHaveTextContent(
      'Vault secret example-api/config has no property "config.json"and 1 more finding in the details',
    );
    expect(row).not.toHaveTextContent('Last sync is old');
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
    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );
    const details = await screen.findByRole('region', {
      name: 'Details of dev/example-api/example-api-env-file',
    });
    expect(
      within(details).getByRole('list', { name: 'Remote refs' }),
    ).toHaveTextContent(
      'every secret under example-api named ^db- (dataFrom.find) → all keys',
    );
    expect(details).toHaveTextContent('rendered from target.template');
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
    const sync = within(details)
      .getAllByRole('term')
      .map(term => [
        term.textContent,
        (term.nextElementSibling as HTMLElement).textContent,
      ]);
    expect(sync).toEqual([
      [
        'Store',
        "ClusterSecretStore vault-example-api (ready)The store's own check passed, but that check does not prove this ExternalSecret's role can log in to Vault and read its paths: see the findings.",
      ],
      ['Target Secret', 'example-api-config (missing)'],
      ['Remote refs', 'example-api/config → config.json → config.json'],
      ['Refresh interval', '2m'],
      ['Reason', 'SecretSyncedError'],
      [
        'Controller message',
        'error processing spec.data[0] (key: example-api/config), err: cannot find secret data for key: "example-api/config" property: "config.json"',
      ],
    ]);
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

  it('says in plain words, not as a value, that a healthy row’s policies were not looked up', async () => {
    answer(entityStatus([healthyExternalSecret()]));
    const table = await renderTab([denySync]);
    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );
    const chain = await screen.findByRole('list', {
      name: 'Chain from Vault to Secret',
    });
    const policy = within(chain)
      .getAllByRole('listitem')
      .find(step => step.textContent?.startsWith('Policy'))!;
    expect(policy).toHaveTextContent(
      "Policythe role's (looked up in Vault only when a sync fails)",
    );
    expect(policy.querySelector('code')).toBeNull();
    const details = screen.getByRole('region', {
      name: 'Details of dev/example-api/example-api-env-file',
    });
    expect(details).toHaveTextContent(
      'ClusterSecretStore vault-example-api (ready)Target',
    );
    expect(details).not.toHaveTextContent("store's own check");
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

  it('shows the state of an entity with only a ClusterExternalSecret, not "nothing found"', async () => {
    answer({
      ...entityStatus([]),
      clusterExternalSecrets: [conflictingClusterExternalSecret()],
    });
    await renderWithEntity(<EntityExternalSecretsContent />, {
      entity: annotatedEntity,
      apis: [denySync],
    });
    expect(
      await screen.findByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/its ClusterExternalSecrets are listed below/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/No ExternalSecrets found/)).toBeNull();
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

  it('shows per Vault key its version against the last sync, and filters by Pending rotation', async () => {
    answer(
      entityStatus([
        pendingRotationExternalSecret(),
        healthyExternalSecret({ name: 'example-api-tls' }),
      ]),
    );
    const table = await renderTab([denySync]);
    expect(within(table).getAllByText('Pending rotation')).toHaveLength(1);
    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );
    const key = await screen.findByLabelText(
      'Vault version of example-api/env-file',
    );
    expect(key).toHaveTextContent(
      /^example-api\/env-file v7 written .* ago — new version not synced yet$/,
    );
    expect(
      screen.getByRole('region', {
        name: 'Details of dev/example-api/example-api-env-file',
      }),
    ).toHaveTextContent(/ESO reads it at the next sync, due .* ago\./);
  });

  it('shows the workloads using the Secret in the expanded row and at the end of the chain', async () => {
    answer(entityStatus([restartNeededExternalSecret()]));
    const table = await renderTab([denySync]);
    await userEvent.click(
      within(table).getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );
    expect(
      await screen.findByLabelText('Consumer Deployment example-api'),
    ).toHaveTextContent(
      'Deployment example-api (env in api): restart needed to pick up the new value',
    );
    expect(
      screen.getByLabelText('Consumer Deployment example-api-files'),
    ).toHaveTextContent(
      'Deployment example-api-files (volume in files): updates within about a minute (kubelet sync)',
    );
    const chain = screen.getByRole('list', {
      name: 'Chain from Vault to Secret',
    });
    const last = within(chain).getAllByRole('listitem').pop()!;
    expect(last).toHaveTextContent(
      'WorkloadsDeployment example-api (restart needed), Deployment example-api-files',
    );
  });
});
