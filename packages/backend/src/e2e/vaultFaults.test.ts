import { VaultEmulator } from 'sandbox';
import { parse } from 'yaml';
import {
  HARNESS_CLUSTER,
  ScaffolderHarness,
  TaskResult,
  VaultTransportFault,
} from './__testUtils__/scaffolderHarness';

// Each Vault call the template makes fails once — a 5xx, an answer that comes after the
// client's timeout (the write is applied all the same), a 403 — and the scaffolder's "Retry"
// of the same task must end where a clean run ends: one policy, one role, version 1 of each
// secret, one pull request.

const SECRETS = {
  'initialValue-dbuser': 'S3NT1NEL-db-user',
  'initialValue-stripekey': 'S3NT1NEL-stripe-key',
};
const BRANCH = 'external-secrets/orders';
const MANIFESTS_DIR = 'apps/orders/external-secrets';

function formValues(h: ScaffolderHarness, gitops: string, service: string) {
  return {
    name: 'orders',
    owner: 'group:default/payments-team',
    cluster: HARNESS_CLUSTER,
    // as the ExternalSecretsEditor field leaves them: each property names its task secret
    secrets: [
      {
        name: 'db',
        properties: [
          {
            property: 'username',
            secretKey: 'U',
            initialValue: 'value set',
            valueKey: 'initialValue-dbuser',
          },
        ],
      },
      {
        name: 'stripe',
        properties: [
          {
            property: 'key',
            secretKey: 'K',
            initialValue: 'value set',
            valueKey: 'initialValue-stripekey',
          },
        ],
      },
    ],
    gitopsRepoUrl: h.repoUrl(gitops),
    repoUrl: h.repoUrl(service),
  };
}

function failedStep(result: TaskResult) {
  return result.events.find(e => e.body.status === 'failed' && e.body.stepId)
    ?.body;
}

const CAUSE: Record<VaultTransportFault['kind'], RegExp> = {
  500: /internal error/,
  503: /Vault is sealed/,
  403: /permission denied/,
  late: /did not answer/,
};

