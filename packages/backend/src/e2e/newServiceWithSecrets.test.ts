import { createTestCaPem, VaultEmulator } from 'sandbox';
import { parse } from 'yaml';
import {
  GITHUB_TOKEN,
  ScaffolderHarness,
  TaskResult,
} from './__testUtils__/scaffolderHarness';

// Values typed into the ExternalSecretsEditor field, by the task secret each property names.
// They must reach Vault and nothing else.
const SECRETS = {
  'initialValue-dbuser': 'S3NT1NEL-db-user',
  'initialValue-dbpassword': 'S3NT1NEL-db-password',
  'initialValue-stripekey': 'S3NT1NEL-stripe-key',
};

const withValue = (property: string, secretKey: string, valueKey: string) => ({
  property,
  secretKey,
  initialValue: 'value set',
  valueKey,
});

const STORE_LABELS = { 'backstage.io/kubernetes-id': 'orders' };

const expectedObjects = {
  'clustersecretstore-vault-orders.yaml': {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: 'vault-orders', labels: STORE_LABELS },
    spec: {
      conditions: [{ namespaces: ['orders'] }],
      provider: {
        vault: {
          server: 'https://vault.example.com:8200',
          path: 'secret',
          version: 'v2',
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
          auth: {
            kubernetes: {
              mountPath: 'kubernetes',
              role: 'external-secrets-orders',
              serviceAccountRef: {
                name: 'external-secrets-orders',
                namespace: 'orders',
                audiences: ['https://kubernetes.default.svc.cluster.local'],
              },
            },
          },
        },
      },
    },
  },
  'externalsecret-orders-db.yaml': {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'orders-db', namespace: 'orders', labels: STORE_LABELS },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-orders' },
      target: {
        name: 'orders-db',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: 'DB_USER',
          remoteRef: { key: 'orders/db', property: 'username' },
        },
        {
          secretKey: 'DB_PASSWORD',
          remoteRef: { key: 'orders/db', property: 'password' },
        },
      ],
    },
  },
  'externalsecret-orders-stripe.yaml': {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: 'orders-stripe',
      namespace: 'orders',
      labels: STORE_LABELS,
    },
    spec: {
      refreshInterval: '2m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-orders' },
      target: {
        name: 'orders-stripe',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
      },
      data: [
        {
          secretKey: 'STRIPE_KEY',
          remoteRef: { key: 'orders/stripe', property: 'api-key' },
        },
      ],
    },
  },
  '00-serviceaccount-external-secrets-orders.yaml': {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'external-secrets-orders',
      namespace: 'orders',
      labels: STORE_LABELS,
    },
    automountServiceAccountToken: false,
  },
  'kustomization.yaml': {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    metadata: { name: 'orders' },
    resources: [
      '00-serviceaccount-external-secrets-orders.yaml',
      'clustersecretstore-vault-orders.yaml',
      'externalsecret-orders-db.yaml',
      'externalsecret-orders-stripe.yaml',
    ],
  },
};

function formValues(
  h: ScaffolderHarness,
  gitopsRepo: string,
  serviceRepo: string,
) {
  return {
    name: 'orders',
    description: 'Takes orders',
    owner: 'group:default/payments-team',
    cluster: 'main',
    // What the form keeps of initial values: whether one was typed, and where it is.
    secrets: [
      {
        name: 'db',
        properties: [
          withValue('username', 'DB_USER', 'initialValue-dbuser'),
          withValue('password', 'DB_PASSWORD', 'initialValue-dbpassword'),
        ],
      },
      {
        name: 'stripe',
        properties: [
          withValue('api-key', 'STRIPE_KEY', 'initialValue-stripekey'),
        ],
      },
    ],
    gitopsRepoUrl: h.repoUrl(gitopsRepo),
    repoUrl: h.repoUrl(serviceRepo),
    kvMount: 'secret',
    refreshInterval: '2m',
    storeKind: 'ClusterSecretStore',
  };
}

function taskText(result: TaskResult): string {
  return JSON.stringify(result.events) + JSON.stringify(result.output ?? {});
}

function expectNoSecretValue(text: string) {
  for (const value of Object.values(SECRETS)) {
    expect(text).not.toContain(value);
  }
}

