import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import {
  externalSecretsCard,
  fillRepositoryPicker,
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
const CLUSTER = 'lab';
const GITOPS = 'gitops-lab';

// The sandbox's third cluster, lab, is configured but not onboarded to Vault at start. This
// story onboards it through the template, merges its platform pull request, and then creates a
// service on it. It changes nothing of the other clusters, so its place in the order does not
// matter to the other stories.

/** Chooses a template on the Create page as a user does: its card's "Choose" button. */
async function chooseTemplate(page: Page, title: string, other: string) {
  await sidebarLink(page, 'Create').click();
  await page
    .locator('div')
    .filter({ has: page.getByRole('heading', { name: title }) })
    .filter({ has: page.getByRole('button', { name: 'Choose' }) })
    .filter({ hasNot: page.getByRole('heading', { name: other }) })
    .last()
    .getByRole('button', { name: 'Choose' })
    .click();
}

function clusterCard(page: Page, cluster: string) {
  return page
    .locator('.MuiCard-root')
    .filter({
      has: page.getByText(`Vault auth: cluster ${cluster}`, { exact: true }),
    })
    .first();
}

test.describe('onboarding a cluster on the sandbox', () => {
  test.skip(
    !!liveTargets(),
    'live targets are set: the live test runs instead',
  );
  test.setTimeout(600_000);

  test.afterEach(async ({ request }) => {
    await sandboxAdmin.clearAll(request).catch(() => undefined);
  });

  test('a cluster that is not onboarded is onboarded through the template, its pull request merged, and a new service on it syncs', async ({
    page,
    request,
  }) => {
    await signIn(page);

    // 1. the onboarding form: the cluster list says lab is not onboarded yet
    await chooseTemplate(
      page,
      'Onboard a cluster to Vault',
      'New service with secrets',
    );
    await expect(page).toHaveURL(
      /\/create\/templates\/default\/onboard-cluster-to-vault$/,
    );
    const cluster = page.getByLabel(/^Cluster/);
    await expect(
      cluster.getByRole('option', {
        name: `${CLUSTER} — Vault mount kubernetes-${CLUSTER}/, not onboarded to Vault yet`,
      }),
    ).toBeAttached();
    await cluster.selectOption(CLUSTER);
    await page.locator('#root_owner').fill('Platform');
    await page
      .getByRole('listbox', { name: 'Owner' })
      .getByRole('option')
      .first()
      .click();
    await page.getByRole('button', { name: 'Next' }).click();

    // token review: client JWT, the default, picked by hand all the same
    await page
      .getByRole('button', { name: /How Vault reviews service account tokens/ })
      .or(
        page.getByRole('combobox', {
          name: /How Vault reviews service account tokens/,
        }),
      )
      .click();
    await page.getByRole('option', { name: /^Client JWT/ }).click();
    await page.getByRole('button', { name: 'Next' }).click();

    await fillRepositoryPicker(page, 0, {
      host: SANDBOX_HOST,
      owner: 'gitops-secrets',
      repo: GITOPS,
    });
    await page.getByRole('button', { name: 'Review' }).click();
    await expect(page.locator('body')).toContainText(CLUSTER);
    await page.getByRole('button', { name: 'Create' }).click();

    // the task: Vault's mount created for lab's API server, the pull request opened
    await expect(page).toHaveURL(/\/create\/tasks\//);
    await expect(page.getByText('GitOps pull request').last()).toBeVisible({
      timeout: 90_000,
    });
    await expect(page.getByText(/failed/i)).toHaveCount(0);
    await expect(page.locator('body')).toContainText(
      `Kubernetes auth mount kubernetes-${CLUSTER}/`,
    );
    await page.screenshot({
      path: screenshotPath('onboarding-task.png'),
      fullPage: true,
    });

    // 2. the cluster's catalog page: Vault knows the cluster now, the cluster not Vault yet —
    // ESO's account may not review tokens and there is no vault-ca, each named with its fix
    await openNewEntity(page, `Kubernetes cluster ${CLUSTER}`);
    const card = clusterCard(page, CLUSTER);
    await expect(
      card.getByRole('status', {
        name: `Vault auth of cluster ${CLUSTER}: Unhealthy`,
      }),
    ).toBeVisible({ timeout: 60_000 });
    await expect(card).toContainText(`auth/kubernetes-${CLUSTER}`);
    await expect(card).toContainText(
      "Points at this cluster's API server: yes",
    );
    await expect(card).toContainText('Accounts may review tokens: no');
    await expect(card).toContainText("Vault's CA ConfigMap in the cluster: no");
    const findings = card.getByRole('list', { name: 'Findings' });
    await expect(findings).toContainText(
      'external-secrets/external-secrets may not create TokenReviews',
    );
    await expect(findings).toContainText(
      /ConfigMap external-secrets\/vault-ca, which ESO's stores in cluster lab read Vault's CA from, does not exist/,
    );
    await expect(findings).toContainText(
      "Fix: Merge the cluster's onboarding pull request",
    );
    await card.screenshot({ path: screenshotPath('onboarding-before.png') });

    // 3. the platform pull request, merged: Argo CD applies ESO's Application, the token
    // review binding of ESO's account and the vault-ca ConfigMap to lab
    const pull = (await sandboxAdmin.pulls(request, GITOPS)).find(
      p =>
        p.title === `Onboard cluster ${CLUSTER} to Vault` && p.state === 'open',
    );
    expect(pull).toBeDefined();
    const merged = await sandboxAdmin.merge(request, pull!.number, GITOPS);
    const applied = merged.applied as Array<{
      kind: string;
      name: string;
      action: string;
    }>;
    expect(applied.map(a => a.action)).not.toContain('failed');
    expect(applied.map(a => `${a.kind} ${a.name}`)).toEqual(
      expect.arrayContaining([
        'Application external-secrets',
        'ClusterRoleBinding external-secrets-token-reviewer',
        'ConfigMap vault-ca',
      ]),
    );
    await expect(
      card.getByRole('status', {
        name: `Vault auth of cluster ${CLUSTER}: Healthy`,
      }),
    ).toBeVisible({ timeout: 90_000 });
    await expect(card.getByRole('list', { name: 'Findings' })).toHaveCount(0);
    await expect(card).toContainText('Accounts may review tokens: yes');
    await expect(card).toContainText(
      "Vault's CA ConfigMap in the cluster: yes",
    );
    await card.screenshot({ path: screenshotPath('onboarding-healthy.png') });

    // 4. a new service on the cluster just onboarded, chosen in the form, merged, synced
    const name = `lab-${randomBytes(3).toString('hex')}`;
    const sentinel = `SENTINEL-${randomBytes(8).toString('hex')}`;
    await runNewServiceTemplate(page, {
      ...storyInput(
        name,
        sentinel,
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: GITOPS },
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: name },
      ),
      cluster: CLUSTER,
    });
    await expect(page.getByText(/failed/i)).toHaveCount(0);
    await expect(page.locator('body')).toContainText(
      `on auth/kubernetes-${CLUSTER}/ (cluster ${CLUSTER})`,
    );
    await openNewEntity(page, name);
    const serviceCard = externalSecretsCard(page);
    await expect(serviceCard).toContainText(
      /Waiting for the GitOps pull request #\d+/,
    );
    const servicePull = (await sandboxAdmin.pulls(request, GITOPS)).find(
      p => p.title === `External Secrets for ${name}` && p.state === 'open',
    );
    expect(servicePull).toBeDefined();
    const serviceMerged = await sandboxAdmin.merge(
      request,
      servicePull!.number,
      GITOPS,
    );
    expect(
      (serviceMerged.applied as Array<{ action: string }>).map(a => a.action),
    ).not.toContain('failed');
    await expect(serviceCard.getByText('Synced').first()).toBeVisible({
      timeout: 60_000,
    });
    await serviceCard
      .getByRole('link', { name: 'Open the Secrets tab' })
      .click();
    await expect(
      page.getByRole('row', {
        name: `${CLUSTER}/${name}/${name}-creds`,
        exact: true,
      }),
    ).toContainText('Synced');
    expect((await page.content()).includes(sentinel)).toBe(false);
  });
});
