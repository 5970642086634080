import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import NodeVault from 'node-vault';
import { stringify } from 'yaml';
import { Sandbox } from './Sandbox';
import { SANDBOX_ADMIN } from './seedSandbox';

// Key generation and TLS are slow on the shared test machine.
jest.setTimeout(180_000);

const EPHEMERAL = { vault: 0, kubernetes: 0, github: 0, admin: 0 };

let tmp: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-state-test-'));
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function backendVault(sandbox: Sandbox) {
  return NodeVault({
    endpoint: sandbox.info.vaultUrl,
    token: await fs.readFile(sandbox.info.files.vaultToken, 'utf8'),
    noCustomHTTPVerbs: true,
    requestOptions: {
      ca: await fs.readFile(sandbox.info.files.vaultCa, 'utf8'),
    },
  });
}

/** Vault with the sandbox's (in-process) root token. */
async function rootVault(
  sandbox: Sandbox,
  method: string,
  vaultPath: string,
  body?: unknown,
) {
  const response = await sandbox.vault.handle({
    method,
    path: `/v1/${vaultPath}`,
    headers: { 'x-vault-token': sandbox.vault.rootToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return response.body ? JSON.parse(response.body) : undefined;
}

async function backendKube(sandbox: Sandbox) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'sandbox',
        server: sandbox.info.kubernetesUrl,
        caFile: sandbox.info.files.kubeCa,
      },
    ],
    users: [
      {
        name: 'backend',
        token: await fs.readFile(sandbox.info.files.kubeToken, 'utf8'),
      },
    ],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'backend' }],
    currentContext: 'sandbox',
  });
  return {
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

async function gitops(
  sandbox: Sandbox,
  method: string,
  route: string,
  body?: unknown,
) {
  const response = await sandbox.github.handle({
    method,
    url: `/api/v3/repos/gitops-secrets/gitops${route}`,
    headers: {
      authorization: 'token test',
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return JSON.parse(String(response.body));
}

/** A branch with these files on top of main, and its pull request; answers its number. */
async function openPullRequest(
  sandbox: Sandbox,
  branch: string,
  files: Record<string, string>,
): Promise<number> {
  const main = await gitops(sandbox, 'GET', '/git/ref/heads/main');
  const parent = await gitops(sandbox, 'GET', `/commits/${main.object.sha}`);
  const tree = await gitops(sandbox, 'POST', '/git/trees', {
    base_tree: parent.commit.tree.sha,
    tree: Object.entries(files).map(([p, content]) => ({
      path: p,
      mode: '100644',
      content,
    })),
  });
  const commit = await gitops(sandbox, 'POST', '/git/commits', {
    message: branch,
    tree: tree.sha,
    parents: [main.object.sha],
  });
  await gitops(sandbox, 'POST', '/git/refs', {
    ref: `refs/heads/${branch}`,
    sha: commit.sha,
  });
  const pr = await gitops(sandbox, 'POST', '/pulls', {
    title: branch,
    head: branch,
    base: 'main',
  });
  return pr.number;
}

function externalSecretOf(sandbox: Sandbox, namespace: string, name: string) {
  return sandbox.cluster.objects
    .list(sandbox.cluster.type('externalsecrets'), namespace)
    .find(e => e.metadata.name === name);
}

function readyOf(sandbox: Sandbox, namespace: string, name: string) {
  const es = externalSecretOf(sandbox, namespace, name);
  return ((es?.status as any)?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
}

/** Waits (bounded) until the condition holds; answers whether it did. */
async function eventually(check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return check();
}

const EXTRA_EXTERNAL_SECRET = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: {
    name: 'example-api-extra',
    // the store admits example-api's own namespace only (spec.conditions)
    namespace: 'example-api',
    labels: { 'backstage.io/kubernetes-id': 'example-api' },
  },
  spec: {
    refreshInterval: '2m',
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-example-api' },
    target: { name: 'example-api-extra', creationPolicy: 'Owner' },
    data: [
      {
        secretKey: '.env',
        remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
      },
    ],
  },
};

describe('Sandbox --state-dir', () => {
  it('keeps Vault, the cluster, pull requests and the credentials across a restart', async () => {
    const outputDir = path.join(tmp, 'out');
    const stateDir = path.join(tmp, 'state');
    const stateFile = path.join(stateDir, 'state.json');
    let sandbox = await Sandbox.start({
      outputDir,
      stateDir,
      ports: EPHEMERAL,
    });
    let stopped = false;
    try {
      expect((await fs.stat(stateDir)).mode & 0o777).toBe(0o700);
      expect((await fs.stat(stateFile)).mode & 0o777).toBe(0o600);

      // Vault: a policy and a KV secret through the backend's token, a second version as root
      const vault = await backendVault(sandbox);
      await vault.write('sys/policies/acl/state-test', {
        policy: 'path "secret/data/state-test/*" { capabilities = ["read"] }',
      });
      await vault.write('secret/data/state-test/app', {
        data: { password: 'first' },
      });
      await rootVault(sandbox, 'POST', 'secret/data/state-test/app', {
        data: { password: 'second' },
      });
      // saved within a few seconds, without a stop
      expect(
        await eventually(async () =>
          (await fs.readFile(stateFile, 'utf8')).includes('state-test'),
        ),
      ).toBe(true);

      // the cluster: an object created by the cluster's administrator
      const configMaps = sandbox.cluster.type('configmaps');
      const created = await sandbox.cluster
        .clientFor({ user: SANDBOX_ADMIN })
        .create(configMaps, 'example-api', {
          metadata: { name: 'state-test' },
          data: { hello: 'world' },
        });

      // GitHub: one pull request merged (and synced by Argo), one left open
      const merged = await openPullRequest(sandbox, 'extra', {
        'apps/example-api-extra/external-secret.yaml': stringify(
          EXTRA_EXTERNAL_SECRET,
        ),
      });
      await sandbox.github.mergePullRequest('gitops-secrets', 'gitops', merged);
      const open = await openPullRequest(sandbox, 'open-one', {
        'apps/open-one/README.md': '# open\n',
      });
      expect(
        await eventually(
          () =>
            readyOf(sandbox, 'example-api', 'example-api-extra')?.status ===
            'True',
        ),
      ).toBe(true);

      // a fault active at shutdown is cleared, not saved
      await sandbox.faults.inject('policy-edit', 'example-api');
      const credentials = {
        vault: await fs.readFile(sandbox.info.files.vaultToken, 'utf8'),
        kube: await fs.readFile(sandbox.info.files.kubeToken, 'utf8'),
      };
      const oldVaultUrl = sandbox.info.vaultUrl;
      await sandbox.stop();
      stopped = true;
      expect((await fs.stat(stateFile)).mode & 0o777).toBe(0o600);

      const restartedAt = Math.floor(Date.now() / 1000) * 1000;
      sandbox = await Sandbox.start({ outputDir, stateDir, ports: EPHEMERAL });
      stopped = false;
      expect(sandbox.info.vaultUrl).not.toBe(oldVaultUrl);

      // the same credentials, and they work
      expect(await fs.readFile(sandbox.info.files.vaultToken, 'utf8')).toBe(
        credentials.vault,
      );
      expect(await fs.readFile(sandbox.info.files.kubeToken, 'utf8')).toBe(
        credentials.kube,
      );
      const vaultAgain = await backendVault(sandbox);
      const policy = await vaultAgain.read('sys/policies/acl/state-test');
      expect(policy.data.policy).toContain('secret/data/state-test/*');
      const metadata = await vaultAgain.read('secret/metadata/state-test/app');
      expect(metadata.data.current_version).toBe(2);
      const secret = await rootVault(
        sandbox,
        'GET',
        'secret/data/state-test/app',
      );
      expect(secret.data.data).toEqual({ password: 'second' });
      // the fault was cleared before the save
      const apiPolicy = await vaultAgain.read('sys/policies/acl/example-api');
      expect(apiPolicy.data.policy).toContain('secret/data/example-api/*');
      expect(sandbox.faults.list()).toEqual([]);

      // the backend's token still authenticates, with the same authority
      const kubeAgain = await backendKube(sandbox);
      await expect(
        kubeAgain.custom.listClusterCustomObject({
          group: 'external-secrets.io',
          version: 'v1',
          plural: 'externalsecrets',
        }),
      ).resolves.toMatchObject({ kind: 'ExternalSecretList' });
      await expect(
        kubeAgain.core.listSecretForAllNamespaces(),
      ).rejects.toMatchObject({ code: 403 });
      const configMap = await sandbox.cluster
        .clientFor({ user: SANDBOX_ADMIN })
        .get(configMaps, 'example-api', 'state-test');
      expect(configMap.data).toEqual({ hello: 'world' });
      expect(configMap.metadata?.resourceVersion).toBe(
        created.metadata?.resourceVersion,
      );
      expect(configMap.metadata?.uid).toBe(created.metadata?.uid);

      const pulls = sandbox.github.pullRequests('gitops-secrets', 'gitops');
      expect(pulls.find(p => p.number === merged)).toMatchObject({
        state: 'closed',
        merged: true,
      });
      expect(pulls.find(p => p.number === open)).toMatchObject({
        state: 'open',
        merged: false,
      });
      // nothing re-applied from Git at the restart
      expect(sandbox.argo.syncs).toEqual([]);

      // the stores point at this start's Vault, and ESO syncs the restored objects again
      const store = sandbox.cluster.objects.get(
        sandbox.cluster.type('clustersecretstores'),
        undefined,
        'vault-example-api',
      );
      expect((store.spec as any).provider.vault.server).toBe(
        sandbox.info.vaultUrl,
      );
      for (const [namespace, name] of [
        ['example-api', 'example-api-env-file'],
        ['example-api', 'example-api-extra'],
      ]) {
        expect(
          await eventually(() => {
            const es = externalSecretOf(sandbox, namespace, name);
            const refreshed = Date.parse((es?.status as any)?.refreshTime);
            return (
              readyOf(sandbox, namespace, name)?.status === 'True' &&
              refreshed >= restartedAt
            );
          }),
        ).toBe(true);
      }
    } finally {
      if (!stopped) {
        await sandbox.stop();
      }
    }
  });

  it('seeds afresh at each start without a state directory', async () => {
    const outputDir = path.join(tmp, 'out');
    let sandbox = await Sandbox.start({ outputDir, ports: EPHEMERAL });
    let token: string;
    try {
      sandbox.vault.putPolicy(
        'state-test',
        'path "x/*" { capabilities = ["read"] }',
      );
      await sandbox.cluster.objects.create(
        sandbox.cluster.type('configmaps'),
        'example-api',
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'state-test' },
        },
      );
      token = await fs.readFile(sandbox.info.files.vaultToken, 'utf8');
    } finally {
      await sandbox.stop();
    }
    expect((await fs.readdir(outputDir)).sort()).toEqual([
      'edge-kube-ca.pem',
      'kube-ca.pem',
      'lab-kube-ca.pem',
      'sandbox.env',
      'vault-ca.pem',
    ]);
    sandbox = await Sandbox.start({ outputDir, ports: EPHEMERAL });
    try {
      expect(await fs.readFile(sandbox.info.files.vaultToken, 'utf8')).not.toBe(
        token,
      );
      const policy = await sandbox.vault.handle({
        method: 'GET',
        path: '/v1/sys/policies/acl/state-test',
        headers: { 'x-vault-token': sandbox.vault.rootToken },
      });
      expect(policy.status).toBe(404);
      expect(() =>
        sandbox.cluster.objects.get(
          sandbox.cluster.type('configmaps'),
          'example-api',
          'state-test',
        ),
      ).toThrow();
      expect(sandbox.argo.syncs).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  });

  it('refuses a corrupt state file, naming it, and leaves it as it is', async () => {
    const stateDir = path.join(tmp, 'state');
    await fs.mkdir(stateDir, { recursive: true });
    const stateFile = path.join(stateDir, 'state.json');
    await fs.writeFile(stateFile, '{"version": 1, "vault": ');
    await expect(
      Sandbox.start({
        outputDir: path.join(tmp, 'out'),
        stateDir,
        ports: EPHEMERAL,
      }),
    ).rejects.toThrow(stateFile);
    expect(await fs.readFile(stateFile, 'utf8')).toBe(
      '{"version": 1, "vault": ',
    );

    await fs.writeFile(stateFile, JSON.stringify({ version: 7 }));
    await expect(
      Sandbox.start({
        outputDir: path.join(tmp, 'out'),
        stateDir,
        ports: EPHEMERAL,
      }),
    ).rejects.toThrow(/state\.json: unsupported version 7/);
  });
});
