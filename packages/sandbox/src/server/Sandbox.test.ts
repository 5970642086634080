import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import {
  CustomObjectsApi,
  KubeConfig,
  setHeaderOptions,
} from '@kubernetes/client-node';
import NodeVault from 'node-vault';
import { parse, stringify } from 'yaml';
import { BACKEND_DEPLOY_DIR } from './backendDeployFiles';
import { Sandbox } from './Sandbox';
import { VaultRootClient } from './VaultRootClient';

// Key generation and TLS are slow on the shared test machine.
jest.setTimeout(120_000);

const EPHEMERAL = { vault: 0, kubernetes: 0, github: 0, admin: 0 };

let sandbox: Sandbox;
let outputDir: string;

async function admin(method: string, route: string, body?: unknown) {
  const response = await fetch(`${sandbox.info.adminUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

function readyOf(namespace: string, name: string) {
  return sandbox
    .status()
    .externalSecrets.find(e => e.namespace === namespace && e.name === name);
}

/** Waits (bounded) until the ExternalSecret's Ready condition matches. */
async function waitForReady(
  namespace: string,
  name: string,
  expected: { ready: string; message?: RegExp },
) {
  const deadline = Date.now() + 20_000;
  let last = readyOf(namespace, name);
  while (Date.now() < deadline) {
    last = readyOf(namespace, name);
    if (
      last?.ready === expected.ready &&
      (!expected.message || expected.message.test(last.message ?? ''))
    ) {
      return last;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return last;
}

function kubeClient(caFile: string, tokenFile: string, token: string) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: sandbox.info.kubernetesUrl, caFile }],
    users: [{ name: 'backend', token }],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'backend' }],
    currentContext: 'sandbox',
  });
  expect(tokenFile).toBeTruthy();
  return kc.makeApiClient(CustomObjectsApi);
}

/** Runs the real kubectl against the sandbox with the backend's token (no kubeconfig). */
async function kubectlAsBackend(args: string[]) {
  const token = await fs.readFile(sandbox.info.files.kubeToken, 'utf8');
  return new Promise<{ code: number; stdout: string; stderr: string }>(
    resolve => {
      execFile(
        'kubectl',
        [
          '--kubeconfig=/dev/null',
          `--server=${sandbox.info.kubernetesUrl}`,
          `--certificate-authority=${sandbox.info.files.kubeCa}`,
          `--token=${token}`,
          '--request-timeout=10s',
          ...args,
        ],
        { timeout: 30_000, env: { PATH: process.env.PATH, HOME: outputDir } },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number((error as any).code ?? 1) : 0,
            stdout,
            stderr,
          }),
      );
    },
  );
}

async function hasKubectl(): Promise<boolean> {
  return new Promise(resolve =>
    execFile('kubectl', ['version', '--client'], { timeout: 10_000 }, error =>
      resolve(!error),
    ),
  );
}

beforeAll(async () => {
  outputDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-test-'));
  sandbox = await Sandbox.start({ outputDir, ports: EPHEMERAL });
});

afterAll(async () => {
  await sandbox?.stop();
  await fs.rm(outputDir, { recursive: true, force: true });
});

describe('Sandbox', () => {
  it('writes the CA files, the credentials (owner-only) and ready.json', async () => {
    const ready = JSON.parse(
      await fs.readFile(path.join(outputDir, 'ready.json'), 'utf8'),
    );
    expect(ready.vaultUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.kubernetesUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.githubApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    for (const file of ['vault-token', 'kube-token', 'github-token']) {
      const stat = await fs.stat(path.join(outputDir, file));
      expect(stat.mode & 0o077).toBe(0);
    }
    expect(
      await fs.readFile(path.join(outputDir, 'vault-ca.pem'), 'utf8'),
    ).toContain('BEGIN CERTIFICATE');
  });

  it('serves Vault over HTTPS trusted only through the generated CA', async () => {
    const ca = await fs.readFile(sandbox.info.files.vaultCa, 'utf8');
    const get = (options: https.RequestOptions) =>
      new Promise<number>((resolve, reject) => {
        https
          .get(`${sandbox.info.vaultUrl}/v1/sys/health`, options, response => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', reject);
      });
    await expect(get({ ca })).resolves.toBe(200);
    await expect(get({})).rejects.toThrow(
      /self-signed certificate|unable to verify/,
    );
  });

  it('gives the backend a Vault token that writes configuration but cannot read secret values', async () => {
    const token = await fs.readFile(sandbox.info.files.vaultToken, 'utf8');
    const ca = await fs.readFile(sandbox.info.files.vaultCa, 'utf8');
    const vault = NodeVault({
      endpoint: sandbox.info.vaultUrl,
      token,
      noCustomHTTPVerbs: true,
      requestOptions: { ca },
    });
    const policy = await vault.read('sys/policies/acl/example-api');
    expect(policy.data.policy).toContain('secret/data/example-api/*');
    await expect(
      vault.read('secret/data/example-api/env-file'),
    ).rejects.toMatchObject({
      response: { statusCode: 403 },
    });
  });

  it('gives the backend exactly the shipped Vault policy: no secret values, not even its own policy to widen', async () => {
    const token = await fs.readFile(sandbox.info.files.vaultToken, 'utf8');
    const ca = await fs.readFile(sandbox.info.files.vaultCa, 'utf8');
    const vault = NodeVault({
      endpoint: sandbox.info.vaultUrl,
      token,
      noCustomHTTPVerbs: true,
      requestOptions: { ca },
    });
    const shipped = await fs.readFile(
      path.join(BACKEND_DEPLOY_DIR, 'vault-policy.hcl'),
      'utf8',
    );
    const installed: string = (await vault.read('sys/policies/acl/backstage'))
      .data.policy;
    // the shipped text, plus the same auth rules for the further clusters' mounts, and what
    // the onboarding of the third cluster needs, for its mount only
    expect(installed.startsWith(shipped.trimEnd())).toBe(true);
    const added = installed.slice(shipped.trimEnd().length);
    expect(added.match(/path "[^"]+"/g)).toEqual([
      'path "auth/kubernetes-edge/config"',
      'path "auth/kubernetes-edge/role/*"',
      'path "auth/kubernetes-edge/role/external-secrets-*"',
      'path "auth/kubernetes-lab/config"',
      'path "auth/kubernetes-lab/role/*"',
      'path "auth/kubernetes-lab/role/external-secrets-*"',
      'path "sys/auth"',
      'path "sys/auth/kubernetes-lab"',
      'path "auth/kubernetes-lab/config"',
    ]);
    const denied = { response: { statusCode: 403 } };
    await expect(
      vault.write('sys/policies/acl/backstage', {
        policy: 'path "*" { capabilities = ["sudo", "read"] }',
      }),
    ).rejects.toMatchObject(denied);
    await expect(
      vault.write('sys/policies/acl/default', { policy: 'path "*" {}' }),
    ).rejects.toMatchObject(denied);
    await expect(
      vault.write('auth/kubernetes/role/anything', {
        bound_service_account_names: ['default'],
        bound_service_account_namespaces: ['default'],
        token_policies: ['example-api'],
      }),
    ).rejects.toMatchObject(denied);
    await expect(
      vault.write('secret/data/example-api/env-file', {
        data: { dotenv: 'overwritten' },
      }),
    ).rejects.toMatchObject(denied);
    // what the actions and the diagnosis need works
    await vault.write('sys/policies/acl/authority-test', {
      policy: 'path "secret/data/authority-test/*" { capabilities = ["read"] }',
    });
    await vault.write('auth/kubernetes/role/external-secrets-authority-test', {
      bound_service_account_names: ['authority-test'],
      bound_service_account_namespaces: ['authority-test'],
      audience: 'https://kubernetes.default.svc.cluster.local',
      token_policies: ['authority-test'],
    });
    await vault.write('secret/data/authority-test/app', {
      data: { key: 'value' },
      options: { cas: 0 },
    });
    await expect(
      vault.read('secret/metadata/authority-test/app'),
    ).resolves.toMatchObject({ data: { current_version: 1 } });
    await expect(
      vault.read('secret/data/authority-test/app'),
    ).rejects.toMatchObject(denied);
    await expect(vault.read('auth/kubernetes/config')).resolves.toMatchObject({
      data: { token_reviewer_jwt_set: true },
    });
  });

  it('gives the backend exactly the shipped ClusterRole: kubectl cannot read a Secret with its token', async () => {
    const shipped = parse(
      await fs.readFile(
        path.join(BACKEND_DEPLOY_DIR, 'clusterrole.yaml'),
        'utf8',
      ),
    );
    const inCluster = sandbox.cluster.objects.get(
      sandbox.cluster.type('clusterroles'),
      undefined,
      shipped.metadata.name,
    );
    expect(inCluster.rules).toEqual(shipped.rules);
    if (!(await hasKubectl())) {
      return;
    }
    const secret = await kubectlAsBackend([
      '-n',
      'example-api',
      'get',
      'secret',
      'example-api-env-file',
      '-o',
      'yaml',
    ]);
    expect(secret.code).not.toBe(0);
    expect(secret.stdout).toBe('');
    expect(secret.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets "example-api-env-file" is forbidden: User "system:serviceaccount:backstage:backstage" cannot get resource "secrets" in API group "" in the namespace "example-api"',
    );
    const list = await kubectlAsBackend(['get', 'secrets', '-A', '-o', 'name']);
    expect(list.stderr).toContain(
      'cannot list resource "secrets" in API group "" at the cluster scope',
    );
    const externalSecrets = await kubectlAsBackend([
      'get',
      'externalsecrets.external-secrets.io',
      '-A',
      '-o',
      'name',
    ]);
    expect(externalSecrets.stderr).toBe('');
    expect(externalSecrets.stdout.trim().split('\n').sort()).toEqual([
      'externalsecret.external-secrets.io/example-admin-config-file',
      'externalsecret.external-secrets.io/example-api-env-file',
      'externalsecret.external-secrets.io/example-worker-config-file',
    ]);
    // "Sync now" as the backend sends it: a merge patch, without reading the object first
    const token = await fs.readFile(sandbox.info.files.kubeToken, 'utf8');
    const custom = kubeClient(sandbox.info.files.kubeCa, 'kube-token', token);
    await expect(
      custom.patchNamespacedCustomObject(
        {
          group: 'external-secrets.io',
          version: 'v1',
          namespace: 'example-api',
          plural: 'externalsecrets',
          name: 'example-api-env-file',
          body: { metadata: { annotations: { 'force-sync': 'authority' } } },
        },
        setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      ),
    ).resolves.toMatchObject({
      metadata: { annotations: { 'force-sync': 'authority' } },
    });
    const remove = await kubectlAsBackend([
      '-n',
      'example-api',
      'delete',
      'externalsecrets.external-secrets.io',
      'example-api-env-file',
    ]);
    expect(remove.stderr).toContain(
      'cannot delete resource "externalsecrets" in API group "external-secrets.io" in the namespace "example-api"',
    );
  });

  it('serves the cluster over HTTPS with bearer-token auth', async () => {
    const caFile = sandbox.info.files.kubeCa;
    const token = await fs.readFile(sandbox.info.files.kubeToken, 'utf8');
    const client = kubeClient(caFile, sandbox.info.files.kubeToken, token);
    const list = await client.listClusterCustomObject({
      group: 'external-secrets.io',
      version: 'v1',
      plural: 'externalsecrets',
    });
    expect((list as any).items.map((i: any) => i.metadata.name).sort()).toEqual(
      [
        'example-admin-config-file',
        'example-api-env-file',
        'example-worker-config-file',
      ],
    );
    const stranger = kubeClient(caFile, 'none', 'not-a-token');
    await expect(
      stranger.listClusterCustomObject({
        group: 'external-secrets.io',
        version: 'v1',
        plural: 'externalsecrets',
      }),
    ).rejects.toMatchObject({ code: 401 });
  });

  it('seeds the three services in their documented states', async () => {
    expect(
      await waitForReady('example-api', 'example-api-env-file', {
        ready: 'True',
      }),
    ).toMatchObject({ reason: 'SecretSynced' });
    expect(
      await waitForReady('example-worker', 'example-worker-config-file', {
        ready: 'False',
      }),
    ).toMatchObject({ reason: 'SecretSyncedError' });
    expect(
      await waitForReady('example-admin', 'example-admin-config-file', {
        ready: 'False',
      }),
    ).toMatchObject({ reason: 'SecretSyncedError' });
    const warnings = sandbox.cluster.objects
      .list(sandbox.cluster.type('events'))
      .filter(e => e.type === 'Warning')
      .map(e => e.message as string);
    expect(warnings.join('\n')).toMatch(/config\.json/);
    expect(warnings.join('\n')).toMatch(/permission denied|403/);
  });

  it('runs a Deployment per seeded service whose Pods use its target Secret', async () => {
    await sandbox.cluster.workloadsIdle();
    const pods = sandbox.cluster.objects.list(sandbox.cluster.type('pods'));
    const of = (namespace: string) =>
      pods.find(p => p.metadata.namespace === namespace) as any;
    expect(of('example-api').spec.containers[0].envFrom).toEqual([
      { secretRef: { name: 'example-api-env-file' } },
    ]);
    expect(of('example-worker').spec.volumes).toEqual([
      { name: 'config', secret: { secretName: 'example-worker-config-file' } },
    ]);
    expect(of('example-admin').spec.containers[0].env[0].valueFrom).toEqual({
      secretKeyRef: { name: 'example-admin-config-file', key: 'config' },
    });
    for (const pod of pods) {
      expect(pod.metadata.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
      expect((pod.status as any).phase).toBe('Running');
    }
  });

  it('rotates a seeded value through the admin API: a new KV version, the value never answered', async () => {
    const vault = new VaultRootClient(sandbox.vault);
    const before = await vault.read('secret/metadata/example-api/env-file');
    const oldValue = (await vault.read('secret/data/example-api/env-file'))
      ?.data.data.dotenv;
    const rotated = await admin('POST', '/services/example-api/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      service: 'example-api',
      path: 'secret/example-api/env-file',
      version: before?.data.current_version + 1,
      updatedTime: expect.any(String),
    });
    const after = await vault.read('secret/data/example-api/env-file');
    expect(after?.data.data.dotenv).toMatch(/^API_KEY=sandbox-[0-9a-f]{24}\n$/);
    expect(after?.data.data.dotenv).not.toBe(oldValue);
    expect(JSON.stringify(rotated.body)).not.toContain('API_KEY');
    expect((await admin('POST', '/services/nope/rotate')).status).toBe(404);
  });

  it('runs a second cluster with its own CA, ESO and Vault auth mount, and syncs its service there', async () => {
    const edge = sandbox.info.edgeCluster;
    expect(edge).toMatchObject({
      name: 'edge',
      vaultAuthMount: 'kubernetes-edge',
    });
    expect(edge.url).not.toBe(sandbox.info.kubernetesUrl);
    const edgeCa = await fs.readFile(sandbox.info.files.edgeKubeCa, 'utf8');
    const firstCa = await fs.readFile(sandbox.info.files.kubeCa, 'utf8');
    expect(edgeCa).not.toBe(firstCa);

    // the backend's token of the edge cluster reads ESO's kinds there, trusting only its CA
    const token = await fs.readFile(sandbox.info.files.edgeKubeToken, 'utf8');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'edge',
          server: edge.url,
          caFile: sandbox.info.files.edgeKubeCa,
        },
      ],
      users: [{ name: 'backend', token }],
      contexts: [{ name: 'edge', cluster: 'edge', user: 'backend' }],
      currentContext: 'edge',
    });
    const api = kc.makeApiClient(CustomObjectsApi);
    const deadline = Date.now() + 20_000;
    let ready: any;
    while (Date.now() < deadline) {
      const list: any = await api.listNamespacedCustomObject({
        group: 'external-secrets.io',
        version: 'v1',
        namespace: 'example-edge',
        plural: 'externalsecrets',
      });
      ready = list.items[0]?.status?.conditions?.find(
        (c: any) => c.type === 'Ready',
      );
      if (ready?.status === 'True') break;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(ready).toMatchObject({ status: 'True', reason: 'SecretSynced' });

    // Vault: the edge mount points at the edge cluster, the first one's at the first cluster
    const vaultToken = await fs.readFile(sandbox.info.files.vaultToken, 'utf8');
    const vault = NodeVault({
      endpoint: sandbox.info.vaultUrl,
      token: vaultToken,
      noCustomHTTPVerbs: true,
      requestOptions: {
        ca: await fs.readFile(sandbox.info.files.vaultCa, 'utf8'),
      },
    });
    await expect(
      vault.read('auth/kubernetes-edge/config'),
    ).resolves.toMatchObject({
      data: { kubernetes_host: edge.url, token_reviewer_jwt_set: true },
    });
    await expect(vault.read('auth/kubernetes/config')).resolves.toMatchObject({
      data: { kubernetes_host: sandbox.info.kubernetesUrl },
    });
    // the first cluster has no such service: nothing of the edge leaks into it
    expect(
      sandbox.status().externalSecrets.map(e => e.namespace),
    ).not.toContain('example-edge');
  });

  it('runs a third cluster that is not onboarded: the backend may onboard exactly its mount, and a merge to its repository is applied there', async () => {
    const lab = sandbox.info.labCluster;
    expect(lab).toMatchObject({
      name: 'lab',
      vaultAuthMount: 'kubernetes-lab',
    });
    expect([
      sandbox.info.kubernetesUrl,
      sandbox.info.edgeCluster.url,
    ]).not.toContain(lab.url);
    // not onboarded: no reviewer account, no vault-ca, no mount in Vault; ESO is there
    const objectOf = (
      cluster: typeof sandbox.cluster,
      plural: string,
      namespace: string,
      name: string,
    ) => {
      try {
        return cluster.objects.get(cluster.type(plural), namespace, name);
      } catch {
        return undefined;
      }
    };
    const labVaultCa = () =>
      objectOf(
        sandbox.labCluster,
        'configmaps',
        'external-secrets',
        'vault-ca',
      );
    expect(labVaultCa()).toBeUndefined();
    expect(
      objectOf(sandbox.labCluster, 'serviceaccounts', 'vault', 'vault-auth'),
    ).toBeUndefined();
    expect(
      objectOf(
        sandbox.labCluster,
        'serviceaccounts',
        'external-secrets',
        'external-secrets',
      ),
    ).toBeDefined();
    const vault = NodeVault({
      endpoint: sandbox.info.vaultUrl,
      token: await fs.readFile(sandbox.info.files.vaultToken, 'utf8'),
      noCustomHTTPVerbs: true,
      requestOptions: {
        ca: await fs.readFile(sandbox.info.files.vaultCa, 'utf8'),
      },
    });
    expect(Object.keys((await vault.read('sys/auth')).data)).not.toContain(
      'kubernetes-lab/',
    );

    // the backend's token enables and configures the lab mount, as the onboarding does, and
    // no other mount
    const denied = { response: { statusCode: 403 } };
    await expect(
      vault.write('sys/auth/kubernetes-other', { type: 'kubernetes' }),
    ).rejects.toMatchObject(denied);
    await expect(
      vault.write('sys/auth/approle', { type: 'approle' }),
    ).rejects.toMatchObject(denied);
    await expect(
      vault.write('auth/kubernetes-edge/config', {
        kubernetes_host: lab.url,
      }),
    ).rejects.toMatchObject(denied);
    await vault.write('sys/auth/kubernetes-lab', { type: 'kubernetes' });
    await vault.write('auth/kubernetes-lab/config', {
      kubernetes_host: lab.url,
      kubernetes_ca_cert: await fs.readFile(
        sandbox.info.files.labKubeCa,
        'utf8',
      ),
    });
    await expect(
      vault.read('auth/kubernetes-lab/config'),
    ).resolves.toMatchObject({
      data: { kubernetes_host: lab.url, token_reviewer_jwt_set: false },
    });

    // Argo CD applies what is merged into gitops-lab to the lab cluster, and only there
    const api = async (method: string, route: string, body: unknown) => {
      const response = await sandbox.github.handle({
        method,
        url: `/api/v3/repos/gitops-secrets/gitops-lab${route}`,
        headers: {
          authorization: 'token test',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return JSON.parse(String(response.body));
    };
    const main = await api('GET', '/git/ref/heads/main', undefined);
    const parent = await api('GET', `/commits/${main.object.sha}`, undefined);
    const tree = await api('POST', '/git/trees', {
      base_tree: parent.commit.tree.sha,
      tree: [
        {
          path: 'clusters/lab/platform/05-configmap-vault-ca.yaml',
          mode: '100644',
          content: stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'vault-ca', namespace: 'external-secrets' },
            data: { 'ca.crt': 'lab' },
          }),
        },
        {
          path: 'clusters/lab/platform/kustomization.yaml',
          mode: '100644',
          content: stringify({
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            resources: ['05-configmap-vault-ca.yaml'],
          }),
        },
      ],
    });
    const commit = await api('POST', '/git/commits', {
      message: 'onboard lab',
      tree: tree.sha,
      parents: [main.object.sha],
    });
    await api('POST', '/git/refs', {
      ref: 'refs/heads/onboard-cluster-lab',
      sha: commit.sha,
    });
    const pr = await api('POST', '/pulls', {
      title: 'Onboard cluster lab to Vault',
      head: 'onboard-cluster-lab',
      base: 'main',
    });
    const merged = await admin(
      'POST',
      `/pulls/${pr.number}/merge?repo=gitops-secrets/gitops-lab`,
    );
    expect(merged.status).toBe(200);
    expect(merged.body.applied).toEqual([
      expect.objectContaining({
        kind: 'ConfigMap',
        name: 'vault-ca',
        action: 'created',
      }),
    ]);
    expect(labVaultCa()).toMatchObject({ data: { 'ca.crt': 'lab' } });
    // the first cluster's vault-ca is its own
    expect(
      objectOf(sandbox.cluster, 'configmaps', 'external-secrets', 'vault-ca'),
    ).toMatchObject({ data: { 'ca.crt': expect.stringContaining('BEGIN') } });
  });

  it('applies the manifests of a pull request merged through the admin API', async () => {
    const github = sandbox.github;
    const externalSecret = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: 'example-api-extra',
        // the seeded store admits example-api's own namespace only (spec.conditions)
        namespace: 'example-api',
        labels: { 'backstage.io/kubernetes-id': 'example-api' },
      },
      spec: {
        refreshInterval: '2m',
        secretStoreRef: {
          kind: 'ClusterSecretStore',
          name: 'vault-example-api',
        },
        target: { name: 'example-api-extra', creationPolicy: 'Owner' },
        data: [
          {
            secretKey: '.env',
            remoteRef: { key: 'example-api/env-file', property: 'dotenv' },
          },
        ],
      },
    };
    const api = async (method: string, route: string, body: unknown) => {
      const response = await github.handle({
        method,
        url: `/api/v3/repos/gitops-secrets/gitops${route}`,
        headers: {
          authorization: 'token test',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return JSON.parse(String(response.body));
    };
    // the same Git Data API calls publish:github:pull-request makes
    const main = await api('GET', '/git/ref/heads/main', undefined);
    const parent = await api('GET', `/commits/${main.object.sha}`, undefined);
    const tree = await api('POST', '/git/trees', {
      base_tree: parent.commit.tree.sha,
      tree: [
        {
          path: 'apps/example-api-extra/external-secret.yaml',
          mode: '100644',
          content: stringify(externalSecret),
        },
        {
          path: 'apps/example-api-extra/kustomization.yaml',
          mode: '100644',
          content: stringify({
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            resources: ['external-secret.yaml'],
          }),
        },
      ],
    });
    const commit = await api('POST', '/git/commits', {
      message: 'extra',
      tree: tree.sha,
      parents: [main.object.sha],
    });
    await api('POST', '/git/refs', {
      ref: 'refs/heads/extra',
      sha: commit.sha,
    });
    const pr = await api('POST', '/pulls', {
      title: 'extra',
      head: 'extra',
      base: 'main',
    });

    const merged = await admin('POST', `/pulls/${pr.number}/merge`);
    expect(merged.status).toBe(200);
    expect(merged.body.applied).toEqual([
      expect.objectContaining({
        kind: 'ExternalSecret',
        name: 'example-api-extra',
        action: 'created',
      }),
    ]);
    expect(
      await waitForReady('example-api', 'example-api-extra', {
        ready: 'True',
      }),
    ).toMatchObject({ reason: 'SecretSynced' });

    const again = await admin('POST', `/pulls/${pr.number}/merge`);
    expect(again.status).toBe(400);
    expect(again.body.error.name).toBe('InputError');
  });

  it('syncs a service with its own ServiceAccount (the template’s shape) and keeps its store from other namespaces', async () => {
    // Vault's side, as the scaffolder actions write it: the role admits exactly tenant's account
    const vault = async (vaultPath: string, body: unknown) => {
      const response = await sandbox.vault.handle({
        method: 'POST',
        path: `/v1/${vaultPath}`,
        headers: { 'x-vault-token': sandbox.vault.rootToken },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
    };
    await vault('secret/data/tenant/creds', { data: { token: 'tenant-only' } });
    await vault('sys/policies/acl/tenant', {
      policy: 'path "secret/data/tenant/*" { capabilities = ["read"] }',
    });
    await vault('auth/kubernetes/role/external-secrets-tenant', {
      bound_service_account_names: ['external-secrets-tenant'],
      bound_service_account_namespaces: ['tenant'],
      audience: 'https://kubernetes.default.svc.cluster.local',
      token_policies: ['tenant'],
    });
    const store = stringify({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault-tenant' },
      spec: {
        provider: {
          vault: {
            server: sandbox.info.vaultUrl,
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
                role: 'external-secrets-tenant',
                serviceAccountRef: {
                  name: 'external-secrets-tenant',
                  namespace: 'tenant',
                  audiences: ['https://kubernetes.default.svc.cluster.local'],
                },
              },
            },
          },
        },
        conditions: [{ namespaces: ['tenant'] }],
      },
    });
    const externalSecret = (namespace: string) =>
      stringify({
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'tenant-creds', namespace },
        spec: {
          refreshInterval: '2m',
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-tenant' },
          target: { name: 'tenant-creds', creationPolicy: 'Owner' },
          data: [
            {
              secretKey: 'token',
              remoteRef: { key: 'tenant/creds', property: 'token' },
            },
          ],
        },
      });
    const files = {
      // in file order the store comes first; Argo CD applies the account before it
      'apps/tenant/external-secrets/clustersecretstore-vault-tenant.yaml':
        store,
      'apps/tenant/external-secrets/externalsecret-tenant-creds.yaml':
        externalSecret('tenant'),
      'apps/tenant/external-secrets/serviceaccount-external-secrets-tenant.yaml':
        stringify({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'external-secrets-tenant', namespace: 'tenant' },
          automountServiceAccountToken: false,
        }),
      // another namespace naming the store
      'apps/borrower/externalsecret-tenant-creds.yaml':
        externalSecret('example-api'),
    };
    const api = async (method: string, route: string, body: unknown) => {
      const response = await sandbox.github.handle({
        method,
        url: `/api/v3/repos/gitops-secrets/gitops${route}`,
        headers: {
          authorization: 'token test',
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return JSON.parse(String(response.body));
    };
    const main = await api('GET', '/git/ref/heads/main', undefined);
    const parent = await api('GET', `/commits/${main.object.sha}`, undefined);
    const tree = await api('POST', '/git/trees', {
      base_tree: parent.commit.tree.sha,
      tree: Object.entries(files).map(([file, content]) => ({
        path: file,
        mode: '100644',
        content,
      })),
    });
    const commit = await api('POST', '/git/commits', {
      message: 'tenant',
      tree: tree.sha,
      parents: [main.object.sha],
    });
    await api('POST', '/git/refs', {
      ref: 'refs/heads/tenant',
      sha: commit.sha,
    });
    const pr = await api('POST', '/pulls', {
      title: 'tenant',
      head: 'tenant',
      base: 'main',
    });
    const merged = await admin('POST', `/pulls/${pr.number}/merge`);
    expect(merged.status).toBe(200);
    // kinds Argo CD knows first (the account), then ESO's objects by name
    expect(
      merged.body.applied.map((a: any) => `${a.kind} ${a.name} ${a.action}`),
    ).toEqual([
      'ServiceAccount external-secrets-tenant created',
      'ExternalSecret tenant-creds created',
      'ExternalSecret tenant-creds created',
      'ClusterSecretStore vault-tenant created',
    ]);

    expect(
      await waitForReady('tenant', 'tenant-creds', { ready: 'True' }),
    ).toMatchObject({ reason: 'SecretSynced' });
    expect(
      await waitForReady('example-api', 'tenant-creds', { ready: 'False' }),
    ).toMatchObject({ reason: 'SecretSyncedError' });
    // ESO may reach the ExternalSecret before Argo CD applied the store (it sorts after it by
    // name): its first Warning is then "not found", and the refusal follows on the next try
    const expected =
      'error processing spec.data[0] (key: tenant/creds), err: using cluster store "vault-tenant" is not allowed from namespace "example-api": denied by spec.condition';
    const warnings = () =>
      sandbox.cluster.objects
        .list(sandbox.cluster.type('events'), 'example-api')
        .filter(
          e =>
            (e.involvedObject as any).name === 'tenant-creds' &&
            e.type === 'Warning',
        );
    for (
      let i = 0;
      i < 200 && !warnings().some(e => e.message === expected);
      i++
    ) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    const refusal = warnings().find(e => e.message === expected);
    expect(refusal?.message).toBe(
      'error processing spec.data[0] (key: tenant/creds), err: using cluster store "vault-tenant" is not allowed from namespace "example-api": denied by spec.condition',
    );
    expect(() =>
      sandbox.cluster.objects.get(
        sandbox.cluster.type('secrets'),
        'example-api',
        'tenant-creds',
      ),
    ).toThrow(/not found/);
  });

  it('injects and clears "policy without data/" for one service', async () => {
    const injected = await admin('POST', '/faults/policy-edit', {
      service: 'example-api',
    });
    expect(injected.status).toBe(200);
    expect(
      await waitForReady('example-api', 'example-api-env-file', {
        ready: 'False',
      }),
    ).toMatchObject({ reason: 'SecretSyncedError' });
    expect((await admin('GET', '/faults')).body.active).toEqual([
      expect.objectContaining({ name: 'policy-edit', service: 'example-api' }),
    ]);
    const cleared = await admin('DELETE', '/faults/policy-edit');
    expect(cleared.body.active).toEqual([]);
    expect(
      await waitForReady('example-api', 'example-api-env-file', {
        ready: 'True',
      }),
    ).toMatchObject({ reason: 'SecretSynced' });
  });

  it.each([
    ['auth-host', undefined],
    ['ca-rotation', undefined],
    ['reviewer-jwt-expiry', undefined],
    ['reviewer-rbac', undefined],
    ['role-rebinding', 'example-api'],
    ['property-delete', 'example-api'],
    ['vault-down', undefined],
  ])(
    'breaks example-api with %s and heals it on clear',
    async (fault, service) => {
      expect(
        (await admin('POST', `/faults/${fault}`, { service })).status,
      ).toBe(200);
      expect(
        await waitForReady('example-api', 'example-api-env-file', {
          ready: 'False',
        }),
      ).toMatchObject({ ready: 'False' });
      expect((await admin('DELETE', `/faults/${fault}`)).status).toBe(200);
      expect(
        await waitForReady('example-api', 'example-api-env-file', {
          ready: 'True',
        }),
      ).toMatchObject({ reason: 'SecretSynced' });
    },
  );

  it('takes the cluster down and back', async () => {
    const token = await fs.readFile(sandbox.info.files.kubeToken, 'utf8');
    const client = kubeClient(sandbox.info.files.kubeCa, 'kube-token', token);
    const list = () =>
      client.listClusterCustomObject({
        group: 'external-secrets.io',
        version: 'v1',
        plural: 'externalsecrets',
      });
    await admin('POST', '/faults/cluster-down');
    await expect(list()).rejects.toThrow();
    await admin('DELETE', '/faults/cluster-down');
    await expect(list()).resolves.toMatchObject({ kind: 'ExternalSecretList' });
  });

  it('answers bad admin requests with Backstage errors and changes nothing', async () => {
    const unknown = await admin('POST', '/faults/disk-full');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.name).toBe('InputError');
    const noService = await admin('POST', '/faults/policy-edit', {});
    expect(noService.status).toBe(400);
    const wrongService = await admin('POST', '/faults/policy-edit', {
      service: 'nope',
    });
    expect(wrongService.status).toBe(404);
    const notInjected = await admin('DELETE', '/faults/vault-down');
    expect(notInjected.status).toBe(404);
    expect((await admin('GET', '/faults')).body.active).toEqual([]);
  });
});