const BRANCH = 'external-secrets/orders';
const MANIFESTS_DIR = 'apps/orders/external-secrets';

describe('template new-service-with-secrets through a real scaffolder', () => {
  const h = new ScaffolderHarness();

  beforeAll(async () => {
    // two clusters: the first keeps the single-cluster mount `kubernetes`, the second gets its own
    const caData = Buffer.from(createTestCaPem('orders-clusters-ca')).toString(
      'base64',
    );
    await h.start(
      import(
        '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets'
      ),
      {
        externalSecrets: {
          clusters: [
            {
              name: 'main',
              url: 'https://main.clusters.test:6443',
              serviceAccountToken: 'status-token',
              caData,
              vaultAuthMount: 'kubernetes',
            },
            {
              name: 'edge',
              url: 'https://edge.clusters.test:6443',
              serviceAccountToken: 'status-token',
              caData,
            },
          ],
        },
      },
    );
    await h.github.createRepository('acme', 'gitops');
  }, 120_000);

  afterAll(() => h.stop(), 30_000);

  async function endState(gitopsRepo: string) {
    const files: Record<string, unknown> = {};
    for (const file of await h.github.listFiles(
      'acme',
      gitopsRepo,
      BRANCH,
      MANIFESTS_DIR,
    )) {
      files[file.slice(MANIFESTS_DIR.length + 1)] = parse(
        (await h.github.readFile('acme', gitopsRepo, BRANCH, file))!,
      );
    }
    const kv = async (key: string) => {
      const secret = await h.vaultRead(`secret/data/orders/${key}`);
      return secret && { data: secret.data, version: secret.metadata.version };
    };
    const pulls = h.github.pullRequests('acme', gitopsRepo);
    return {
      policy: (await h.vaultRead('sys/policies/acl/orders'))?.policy,
      role: await h.vaultRead('auth/kubernetes/role/external-secrets-orders'),
      kv: { db: await kv('db'), stripe: await kv('stripe') },
      files,
      pulls: pulls.map(pr => ({
        title: pr.title,
        body: pr.body,
        head: pr.head,
        base: pr.base,
        state: pr.state,
      })),
    };
  }

  let clean: Awaited<ReturnType<typeof endState>>;

  it('creates the Vault policy, role and values, opens the GitOps PR, publishes and registers the service', async () => {
    const result = await h.runTemplate(
      formValues(h, 'gitops', 'orders'),
      SECRETS,
    );
    expect(result.status).toBe('completed');
    clean = await endState('gitops');

    expect(clean.policy).toMatch(
      /path "secret\/data\/orders\/\*"\s*\{\s*capabilities\s*=\s*\["read"\]\s*\}/,
    );
    expect(clean.policy).not.toMatch(/path "secret\/orders/);
    expect(clean.policy.split('\n')[0]).toBe(
      '# managed by @gitops-secrets/plugin-scaffolder-backend-module-external-secrets for component:default/orders',
    );
    expect(clean.role).toMatchObject({
      bound_service_account_names: ['external-secrets-orders'],
      bound_service_account_namespaces: ['orders'],
      audience: 'https://kubernetes.default.svc.cluster.local',
      token_policies: ['orders'],
      token_ttl: 3600,
    });
    expect(clean.kv).toEqual({
      db: {
        data: {
          username: 'S3NT1NEL-db-user',
          password: 'S3NT1NEL-db-password',
        },
        version: 1,
      },
      stripe: { data: { 'api-key': 'S3NT1NEL-stripe-key' }, version: 1 },
    });

    expect(clean.files).toEqual(expectedObjects);
    expect(clean.pulls).toHaveLength(1);
    const [pr] = clean.pulls;
    expect(pr).toMatchObject({ head: BRANCH, base: 'main', state: 'open' });
    for (const fact of [
      'policy `orders`',
      '`secret/data/orders/*`',
      'role `external-secrets-orders`',
      '`secret/orders/db`',
      '`secret/orders/stripe`',
      'ClusterSecretStore `vault-orders`',
      'ExternalSecret `orders/orders-db`',
      'ExternalSecret `orders/orders-stripe`',
      'ServiceAccount `orders/external-secrets-orders`',
    ]) {
      expect(pr.body).toContain(fact);
    }
    expectNoSecretValue(pr.body);

    // The main branch is untouched until the PR is merged.
    expect(await h.github.listFiles('acme', 'gitops', 'main')).toEqual([
      'README.md',
    ]);

    const serviceFiles = await h.github.listFiles('acme', 'orders', 'main');
    expect(serviceFiles.sort()).toEqual([
      'README.md',
      'catalog-info.yaml',
      'deploy/deployment.yaml',
    ]);
    const deployment = parse(
      (await h.github.readFile(
        'acme',
        'orders',
        'main',
        'deploy/deployment.yaml',
      ))!,
    );
    expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([
      { secretRef: { name: 'orders-db' } },
      { secretRef: { name: 'orders-stripe' } },
    ]);
    for (const text of await Promise.all(
      serviceFiles.map(f => h.github.readFile('acme', 'orders', 'main', f)),
    )) {
      expectNoSecretValue(text!);
    }

    expect(h.registered).toHaveLength(1);
    expect(h.registered[0]).toMatchObject({
      kind: 'Component',
      metadata: {
        name: 'orders',
        description: 'Takes orders',
        annotations: {
          'backstage.io/kubernetes-id': 'orders',
          'backstage.io/kubernetes-namespace': 'orders',
          'gitops-secrets.io/source-location': `${h.github.baseUrl}/acme/gitops/pull/1`,
        },
      },
      spec: { type: 'service', owner: 'group:default/payments-team' },
    });

    const links = result.output?.links ?? [];
    expect(links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          url: `${h.github.baseUrl}/acme/gitops/pull/1`,
        }),
        expect.objectContaining({ url: `${h.github.baseUrl}/acme/orders.git` }),
        expect.objectContaining({ entityRef: 'component:default/orders' }),
      ]),
    );
    expect(JSON.stringify(result.output?.text)).toContain(
      'secret/data/orders/*',
    );
    expectNoSecretValue(taskText(result));
    expectNoSecretValue(JSON.stringify(h.github.requests));
  }, 120_000);

  it('run again: the same PR is updated, Vault is not written', async () => {
    h.vault.clearRequests();
    const before = await h.github.branches('acme', 'gitops');
    const result = await h.runTemplate(
      formValues(h, 'gitops', 'orders-again'),
      SECRETS,
    );
    expect(result.status).toBe('completed');
    expect(await endState('gitops')).toEqual(clean);
    const after = await h.github.branches('acme', 'gitops');
    expect(after[BRANCH]).not.toBe(before[BRANCH]);
    expect(after.main).toBe(before.main);
    // The seed may try its check-and-set-0 write; Vault must refuse it, and nothing else is written.
    const accepted = h.vault.requests.filter(
      r =>
        (r.operation === 'write' || r.operation === 'delete') && r.status < 300,
    );
    expect(accepted.map(r => `${r.method} ${r.path}`)).toEqual([]);
    expectNoSecretValue(taskText(result));
  }, 120_000);

  it('a dry run (the template editor) shows the rendered manifests and writes nothing', async () => {
    h.vault.clearRequests();
    const repos = h.github.requests.length;
    const result = await h.dryRun(
      formValues(h, 'gitops', 'orders-dry'),
      SECRETS,
    );
    expect(result.status).toBe(200);
    const rendered = Object.fromEntries(
      Object.entries(result.files)
        .filter(([file]) => file.startsWith(`${MANIFESTS_DIR}/`))
        .map(([file, text]) => [
          file.slice(MANIFESTS_DIR.length + 1),
          parse(text),
        ]),
    );
    expect(rendered).toEqual(expectedObjects);
    expect(Object.keys(result.files)).toEqual(
      expect.arrayContaining([
        'service/catalog-info.yaml',
        'service/deploy/deployment.yaml',
      ]),
    );
    expect(
      h.vault.requests.filter(
        r => r.operation === 'write' || r.operation === 'delete',
      ),
    ).toEqual([]);
    expect(
      h.github.requests.slice(repos).filter(r => r.method !== 'GET'),
    ).toEqual([]);
    expectNoSecretValue(JSON.stringify(result));
  }, 120_000);

  it('a Vault 500 on the role write fails the task with the step, path and cause; the next run ends like the clean run', async () => {
    h.vault = new VaultEmulator();
    await h.github.createRepository('acme', 'gitops-b');
    h.vault.faults.failNext({
      path: /^auth\/kubernetes\/role\//,
      method: 'POST',
      errors: ['storage backend unavailable'],
    });

    const failed = await h.runTemplate(
      formValues(h, 'gitops-b', 'orders-b'),
      SECRETS,
    );
    expect(failed.status).toBe('failed');
    const failedStep = failed.events.find(
      e => e.body.status === 'failed' && e.body.stepId,
    );
    expect(failedStep?.body.stepId).toBe('role');
    expect(failedStep?.body.message).toContain(
      'auth/kubernetes/role/external-secrets-orders',
    );
    expect(failedStep?.body.message).toContain('storage backend unavailable');
    expect(
      failed.events
        .filter(e => e.body.status === 'skipped')
        .map(e => e.body.stepId),
    ).toEqual(['seed', 'manifests', 'pr', 'fetch', 'publish', 'register']);
    expect(h.github.pullRequests('acme', 'gitops-b')).toEqual([]);
    expectNoSecretValue(taskText(failed));

    const retried = await h.runTemplate(
      formValues(h, 'gitops-b', 'orders-b'),
      SECRETS,
    );
    expect(retried.status).toBe('completed');
    expect(await endState('gitops-b')).toEqual(clean);
    expectNoSecretValue(taskText(retried));
  }, 180_000);

  it("merging the pull request hands the manifests to the merge hook (the sandbox's Argo sync)", async () => {
    const merged: Array<{ files: string[]; objects: Record<string, unknown> }> =
      [];
    h.github.onPullRequestMerged(async event => {
      const objects: Record<string, unknown> = {};
      for (const file of event.changedFiles) {
        objects[file.slice(MANIFESTS_DIR.length + 1)] = parse(
          (await event.readFile(file))!,
        );
      }
      merged.push({ files: event.changedFiles, objects });
    });
    const [pr] = h.github.pullRequests('acme', 'gitops-b');
    const response = await fetch(
      `${h.github.baseUrl}/api/v3/repos/acme/gitops-b/pulls/${pr.number}/merge`,
      { method: 'PUT', headers: { authorization: `token ${GITHUB_TOKEN}` } },
    );
    expect(response.status).toBe(200);
    expect(merged).toHaveLength(1);
    expect(merged[0].objects).toEqual(expectedObjects);
    expect(
      await h.github.listFiles('acme', 'gitops-b', 'main', MANIFESTS_DIR),
    ).toHaveLength(5);
  }, 30_000);

  it('an initial value that is part of a name: Backstage masks it in the log only, the outputs and links stay whole; a secret without values is not written', async () => {
    await h.github.createRepository('acme', 'gitops-ledger');
    const base = formValues(h, 'gitops-ledger', 'ledger-api');
    const values = {
      ...base,
      name: 'ledger-api',
      secrets: [
        base.secrets[0],
        {
          name: 'stripe',
          properties: [
            {
              property: 'api-key',
              secretKey: 'STRIPE_KEY',
              initialValue: 'none',
            },
          ],
        },
      ],
    };
    const result = await h.runTemplate(values, {
      'initialValue-dbuser': 'ledger',
      'initialValue-dbpassword': SECRETS['initialValue-dbpassword'],
    });
    expect(result.status).toBe('completed');

    // the scaffolder redacts every secret value wherever it occurs in a log line (README)
    const log = result.events
      .filter(e => e.type === 'log')
      .map(e => e.body.message ?? '')
      .join('\n');
    expect(log).toContain('***-api');

    // outputs do not go through the redaction: every link and the summary are whole
    expect(result.output?.links).toEqual([
      expect.objectContaining({
        title: 'GitOps pull request',
        url: `${h.github.baseUrl}/acme/gitops-ledger/pull/1`,
      }),
      expect.objectContaining({
        title: 'Repository',
        url: `${h.github.baseUrl}/acme/ledger-api.git`,
      }),
      expect.objectContaining({
        title: 'Open in catalog',
        entityRef: 'component:default/ledger-api',
      }),
    ]);
    const summary = JSON.stringify(result.output?.text);
    expect(summary).toContain('secret/data/ledger-api/*');
    expect(summary).toContain('external-secrets-ledger-api');
    expect(summary).not.toContain('***');
    expect(summary).toContain('`api-key` (no value yet: add it in Vault)');
    expect(await h.vaultRead('secret/data/ledger-api/stripe')).toBeFalsy();
    const [pr] = h.github.pullRequests('acme', 'gitops-ledger');
    expect(pr.title).toBe('External Secrets for ledger-api');
    expect(h.registered.at(-1)?.metadata).toMatchObject({
      name: 'ledger-api',
      annotations: {
        'gitops-secrets.io/source-location': `${h.github.baseUrl}/acme/gitops-ledger/pull/1`,
      },
    });
    expect((await h.vaultRead('secret/data/ledger-api/db'))?.data).toEqual({
      username: 'ledger',
      password: 'S3NT1NEL-db-password',
    });
  }, 120_000);

  it("on the second cluster: the role is written on that cluster's mount, the store logs in there, and the PR says which cluster", async () => {
    h.vault.enableKubernetesAuth('kubernetes-edge');
    // onboarded in client-JWT mode: no reviewer JWT in the mount's config
    await h.vault.handle({
      method: 'POST',
      path: '/v1/auth/kubernetes-edge/config',
      headers: { 'x-vault-token': h.vault.rootToken },
      body: JSON.stringify({
        kubernetes_host: 'https://edge.clusters.test:6443',
      }),
    });
    await h.github.createRepository('acme', 'gitops-edge');
    const result = await h.runTemplate(
      { ...formValues(h, 'gitops-edge', 'orders-edge'), cluster: 'edge' },
      SECRETS,
    );
    expect(result.status).toBe('completed');
    expect(
      await h.vaultRead('auth/kubernetes-edge/role/external-secrets-orders'),
    ).toMatchObject({
      bound_service_account_names: ['external-secrets-orders'],
      bound_service_account_namespaces: ['orders'],
      token_policies: ['orders'],
    });
    const store = parse(
      (await h.github.readFile(
        'acme',
        'gitops-edge',
        BRANCH,
        `${MANIFESTS_DIR}/clustersecretstore-vault-orders.yaml`,
      ))!,
    );
    expect(store.spec.provider.vault.auth.kubernetes.mountPath).toBe(
      'kubernetes-edge',
    );
    // Vault reviews the store account's own token with it: the account may review tokens
    const binding = parse(
      (await h.github.readFile(
        'acme',
        'gitops-edge',
        BRANCH,
        `${MANIFESTS_DIR}/00-clusterrolebinding-orders-vault-token-review.yaml`,
      ))!,
    );
    expect(binding).toMatchObject({
      roleRef: { name: 'system:auth-delegator' },
      subjects: [{ name: 'external-secrets-orders', namespace: 'orders' }],
    });
    const [pr] = h.github.pullRequests('acme', 'gitops-edge');
    expect(pr.body).toContain('For cluster `edge`.');
    expect(pr.body).toContain(
      'role `external-secrets-orders` on `auth/kubernetes-edge/`',
    );
    expect(pr.body).toContain('ClusterRoleBinding `orders-vault-token-review`');
    expectNoSecretValue(taskText(result));
  }, 120_000);

  it('a cluster that is not configured fails the role step before anything is written to Vault', async () => {
    h.vault.clearRequests();
    await h.github.createRepository('acme', 'gitops-nowhere');
    const result = await h.runTemplate(
      {
        ...formValues(h, 'gitops-nowhere', 'orders-nowhere'),
        cluster: 'nowhere',
      },
      SECRETS,
    );
    expect(result.status).toBe('failed');
    expect(taskText(result)).toMatch(/nowhere/);
    expect(
      h.vault.requests
        .filter(r => r.path.startsWith('auth/'))
        .filter(r => r.operation === 'write'),
    ).toEqual([]);
    expect(h.github.pullRequests('acme', 'gitops-nowhere')).toEqual([]);
  }, 120_000);
});
