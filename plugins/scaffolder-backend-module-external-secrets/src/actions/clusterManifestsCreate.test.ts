import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createTestCaPem } from 'sandbox';
import { parse } from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { loggedText } from './__testUtils__/vaultActionHarness';
import { readClusterManifestsSettings } from './clusterManifestsConfig';
import { createClusterManifestsCreateAction } from './clusterManifestsCreate';
import { clusterManifestsCreateExamples } from './clusterManifestsCreate.examples';

const vaultCa = createTestCaPem();

function configFor(overrides: Record<string, any> = {}) {
  return new ConfigReader({
    externalSecrets: {
      vault: {
        baseUrl: 'https://vault.example.com:8200',
        caData: vaultCa,
        auth: { type: 'token', token: 't' },
      },
      clusters: [
        {
          name: 'prod-eu',
          url: 'https://prod-eu.example.com:6443',
          serviceAccountToken: 'status-token',
        },
      ],
      manifests: {
        store: {
          caProvider: {
            type: 'ConfigMap',
            name: 'vault-ca',
            key: 'ca.crt',
            namespace: 'external-secrets',
          },
        },
      },
      clusterManifests: {
        eso: {
          chartVersion: '2.9.0',
          values: { installCRDs: true, replicaCount: 2 },
        },
      },
      ...overrides,
    },
  });
}

const ESO_APPLICATION = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: {
    name: 'external-secrets',
    namespace: 'argocd',
    annotations: { 'argocd.argoproj.io/sync-wave': '-10' },
  },
  spec: {
    project: 'default',
    source: {
      repoURL: 'https://charts.external-secrets.io',
      chart: 'external-secrets',
      targetRevision: '2.9.0',
      helm: {
        releaseName: 'external-secrets',
        valuesObject: { installCRDs: true, replicaCount: 2 },
      },
    },
    destination: {
      server: 'https://kubernetes.default.svc',
      namespace: 'external-secrets',
    },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
    },
  },
};

const VAULT_CA_CONFIGMAP = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'vault-ca',
    namespace: 'external-secrets',
    annotations: { 'argocd.argoproj.io/sync-wave': '-5' },
  },
  data: { 'ca.crt': `${vaultCa.trim()}\n` },
};