describe('the template when one Vault call fails, then the task is retried', () => {
  const h = new ScaffolderHarness();
  let calls: Array<{ method: string; path: string; occurrence: number }> = [];
  let clean: Awaited<ReturnType<typeof endState>>;
  let repos = 0;

  async function endState(gitops: string) {
    const files: Record<string, unknown> = {};
    for (const file of await h.github.listFiles(
      'acme',
      gitops,
      BRANCH,
      MANIFESTS_DIR,
    )) {
      files[file] = parse(
        (await h.github.readFile('acme', gitops, BRANCH, file))!,
      );
    }
    const kv = async (key: string) => {
      const meta = await h.vaultRead(`secret/metadata/orders/${key}`);
      const data = await h.vaultRead(`secret/data/orders/${key}`);
      return { versions: Object.keys(meta?.versions ?? {}), data: data?.data };
    };
    return {
      policies: await h.vaultList('sys/policies/acl'),
      policy: (await h.vaultRead('sys/policies/acl/orders'))?.policy,
      roles: await h.vaultList('auth/kubernetes/role'),
      role: await h.vaultRead('auth/kubernetes/role/external-secrets-orders'),
      kv: { db: await kv('db'), stripe: await kv('stripe') },
      files,
      pulls: h.github
        .pullRequests('acme', gitops)
        .map(pr => ({ title: pr.title, head: pr.head, state: pr.state })),
    };
  }

  async function freshRepos() {
    repos++;
    await h.github.createRepository('acme', `gitops-${repos}`);
    return { gitops: `gitops-${repos}`, service: `orders-${repos}` };
  }

  beforeAll(async () => {
    // A short client timeout, so that a late answer is a timeout without a long wait.
    await h.start(
      import(
        '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets'
      ),
      { vault: { timeout: '1s' } },
    );
    // The first run warms the backend's one Vault client (it caches the KV version); the
    // second, on an empty Vault, shows the calls every later run makes.
    const warm = await freshRepos();
    const first = await h.runTemplate(
      formValues(h, warm.gitops, warm.service),
      SECRETS,
    );
    h.vault = new VaultEmulator();
    const second = await freshRepos();
    const result = await h.runTemplate(
      formValues(h, second.gitops, second.service),
      SECRETS,
    );
    if (first.status !== 'completed' || result.status !== 'completed') {
      throw new Error(
        `the clean runs did not complete: ${first.status}, ${result.status}`,
      );
    }
    const seen = new Map<string, number>();
    calls = h.vault.requests.map(r => {
      const key = `${r.method} ${r.path}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { method: r.method, path: r.path, occurrence: seen.get(key)! };
    });
    clean = await endState(second.gitops);
  }, 240_000);

  afterAll(() => h.stop(), 30_000);

  // The calls the template makes, in order, each with the fault it gets: every kind appears,
  // and each write that could be duplicated by a retry gets the answer that comes too late.
  const CASES: Array<[string, string, number, VaultTransportFault['kind']]> = [
    ['GET', 'sys/policies/acl/orders', 1, 403],
    ['POST', 'sys/policies/acl/orders', 1, 'late'],
    ['GET', 'sys/policies/acl/orders', 2, 503],
    ['GET', 'auth/kubernetes/role/external-secrets-orders', 1, 'late'],
    ['POST', 'auth/kubernetes/role/external-secrets-orders', 1, 500],
    ['POST', 'secret/data/orders/db', 1, 'late'],
    ['POST', 'secret/data/orders/stripe', 1, 403],
  ];

  // After the role, the role step reads the mount's config (how it reviews tokens); a failure
  // there is survived: the mode is then unknown and no auth-delegator binding is rendered.
  const CONFIG_READ = {
    method: 'GET',
    path: 'auth/kubernetes/config',
    occurrence: 1,
  };

  it('makes exactly these Vault calls: policy, role, the mount config, both seeds', () => {
    const expected = CASES.map(([method, path, occurrence]) => ({
      method,
      path,
      occurrence,
    }));
    expected.splice(5, 0, CONFIG_READ);
    expect(calls).toEqual(expected);
  });

  it('the mount config read failing (503): the task completes as the clean run, and the log says the mode is unknown', async () => {
    h.vault = new VaultEmulator();
    const { gitops, service } = await freshRepos();
    h.faultVault({ ...CONFIG_READ, kind: 503 });
    const result = await h.runTemplate(formValues(h, gitops, service), SECRETS);
    expect(h.vaultFaultFired).toBe(true);
    expect(result.status).toBe('completed');
    expect(await endState(gitops)).toEqual(clean);
    expect(JSON.stringify(result.events)).toMatch(/reviewerMode is unknown/);
  }, 120_000);

  it.each(CASES)(
    '%s %s (call %s) failing with %s: a clear task error, and the retry ends like the clean run',
    async (method, path, occurrence, kind) => {
      h.vault = new VaultEmulator();
      const { gitops, service } = await freshRepos();
      h.faultVault({ method, path, occurrence, kind });

      const failed = await h.runTemplate(
        formValues(h, gitops, service),
        SECRETS,
      );
      expect(h.vaultFaultFired).toBe(true);
      expect(failed.status).toBe('failed');
      const step = failedStep(failed);
      expect(step?.message).toContain(path);
      expect(step?.message).toMatch(CAUSE[kind]);
      expect(h.github.pullRequests('acme', gitops)).toEqual([]);

      const retried = await h.retryTask(failed.id, SECRETS);
      expect(retried.status).toBe('completed');
      expect(await endState(gitops)).toEqual(clean);
      expect(
        JSON.stringify(failed.events) + JSON.stringify(retried.events),
      ).not.toMatch(/S3NT1NEL/);
    },
    120_000,
  );
});
