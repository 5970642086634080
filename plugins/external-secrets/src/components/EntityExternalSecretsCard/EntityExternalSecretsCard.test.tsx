import { registerMswTestHooks } from '@backstage/test-utils';
import { act, screen, waitFor, within } from '@testing-library/react';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
import {
  STATUS_PATH,
  annotatedEntity,
  entityStatus,
  failingExternalSecret,
  failingPushSecret,
  healthyExternalSecret,
  pendingRotationExternalSecret,
  restartNeededExternalSecret,
  unannotatedEntity,
  unreachableCluster,
} from '../../__testUtils__/statusFixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { EntityExternalSecretsCard } from './EntityExternalSecretsCard';

const server = setupServer();
registerMswTestHooks(server);

function answer(body: EntityExternalSecretsStatus) {
  server.use(http.get(STATUS_PATH, () => HttpResponse.json(body)));
}

describe('EntityExternalSecretsCard', () => {
  it('shows a skeleton while the status loads', async () => {
    server.use(
      http.get(STATUS_PATH, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      screen.getByRole('progressbar', {
        name: 'Loading External Secrets status',
      }),
    ).toBeInTheDocument();
  });

  it('explains how to annotate an entity that is not linked to a cluster', async () => {
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: unannotatedEntity,
    });
    expect(
      screen.getAllByText(/backstage\.io\/kubernetes-id/).length,
    ).toBeGreaterThan(0);
    expect(screen.getByRole('button', { name: /read more/i })).toHaveAttribute(
      'href',
      expect.stringContaining('backstage.io/docs/features/kubernetes'),
    );
  });

  it('shows the overall state, counts, one line per ExternalSecret and the first fix', async () => {
    answer(
      entityStatus([
        healthyExternalSecret(),
        failingExternalSecret(),
        healthyExternalSecret({ name: 'example-api-tls' }),
      ]),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });

    expect(
      await screen.findByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Counts per state')).toHaveTextContent(
      '2 Synced · 1 Error',
    );
    const list = screen.getByRole('list', { name: 'ExternalSecrets' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(
      within(list).getByRole('listitem', {
        name: 'example-api-config: Error',
      }),
    ).toHaveTextContent('last sync never');
    expect(items[0]).toHaveTextContent(
      'store ClusterSecretStore vault-example-api',
    );
    const finding = screen.getByRole('alert', { name: 'First finding' });
    expect(finding).toHaveTextContent(
      'Vault secret example-api/config has no property "config.json"',
    );
    expect(finding).toHaveTextContent('Fix: Add the property');
    expect(
      screen.getByRole('link', { name: /open the secrets tab/i }),
    ).toHaveAttribute('href', '/catalog/default/component/example-api/secrets');
  });

  it('shows the exact last sync time on hover', async () => {
    answer(entityStatus([healthyExternalSecret()]));
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    const time = await screen.findByText(/ago$/);
    expect(time).toHaveAttribute('datetime', '2026-11-28T04:00:00Z');
    expect(time.getAttribute('title')).toContain('2026');
  });

  it('says when the entity is annotated but nothing was found', async () => {
    answer(entityStatus([]));
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByText(
        'No ExternalSecrets found for this entity in any cluster.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('backstage.io/kubernetes-id=example-api'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows the state of an entity whose only ESO object is a failing PushSecret, not "nothing found"', async () => {
    answer({ ...entityStatus([]), pushSecrets: [failingPushSecret()] });
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/its PushSecrets are listed below/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/No ExternalSecrets found/)).toBeNull();
    expect(
      within(screen.getByRole('list', { name: 'PushSecrets' })).getByText(
        'example-api-push',
      ),
    ).toBeInTheDocument();
  });

  it('names unreachable clusters and still shows the others', async () => {
    answer(
      entityStatus(
        [healthyExternalSecret()],
        [{ name: 'dev', reachable: true, synced: true }, unreachableCluster],
      ),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByRole('alert', { name: 'Cluster prod unreachable' }),
    ).toHaveTextContent(
      'Cluster prod cannot be reached: nothing accepted the connection at its address. Its ExternalSecrets are not known until it answers.Error: connect ECONNREFUSED 10.0.0.1:6443',
    );
    expect(
      screen.getByRole('status', { name: 'External Secrets: Synced' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('listitem', { name: 'example-api-env-file: Synced' }),
    ).toHaveTextContent('(dev/example-api)');
  });

  it('says in words that a cluster broke off, and that its rows are the last known state', async () => {
    answer(
      entityStatus(
        [healthyExternalSecret({ cluster: 'sandbox' })],
        [
          {
            name: 'sandbox',
            reachable: false,
            synced: true,
            error: 'ExternalSecret: Premature close',
          },
        ],
      ),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    const banner = await screen.findByRole('alert', {
      name: 'Cluster sandbox unreachable',
    });
    expect(banner).toHaveTextContent(
      'Cluster sandbox cannot be reached: the connection broke off before the answer was complete. Its ExternalSecret below shows the last known state.',
    );
    expect(banner).not.toHaveTextContent('not shown');
    expect(
      screen.getByRole('listitem', { name: 'example-api-env-file: Synced' }),
    ).toBeInTheDocument();
  });

  it('says it waits for the GitOps pull request the entity names, instead of "nothing found"', async () => {
    answer(entityStatus([]));
    const pr = 'https://github.example.com/acme/gitops/pull/7';
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: {
        ...annotatedEntity,
        metadata: {
          ...annotatedEntity.metadata,
          annotations: {
            ...annotatedEntity.metadata.annotations,
            'gitops-secrets.io/source-location': pr,
          },
        },
      },
    });
    expect(
      await screen.findByText(/^Waiting for the GitOps/),
    ).toHaveTextContent(
      // the link carries Backstage's hidden ", Opens in a new window"
      /^Waiting for the GitOps pull request #7(, Opens in a new window)? to be merged and synced\.$/,
    );
    expect(
      screen.getByRole('link', { name: /^pull request #7/ }),
    ).toHaveAttribute('href', pr);
    expect(screen.queryByText(/No ExternalSecrets found/)).toBeNull();
  });

  it('leads with the most severe finding of a row, whatever its position', async () => {
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
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByRole('alert', { name: 'First finding' }),
    ).toHaveTextContent('has no property "config.json"');
  });

  it('refetches when a signal arrives and shows the new state', async () => {
    let current = entityStatus([healthyExternalSecret()]);
    server.use(http.get(STATUS_PATH, () => HttpResponse.json(current)));
    let notify: (message: { changed: string }) => void = () => {};
    const signalApi: SignalApi = {
      subscribe(channel, onMessage) {
        if (channel === 'external-secrets:component:default/example-api') {
          notify = onMessage as unknown as typeof notify;
        }
        return { unsubscribe: () => {} };
      },
    };
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
      apis: [[signalApiRef, signalApi]],
    });
    expect(
      await screen.findByRole('status', { name: 'External Secrets: Synced' }),
    ).toBeInTheDocument();

    current = entityStatus([failingExternalSecret()]);
    act(() => notify({ changed: 'example-api-config' }));

    expect(
      await screen.findByRole('status', { name: 'External Secrets: Error' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert', { name: 'First finding' })).toBeVisible();
  });

  it('shows an API error with a retry that loads the status', async () => {
    let fail = true;
    server.use(
      http.get(STATUS_PATH, () =>
        fail
          ? HttpResponse.json(
              { error: { name: 'Error', message: 'cache not ready' } },
              { status: 503 },
            )
          : HttpResponse.json(entityStatus([healthyExternalSecret()])),
      ),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByText(/Could not load the External Secrets status/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/No ExternalSecrets found/)).toBeNull();

    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() =>
      expect(
        screen.getByRole('status', { name: 'External Secrets: Synced' }),
      ).toBeInTheDocument(),
    );
  });

  it('says "Pending rotation" when Vault has a version the Secret does not have yet', async () => {
    answer(
      entityStatus([
        pendingRotationExternalSecret(),
        healthyExternalSecret({ name: 'example-api-tls' }),
      ]),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByRole('status', {
        name: 'External Secrets: Pending rotation',
      }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Counts per state')).toHaveTextContent(
      '1 Synced · 1 Pending rotation',
    );
    const item = screen.getByRole('listitem', {
      name: 'example-api-env-file: Pending rotation',
    });
    expect(item).toHaveTextContent(
      /Vault v7 written .* ago · next sync .* ago/,
    );
  });

  it('sums up the workloads that need a restart to pick up a new value', async () => {
    answer(
      entityStatus([
        restartNeededExternalSecret(),
        restartNeededExternalSecret({ name: 'example-api-tls' }),
      ]),
    );
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    // the same Deployment behind two ExternalSecrets is one workload
    expect(
      await screen.findByRole('note', { name: 'Restarts needed' }),
    ).toHaveTextContent(
      '1 workload needs a restart to pick up a new Secret value',
    );
    expect(
      screen.getByRole('listitem', { name: 'example-api-env-file: Synced' }),
    ).toHaveTextContent('1 workload needs a restart to use the new value');
  });
});
