import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import {
  externalSecretsCard,
  openNewEntity,
  runNewServiceTemplate,
  sidebarLink,
  signIn,
  storyInput,
} from './support/fullStory';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';
import { screenshotPath } from './support/screenshots';

const SANDBOX_HOST = '127.0.0.1:7080';

// This story breaks Vault auth for every service of the sandbox cluster, three times: each
// break notifies the owners and adds transitions to every history. The file name sorts it
// after the notification and history stories, which count those from a known start.

/** Opens a cluster's catalog page as a user does: Catalog, kind Resource, All, its title. */
async function openCluster(page: Page, title: string) {
  await sidebarLink(page, 'Catalog').click();
  await page.getByTestId('select').filter({ hasText: 'Component' }).click();
  await page.getByRole('option', { name: 'Resource' }).click();
  await page.getByTestId('user-picker-all').click();
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(
    page.getByRole('heading', { name: title }).first(),
  ).toBeVisible();
}

function clusterCard(page: Page, cluster: string) {
  return page
    .locator('.MuiCard-root')
    .filter({
      has: page.getByText(`Vault auth: cluster ${cluster}`, { exact: true }),
    })
    .first();
}

test.describe('clusters on the sandbox', () => {
  test.skip(
    !!liveTargets(),
    'live targets are set: the live test runs instead',
  );
  test.setTimeout(600_000);

  test.afterEach(async ({ request }) => {
    await sandboxAdmin.clearAll(request).catch(() => undefined);
  });

  test("a cluster's card names its Vault auth problem at the source and recovers; a new service on the second cluster syncs there", async ({
    page,
    request,
  }) => {
    await signIn(page);

    // 1. the first cluster's card: healthy, then the mount pointed at another API server
    await openCluster(page, 'Cluster sandbox');
    const card = clusterCard(page, 'sandbox');
    await expect(
      card.getByRole('status', {
        name: 'Vault auth of cluster sandbox: Healthy',
      }),
    ).toBeVisible();
    await expect(card).toContainText('auth/kubernetes');
    await expect(card).toContainText(
      "Points at this cluster's API server: yes",
    );
    await sandboxAdmin.inject(request, 'auth-host');
    // the card asks again every 15 s; the answer is cached 10 s
    await expect(
      card.getByRole('status', {
        name: 'Vault auth of cluster sandbox: Unhealthy',
      }),
    ).toBeVisible({ timeout: 60_000 });
    await expect(card).toContainText("Points at this cluster's API server: no");
    await expect(card.getByRole('list', { name: 'Findings' })).toContainText(
      /auth\/kubernetes\/config points at .*, not at cluster sandbox/,
    );
    await expect(card.getByRole('list', { name: 'Findings' })).toContainText(
      'Fix:',
    );
    await card.screenshot({ path: screenshotPath('cluster-card-host.png') });
    await sandboxAdmin.clear(request, 'auth-host');
    await expect(
      card.getByRole('status', {
        name: 'Vault auth of cluster sandbox: Healthy',
      }),
    ).toBeVisible({ timeout: 60_000 });
    await expect(card.getByRole('list', { name: 'Findings' })).toHaveCount(0);

    // the CA Vault trusts for the cluster is not the cluster's
    await sandboxAdmin.inject(request, 'ca-rotation');
    await expect(card).toContainText("Trusts this cluster's CA: no", {
      timeout: 60_000,
    });
    await sandboxAdmin.clear(request, 'ca-rotation');
    await expect(card).toContainText("Trusts this cluster's CA: yes", {
      timeout: 60_000,
    });

    // the reviewer lost its system:auth-delegator binding: its JWT is valid, its reviews are
    // forbidden, host and CA still match, and every store on the mount is denied
    await sandboxAdmin.inject(request, 'reviewer-rbac');
    await expect(card).toContainText('Token review works: no', {
      timeout: 90_000,
    });
    await expect(card.getByRole('list', { name: 'Findings' })).toContainText(
      /its service account lacks system:auth-delegator/,
    );
    await expect(card.getByRole('list', { name: 'Findings' })).toContainText(
      'Fix: Bind the reviewer account (vault-auth) to system:auth-delegator',
    );
    await card.screenshot({
      path: screenshotPath('cluster-card-reviewer.png'),
    });
    await sandboxAdmin.clear(request, 'reviewer-rbac');
    await expect(
      card.getByRole('status', {
        name: 'Vault auth of cluster sandbox: Healthy',
      }),
    ).toBeVisible({ timeout: 90_000 });
    await expect(card).toContainText('Token review works: yes');

    // 2. the second cluster: its own mount, healthy
    await openCluster(page, 'Cluster edge');
    const edgeCard = clusterCard(page, 'edge');
    await expect(
      edgeCard.getByRole('status', {
        name: 'Vault auth of cluster edge: Healthy',
      }),
    ).toBeVisible();
    await expect(edgeCard).toContainText('auth/kubernetes-edge');

    // 3. a new service on the second cluster, chosen in the form
    const name = `edge-${randomBytes(3).toString('hex')}`;
    const sentinel = `SENTINEL-${randomBytes(8).toString('hex')}`;
    await runNewServiceTemplate(page, {
      ...storyInput(
        name,
        sentinel,
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: 'gitops-edge' },
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: name },
      ),
      cluster: 'edge',
    });
    await expect(page.getByText(/failed/i)).toHaveCount(0);
    await expect(page.locator('body')).toContainText(
      'on auth/kubernetes-edge/ (cluster edge)',
    );
    await openNewEntity(page, name);
    const serviceCard = externalSecretsCard(page);
    await expect(serviceCard).toContainText(
      /Waiting for the GitOps pull request #\d+/,
    );
    const pull = (await sandboxAdmin.pulls(request, 'gitops-edge')).find(
      p => p.title === `External Secrets for ${name}` && p.state === 'open',
    );
    expect(pull).toBeDefined();
    const merged = await sandboxAdmin.merge(
      request,
      pull!.number,
      'gitops-edge',
    );
    expect(merged.applied.map((a: any) => a.action)).not.toContain('failed');
    // Argo CD applies it to the edge cluster, whose ESO logs in through kubernetes-edge
    await expect(serviceCard.getByText('Synced').first()).toBeVisible({
      timeout: 30_000,
    });
    await serviceCard
      .getByRole('link', { name: 'Open the Secrets tab' })
      .click();
    await expect(
      page.getByRole('row', {
        name: `edge/${name}/${name}-creds`,
        exact: true,
      }),
    ).toContainText('Synced');
    await page.screenshot({
      path: screenshotPath('edge-service.png'),
      fullPage: true,
    });
    expect((await page.content()).includes(sentinel)).toBe(false);
  });
});
