/**
 * Benchmark (not a test): the two waits a developer sees in the full story on the sandbox.
 *
 * - template: "New service with secrets" submitted through the scaffolder API, from the submit
 *   until the task has finished its last step;
 * - merge → Synced: the entity page is open in Chromium, the GitOps pull request is merged through
 *   the sandbox admin API (Argo CD applies it), until the card shows Synced — without a reload.
 *
 * Each is the median of the runs (5 by default), one new service per run. The app, backend and
 * sandbox are started with scripts/serve.sh unless --reuse says they already run.
 *
 * Usage, from the repository root:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/full-story.ts [--runs N] [--reuse] [--json]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e-tests/support/chromium';

const APP_URL = 'http://localhost:3000';
const BACKEND_URL = 'http://localhost:7007';
const ADMIN_URL = 'http://127.0.0.1:7090';
const GITHUB_HOST = '127.0.0.1:7080';
const TEMPLATE_REF = 'template:default/new-service-with-secrets';
const REFRESH_INTERVAL_S = 120;
const TARGET_TEMPLATE_MS = 5_000;
const TARGET_SYNCED_MS = (REFRESH_INTERVAL_S + 1) * 1000;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${
      lastError ? `: ${lastError}` : ''
    }`,
  );
}

function startServers(): ChildProcess {
  const child = spawn('bash', ['scripts/serve.sh'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', stop);
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  return child;
}

async function serversReady() {
  await waitFor('the backend', 300_000, 1000, async () => {
    const response = await fetch(
      `${BACKEND_URL}/.backstage/health/v1/readiness`,
    );
    return response.ok ? true : undefined;
  });
  await waitFor('the app', 300_000, 1000, async () => {
    const response = await fetch(APP_URL);
    return response.ok ? true : undefined;
  });
  await waitFor('the sandbox', 60_000, 500, async () => {
    const response = await fetch(`${ADMIN_URL}/health`);
    return response.ok ? true : undefined;
  });
}

async function guestToken(): Promise<string> {
  const response = await fetch(
    `${BACKEND_URL}/api/auth/guest/refresh?env=development`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  if (!response.ok) {
    throw new Error(`guest sign-in: HTTP ${response.status}`);
  }
  return (await response.json()).backstageIdentity.token;
}

function repoUrl(owner: string, repo: string) {
  return `${GITHUB_HOST}?owner=${owner}&repo=${repo}`;
}

/** Submits the template; resolves with the time until the task finished its last step. */
async function runTemplate(token: string, name: string): Promise<number> {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
  };
  const body = {
    templateRef: TEMPLATE_REF,
    values: {
      name,
      owner: 'group:default/platform-team',
      cluster: 'sandbox',
      secrets: [
        {
          name: 'creds',
          // as the ExternalSecretsEditor field leaves them: each value named by its task secret
          properties: [
            {
              property: 'username',
              secretKey: 'USERNAME',
              initialValue: 'value set',
              valueKey: 'initialValue-benchuser',
            },
            {
              property: 'password',
              secretKey: 'PASSWORD',
              initialValue: 'value set',
              valueKey: 'initialValue-benchpass',
            },
          ],
        },
      ],
      gitopsRepoUrl: repoUrl('gitops-secrets', 'gitops'),
      repoUrl: repoUrl('gitops-secrets', name),
      kvMount: 'secret',
      refreshInterval: '2m',
      storeKind: 'ClusterSecretStore',
    },
    secrets: {
      'initialValue-benchuser': `bench-user-${randomBytes(4).toString('hex')}`,
      'initialValue-benchpass': `bench-pass-${randomBytes(8).toString('hex')}`,
    },
  };
  const started = performance.now();
  const created = await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  if (!created.ok) {
    throw new Error(
      `template submit: HTTP ${created.status} ${await created.text()}`,
    );
  }
  const { id } = await created.json();
  const status = await waitFor('the template run', 120_000, 50, async () => {
    const response = await fetch(
      `${BACKEND_URL}/api/scaffolder/v2/tasks/${id}`,
      {
        headers,
      },
    );
    const task = await response.json();
    return ['completed', 'failed', 'cancelled'].includes(task.status)
      ? (task.status as string)
      : undefined;
  });
  const elapsed = performance.now() - started;
  if (status !== 'completed') {
    throw new Error(`template run ${id} ended ${status}`);
  }
  return elapsed;
}

