import { expect, test } from '@playwright/test';
import {
  externalSecretsCard,
  openFromCatalog,
  signIn,
} from './support/fullStory';
import { liveTargets } from './support/liveTargets';
import { sandboxAdmin } from './support/sandboxAdmin';

/**
 * Issue 16's story, as a platform engineer lives it on the sandbox: a value changes in Vault
 * (the sandbox admin API writes a new KV version, as `vault kv put` would); the Secrets tab says
 * "Pending rotation" until ESO has read it, then Synced; example-api's Deployment reads the
 * Secret through envFrom, so it now needs a restart; the user restarts it from the tab, and
 * the new Pod runs with the current value.
 */

// Vault's metadata is cached by the backend for up to a minute (status.vault.cacheTtl)
test.setTimeout(300_000);

test.skip(
  !!liveTargets(),
  'live targets are set: the sandbox admin API is not there',
);

test('rotate a value: Pending rotation, Sync now, Synced, restart needed, Restart, all current', async ({
  page,
  request,
}) => {
  await signIn(page);
  await openFromCatalog(page, 'example-api');
  await externalSecretsCard(page)
    .getByRole('link', { name: 'Open the Secrets tab' })
    .click();
  const table = page.getByRole('table', {
    name: 'ExternalSecrets across clusters',
  });
  const row = table
    .getByRole('row')
    .filter({ hasText: 'example-api-env-file' })
    .first();
  await expect(row).toContainText('Synced', { timeout: 60_000 });
  const syncNow = row.getByRole('button', {
    name: 'Sync example-api-env-file in sandbox/example-api now',
  });

  // ESO reads Vault every 2 minutes (refreshInterval); the user syncs first so that its next
  // refresh is two minutes away and the new version waits for it
  const lastSync = row.locator('time').first();
  const before = (await lastSync.getAttribute('datetime')) ?? '';
  await syncNow.click();
  await expect(lastSync).not.toHaveAttribute('datetime', before, {
    timeout: 60_000,
  });
  // Kubernetes keeps refreshTime in whole seconds, and a write in the sync's own second counts
  // as read: the new value goes in from the next second on
  const syncedSecond = Math.floor(
    Date.parse((await lastSync.getAttribute('datetime')) ?? '') / 1000,
  );
  await expect
    .poll(() => Math.floor(Date.now() / 1000), { timeout: 5_000 })
    .toBeGreaterThan(syncedSecond);

  // a new value in Vault, as `vault kv put` writes it
  const rotated = await sandboxAdmin.rotate(request, 'example-api');
  expect(rotated.path).toBe('secret/example-api/env-file');

  // the backend re-reads Vault's metadata within its cache TTL (a minute); the user reloads
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText('Pending rotation', { timeout: 5_000 });
  }).toPass({ timeout: 100_000, intervals: [5_000] });
  await expect(row).toContainText(`v${rotated.version}`);

  await table
    .getByRole('button', {
      name: 'Show details of example-api-env-file in sandbox',
    })
    .click();
  const consumer = page.getByLabel('Consumer Deployment example-api');
  await expect(consumer).toContainText('(envFrom in api)');

  // ESO reads it now instead of at the next refresh
  await syncNow.click();
  await expect(row).toContainText('Synced', { timeout: 60_000 });
  await expect(row).not.toContainText('Pending rotation');
  await expect(consumer).toContainText(
    'restart needed to pick up the new value',
    {
      timeout: 60_000,
    },
  );

  await consumer
    .getByRole('button', { name: 'Restart Deployment example-api' })
    .click();
  const dialog = page.getByRole('dialog', {
    name: 'Restart Deployment example-api?',
  });
  await expect(dialog).toContainText('kubectl rollout restart');
  await dialog.getByRole('button', { name: 'Restart example-api' }).click();
  // (the tab's 'Restart requested' note can be replaced by the refreshed row before it is read;
  // what the user relies on is the row below turning current)

  // the new Pod started after the change: nothing needs a restart any more
  await expect(consumer).toContainText(
    'current: started after the last change',
    {
      timeout: 60_000,
    },
  );
  await expect(consumer.getByRole('button', { name: /^Restart / })).toHaveCount(
    0,
  );
  await expect(row).toContainText('Synced');
});
