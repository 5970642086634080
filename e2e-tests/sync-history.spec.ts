import { expect, test } from '@playwright/test';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';

// the seeded example-api and the fault injection exist only with the sandbox
test.skip(
  !!liveTargets(),
  'live targets are set: the sandbox and its faults are not there',
);

test.afterEach(async ({ request }) => {
  await sandboxAdmin.clearAll(request).catch(() => undefined);
});

test('the Secrets tab shows each ExternalSecret’s sync history and when it was last healthy, live', async ({
  page,
  request,
}) => {
  // the dev server's first page load alone can take a minute on a busy 2-core machine
  test.setTimeout(300_000);
  await sandboxAdmin.clearAll(request);
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await page.getByTestId('user-picker-all').click();
  await page.getByRole('link', { name: 'example-api', exact: true }).click();
  await page.getByRole('link', { name: 'Secrets', exact: true }).click();
  await page.setViewportSize({ width: 2100, height: 1300 });
  await page
    .getByRole('button', {
      name: 'Show details of example-api-env-file in sandbox',
    })
    .click();

  const history = page.getByRole('region', {
    name: 'Sync history of example-api-env-file',
  });
  await history.scrollIntoViewIfNeeded();
  const changes = history.getByRole('table', {
    name: 'State changes of example-api-env-file',
  });
  // the backend recorded the first state it saw
  await expect(changes.getByRole('row').last()).toContainText('first seen');
  await expect(changes.getByRole('row').last()).toContainText('Synced');
  await expect(history).toContainText('Last healthy: now');

  // break it: the new transition appears in the open row without a reload
  await sandboxAdmin.inject(request, 'policy-edit', 'example-api');
  const newest = changes.getByRole('row').nth(1);
  await expect(newest).toContainText(/Synced\s*Error/, { timeout: 20_000 });
  await expect(newest).toContainText('POLICY_MISSING_KV2_DATA_PATH');
  // no longer "now": the moment it left Synced, as a time
  await expect(
    history.getByText(/Last healthy:/).locator('time[datetime]'),
  ).toBeVisible();

  // and fix it again: recovery is a transition too
  await sandboxAdmin.clear(request, 'policy-edit');
  await expect(newest).toContainText(/Error\s*Synced/, { timeout: 20_000 });
  await expect(history).toContainText('Last healthy: now');
});
