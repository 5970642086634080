import { expect, type Locator, type Page } from '@playwright/test';

/** Signs in as the development guest (user:default/alice). */
export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('Create').first()).toBeVisible();
}

/** A link of the app's sidebar; following it keeps the app loaded, as a user's click does. */
export function sidebarLink(page: Page, name: string): Locator {
  return page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name, exact: true });
}

/** Opens a catalog entity as a user does: Catalog in the sidebar, All, then its name. */
export async function openFromCatalog(page: Page, name: string) {
  await sidebarLink(page, 'Catalog').click();
  await page.getByTestId('user-picker-all').click();
  await page.getByRole('link', { name, exact: true }).click();
  await expectEntityPage(page, name);
}

/**
 * Waits until the entity page shows the entity itself. Its title alone does not tell: the
 * header shows the name from the address while the entity loads and above "Entity not found";
 * the page's tabs (Overview first) appear only once the catalog returned the entity.
 */
export async function expectEntityPage(
  page: Page,
  title: string,
  timeout?: number,
) {
  await expect(
    page.getByRole('heading', { name: title, exact: true }).first(),
  ).toBeVisible({ timeout });
  await expect(
    page
      .getByRole('navigation', { name: 'Content navigation' })
      .getByRole('link', { name: 'Overview', exact: true }),
  ).toBeVisible({ timeout });
}

/** The "External Secrets" card of the entity page that is open. */
export function externalSecretsCard(page: Page): Locator {
  return page
    .locator('.MuiCard-root')
    .filter({ has: page.getByText('External Secrets', { exact: true }) })
    .first();
}

export interface RepoTarget {
  host: string;
  owner: string;
  repo: string;
}

export interface TemplateInput {
  name: string;
  ownerSearch: string;
  /** the cluster picked on the first page; default `sandbox` */
  cluster?: string;
  secretName: string;
  properties: Array<{ property: string; secretKey: string; value: string }>;
  gitops: RepoTarget;
  serviceRepo: RepoTarget;
}

/**
 * The story's form: one secret `creds` with two properties whose initial values carry the
 * sentinel, so a leak anywhere can be searched for.
 */
export function storyInput(
  name: string,
  sentinel: string,
  gitops: RepoTarget,
  serviceRepo: RepoTarget,
): TemplateInput {
  return {
    name,
    ownerSearch: 'Platform',
    secretName: 'creds',
    properties: [
      {
        property: 'username',
        secretKey: 'USERNAME',
        value: `${sentinel}-user`,
      },
      {
        property: 'password',
        secretKey: 'PASSWORD',
        value: `${sentinel}-pass`,
      },
    ],
    gitops,
    serviceRepo,
  };
}

/**
 * Fills the index-th repository picker of the Repositories step as a user does: host from the
 * dropdown, then owner and name typed (each committed by leaving the field).
 */
export async function fillRepositoryPicker(
  page: Page,
  index: number,
  target: RepoTarget,
) {
  await page
    .getByTestId('host-select')
    .nth(index)
    .locator('select')
    .selectOption(target.host);
  const owner = page.getByRole('textbox', { name: /^Owner/ }).nth(index);
  await owner.fill(target.owner);
  await owner.press('Tab');
  const repo = page.getByRole('textbox', { name: /^Repository/ }).nth(index);
  await repo.fill(target.repo);
  await repo.press('Tab');
  await expect(owner).toHaveValue(target.owner);
  await expect(repo).toHaveValue(target.repo);
}

/** No initial value in the page, the address bar, or local or session storage. */
export async function expectNoValueInBrowser(page: Page, input: TemplateInput) {
  const seen = [
    page.url(),
    await page.content(),
    await page.evaluate(() =>
      JSON.stringify([
        { ...window.localStorage },
        { ...window.sessionStorage },
      ]),
    ),
  ].join('\n');
  for (const { value } of input.properties) {
    expect(seen.includes(value), 'an initial value in the browser').toBe(false);
  }
}

/**
 * Runs "New service with secrets" through the UI, every field typed or picked by hand: one
 * secret with the given properties and initial values. Resolves once every step has finished,
 * on the finished task page.
 */
