import fs from 'node:fs';
import path from 'node:path';
import { loadConfigSchema } from '@backstage/config-loader';
import type { JsonObject } from '@backstage/types';
import { parse } from 'yaml';

// Each package declares the config it reads (its config.d.ts), so a package used on its own
// validates its own settings: the node package owns the clusters and the Vault connection (it
// reads them for every plugin), the scaffolder module owns what the actions may write.
const NODE = '@gitops-secrets/plugin-external-secrets-node';
const SCAFFOLDER =
  '@gitops-secrets/plugin-scaffolder-backend-module-external-secrets';
const STATUS = '@gitops-secrets/plugin-external-secrets-backend';

const REPO_ROOT = path.resolve(__dirname, '../../..');

function appConfig(file: string): JsonObject {
  return parse(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));
}

async function schemaOf(packages: string[]) {
  return loadConfigSchema({
    dependencies: packages,
    excludePackageDependencies: true,
    noUndeclaredProperties: true,
  });
}

function validate(
  schema: Awaited<ReturnType<typeof schemaOf>>,
  data: JsonObject,
) {
  return schema.process([{ data, context: 'test' }]);
}

const cluster = {
  name: 'edge',
  url: 'https://edge.example.test:6443',
  serviceAccountToken: 'not-a-real-token',
  vaultAuthMount: 'kubernetes-edge',
};

describe('config schemas: each setting is declared by the package that reads it', () => {
  // compiling the config.d.ts files with TypeScript takes a few seconds
  jest.setTimeout(120_000);

  it('the node package alone accepts the clusters and the Vault connection, and nothing of the actions', async () => {
    const schema = await schemaOf([NODE]);
    expect(() =>
      validate(schema, {
        externalSecrets: {
          clusters: [cluster],
          vault: {
            baseUrl: 'https://vault.example.test:8200',
            auth: { type: 'token', token: 'not-a-real-token' },
            kvMount: 'secret',
            kubernetesAuth: { mountPath: 'kubernetes-{cluster}' },
          },
        },
      }),
    ).not.toThrow();
    expect(() =>
      validate(schema, {
        externalSecrets: {
          clusters: [{ ...cluster, name: { not: 'a string' } }],
        },
      }),
    ).toThrow(/clusters\/0\/name/);
    expect(() =>
      validate(schema, {
        externalSecrets: {
          vault: {
            baseUrl: 'https://vault.example.test:8200',
            auth: { type: 'token', token: 'not-a-real-token' },
            policy: { allowedCapabilities: ['read'] },
          },
        },
      }),
    ).toThrow(/policy/);
  });

  it('the scaffolder module declares the limits of the actions, and checks their types', async () => {
    const schema = await schemaOf([SCAFFOLDER]);
    expect(() =>
      validate(schema, {
        externalSecrets: {
          vault: {
            allowedPathRoots: [{ mount: 'secret', roots: ['{name}'] }],
            policy: { allowedCapabilities: ['read', 'list'] },
            kubernetesRole: { authMount: 'kubernetes', ttl: '1h' },
            kubernetesAuth: { issuer: 'https://kubernetes.default.svc' },
          },
        },
      }),
    ).not.toThrow();
    expect(() =>
      validate(schema, {
        externalSecrets: {
          vault: { policy: { allowedCapabilities: 'read' } },
        },
      }),
    ).toThrow(/allowedCapabilities/);
    // the clusters are the node package's: the module alone does not declare them
    expect(() =>
      validate(schema, { externalSecrets: { clusters: [cluster] } }),
    ).toThrow(/clusters/);
  });

  it("ESO's service account is declared once, by the node package that reads it for the module and the status backend", async () => {
    const account = {
      externalSecrets: {
        clusterManifests: {
          eso: { namespace: 'eso', serviceAccount: 'eso-controller' },
        },
      },
    };
    const node = await schemaOf([NODE]);
    const moduleOnly = await schemaOf([SCAFFOLDER]);
    const both = await schemaOf([NODE, SCAFFOLDER]);
    expect(() => validate(node, account)).not.toThrow();
    expect(() =>
      validate(node, {
        externalSecrets: {
          clusterManifests: { eso: { namespace: { not: 'a string' } } },
        },
      }),
    ).toThrow(/eso\/namespace/);
    // the module declares the chart it installs, not the account
    expect(() => validate(moduleOnly, account)).toThrow(
      /namespace|serviceAccount/,
    );
    expect(() =>
      validate(both, {
        externalSecrets: {
          clusterManifests: {
            eso: {
              chartVersion: '2.9.0',
              namespace: 'eso',
              serviceAccount: 'eso-controller',
            },
          },
        },
      }),
    ).not.toThrow();
  });

  it.each(['app-config.yaml', 'app-config.production.yaml'])(
    "every externalSecrets setting of %s is declared by one of the plugin's packages",
    async file => {
      const schema = await schemaOf([NODE, SCAFFOLDER, STATUS]);
      const externalSecrets = appConfig(file).externalSecrets;
      expect(externalSecrets).toBeDefined();
      expect(() =>
        validate(schema, { externalSecrets } as JsonObject),
      ).not.toThrow();
    },
  );

  it('the credentials of a cluster are declared secret, the rest backend-only', async () => {
    const schema = await schemaOf([NODE]);
    const visibility: Record<string, string> = {};
    schema.process(
      [{ data: { externalSecrets: { clusters: [cluster] } }, context: 'test' }],
      {
        valueTransform: (value, context) => {
          visibility[context.path] = context.visibility;
          return value;
        },
      },
    );
    expect(visibility).toEqual({
      'externalSecrets.clusters[0].name': 'backend',
      'externalSecrets.clusters[0].url': 'backend',
      'externalSecrets.clusters[0].serviceAccountToken': 'secret',
      'externalSecrets.clusters[0].vaultAuthMount': 'backend',
    });
  });
});
