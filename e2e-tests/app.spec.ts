import { expect, test } from '@playwright/test';
import { liveTargets } from './support/liveTargets';

// the example catalog exists only in this repository's app
test.skip(
  !!liveTargets(),
  'live targets are set: the example catalog is not there',
);

test('the catalog lists example-api and its entity page opens', async ({
  page,
}) => {
  await page.goto('/');

  // Guest sign-in (dev only); it resolves to user:default/alice.
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();

  // the catalog opens on the user's own components; example-api belongs to another team
  await page.getByTestId('user-picker-all').click();

  const link = page.getByRole('link', { name: 'example-api', exact: true });
  await expect(link).toBeVisible();
  await link.click();

  await expect(page).toHaveURL(/\/catalog\/default\/component\/example-api/);
  await expect(
    page.getByRole('heading', { name: 'example-api' }).first(),
  ).toBeVisible();
  await expect(page.getByText('payments-team').first()).toBeVisible();
});
