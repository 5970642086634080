import { expect, test } from '@playwright/test';
import { liveTargets } from './support/liveTargets';

// the first test pays for the first load of the development bundle, slow on a busy machine
test.setTimeout(240_000);

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

  // the catalog opens on the user's own components; list them all
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

test('guest sign-in works from http://127.0.0.1:3000, the address the dev server prints', async ({
  page,
}) => {
  const refused: string[] = [];
  page.on('console', message => {
    if (/CORS/i.test(message.text())) {
      refused.push(message.text());
    }
  });
  await page.goto('http://127.0.0.1:3000/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByTestId('user-picker-all')).toBeVisible();
  await expect(page.getByText(/cannot sign in as a guest/i)).toHaveCount(0);
  expect(refused).toEqual([]);
});
