import { policyOwnershipMark } from '@gitops-secrets/plugin-external-secrets-common';
import { setupServer } from 'msw/node';
import {
  vaultActionHarness,
  vaultCall,
} from './__testUtils__/vaultActionHarness';

// Each case is an input a template author could write to reach beyond the service the action
// runs for. Every one must fail before Vault is written (pure rules: before any request).

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SECRETS = { envFile: 'S3NT1NEL', backstageToken: 'TOKEN-S3NT1NEL' };
const SEED = {
  name: 'example-api',
  path: 'example-api/env-file',
  properties: [{ property: 'dotenv', secret: 'envFile' }],
};

type Action = 'policy' | 'role' | 'seed';
type Harness = ReturnType<typeof vaultActionHarness>;

async function rootRead(h: Harness, path: string) {
  return (await vaultCall('GET', path, { token: h.emulator.rootToken })).body
    ?.data;
}

async function rootWrite(h: Harness, path: string, body: unknown) {
  const { status } = await vaultCall('POST', path, {
    token: h.emulator.rootToken,
    body,
  });
  expect(status).toBeLessThan(300);
}

/** Inputs refused by a rule that needs no Vault answer: zero requests. */
const PURE: Array<[string, Action, Record<string, unknown>, RegExp]> = [
  [
    'a policy on the data/ segment itself (pathPrefix: data, kvVersion: 1)',
    'policy',
    { name: 'example-api', pathPrefix: 'data', kvVersion: 1 },
    /pathPrefix.*outside the KV paths of service "example-api".*externalSecrets\.vault\.allowedPathRoots/,
  ],
  [
    "a policy on another service's folder",
    'policy',
    { name: 'example-api', pathPrefix: 'example-worker' },
    /pathPrefix.*allowedPathRoots/,
  ],
  [
    'a policy on a folder that merely starts with the service name',
    'policy',
    { name: 'example-api', pathPrefix: 'example-api-admin' },
    /pathPrefix.*allowedPathRoots/,
  ],
  [
    'a policy on a mount that is not configured',
    'policy',
    { name: 'example-api', kvMount: 'sys' },
    /kvMount: "sys" is not a KV mount.*allowedPathRoots/,
  ],
  [
    "a policy under another service's policy name",
    'policy',
    { name: 'example-api', policyName: 'example-worker' },
    /policyName: "example-worker" is not a policy name of service "example-api"/,
  ],
  [
    'a policy named like another service with a dash',
    'policy',
    { name: 'example', policyName: 'example-api' },
    /policyName/,
  ],
  ...['root', 'default', 'response-wrapping', 'control-group'].map(
    (reserved): [string, Action, Record<string, unknown>, RegExp] => [
      `the reserved policy name ${reserved}`,
      'policy',
      { name: 'example-api', policyName: reserved },
      /policyName.*reserves/,
    ],
  ),
  [
    'a capability config does not allow',
    'policy',
    { name: 'example-api', capabilities: ['read', 'sudo'] },
    /capabilities\[1\].*externalSecrets\.vault\.policy\.allowedCapabilities/,
  ],
  [
    'an entity ref of another component',
    'policy',
    { name: 'example-api', entityRef: 'component:default/example-worker' },
    /entityRef.*not the service "example-api"/,
  ],
  [
    "a role carrying another service's policy",
    'role',
    { name: 'example-api', policies: ['example-worker'] },
    /policies\[0\]: "example-worker" is not a policy of service "example-api"/,
  ],
  ...['root', 'default', 'response-wrapping', 'control-group'].map(
    (reserved): [string, Action, Record<string, unknown>, RegExp] => [
      `a role carrying the reserved policy ${reserved}`,
      'role',
      { name: 'example-api', policies: ['example-api', reserved] },
      /policies\[1\].*reserves/,
    ],
  ),
  [
    "a role bound to another namespace's default account",
    'role',
    {
      name: 'example-api',
      boundServiceAccountNames: ['default'],
      boundServiceAccountNamespaces: ['example-worker'],
    },
    /admit service account "example-worker\/default".*externalSecrets\.vault\.kubernetesRole\.allowedServiceAccounts/,
  ],
  [
    "a role bound to ESO's own account without the config that allows it",
    'role',
    {
      name: 'example-api',
      boundServiceAccountNames: ['external-secrets'],
      boundServiceAccountNamespaces: ['external-secrets'],
    },
    /admit service account "external-secrets\/external-secrets"/,
  ],
  [
    "a role binding the service's account name in every namespace listed",
    'role',
    {
      name: 'example-api',
      boundServiceAccountNamespaces: ['example-api', 'example-worker'],
    },
    /admit service account "example-worker\/external-secrets-example-api"/,
  ],
  [
    'a role bound to every namespace',
    'role',
    { name: 'example-api', boundServiceAccountNamespaces: ['*'] },
    /boundServiceAccountNamespaces\[0\]/,
  ],
  [
    'a role with an audience config does not allow',
    'role',
    { name: 'example-api', audience: 'vault' },
    /audience: "vault" is not an allowed audience.*kubernetesRole\.allowedAudiences/,
  ],
  [
    'a role on an auth mount config does not allow',
    'role',
    { name: 'example-api', authMount: 'kubernetes-prod' },
    /authMount.*kubernetesRole\.allowedAuthMounts/,
  ],
  [
    "a role under a name that is not the service's",
    'role',
    { name: 'example-api', roleName: 'backstage' },
    /roleName: "backstage" is not a role name of service "example-api"/,
  ],
  [
    "a seed into another service's path",
    'seed',
    { ...SEED, path: 'example-worker/config-file' },
    /path: "example-worker\/config-file" is outside the KV paths.*allowedPathRoots/,
  ],
  [
    "a seed onto the service's root key itself",
    'seed',
    { ...SEED, path: 'example-api' },
    /path.*outside/,
  ],
  [
    'a seed on a mount that is not configured',
    'seed',
    { ...SEED, kvMount: 'cubbyhole' },
    /kvMount: "cubbyhole".*allowedPathRoots/,
  ],
  [
    'a seed without the service name',
    'seed',
    { path: SEED.path, properties: SEED.properties },
    /Invalid name/,
  ],
  ...['backstageToken', '__initiatorCredentials', '__anything'].map(
    (secret): [string, Action, Record<string, unknown>, RegExp] => [
      `a seed of the scaffolder's own secret ${secret}`,
      'seed',
      { ...SEED, properties: [{ property: 'token', secret }] },
      /properties\[0\]\.secret: .* scaffolder's own credentials/,
    ],
  ),
];

