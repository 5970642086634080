import { expect, test } from '@playwright/test';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';
import { screenshotPath } from './support/screenshots';

// the seeded example-api and the fault injection exist only with the sandbox
test.skip(
  !!liveTargets(),
  'live targets are set: the sandbox and its faults are not there',
);

test.afterEach(async ({ request }) => {
  await sandboxAdmin.clearAll(request).catch(() => undefined);
});

test('the owner is notified when example-api’s secrets stop syncing, and once more when they recover', async ({
  page,
  request,
}) => {
  // the dev server's first page load alone can take a minute on a busy 2-core machine
  test.setTimeout(300_000);
  await sandboxAdmin.clearAll(request);
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await page.setViewportSize({ width: 1600, height: 1000 });
  // alice is in payments-team, example-api's owner (examples/org.yaml)
  await page.getByRole('link', { name: 'Notifications' }).first().click();
  await expect(page).toHaveURL(/\/notifications/);

  const failing = page.getByText(
    'example-api: ExternalSecret example-api-env-file stopped syncing',
  );
  const recovered = page.getByText(
    'example-api: ExternalSecret example-api-env-file syncs again',
  );
  // earlier stories in this run may have broken it too; count from here
  const failedBefore = await failing.count();
  const recoveredBefore = await recovered.count();

  // break it: the notification arrives live after the (sandbox's short) grace period
  await sandboxAdmin.inject(request, 'policy-edit', 'example-api');
  // the page updates live through signals; on a loaded machine the user may reload to see it
  await expect(async () => {
    await page.reload();
    await expect(failing).toHaveCount(failedBefore + 1, { timeout: 10_000 });
  }).toPass({ timeout: 120_000 });
  const newest = page.getByRole('row').filter({ has: failing.first() }).first();
  // the finding comes first; the rest is a click away
  await expect(newest).toContainText(/polic/i);
  await newest.getByText('Show more').click();
  await expect(newest).toContainText('the "data/" segment is missing');
  await expect(newest).toContainText('Fix: Change the policy path');
  await expect(newest).toContainText('Fix:');
  await page.screenshot({
    path: screenshotPath('notifications.png'),
    fullPage: true,
  });

  // and fix it again: one "syncs again", and the failure is not repeated
  await sandboxAdmin.clear(request, 'policy-edit');
  await expect(async () => {
    await page.reload();
    await expect(recovered).toHaveCount(recoveredBefore + 1, {
      timeout: 10_000,
    });
  }).toPass({ timeout: 120_000 });
  await expect(failing).toHaveCount(failedBefore + 1);

  // the notification leads to the service's Secrets tab
  await failing.first().click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/example-api\/secrets/,
  );
  await expect(
    page.getByRole('button', {
      name: 'Show details of example-api-env-file in sandbox',
    }),
  ).toBeVisible();
});
