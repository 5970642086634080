import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, within, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
import {
  REFRESH_PATH,
  STATUS_PATH,
  annotatedEntity,
  entityStatus,
  failingExternalSecret,
  healthyExternalSecret,
  restartNeededExternalSecret,
  unreachableCluster,
} from '../../__testUtils__/statusFixtures';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { EntityExternalSecretsContent } from './EntityExternalSecretsContent';

const server = setupServer();
registerMswTestHooks(server);

const allowSync = [
  permissionApiRef,
  mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
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

describe('EntityExternalSecretsContent with the sync permission', () => {
  it('requests a sync with the permission, shows progress and the result, then refetches', async () => {
    let statusCalls = 0;
    let received: unknown;
    let releaseRefresh: () => void = () => {};
    server.use(
      http.get(STATUS_PATH, () => {
        statusCalls += 1;
        return HttpResponse.json(twoClusters());
      }),
      http.post(REFRESH_PATH, async ({ request }) => {
        received = await request.json();
        await new Promise<void>(resolve => {
          releaseRefresh = resolve;
        });
        return new HttpResponse(null, { status: 202 });
      }),
    );
    await renderTab([allowSync]);

    const button = await screen.findByRole('button', {
      name: 'Sync example-api-config in dev/example-api now',
    });
    await userEvent.click(button);
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).toHaveAttribute('aria-busy', 'true');
    expect(received).toEqual({
      cluster: 'dev',
      namespace: 'example-api',
      name: 'example-api-config',
    });

    releaseRefresh();
    expect(await screen.findByText('Sync requested')).toBeInTheDocument();
    expect(button).toBeEnabled();
    await waitFor(() => expect(statusCalls).toBe(2));
  });

  it('shows why a sync request failed', async () => {
    answer(twoClusters());
    server.use(
      http.post(REFRESH_PATH, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message: 'not allowed to sync example-api-config',
            },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    await renderTab([allowSync]);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Sync example-api-config in dev/example-api now',
      }),
    );
    expect(await screen.findByText(/^Sync failed:/)).toHaveTextContent(
      'Sync failed: not allowed to sync example-api-config',
    );
    expect(screen.queryByText('Sync requested')).not.toBeInTheDocument();
  });

  it('disables Sync now and says why when ESO would ignore force-sync', async () => {
    let posted = false;
    answer(
      entityStatus([
        healthyExternalSecret({
          refreshPolicy: 'CreatedOnce',
          syncNow: {
            effective: false,
            reason:
              'refreshPolicy is CreatedOnce and ESO has synced it once: ESO ignores force-sync. Delete and re-create the ExternalSecret to sync it again.',
          },
        }),
      ]),
    );
    server.use(
      http.post(REFRESH_PATH, () => {
        posted = true;
        return new HttpResponse(null, { status: 202 });
      }),
    );
    await renderTab([allowSync]);
    const button = await screen.findByRole('button', {
      name: 'Sync example-api-env-file in dev/example-api now',
    });
    expect(button).toBeDisabled();
    expect(
      screen.getByText(/^Sync now does nothing: refreshPolicy is CreatedOnce/),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );
    const policy = within(
      await screen.findByRole('region', {
        name: 'Details of dev/example-api/example-api-env-file',
      }),
    ).getByText('Refresh policy');
    expect(policy.nextElementSibling).toHaveTextContent('CreatedOnce');
    await userEvent.click(button).catch(() => undefined);
    expect(posted).toBe(false);
  });

  it('says so, not "failed", when the backend answers that force-sync would do nothing', async () => {
    answer(twoClusters());
    server.use(
      http.post(REFRESH_PATH, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message:
                'Sync now does nothing for ExternalSecret example-api/example-api-config: refreshInterval is 0 and ESO has synced it once: ESO ignores force-sync (and later spec changes).',
            },
            response: { statusCode: 409 },
          },
          { status: 409 },
        ),
      ),
    );
    await renderTab([allowSync]);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Sync example-api-config in dev/example-api now',
      }),
    );
    expect(
      await screen.findByText(/^Sync now does nothing for/),
    ).toBeInTheDocument();
    expect(screen.queryByText(/^Sync failed:/)).not.toBeInTheDocument();
  });
});

const RESTART_PATH = REFRESH_PATH.replace(/refresh$/, 'restart');

describe('EntityExternalSecretsContent: restart a workload that needs it', () => {
  const openDetails = async (table: HTMLElement) =>
    userEvent.click(
      within(table).getByRole('button', {
        name: 'Show details of example-api-env-file in dev',
      }),
    );

  it('asks for confirmation, restarts, says so and refetches', async () => {
    let received: unknown;
    let statusCalls = 0;
    server.use(
      http.get(STATUS_PATH, () => {
        statusCalls += 1;
        return HttpResponse.json({
          ...entityStatus([restartNeededExternalSecret()]),
          workloadRestart: true,
        });
      }),
      http.post(RESTART_PATH, async ({ request }) => {
        received = await request.json();
        return HttpResponse.json(
          { restartedAt: '2026-11-28T05:00:00Z' },
          { status: 202 },
        );
      }),
    );
    const table = await renderTab([allowSync]);
    await openDetails(table);
    // offered only where a restart is needed, not for the volume consumer
    expect(
      screen.queryByRole('button', {
        name: 'Restart Deployment example-api-files',
      }),
    ).toBeNull();
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Restart Deployment example-api',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Restart Deployment example-api?',
    });
    expect(dialog).toHaveTextContent('kubectl rollout restart');
    expect(received).toBeUndefined();
    const before = statusCalls;
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Restart example-api' }),
    );
    expect(
      await screen.findByText('Restart requested: new Pods are rolling out'),
    ).toHaveAttribute('role', 'status');
    expect(received).toEqual({
      cluster: 'dev',
      namespace: 'example-api',
      externalSecret: 'example-api-env-file',
      kind: 'Deployment',
      name: 'example-api',
    });
    await waitFor(() => expect(statusCalls).toBeGreaterThan(before));
  });

  it('changes nothing when the user cancels, and shows the backend’s refusal', async () => {
    let calls = 0;
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json({
          ...entityStatus([restartNeededExternalSecret()]),
          workloadRestart: true,
        }),
      ),
      http.post(RESTART_PATH, () => {
        calls += 1;
        return HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message:
                'Permission external-secrets.workload.restart is required',
            },
            request: { method: 'POST', url: '/restart' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        );
      }),
    );
    const table = await renderTab([allowSync]);
    await openDetails(table);
    const button = await screen.findByRole('button', {
      name: 'Restart Deployment example-api',
    });
    await userEvent.click(button);
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Cancel',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls).toBe(0);
    await userEvent.click(button);
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Restart example-api',
      }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Restart failed: Permission external-secrets.workload.restart is required',
    );
  });

  it('offers no restart when the backend has it turned off, or without the permission', async () => {
    answer(entityStatus([restartNeededExternalSecret()]));
    const table = await renderTab([allowSync]);
    await openDetails(table);
    await screen.findByLabelText('Consumer Deployment example-api');
    expect(screen.queryByRole('button', { name: /^Restart / })).toBeNull();
  });
});
