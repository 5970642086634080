import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  SEED_SERVICES,
  SEED_TOKEN_AUDIENCE,
  SEED_VAULT_SERVER,
} from 'sandbox/seed';
import { parse } from 'yaml';
import { TEST_CLUSTERS } from './__testUtils__/clusters';
import { createManifestsCreateAction } from './manifestsCreate';
import { manifestsCreateExamples } from './manifestsCreate.examples';

const sandboxConfig = {
  externalSecrets: {
    manifests: {
      store: {
        server: SEED_VAULT_SERVER,
        caProvider: {
          type: 'ConfigMap',
          name: 'vault-ca',
          key: 'ca.crt',
          namespace: 'external-secrets',
        },
        audiences: [SEED_TOKEN_AUDIENCE],
      },
    },
  },
};

/** The sandbox's manifests config with the two test clusters. */
const clustersConfig = {
  externalSecrets: {
    ...sandboxConfig.externalSecrets,
    clusters: TEST_CLUSTERS,
  },
};

describe('external-secrets:manifests:create', () => {
  let workspacePath: string;

  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'manifests-'));
  });

  afterEach(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  async function run(
    input: Record<string, any>,
    options: { config?: object; isDryRun?: boolean } = {},
  ) {
    const action = createManifestsCreateAction({
      config: new ConfigReader(options.config ?? sandboxConfig),
    });
    const ctx = createMockActionContext({
      input,
      workspacePath,
      isDryRun: options.isDryRun,
      logger: mockServices.logger.mock(),
    });
    await action.handler(ctx as any);
    return ctx;
  }

  async function readYaml(relative: string) {
    return parse(await fs.readFile(path.join(workspacePath, relative), 'utf8'));
  }

  async function listWorkspace(): Promise<string[]> {
    const entries = await fs.readdir(workspacePath, { recursive: true });
    return entries.map(String).sort();
  }

  // The seed is written out by hand in the per-service shape: the default rendering must give
  // exactly its objects, the service's own ServiceAccount included.
  it.each(SEED_SERVICES.map(service => [service.name, service]))(
    'renders the seed objects of %s with the default config',
    async (_, service) => {
      await run({
        name: service.name,
        secrets: [
          {
            name: service.secretName,
            properties: [
              { property: service.property, secretKey: service.secretKey },
            ],
          },
        ],
      });
      const dir = `apps/${service.name}/external-secrets`;
      expect(
        await readYaml(
          `${dir}/00-serviceaccount-${service.serviceAccount.metadata.name}.yaml`,
        ),
      ).toEqual(service.serviceAccount);
      expect(
        await readYaml(
          `${dir}/clustersecretstore-${service.clusterSecretStore.metadata.name}.yaml`,
        ),
      ).toEqual(service.clusterSecretStore);
      expect(
        await readYaml(
          `${dir}/externalsecret-${service.externalSecret.metadata.name}.yaml`,
        ),
      ).toEqual(service.externalSecret);
    },
  );

  it("binds the store's account to system:auth-delegator when the cluster's mount reviews with each client's JWT, and warns when that is not known", async () => {
    const input = {
      name: 'orders',
      secrets: [
        { name: 'db', properties: [{ property: 'password', secretKey: 'PW' }] },
      ],
    };
    const dir = 'apps/orders/external-secrets';
    const ctx = await run({ ...input, reviewerMode: 'client-jwt' });
    expect(await readYaml(`${dir}/kustomization.yaml`)).toMatchObject({
      resources: [
        '00-serviceaccount-external-secrets-orders.yaml',
        '00-clusterrolebinding-orders-vault-token-review.yaml',
        'clustersecretstore-vault-orders.yaml',
        'externalsecret-orders-db.yaml',
      ],
    });
    expect(
      await readYaml(
        `${dir}/00-clusterrolebinding-orders-vault-token-review.yaml`,
      ),
    ).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'external-secrets-orders',
          namespace: 'orders',
        },
      ],
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'objects',
      expect.arrayContaining([
        { kind: 'ClusterRoleBinding', name: 'orders-vault-token-review' },
      ]),
    );

    await fs.rm(path.join(workspacePath, dir), { recursive: true });
    const unknown = await run({ ...input, reviewerMode: 'unknown' });
    expect(unknown.logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('gets no system:auth-delegator binding'),
    );
    expect(
      (await readYaml(`${dir}/kustomization.yaml`)).resources,
    ).not.toContain('00-clusterrolebinding-orders-vault-token-review.yaml');
  });

  // The legacy shape: every store presents ESO's own account, and no ServiceAccount is rendered.
  it("renders the shared-account shape when ESO's account is configured", async () => {
    const service = SEED_SERVICES[0];
    const shared = structuredClone(sandboxConfig) as any;
    shared.externalSecrets.manifests.store.serviceAccount = {
      name: 'external-secrets',
      namespace: 'external-secrets',
    };
    await run(
      {
        name: service.name,
        secrets: [
          {
            name: service.secretName,
            properties: [
              { property: service.property, secretKey: service.secretKey },
            ],
          },
        ],
      },
      { config: shared },
    );
    const dir = `apps/${service.name}/external-secrets`;
    expect(await listWorkspace()).not.toContain(
      expect.stringMatching(/serviceaccount-/),
    );
    const store = await readYaml(
      `${dir}/clustersecretstore-${service.clusterSecretStore.metadata.name}.yaml`,
    );
    expect(store.spec.provider.vault.auth.kubernetes.serviceAccountRef).toEqual(
      {
        name: 'external-secrets',
        namespace: 'external-secrets',
        audiences: [SEED_TOKEN_AUDIENCE],
      },
    );
    expect(store.spec.conditions).toEqual([
      { namespaces: [service.externalSecret.metadata.namespace] },
    ]);
  });

  it('outputs the files, the objects and the target path', async () => {
    const ctx = await run({
      name: 'shop',
      namespace: 'retail',
      secrets: [
        { name: 'db', properties: [{ property: 'password', secretKey: 'PW' }] },
        { name: 'api', properties: [{ property: 'key', secretKey: 'KEY' }] },
      ],
    });
    const dir = 'apps/shop/external-secrets';
    expect(ctx.output).toHaveBeenCalledWith('targetPath', dir);
    expect(ctx.output).toHaveBeenCalledWith('files', [
      `${dir}/00-serviceaccount-external-secrets-shop.yaml`,
      `${dir}/clustersecretstore-vault-shop.yaml`,
      `${dir}/externalsecret-shop-db.yaml`,
      `${dir}/externalsecret-shop-api.yaml`,
      `${dir}/kustomization.yaml`,
    ]);
    expect(ctx.output).toHaveBeenCalledWith('objects', [
      {
        kind: 'ServiceAccount',
        name: 'external-secrets-shop',
        namespace: 'retail',
      },
      { kind: 'ClusterSecretStore', name: 'vault-shop' },
      { kind: 'ExternalSecret', name: 'shop-db', namespace: 'retail' },
      { kind: 'ExternalSecret', name: 'shop-api', namespace: 'retail' },
    ]);
    expect((await readYaml(`${dir}/kustomization.yaml`)).resources).toEqual([
      '00-serviceaccount-external-secrets-shop.yaml',
      'clustersecretstore-vault-shop.yaml',
      'externalsecret-shop-db.yaml',
      'externalsecret-shop-api.yaml',
    ]);
    const store = await readYaml(`${dir}/clustersecretstore-vault-shop.yaml`);
    expect(store.spec.conditions).toEqual([{ namespaces: ['retail'] }]);
    expect(store.spec.provider.vault.auth.kubernetes.serviceAccountRef).toEqual(
      {
        name: 'external-secrets-shop',
        namespace: 'retail',
        audiences: [SEED_TOKEN_AUDIENCE],
      },
    );
  });

  it('renders the same files in a dry run', async () => {
    const input = {
      name: 'shop',
      secrets: [
        { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
      ],
    };
    await run(input);
    const real = await listWorkspace();
    const contents = await Promise.all(
      real.filter(f => f.endsWith('.yaml')).map(f => readYaml(f)),
    );
    await fs.rm(workspacePath, { recursive: true, force: true });
    await fs.mkdir(workspacePath);
    await run(input, { isDryRun: true });
    expect(await listWorkspace()).toEqual(real);
    expect(
      await Promise.all(
        real.filter(f => f.endsWith('.yaml')).map(f => readYaml(f)),
      ),
    ).toEqual(contents);
  });

  it('uses the configured target path with placeholders', async () => {
    const ctx = await run(
      {
        name: 'shop',
        namespace: 'retail',
        secrets: [
          { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
        ],
      },
      {
        config: {
          externalSecrets: {
            manifests: {
              ...sandboxConfig.externalSecrets.manifests,
              targetPath: 'clusters/prod/{namespace}/{name}',
            },
          },
        },
      },
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'targetPath',
      'clusters/prod/retail/shop',
    );
    expect(await listWorkspace()).toContain(
      'clusters/prod/retail/shop/kustomization.yaml',
    );
  });

  it('re-runs without change, and refuses to replace different files unless overwrite is set', async () => {
    const input = {
      name: 'shop',
      secrets: [
        { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
      ],
    };
    await run(input);
    await run(input);
    const changed = { ...input, refreshInterval: '5m' };
    const file = path.join(
      workspacePath,
      'apps/shop/external-secrets/externalsecret-shop-db.yaml',
    );
    const before = await fs.readFile(file, 'utf8');
    await expect(run(changed)).rejects.toThrow(ConflictError);
    await expect(run(changed)).rejects.toThrow(
      /apps\/shop\/external-secrets\/externalsecret-shop-db.yaml; remove those files or set overwrite: true/,
    );
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    await run({ ...changed, overwrite: true });
    expect(
      (await readYaml(path.relative(workspacePath, file))).spec.refreshInterval,
    ).toBe('5m');
  });

  it.each([
    ['a bad service name', { name: '../etc' }, /Invalid name/],
    [
      'a traversing target path',
      { targetPath: '../outside' },
      /Invalid targetPath/,
    ],
    ['an absolute target path', { targetPath: '/tmp/x' }, /Invalid targetPath/],
    [
      'a duplicated secret key',
      {
        secrets: [
          {
            name: 'db',
            properties: [
              { property: 'a', secretKey: 'K' },
              { property: 'b', secretKey: 'K' },
            ],
          },
        ],
      },
      /duplicate secretKey "K"/,
    ],
    [
      'Delete without Owner',
      { creationPolicy: 'Merge', deletionPolicy: 'Delete' },
      /deletionPolicy Delete needs creationPolicy Owner/,
    ],
    [
      'an http server',
      { store: { server: 'http://vault:8200' } },
      /plain HTTP/,
    ],
    [
      'a store path with data/',
      { store: { kvMount: 'secret/data' } },
      /kvMount/,
    ],
  ])('rejects %s and writes nothing', async (_, override, message) => {
    const input = {
      name: 'shop',
      secrets: [
        { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
      ],
      ...override,
    };
    await expect(run(input)).rejects.toThrow(InputError);
    await expect(run(input)).rejects.toThrow(message);
    expect(await listWorkspace()).toEqual([]);
  });

  it('accepts an http server when the config allows it', async () => {
    await run(
      {
        name: 'shop',
        store: { server: 'http://127.0.0.1:8200' },
        secrets: [
          { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
        ],
      },
      {
        config: {
          externalSecrets: {
            manifests: {
              ...sandboxConfig.externalSecrets.manifests,
              allowInsecureHttp: true,
            },
          },
        },
      },
    );
    const store = await readYaml(
      'apps/shop/external-secrets/clustersecretstore-vault-shop.yaml',
    );
    expect(store.spec.provider.vault.server).toBe('http://127.0.0.1:8200');
  });

  it.each(manifestsCreateExamples.map(e => [e.description, e]))(
    'runs the example: %s',
    async (_, example) => {
      const step = parse(example.example).steps[0];
      expect(step.action).toBe('external-secrets:manifests:create');
      const ctx = await run(step.input, { config: clustersConfig });
      const files = (ctx.output as jest.Mock).mock.calls.find(
        ([name]) => name === 'files',
      )[1] as string[];
      // store, one ExternalSecret per secret, the service's ServiceAccount, kustomization
      expect(files.length).toBe(step.input.secrets.length + 3);
      for (const file of files) {
        expect(await readYaml(file)).toBeTruthy();
      }
    },
  );

  describe('with cluster', () => {
    const secrets = [
      { name: 'db', properties: [{ property: 'p', secretKey: 'P' }] },
    ];
    const storeFile =
      'apps/shop/external-secrets/clustersecretstore-vault-shop.yaml';
    const mountPath = async () =>
      (await readYaml(storeFile)).spec.provider.vault.auth.kubernetes.mountPath;

    it("logs the store in on the cluster's mount, kubernetes-<cluster> by default", async () => {
      const ctx = await run(
        { name: 'shop', cluster: 'edge', secrets },
        { config: clustersConfig },
      );
      expect(await mountPath()).toBe('kubernetes-edge');
      // the outputs stay those of a run without cluster
      expect(
        (ctx.output as jest.Mock).mock.calls.map(([name]) => name).sort(),
      ).toEqual(['files', 'objects', 'targetPath']);
    });

    it('uses the vaultAuthMount a cluster configures', async () => {
      await run(
        { name: 'shop', cluster: 'lab', secrets },
        { config: clustersConfig },
      );
      expect(await mountPath()).toBe('k8s-lab');
    });

    it("takes the cluster's mount over the configured store.authMount", async () => {
      const config = structuredClone(clustersConfig) as any;
      config.externalSecrets.manifests.store.authMount = 'kubernetes';
      await run({ name: 'shop', cluster: 'edge', secrets }, { config });
      expect(await mountPath()).toBe('kubernetes-edge');
    });

    it("accepts a store.authMount that is the cluster's own", async () => {
      await run(
        {
          name: 'shop',
          cluster: 'edge',
          store: { authMount: 'kubernetes-edge' },
          secrets,
        },
        { config: clustersConfig },
      );
      expect(await mountPath()).toBe('kubernetes-edge');
    });

    it('keeps the configured mount without cluster', async () => {
      await run({ name: 'shop', secrets }, { config: clustersConfig });
      expect(await mountPath()).toBe('kubernetes');
    });

    it.each([
      [
        'a cluster that is not configured',
        { cluster: 'prod' },
        clustersConfig,
        /^Invalid cluster: "prod" is not in externalSecrets.clusters; configured: edge, lab\./,
      ],
      [
        'a cluster when none is configured',
        { cluster: 'edge' },
        sandboxConfig,
        /configured: none/,
      ],
      [
        'a cluster that is not a string',
        { cluster: ['edge'] },
        clustersConfig,
        /^Invalid cluster: must be the name of a cluster/,
      ],
      [
        'another store.authMount beside the cluster',
        { cluster: 'edge', store: { authMount: 'kubernetes' } },
        clustersConfig,
        /^Invalid store.authMount: "kubernetes" is not the Vault auth mount of cluster "edge" \(kubernetes-edge/,
      ],
      [
        "another cluster's mount as store.authMount",
        { cluster: 'edge', store: { authMount: 'k8s-lab' } },
        clustersConfig,
        /Invalid store.authMount: "k8s-lab"/,
      ],
    ])(
      'refuses %s and writes nothing',
      async (_, override, config, message) => {
        const input = { name: 'shop', secrets, ...override };
        const error = await run(input, { config }).catch(e => e);
        expect(error).toBeInstanceOf(InputError);
        expect(error.message).toMatch(message);
        expect(await listWorkspace()).toEqual([]);
      },
    );
  });
});
