import { expect, type Locator, type Page } from '@playwright/test';

/** Signs in as the development guest (user:default/alice). */
export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('Create').first()).toBeVisible();
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

function repoUrl(target: RepoTarget): string {
  return `${target.host}?owner=${encodeURIComponent(
    target.owner,
  )}&repo=${encodeURIComponent(target.repo)}`;
}

/**
 * Runs "New service with secrets" through the UI: one secret with the given properties and
 * initial values. Resolves once every step has finished, on the finished task page.
 */
export async function runNewServiceTemplate(page: Page, input: TemplateInput) {
  // The repository pickers come prefilled through the template link's formData: for the
  // sandbox host the picker offers no Owner field (see the e2e README), the rest is typed.
  const formData = {
    gitopsRepoUrl: repoUrl(input.gitops),
    repoUrl: repoUrl(input.serviceRepo),
  };
  await page.goto(
    `/create/templates/default/new-service-with-secrets?formData=${encodeURIComponent(
      JSON.stringify(formData),
    )}`,
  );

  // Service
  await page.locator('#root_name').fill(input.name);
  await page.locator('#root_owner').fill(input.ownerSearch);
  await page.getByRole('option').first().click();
  await page.getByRole('button', { name: 'Next' }).click();

  // Secrets
  await page.locator('#root_secrets_0_name').fill(input.secretName);
  for (const [index, property] of input.properties.entries()) {
    if (index > 0) {
      await page.getByTitle('Add Item').first().click();
    }
    await page
      .locator(`#root_secrets_0_properties_${index}_property`)
      .fill(property.property);
    await page
      .locator(`#root_secrets_0_properties_${index}_secretKey`)
      .fill(property.secretKey);
  }
  // one list of initial values for the one secret, one value per property
  await page.getByTitle('Add Item').last().click();
  for (const [index, property] of input.properties.entries()) {
    await page.getByTitle('Add Item').nth(-2).click();
    await page
      .locator('input[type="password"]')
      .nth(index)
      .fill(property.value);
  }
  // the Secret field hands values to the form's secrets after a short debounce
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Next' }).click();

  // Repositories (prefilled)
  await expect(
    page.getByRole('textbox', { name: /^Repository/ }).nth(1),
  ).toHaveValue(input.serviceRepo.repo);
  await page.getByRole('button', { name: 'Next' }).click();

  // Advanced: defaults
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  await expect(page).toHaveURL(/\/create\/tasks\//);
  await expect(page.getByText('GitOps pull request').last()).toBeVisible({
    timeout: 60_000,
  });
}
