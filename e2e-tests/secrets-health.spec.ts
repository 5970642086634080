import { expect, test } from '@playwright/test';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';
import { unclaimedExternalSecret } from './support/sandboxKube';
import { screenshotPath } from './support/screenshots';

// the seeded fleet and the sandbox cluster exist only with the sandbox
test.skip(
  !!liveTargets(),
  'live targets are set: the sandbox and its seed are not there',
);

test.afterEach(async ({ request }) => {
  await unclaimedExternalSecret.remove().catch(() => undefined);
  await sandboxAdmin.clearAll(request).catch(() => undefined);
});

test('the platform team’s Secrets health page shows the fleet: counts, failing rows, an unclaimed ExternalSecret and the stores', async ({
  page,
  request,
}) => {
  // the dev server's first page load alone can take a minute on a busy 2-core machine
  test.setTimeout(300_000);
  await sandboxAdmin.clearAll(request);
  // someone applied an ExternalSecret by hand, without the catalog annotation's label
  await unclaimedExternalSecret.apply();

  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await page.setViewportSize({ width: 1600, height: 1100 });
  // alice is in the platform team: the sidebar has the page
  await page.getByRole('link', { name: 'Secrets health' }).click();
  await expect(page).toHaveURL(/\/secrets-health/);

  const counts = page.getByLabel('Fleet counts');
  await expect(counts).toContainText(/\d+ ExternalSecrets/);
  await expect(counts).toContainText('1 unclaimed');
  // the seed: example-worker and example-admin fail, example-api syncs
  await expect(counts).toContainText(/[2-9]\d* Error/);

  const rows = page
    .getByRole('table', { name: 'ExternalSecrets of all clusters' })
    .getByRole('row');
  const worker = rows.filter({ hasText: 'example-worker-config-file' });
  await expect(worker).toContainText('PROPERTY_MISSING');
  await expect(worker).toContainText('example-worker');
  const admin = rows.filter({ hasText: 'example-admin-config-file' });
  // the fleet view reads no Vault facts: it names the denied read, not the policy's missing data/
  await expect(admin).toContainText('POLICY_DENIES_PATH');
  // the owner is the claiming entity's, linking to its page
  await expect(
    rows
      .filter({ hasText: 'example-api-env-file' })
      .getByRole('link', { name: /example-api/ })
      .first(),
  ).toBeVisible();

  // the orphan: with its namespace and labels, so the team can annotate the right component
  const orphan = rows.filter({ hasText: unclaimedExternalSecret.name });
  await expect(orphan).toContainText(
    'unclaimed — no catalog entity selects it',
  );
  await expect(orphan).toContainText('app.kubernetes.io/name=legacy-billing');
  await expect(orphan).toContainText(unclaimedExternalSecret.namespace);

  await page.screenshot({
    path: screenshotPath('secrets-health.png'),
    fullPage: true,
  });

  // the chip filters the table to the unclaimed ones
  await counts.getByText('1 unclaimed').click();
  await expect(
    rows.filter({ hasText: 'example-worker-config-file' }),
  ).toHaveCount(0);
  await expect(orphan).toBeVisible();

  await page.getByRole('tab', { name: 'Stores' }).click();
  const stores = page
    .getByRole('table', { name: 'Secret stores of all clusters' })
    .getByRole('row');
  const apiStore = stores.filter({ hasText: 'vault-example-api' });
  await expect(apiStore).toContainText('https://127.0.0.1:8200');
  await expect(apiStore).toContainText('external-secrets-example-api');
  const workerStore = stores.filter({ hasText: 'vault-example-worker' });
  await expect(workerStore).toContainText('kubernetes');
  await page.screenshot({
    path: screenshotPath('secrets-health-stores.png'),
    fullPage: true,
  });
});