async function openCard(page: Page, name: string) {
  await waitFor(`the catalog entity of ${name}`, 120_000, 1000, async () => {
    await page.goto(`${APP_URL}/catalog/default/component/${name}`);
    const heading = page.getByRole('heading', { name }).first();
    await heading.waitFor({ state: 'visible', timeout: 5_000 });
    return true;
  });
  const card = page
    .locator('.MuiCard-root')
    .filter({ has: page.getByText('External Secrets', { exact: true }) })
    .first();
  await card.waitFor({ state: 'visible', timeout: 30_000 });
  return card;
}

/** Merges the service's pull request; resolves with the time until the card shows Synced. */
async function mergeToSynced(page: Page, name: string): Promise<number> {
  const card = await openCard(page, name);
  const { pulls } = await (await fetch(`${ADMIN_URL}/pulls`)).json();
  const pull = pulls.find(
    (p: { title: string; state: string }) =>
      p.title === `External Secrets for ${name}` && p.state === 'open',
  );
  if (!pull) {
    throw new Error(`no open pull request for ${name}`);
  }
  const started = performance.now();
  const merged = await fetch(`${ADMIN_URL}/pulls/${pull.number}/merge`, {
    method: 'POST',
  });
  if (!merged.ok) {
    throw new Error(`merge: HTTP ${merged.status} ${await merged.text()}`);
  }
  await card
    .getByText('Synced', { exact: true })
    .first()
    .waitFor({ state: 'visible', timeout: TARGET_SYNCED_MS + 60_000 });
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      reuse: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  }
  if (!values.reuse) {
    startServers();
  }
  await serversReady();

  let browser: Browser | undefined;
  const template: number[] = [];
  const synced: number[] = [];
  try {
    browser = await chromium.launch(chromiumLaunchOptions);
    const page = await browser.newPage();
    await page.goto(APP_URL);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByText('Create').first().waitFor({ state: 'visible' });
    const token = await guestToken();

    for (let run = 1; run <= runs; run++) {
      const name = `bench-${randomBytes(3).toString('hex')}`;
      const templateMs = await runTemplate(token, name);
      const syncedMs = await mergeToSynced(page, name);
      template.push(templateMs);
      synced.push(syncedMs);
      process.stderr.write(
        `run ${run}/${runs} ${name}: template ${templateMs.toFixed(
          0,
        )} ms, merge → Synced ${syncedMs.toFixed(0)} ms\n`,
      );
    }
  } finally {
    await browser?.close();
  }

  const rows = [
    {
      what: 'template: submit → last step',
      median: median(template),
      min: Math.min(...template),
      max: Math.max(...template),
      target: TARGET_TEMPLATE_MS,
    },
    {
      what: 'PR merge → Synced on the card',
      median: median(synced),
      min: Math.min(...synced),
      max: Math.max(...synced),
      target: TARGET_SYNCED_MS,
    },
  ];
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ runs, rows }, null, 2)}\n`);
    return;
  }
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  process.stdout.write(
    `\nFull story on the sandbox, median of ${runs} runs\n\n`,
  );
  process.stdout.write(
    '| what                          |   median |      min |      max |      target | met |\n',
  );
  process.stdout.write(
    '| ----------------------------- | -------: | -------: | -------: | ----------: | --- |\n',
  );
  for (const row of rows) {
    process.stdout.write(
      `| ${row.what.padEnd(29)} | ${ms(row.median).padStart(8)} | ${ms(
        row.min,
      ).padStart(8)} | ${ms(row.max).padStart(8)} | ${`≤ ${ms(
        row.target,
      )}`.padStart(11)} | ${row.median <= row.target ? 'yes' : 'no'} |\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