describe('external-secrets:cluster-manifests:create', () => {
  let workspacePath: string;

  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'cluster-'));
  });
  afterEach(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  async function run(
    input: Record<string, unknown>,
    options: { config?: ConfigReader; isDryRun?: boolean } = {},
  ) {
    const action = createClusterManifestsCreateAction({
      settings: readClusterManifestsSettings(options.config ?? configFor()),
    });
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath,
        logger: mockServices.logger.mock(),
      }),
      isDryRun: options.isDryRun ?? false,
    };
    await action.handler(ctx as any);
    const outputs = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
    return { ctx, outputs };
  }

  async function workspaceFiles(): Promise<Record<string, any>> {
    const entries = (await fs.readdir(workspacePath, { recursive: true }))
      .map(String)
      .sort();
    const files: Record<string, any> = {};
    for (const entry of entries) {
      const full = path.join(workspacePath, entry);
      if ((await fs.stat(full)).isFile()) {
        files[entry] = parse(await fs.readFile(full, 'utf8'));
      }
    }
    return files;
  }

  it('renders exactly the reviewer-JWT files of a cluster', async () => {
    const { outputs } = await run({
      cluster: 'prod-eu',
      reviewerMode: 'reviewer-jwt',
    });
    const dir = 'clusters/prod-eu/platform';
    const wave = { 'argocd.argoproj.io/sync-wave': '-10' };
    expect(await workspaceFiles()).toEqual({
      [`${dir}/00-namespace-vault-auth.yaml`]: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'vault-auth', annotations: wave },
      },
      [`${dir}/01-serviceaccount-vault-auth.yaml`]: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: 'vault-auth',
          namespace: 'vault-auth',
          annotations: wave,
        },
      },
      [`${dir}/02-secret-vault-auth-token.yaml`]: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'vault-auth-token',
          namespace: 'vault-auth',
          annotations: {
            'kubernetes.io/service-account.name': 'vault-auth',
            ...wave,
          },
        },
        type: 'kubernetes.io/service-account-token',
      },
      [`${dir}/03-clusterrolebinding-vault-auth-token-reviewer.yaml`]: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'vault-auth-token-reviewer', annotations: wave },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:auth-delegator',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'vault-auth',
            namespace: 'vault-auth',
          },
        ],
      },
      [`${dir}/04-application-external-secrets.yaml`]: ESO_APPLICATION,
      [`${dir}/05-configmap-vault-ca.yaml`]: VAULT_CA_CONFIGMAP,
      [`${dir}/kustomization.yaml`]: {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [
          '00-namespace-vault-auth.yaml',
          '01-serviceaccount-vault-auth.yaml',
          '02-secret-vault-auth-token.yaml',
          '03-clusterrolebinding-vault-auth-token-reviewer.yaml',
          '04-application-external-secrets.yaml',
          '05-configmap-vault-ca.yaml',
        ],
      },
    });
    expect(outputs.targetPath).toBe(dir);
    expect(outputs.reviewerTokenSecret).toBe('vault-auth/vault-auth-token');
    expect(outputs.files).toHaveLength(7);
    expect(outputs.objects).toContainEqual({
      kind: 'ClusterRoleBinding',
      name: 'vault-auth-token-reviewer',
    });
  });

  it("binds ESO's own account in client-JWT mode and renders no reviewer", async () => {
    const { outputs } = await run({ cluster: 'prod-eu' });
    const dir = 'clusters/prod-eu/platform';
    expect(await workspaceFiles()).toEqual({
      [`${dir}/00-clusterrolebinding-external-secrets-token-reviewer.yaml`]: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: {
          name: 'external-secrets-token-reviewer',
          annotations: { 'argocd.argoproj.io/sync-wave': '-10' },
        },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:auth-delegator',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: 'external-secrets',
            namespace: 'external-secrets',
          },
        ],
      },
      [`${dir}/01-application-external-secrets.yaml`]: ESO_APPLICATION,
      [`${dir}/02-configmap-vault-ca.yaml`]: VAULT_CA_CONFIGMAP,
      [`${dir}/kustomization.yaml`]: {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [
          '00-clusterrolebinding-external-secrets-token-reviewer.yaml',
          '01-application-external-secrets.yaml',
          '02-configmap-vault-ca.yaml',
        ],
      },
    });
    expect(outputs.reviewerTokenSecret).toBeUndefined();
  });

  it('takes Argo CD destination, chart and accounts from config', async () => {
    await run(
      { cluster: 'prod-eu', reviewerMode: 'reviewer-jwt' },
      {
        config: configFor({
          clusterManifests: {
            targetPath: 'gitops/{cluster}',
            argocd: {
              namespace: 'gitops',
              project: 'platform',
              destinationName: 'cluster-{cluster}',
            },
            eso: {
              chartVersion: '0.18.2',
              chartRepository: 'oci://charts.example.com/eso',
              namespace: 'eso',
              serviceAccount: 'eso',
            },
            reviewer: { namespace: 'vault', serviceAccount: 'token-reviewer' },
          },
        }),
      },
    );
    const files = await workspaceFiles();
    const app = files['gitops/prod-eu/04-application-external-secrets.yaml'];
    expect(app.metadata.namespace).toBe('gitops');
    expect(app.spec.project).toBe('platform');
    expect(app.spec.destination).toEqual({
      name: 'cluster-prod-eu',
      namespace: 'eso',
    });
    expect(app.spec.source).toEqual({
      repoURL: 'oci://charts.example.com/eso',
      chart: 'external-secrets',
      targetRevision: '0.18.2',
      helm: { releaseName: 'external-secrets' },
    });
    expect(
      files['gitops/prod-eu/02-secret-token-reviewer-token.yaml'].metadata,
    ).toEqual({
      name: 'token-reviewer-token',
      namespace: 'vault',
      annotations: {
        'kubernetes.io/service-account.name': 'token-reviewer',
        'argocd.argoproj.io/sync-wave': '-10',
      },
    });
  });

  it('renders no ConfigMap when stores carry the CA inline', async () => {
    const config = configFor({
      manifests: {
        store: { caBundle: Buffer.from(vaultCa).toString('base64') },
      },
    });
    await run({ cluster: 'prod-eu' }, { config });
    expect(
      Object.keys(await workspaceFiles()).filter(f => f.includes('configmap')),
    ).toEqual([]);
  });

  it('is idempotent, and refuses to replace different content without overwrite', async () => {
    await run({ cluster: 'prod-eu' });
    const first = await workspaceFiles();
    await run({ cluster: 'prod-eu' });
    expect(await workspaceFiles()).toEqual(first);
    await expect(
      run({ cluster: 'prod-eu', reviewerMode: 'reviewer-jwt' }),
    ).rejects.toThrow(ConflictError);
    await expect(
      run({
        cluster: 'prod-eu',
        reviewerMode: 'reviewer-jwt',
        overwrite: true,
      }),
    ).resolves.toBeDefined();
  });

  it('reports a dry run as such', async () => {
    const { ctx } = await run({ cluster: 'prod-eu' }, { isDryRun: true });
    expect(loggedText(ctx.logger as any)).toMatch(
      /Dry run: rendered ClusterRoleBinding external-secrets-token-reviewer, Application argocd\/external-secrets, ConfigMap external-secrets\/vault-ca for cluster prod-eu/,
    );
  });

  it.each([
    [
      { cluster: 'nowhere' },
      NotFoundError,
      /not in externalSecrets.clusters; configured: prod-eu/,
    ],
    [{ cluster: 'prod-eu', reviewerMode: 'token' }, InputError, /reviewerMode/],
    [
      { cluster: 'prod-eu', chartVersion: '3.0.0' },
      InputError,
      /Unrecognized key/,
    ],
    [
      { cluster: 'prod-eu', targetPath: '../outside' },
      InputError,
      /Invalid targetPath/,
    ],
  ])('refuses %j before writing anything', async (input, type, message) => {
    const promise = run(input);
    await expect(promise).rejects.toThrow(type);
    await expect(run(input)).rejects.toThrow(message);
    expect(await workspaceFiles()).toEqual({});
  });

  it.each([
    [{ eso: {} }, /eso.chartVersion: missing/],
    [{ eso: { chartVersion: '^2.9.0' } }, /not an exact chart version/],
    [
      { eso: { chartVersion: '2.9.0', chartRepository: 'http://charts.test' } },
      /https:\/\/ \(or oci:\/\/\)/,
    ],
    [
      { eso: { chartVersion: '2.9.0' }, targetPath: 'clusters' },
      /does not contain \{cluster\}/,
    ],
    [
      {
        eso: { chartVersion: '2.9.0' },
        argocd: { destinationServer: 'https://a', destinationName: 'b' },
      },
      /not both/,
    ],
  ])('refuses the config %j at start-up', (clusterManifests, message) => {
    expect(() =>
      readClusterManifestsSettings(configFor({ clusterManifests })),
    ).toThrow(message);
  });

  it('lets a backend without clusterManifests start, and says what to configure on use', async () => {
    const action = createClusterManifestsCreateAction({
      settings: readClusterManifestsSettings(
        new ConfigReader({ externalSecrets: {} }),
      ),
    });
    await expect(
      action.handler(
        createMockActionContext({ input: { cluster: 'prod-eu' } }) as any,
      ),
    ).rejects.toThrow(
      /clusterManifests is not configured: set at least eso.chartVersion/,
    );
  });

  it('needs the Vault CA when stores read it from a ConfigMap', () => {
    const config = configFor({
      vault: { baseUrl: 'https://v.test', auth: { type: 'token', token: 't' } },
    });
    expect(() => readClusterManifestsSettings(config)).toThrow(
      /needs the CA that signed Vault's certificate/,
    );
  });

  it.each(clusterManifestsCreateExamples.map(e => [e.description, e]))(
    'runs the example: %s',
    async (_, example) => {
      const { outputs } = await run(parse(example.example).steps[0].input);
      expect(outputs.files.length).toBeGreaterThan(2);
    },
  );
});