export async function runNewServiceTemplate(page: Page, input: TemplateInput) {
  await sidebarLink(page, 'Create').click();
  // the template's card: the innermost element holding its title and not the other template's
  // (the cards are not articles; the list around them is, and holds both "Choose" buttons)
  await page
    .locator('div')
    .filter({
      has: page.getByRole('heading', { name: 'New service with secrets' }),
    })
    .filter({ has: page.getByRole('button', { name: 'Choose' }) })
    .filter({
      hasNot: page.getByRole('heading', { name: 'Onboard a cluster to Vault' }),
    })
    .last()
    .getByRole('button', { name: 'Choose' })
    .click();
  await expect(page).toHaveURL(
    /\/create\/templates\/default\/new-service-with-secrets$/,
  );

  // Service: a name that breaks the rule first; the form says what is allowed, in words
  const name = page.locator('#root_name');
  await name.fill('Payments_API');
  await page.locator('#root_owner').fill(input.ownerSearch);
  // the owner's suggestions (the cluster list below has options too)
  await page
    .getByRole('listbox', { name: 'Owner' })
    .getByRole('option')
    .first()
    .click();
  // where it runs: the configured clusters, as the backend lists them, with their Vault mounts
  const cluster = page.getByLabel(/^Cluster/);
  await expect(
    cluster.getByRole('option', {
      name: /^sandbox — Vault mount kubernetes\/, onboarded$/,
    }),
  ).toBeAttached();
  await cluster.selectOption(input.cluster ?? 'sandbox');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(
    page
      .getByText(/must be a DNS-1123 label: lowercase letters, digits/)
      .first(),
  ).toBeVisible();
  await expect(page.getByText(/must match pattern/)).toHaveCount(0);
  await name.fill(input.name);
  await page.getByRole('button', { name: 'Next' }).click();

  // Secrets: the description keeps its placeholders
  await expect(
    page.getByText(
      /^Each secret becomes a Vault secret <name>\/<secret> and a Kubernetes Secret <name>-<secret>/,
    ),
  ).toBeVisible();
  const secret = page.getByRole('group', { name: 'Secret 1' });
  // a name that breaks the rule: the field says so in words as soon as the user leaves it
  const secretName = secret.getByLabel('Secret name');
  await secretName.fill(input.secretName.toUpperCase());
  await secretName.blur();
  await expect(
    secret.getByText(/is not a DNS-1123 subdomain: lowercase letters/),
  ).toBeVisible();
  await secretName.fill(input.secretName);
  for (const [index, property] of input.properties.entries()) {
    if (index > 0) {
      await secret
        .getByRole('button', {
          name: `Add property to secret ${input.secretName}`,
        })
        .click();
    }
    const row = secret.getByRole('group', {
      name: `Property ${index + 1} of secret ${input.secretName}`,
    });
    // typed key by key, as a person does: the field must keep focus and every character
    await row.getByLabel('Vault property').pressSequentially(property.property);
    const secretKey = row.getByLabel('Key in the Kubernetes Secret');
    // the key follows the property until the user gives it its own
    await expect(secretKey).toHaveValue(property.property);
    await secretKey.fill(property.secretKey);
    const value = row.getByLabel('Initial value (optional)');
    await expect(value).toHaveAttribute('type', 'password');
    await value.pressSequentially(property.value);
    await expect(value).toHaveValue(property.value);
  }
  await page.getByRole('button', { name: 'Next' }).click();

  // Repositories
  await fillRepositoryPicker(page, 0, input.gitops);
  await fillRepositoryPicker(page, 1, input.serviceRepo);
  await page.getByRole('button', { name: 'Next' }).click();

  // Advanced: defaults
  await page.getByRole('button', { name: 'Review' }).click();

  // Review: names and "value set", never a value; nor in the URL or the browser's storage
  const review = page.locator('body');
  await expect(review).toContainText(input.secretName);
  await expect(review).toContainText('value set');
  await expect(review).not.toContainText('initialValue-');
  await expectNoValueInBrowser(page, input);
  await page.getByRole('button', { name: 'Create' }).click();

  await expect(page).toHaveURL(/\/create\/tasks\//);
  await expect(page.getByText('GitOps pull request').last()).toBeVisible({
    timeout: 60_000,
  });
}

/**
 * Follows the finished task's "Open in catalog" link. The catalog registers the new component
 * a few seconds after the template ends: until then the entity page says it is not found, and
 * the user goes back and follows the link again.
 */
export async function openNewEntity(page: Page, name: string) {
  await expect(async () => {
    await page.getByRole('link', { name: 'Open in catalog' }).click();
    try {
      await expectEntityPage(page, name, 5_000);
    } catch (error) {
      await page.goBack();
      throw error;
    }
  }).toPass({ timeout: 120_000 });
}