describe.each(PURE)('refuses %s', (_what, action, input, message) => {
  it('with an InputError naming the rule, before any Vault request', async () => {
    const h = vaultActionHarness(server);
    const error = await h
      .run(h.actions[action], input, { secrets: SECRETS })
      .catch(e => e);
    expect(error).toMatchObject({ name: 'InputError' });
    expect(error.message).toMatch(message);
    expect(h.emulator.requests).toHaveLength(0);
    expect(JSON.stringify(error.message)).not.toContain('S3NT1NEL');
  });
});

describe('rules that depend on what Vault holds', () => {
  it('refuses a kvVersion that disagrees with Vault, writing nothing', async () => {
    const h = vaultActionHarness(server);
    for (const [action, input] of [
      ['policy', { name: 'example-api', kvVersion: 1 }],
      ['seed', { ...SEED, kvVersion: 'v1' }],
    ] as const) {
      await expect(
        h.run(h.actions[action], input, { secrets: SECRETS }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(
          /kvVersion: 1 was given, but Vault says mount "secret" is KV v2/,
        ),
      });
    }
    expect(h.writes()).toHaveLength(0);
  });

  it('refuses a configured kvVersion that disagrees with Vault', async () => {
    const h = vaultActionHarness(server, { vaultConfig: { kvVersion: 1 } });
    await expect(
      h.run(h.actions.policy, { name: 'example-api' }),
    ).rejects.toThrow(
      /config externalSecrets\.vault\.kvVersion: it says 1, but Vault says mount "secret" is KV v2/,
    );
    expect(h.writes()).toHaveLength(0);
  });

  it.each([
    [
      'unmarked (written by hand)',
      'path "secret/data/*" { capabilities = ["read"] }',
      /was not written by this module/,
    ],
    [
      "marked as another entity's",
      `${policyOwnershipMark(
        'component:team-b/example-api',
      )}\npath "secret/data/*" { capabilities = ["read"] }`,
      /belongs to component:team-b\/example-api, not to component:default\/example-api/,
    ],
  ])(
    'refuses to overwrite a policy %s, even with overwrite: true',
    async (_what, text, message) => {
      const h = vaultActionHarness(server);
      h.emulator.putPolicy('example-api', text);
      await expect(
        h.run(h.actions.policy, { name: 'example-api', overwrite: true }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringMatching(message),
      });
      expect(h.writes()).toHaveLength(0);
      expect((await rootRead(h, 'sys/policies/acl/example-api')).policy).toBe(
        text,
      );
    },
  );

  it('refuses a role whose policy exists but is not marked as the service’s', async () => {
    const h = vaultActionHarness(server);
    h.emulator.putPolicy(
      'example-api.all',
      'path "secret/data/*" { capabilities = ["read"] }',
    );
    await expect(
      h.run(h.actions.role, {
        name: 'example-api',
        policies: ['example-api.all'],
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /policy "example-api.all" was not written by this module.*role external-secrets-example-api may only carry policies this module wrote/,
      ),
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('refuses a role whose policy does not exist yet (outside a dry run)', async () => {
    const h = vaultActionHarness(server);
    await expect(
      h.run(h.actions.role, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /policy "example-api" does not exist; write it with vault:policy:create/,
      ),
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('refuses to overwrite a role the seed made (policy unmarked), even with overwrite: true', async () => {
    const h = vaultActionHarness(server);
    await h.run(h.actions.policy, {
      name: 'example-api',
      policyName: 'example-api.v2',
    });
    h.emulator.putPolicy(
      'example-api',
      'path "secret/data/example-api/*" { capabilities = ["read"] }',
    );
    await rootWrite(h, 'auth/kubernetes/role/external-secrets-example-api', {
      bound_service_account_names: ['external-secrets'],
      bound_service_account_namespaces: ['external-secrets'],
      token_policies: ['example-api'],
    });
    h.emulator.clearRequests();
    await expect(
      h.run(h.actions.role, {
        name: 'example-api',
        policies: ['example-api.v2'],
        overwrite: true,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /role auth\/kubernetes\/role\/external-secrets-example-api exists and is not marked as component:default\/example-api's \(it carries policies not written by this module for it: example-api\)/,
      ),
    });
    expect(h.writes()).toHaveLength(0);
  });
});

describe('what config allows', () => {
  it('binds the role to ESO’s shared account only when config says so explicitly', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: {
        kubernetesRole: {
          serviceAccountName: 'external-secrets',
          serviceAccountNamespace: 'external-secrets',
        },
      },
    });
    await h.run(h.actions.policy, { name: 'example-api' });
    const { outputs } = await h.run(h.actions.role, { name: 'example-api' });
    expect(outputs.role).toMatchObject({
      bound_service_account_names: ['external-secrets'],
      bound_service_account_namespaces: ['external-secrets'],
    });
  });

  it('admits extra accounts, audiences, mounts and roots listed in config', async () => {
    const h = vaultActionHarness(server, {
      emulator: { kvMounts: [{ path: 'kv', version: 2 }] },
      vaultConfig: {
        allowedPathRoots: [
          { mount: 'secret', roots: ['{name}'] },
          { mount: 'kv', roots: ['teams/{name}'] },
        ],
        kubernetesRole: {
          allowedServiceAccounts: [
            { name: 'external-secrets-{name}', namespace: '{name}-staging' },
          ],
          allowedAudiences: ['vault'],
        },
      },
      backendPolicy:
        'path "*" { capabilities = ["create", "read", "update", "list"] }',
    });
    await h.run(h.actions.policy, {
      name: 'example-api',
      kvMount: 'kv',
      pathPrefix: 'teams/example-api',
    });
    await h.run(
      h.actions.seed,
      { ...SEED, kvMount: 'kv', path: 'teams/example-api/env-file' },
      { secrets: SECRETS },
    );
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      boundServiceAccountNamespaces: ['example-api', 'example-api-staging'],
      audience: 'vault',
    });
    expect(outputs.role).toMatchObject({
      bound_service_account_names: ['external-secrets-example-api'],
      bound_service_account_namespaces: ['example-api', 'example-api-staging'],
      audience: 'vault',
    });
  });
});
