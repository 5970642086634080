import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  externalSecretsCard,
  runNewServiceTemplate,
  signIn,
  storyInput,
} from './support/fullStory';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';
import { recordResponses, taskLog } from './support/sentinel';

const BACKEND_URL = 'http://localhost:7007';
const SANDBOX_HOST = '127.0.0.1:7080';
const DOCS = path.resolve(__dirname, '../docs');

async function openEntity(page: Page, name: string) {
  // the catalog registers the new component a few seconds after the template ends
  await expect(async () => {
    await page.goto(`/catalog/default/component/${name}`);
    await expect(page.getByRole('heading', { name }).first()).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 90_000 });
}

test.describe('full story on the sandbox', () => {
  test.skip(
    !!liveTargets(),
    'live targets are set: the live test runs instead',
  );
  test.setTimeout(300_000);

  test.afterEach(async ({ request }) => {
    await sandboxAdmin.clearAll(request).catch(() => undefined);
  });

  test('template → PR → merge → Synced live → fault and fix live; seeded failures; no secret leaks', async ({
    page,
    request,
  }) => {
    const responses = recordResponses(page);
    const pageTexts: string[] = [];
    const sentinel = `SENTINEL-${randomBytes(8).toString('hex')}`;
    const name = `story-${randomBytes(3).toString('hex')}`;

    // 1. the template, through the UI
    await signIn(page);
    await runNewServiceTemplate(
      page,
      storyInput(
        name,
        sentinel,
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: 'gitops' },
        { host: SANDBOX_HOST, owner: 'gitops-secrets', repo: name },
      ),
    );
    const taskId = page.url().split('/create/tasks/')[1];
    const prLink = page.getByRole('link', { name: 'GitOps pull request' });
    await expect(prLink).toBeVisible();
    await expect(prLink).toHaveAttribute(
      'href',
      /\/gitops-secrets\/gitops\/pull\/\d+/,
    );
    for (const step of [
      'Vault policy',
      'Vault Kubernetes-auth role',
      'Initial values in Vault',
      'External Secrets manifests',
      'GitOps pull request',
      'Service repository',
      'Register in the catalog',
    ]) {
      await expect(page.getByText(step, { exact: true }).first()).toBeVisible();
    }
    await expect(page.getByText(/failed/i)).toHaveCount(0);
    pageTexts.push(await page.content());
    await page.screenshot({
      path: path.join(DOCS, 'template-run.png'),
      fullPage: true,
    });

    // the entity page is open before the merge: what follows must arrive without a reload
    await openEntity(page, name);
    const card = externalSecretsCard(page);
    await expect(card).toBeVisible();

    // 2. merge through the sandbox admin API (Argo CD applies the manifests)
    const pull = (await sandboxAdmin.pulls(request)).find(
      p => p.title === `External Secrets for ${name}` && p.state === 'open',
    );
    expect(pull).toBeDefined();
    const merged = await sandboxAdmin.merge(request, pull!.number);
    expect(merged.applied.map((a: any) => a.action)).not.toContain('failed');

    // 3. Synced within 10 s, live
    await expect(card.getByText('Synced').first()).toBeVisible({
      timeout: 10_000,
    });
    await card.screenshot({ path: path.join(DOCS, 'card.png') });
    pageTexts.push(await page.content());

    // 4. "policy without data/" → Error with the finding and its fix, live; clear → Synced
    await sandboxAdmin.inject(request, 'policy-edit', name);
    await expect(card.getByText('Error').first()).toBeVisible({
      timeout: 15_000,
    });
    await expect(card.getByText(/data\//).first()).toBeVisible();
    await expect(card.getByText(/Fix:/).first()).toBeVisible();
    pageTexts.push(await page.content());
    await sandboxAdmin.clear(request, 'policy-edit');
    await expect(card.getByText('Synced').first()).toBeVisible({
      timeout: 15_000,
    });

    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    await expect(page.getByText(`${name}-creds`).first()).toBeVisible();
    // the tab's table is wide: a wide window, with the row's chain and findings open
    await page.setViewportSize({ width: 2100, height: 1300 });
    await page
      .getByRole('button', { name: `Show details of ${name}-creds in sandbox` })
      .click();
    const chain = page.getByRole('list', {
      name: 'Chain from Vault to Secret',
    });
    await chain.scrollIntoViewIfNeeded();
    await expect(chain).toContainText(`secret/data/${name}/creds`);
    await page.screenshot({
      path: path.join(DOCS, 'secrets-tab.png'),
      fullPage: true,
    });
    pageTexts.push(await page.content());

    // 5. the seeded failures
    await openEntity(page, 'example-worker');
    const workerCard = externalSecretsCard(page);
    await expect(workerCard.getByText('Error').first()).toBeVisible();
    await expect(
      workerCard.getByText(/no property "config\.json"/).first(),
    ).toBeVisible();
    pageTexts.push(await page.content());

    await openEntity(page, 'example-admin');
    const adminCard = externalSecretsCard(page);
    await expect(adminCard.getByText('Error').first()).toBeVisible();
    await expect(adminCard.getByText(/data\//).first()).toBeVisible();
    pageTexts.push(await page.content());

    // 6. no secret value in the page, the network responses or the task log
    const log = await taskLog(request, BACKEND_URL, taskId);
    expect(log).toContain('Initial values in Vault');
    for (const [where, texts] of [
      ['page', pageTexts],
      ['network responses', responses],
      ['task log', [log]],
    ] as const) {
      const leaks = texts.filter(text => text.includes(sentinel));
      expect(leaks, `secret value found in the ${where}`).toEqual([]);
    }
    expect(responses.length).toBeGreaterThan(10);
  });
});

test.describe('full story on live targets', () => {
  const live = liveTargets();
  test.skip(!live, 'skipped: no live targets');
  test.setTimeout(600_000);

  test('template → PR → merge → Synced on real Vault, cluster and GitHub', async ({
    page,
    request,
  }) => {
    const targets = live!;
    const sentinel = `SENTINEL-${randomBytes(8).toString('hex')}`;
    const name = `story-${randomBytes(3).toString('hex')}`;
    const [gitopsOwner, gitopsRepo] = targets.gitopsRepo.split('/');
    const responses = recordResponses(page);

    await signIn(page);
    await runNewServiceTemplate(
      page,
      storyInput(
        name,
        sentinel,
        { host: targets.githubHost, owner: gitopsOwner, repo: gitopsRepo },
        {
          host: targets.githubHost,
          owner: targets.serviceRepoOwner,
          repo: name,
        },
      ),
    );
    const href = await page
      .getByRole('link', { name: 'GitOps pull request' })
      .getAttribute('href');
    const number = Number(/\/pull\/(\d+)/.exec(href ?? '')?.[1]);
    await openEntity(page, name);
    const card = externalSecretsCard(page);

    const merge = await request.put(
      `${targets.githubApiUrl}/repos/${targets.gitopsRepo}/pulls/${number}/merge`,
      { headers: { authorization: `Bearer ${targets.githubToken}` } },
    );
    expect(merge.ok()).toBe(true);
    // Argo CD and ESO take their own time on a real cluster
    await expect(card.getByText('Synced').first()).toBeVisible({
      timeout: 300_000,
    });
    expect(responses.filter(text => text.includes(sentinel))).toEqual([]);
    expect((await page.content()).includes(sentinel)).toBe(false);
  });
});
