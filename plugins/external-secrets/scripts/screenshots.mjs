#!/usr/bin/env node
/* eslint-disable no-console -- a command-line script: the console is its output */
/**
 * Renders the README screenshots of the card and the tab in a real browser: the built app
 * (packages/app/dist) is served on 127.0.0.1, and the backend APIs it calls are answered in the
 * browser with the illustrative data below (three ExternalSecrets, one cluster down), so no
 * backend, cluster or Vault is needed.
 *
 * Usage, from the repository root, after `yarn --cwd packages/app build`:
 *   node plugins/external-secrets/scripts/screenshots.mjs  (or: yarn workspace @gitops-secrets/plugin-external-secrets screenshots)
 * Needs Chromium at /usr/bin/chromium (Debian package `chromium`).
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const distDir = join(repoRoot, 'packages/app/dist');
const docsDir = join(repoRoot, 'docs');
const require = createRequire(join(repoRoot, 'package.json'));
const { chromium } = require('playwright-core');

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'example-api',
    namespace: 'default',
    uid: 'example-api-uid',
    description:
      'Public payments API; reads its .env file from Vault through an ExternalSecret',
    annotations: {
      'backstage.io/kubernetes-id': 'example-api',
      'backstage.io/kubernetes-namespace': 'example-api',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'payments-team' },
  relations: [],
};

const minutesAgo = minutes =>
  new Date(Date.now() - minutes * 60_000).toISOString();

const vaultStore = {
  kind: 'ClusterSecretStore',
  name: 'vault-example-api',
  found: true,
  ready: true,
  vault: {
    server: 'https://vault.internal:8200',
    path: 'secret',
    version: 'v2',
    authMountPath: 'kubernetes',
    role: 'external-secrets-example-api',
    policies: ['example-api'],
    serviceAccount: { name: 'external-secrets', namespace: 'external-secrets' },
  },
};

const demoStatus = {
  entityRef: 'component:default/example-api',
  generatedAt: new Date().toISOString(),
  overall: 'Error',
  counts: { Synced: 2, Error: 1, Stale: 0, Pending: 0, Unknown: 0 },
  clusters: [
    { name: 'dev', reachable: true, synced: true },
    { name: 'staging', reachable: true, synced: true },
    {
      name: 'prod-eu',
      reachable: false,
      synced: false,
      error: 'connect ETIMEDOUT 10.20.0.1:6443',
    },
  ],
  externalSecrets: [
    {
      cluster: 'dev',
      namespace: 'example-api',
      name: 'example-api-env-file',
      state: 'Synced',
      reason: 'SecretSynced',
      message: 'secret synced',
      lastSyncTime: minutesAgo(1),
      refreshInterval: '2m',
      stale: false,
      store: vaultStore,
      target: { name: 'example-api-env-file', exists: true, keys: ['.env'] },
      remoteRefs: [
        {
          secretKey: '.env',
          key: 'example-api/env-file',
          property: 'dotenv',
          vaultPath: 'secret/data/example-api/env-file',
        },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
          lastTransitionTime: minutesAgo(90),
        },
      ],
      findings: [],
    },
    {
      cluster: 'dev',
      namespace: 'example-api',
      name: 'example-api-config-file',
      state: 'Error',
      reason: 'UpdateFailed',
      message:
        'error processing spec.data[0] (key: example-api/config-file), err: cannot find secret data for key: "example-api/config-file" property: "config.json"',
      refreshInterval: '2m',
      stale: false,
      store: vaultStore,
      target: { name: 'example-api-config-file', exists: false, keys: [] },
      remoteRefs: [
        {
          secretKey: 'config.json',
          key: 'example-api/config-file',
          property: 'config.json',
          vaultPath: 'secret/data/example-api/config-file',
        },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
          lastTransitionTime: minutesAgo(12),
        },
      ],
      findings: [
        {
          code: 'PROPERTY_MISSING',
          severity: 'error',
          summary:
            'Vault secret secret/example-api/config-file has no property "config.json"',
          fix: 'Add it: vault kv patch secret/example-api/config-file config.json=@config.json — or correct remoteRef.property in the ExternalSecret.',
          evidence: { vaultPath: 'secret/data/example-api/config-file' },
        },
      ],
    },
    {
      cluster: 'staging',
      namespace: 'example-api',
      name: 'example-api-env-file',
      state: 'Synced',
      reason: 'SecretSynced',
      message: 'secret synced',
      lastSyncTime: minutesAgo(2),
      refreshInterval: '2m',
      stale: false,
      store: vaultStore,
      target: { name: 'example-api-env-file', exists: true, keys: ['.env'] },
      remoteRefs: [
        {
          secretKey: '.env',
          key: 'example-api/env-file',
          property: 'dotenv',
          vaultPath: 'secret/data/example-api/env-file',
        },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
          lastTransitionTime: minutesAgo(300),
        },
      ],
      findings: [],
    },
  ],
};

const TYPES = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function serveDist() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = join(distDir, path);
    if (!file.startsWith(distDir) || !existsSync(file) || path === '/') {
      file = join(distDir, 'index.html');
    }
    try {
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise(done => server.listen(0, '127.0.0.1', () => done(server)));
}

function guestToken() {
  const part = value =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    sub: 'user:default/alice',
    ent: ['user:default/alice'],
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  return `${part({ alg: 'none' })}.${part(payload)}.screenshot`;
}

function answerBackend(route) {
  const request = route.request();
  const url = new URL(request.url());
  const json = (body, code = 200) =>
    route.fulfill({
      status: code,
      contentType: 'application/json',
      body: JSON.stringify(body),
    });
  const path = url.pathname;
  if (path.startsWith('/api/external-secrets/entities/')) {
    return path.endsWith('/status')
      ? json(demoStatus)
      : route.fulfill({ status: 202 });
  }
  if (path.endsWith('/ancestry')) {
    return json({
      rootEntityRef: 'component:default/example-api',
      items: [{ entity, parentEntityRefs: [] }],
    });
  }
  if (path.startsWith('/api/catalog/entities/by-name/')) {
    return json(entity);
  }
  if (path === '/api/catalog/entities/by-refs') {
    const refs = JSON.parse(request.postData() ?? '{}').entityRefs ?? [];
    return json({
      items: refs.map(ref =>
        ref === 'component:default/example-api' ? entity : null,
      ),
    });
  }
  if (path === '/api/permission/authorize') {
    const items = JSON.parse(request.postData() ?? '{}').items ?? [];
    return json({
      items: items.map(item => ({ id: item.id, result: 'ALLOW' })),
    });
  }
  if (path.startsWith('/api/catalog/entities')) {
    return json({ items: [], totalItems: 0, pageInfo: {} });
  }
  if (path.startsWith('/api/auth/guest/refresh')) {
    return json({
      profile: { displayName: 'Alice' },
      backstageIdentity: {
        token: guestToken(),
        identity: {
          type: 'user',
          userEntityRef: 'user:default/alice',
          ownershipEntityRefs: ['user:default/alice'],
        },
      },
    });
  }
  return json({ error: { name: 'NotFoundError', message: 'not here' } }, 404);
}

async function main() {
  const server = await serveDist();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({
      viewport: { width: 1700, height: 1000 },
    });
    page.on('pageerror', error => console.error('page error:', error.message));
    if (process.env.DEBUG_SCREENSHOTS) {
      page.on('request', r => console.log('request:', r.method(), r.url()));
    }
    await page.route('http://localhost:7007/**', answerBackend);
    await page.route(/\/api\/.*/, answerBackend);

    await page.goto(`${base}/catalog/default/component/example-api`);
    await page.getByRole('button', { name: 'Enter' }).click();
    const card = page
      .locator('article, .MuiCard-root')
      .filter({ hasText: 'External Secrets' })
      .first();
    await card.getByRole('status').waitFor({ timeout: 60_000 });
    await card.screenshot({ path: join(docsDir, 'external-secrets-card.png') });

    await page.goto(`${base}/catalog/default/component/example-api/secrets`);
    await page
      .getByRole('table', { name: 'ExternalSecrets across clusters' })
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('button', {
        name: 'Show details of example-api-config-file in dev',
      })
      .click();
    await page.getByLabel('Chain from Vault to Secret').waitFor();
    // let the row's expand animation finish
    await page.waitForTimeout(1000);
    await page.screenshot({
      path: join(docsDir, 'external-secrets-tab.png'),
      fullPage: true,
    });
  } catch (error) {
    const pages = browser.contexts().flatMap(c => c.pages());
    await pages[0]?.screenshot({
      path: '/tmp/external-secrets-screenshot-failure.png',
    });
    throw error;
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
