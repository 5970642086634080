import type { Entity } from '@backstage/catalog-model';
import { registerMswTestHooks } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ClusterAuthHealth } from '@gitops-secrets/plugin-external-secrets-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { renderWithEntity } from '../../__testUtils__/renderWithEntity';
import { EntityClusterHealthCard } from './EntityClusterHealthCard';

const server = setupServer();
registerMswTestHooks(server);

const HEALTH_PATH =
  'http://localhost:7007/api/external-secrets/entities/default/resource/edge/cluster-health';

const clusterEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'edge',
    namespace: 'default',
    annotations: { 'gitops-secrets.io/cluster': 'edge' },
  },
  spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
};

function health(change: Partial<ClusterAuthHealth> = {}): ClusterAuthHealth {
  return {
    cluster: 'edge',
    vaultAuthMount: 'kubernetes-edge',
    state: 'Healthy',
    reviewerMode: 'reviewer-jwt',
    checks: {
      mountEnabled: 'ok',
      configured: 'ok',
      hostMatches: 'ok',
      caMatches: 'ok',
      reviewerWorks: 'ok',
    },
    stores: { total: 1, ready: 1 },
    findings: [],
    checkedAt: '2026-06-01T00:00:00Z',
    ...change,
  };
}

describe('EntityClusterHealthCard', () => {
  it("shows a healthy cluster's mount, reviewer mode, checks and stores", async () => {
    server.use(http.get(HEALTH_PATH, () => HttpResponse.json(health())));
    await renderWithEntity(<EntityClusterHealthCard />, {
      entity: clusterEntity,
    });
    expect(
      await screen.findByRole('status', {
        name: 'Vault auth of cluster edge: Healthy',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('Vault auth: cluster edge')).toBeInTheDocument();
    expect(screen.getByText(/auth\/kubernetes-edge/)).toBeInTheDocument();
    expect(
      screen.getByText(/tokens reviewed with a reviewer JWT stored in Vault/),
    ).toBeInTheDocument();
    const checks = within(screen.getByRole('list', { name: 'Checks' }));
    expect(
      checks.getByText("Points at this cluster's API server: yes"),
    ).toBeInTheDocument();
    expect(
      screen.getByText('1 of 1 store on this mount Ready.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Findings' })).toBeNull();
  });

  it("shows the cluster's own checks: token review rights in client-JWT mode only, and the Vault CA", async () => {
    server.use(
      http.get(HEALTH_PATH, () =>
        HttpResponse.json(
          health({
            state: 'Unhealthy',
            reviewerMode: 'client-jwt',
            checks: {
              ...health().checks,
              tokenReviewGranted: 'failed',
              vaultCaPresent: 'ok',
            },
          }),
        ),
      ),
    );
    const { unmount } = await renderWithEntity(<EntityClusterHealthCard />, {
      entity: clusterEntity,
    });
    const checks = within(await screen.findByRole('list', { name: 'Checks' }));
    expect(
      checks.getByText('Accounts may review tokens: no'),
    ).toBeInTheDocument();
    expect(
      checks.getByText("Vault's CA ConfigMap in the cluster: yes"),
    ).toBeInTheDocument();
    unmount();

    // reviewer mode has no per-account check; a backend without these checks shows neither
    server.use(
      http.get(HEALTH_PATH, () =>
        HttpResponse.json(
          health({
            checks: { ...health().checks, tokenReviewGranted: 'unknown' },
          }),
        ),
      ),
    );
    await renderWithEntity(<EntityClusterHealthCard />, {
      entity: clusterEntity,
    });
    const reviewer = within(
      await screen.findByRole('list', { name: 'Checks' }),
    );
    expect(reviewer.getAllByRole('listitem')).toHaveLength(5);
    expect(reviewer.queryByText(/Accounts may review tokens/)).toBeNull();
    expect(reviewer.queryByText(/CA ConfigMap/)).toBeNull();
  });

  it('names each finding with its fix', async () => {
    server.use(
      http.get(HEALTH_PATH, () =>
        HttpResponse.json(
          health({
            state: 'Unhealthy',
            checks: { ...health().checks, hostMatches: 'failed' },
            findings: [
              {
                code: 'AUTH_HOST_MISMATCH',
                severity: 'error',
                summary:
                  "Vault's auth/kubernetes-edge/config points at https://127.0.0.1:16443, not at cluster edge (https://127.0.0.1:6444)",
                fix: 'Write auth/kubernetes-edge/config with kubernetes_host=https://127.0.0.1:6444',
              },
            ],
          }),
        ),
      ),
    );
    await renderWithEntity(<EntityClusterHealthCard />, {
      entity: clusterEntity,
    });
    expect(
      await screen.findByRole('status', {
        name: 'Vault auth of cluster edge: Unhealthy',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByText("Points at this cluster's API server: no"),
    ).toBeInTheDocument();
    const findings = within(screen.getByRole('list', { name: 'Findings' }));
    expect(
      findings.getByText(
        /points at https:\/\/127\.0\.0\.1:16443, not at cluster edge/,
      ),
    ).toBeInTheDocument();
    expect(
      findings.getByText(
        'Fix: Write auth/kubernetes-edge/config with kubernetes_host=https://127.0.0.1:6444',
      ),
    ).toBeInTheDocument();
  });

  it('says the backend failed (never "healthy") and retries on request', async () => {
    let calls = 0;
    server.use(
      http.get(HEALTH_PATH, () => {
        calls++;
        return calls === 1
          ? HttpResponse.json(
              {
                error: {
                  name: 'NotFoundError',
                  message: 'Cluster "edge" is not in externalSecrets.clusters',
                },
              },
              { status: 404 },
            )
          : HttpResponse.json(health());
      }),
    );
    await renderWithEntity(<EntityClusterHealthCard />, {
      entity: clusterEntity,
    });
    expect(
      (await screen.findAllByText(/is not in externalSecrets.clusters/))[0],
    ).toBeInTheDocument();
    expect(screen.queryByRole('status', { name: /Healthy/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('status', {
        name: 'Vault auth of cluster edge: Healthy',
      }),
    ).toBeInTheDocument();
  });

  it('says what it is for on an entity that is not a cluster', async () => {
    await renderWithEntity(<EntityClusterHealthCard />, {
      entity: { ...clusterEntity, spec: { type: 'database' } },
    });
    expect(
      screen.getByText(
        'This card is for Resource entities of type kubernetes-cluster.',
      ),
    ).toBeInTheDocument();
  });
});
