import { setupServer } from 'msw/node';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const EXPECTED_ROLE = {
  bound_service_account_names: ['external-secrets-example-api'],
  bound_service_account_namespaces: ['example-api'],
  audience: 'https://kubernetes.default.svc.cluster.local',
  token_policies: ['example-api'],
  token_ttl: 3600,
};

/** A harness whose Vault already holds the service's policy, as the template's first step leaves it. */
async function withPolicy(
  options: Parameters<typeof vaultActionHarness>[1] = {},
) {
  const h = vaultActionHarness(server, options);
  await h.run(h.actions.policy, { name: 'example-api' });
  h.emulator.clearRequests();
  return h;
}

describe('vault:kubernetes-role:create', () => {
  it("writes the role bound to the service's own account with token_policies and token_ttl", async () => {
    const h = await withPolicy();
    const { outputs } = await h.run(h.actions.role, { name: 'example-api' });
    expect(outputs).toEqual({
      roleName: 'external-secrets-example-api',
      role: EXPECTED_ROLE,
      result: 'created',
    });
    expect(h.writes().map(r => r.path)).toEqual([
      'auth/kubernetes/role/external-secrets-example-api',
    ]);
    expect(JSON.parse(h.writes()[0].body!)).toEqual(EXPECTED_ROLE);
    const stored = await h.emulator.handle({
      method: 'GET',
      path: '/v1/auth/kubernetes/role/external-secrets-example-api',
      headers: { 'x-vault-token': h.emulator.rootToken },
    });
    expect(JSON.parse(stored.body!).data).toMatchObject(EXPECTED_ROLE);
  });

  it('binds the account in the namespace the service lives in', async () => {
    const h = await withPolicy();
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      namespace: 'apis',
    });
    expect(outputs.role).toMatchObject({
      bound_service_account_names: ['external-secrets-example-api'],
      bound_service_account_namespaces: ['apis'],
    });
  });

  it('takes defaults from config', async () => {
    const h = await withPolicy({
      emulator: { kubernetesAuthMounts: ['k8s-prod'] },
      backendPolicy:
        'path "auth/k8s-prod/role/*" { capabilities = ["create", "read", "update"] }\npath "sys/policies/acl/*" { capabilities = ["read", "update"] }\npath "secret/data/*" { capabilities = ["create"] }',
      vaultConfig: {
        kubernetesRole: {
          authMount: 'k8s-prod',
          serviceAccountName: 'eso',
          serviceAccountNamespace: 'eso-system',
          audience: 'vault',
          ttl: '30m',
        },
      },
    });
    const { outputs } = await h.run(h.actions.role, { name: 'example-api' });
    expect(outputs.role).toEqual({
      bound_service_account_names: ['eso'],
      bound_service_account_namespaces: ['eso-system'],
      audience: 'vault',
      token_policies: ['example-api'],
      token_ttl: 1800,
    });
    expect(h.writes()[0].path).toBe(
      'auth/k8s-prod/role/external-secrets-example-api',
    );
  });

  it('writes nothing in a dry run, even before the policy exists', async () => {
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(
      h.actions.role,
      { name: 'example-api' },
      { dryRun: true },
    );
    expect(outputs.result).toBe('created');
    expect(h.writes()).toHaveLength(0);
  });

  it('is idempotent', async () => {
    const h = await withPolicy();
    await h.run(h.actions.role, { name: 'example-api' });
    const { outputs } = await h.run(h.actions.role, { name: 'example-api' });
    expect(outputs.result).toBe('unchanged');
    expect(h.writes()).toHaveLength(1);
  });

  it('refuses to change a different role, naming each difference, and changes it with overwrite', async () => {
    const h = await withPolicy({
      vaultConfig: {
        kubernetesRole: {
          allowedServiceAccounts: [{ name: 'default', namespace: '{name}' }],
        },
      },
    });
    await h.run(h.actions.role, {
      name: 'example-api',
      boundServiceAccountNames: ['default'],
      ttl: '2h',
    });
    await expect(
      h.run(h.actions.role, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /bound_service_account_names: \["default"\] in Vault, \["external-secrets-example-api"\] wanted; token_ttl: 7200 in Vault, 3600 wanted/,
      ),
    });
    expect(h.writes()).toHaveLength(1);
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      overwrite: true,
    });
    expect(outputs.result).toBe('updated');
    expect(h.writes()).toHaveLength(2);
  });

  it('reports a 403 when the backend token may not write roles', async () => {
    const h = await withPolicy({
      backendPolicy:
        'path "auth/kubernetes/role/*" { capabilities = ["read"] }\npath "sys/policies/acl/*" { capabilities = ["read", "update"] }\npath "secret/data/*" { capabilities = ["create"] }',
    });
    await expect(
      h.run(h.actions.role, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'auth/kubernetes/role/external-secrets-example-api',
      ),
    });
  });

  it('reports a missing auth mount', async () => {
    const h = await withPolicy({
      emulator: { kubernetesAuthMounts: [] },
    });
    await expect(
      h.run(h.actions.role, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('no handler for route'),
    });
  });

  it('retries a 500 then succeeds', async () => {
    const h = await withPolicy();
    h.emulator.faults.failNext({
      path: /^auth\/kubernetes\/role\//,
      method: 'GET',
      status: 502,
    });
    const { outputs } = await h.run(h.actions.role, { name: 'example-api' });
    expect(outputs.result).toBe('created');
    expect(h.emulator.requests.map(r => r.status)).toEqual([
      200, // the policy's ownership mark
      502,
      404,
      204,
    ]);
  });

  it('times out', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: { timeout: 30, maxRetries: 0 },
    });
    h.emulator.faults.setLatency(300);
    await expect(
      h.run(h.actions.role, { name: 'example-api' }),
    ).rejects.toThrow(/did not answer/);
  });

  it.each([
    ['audience', { audience: '' }],
    ['audience', { audience: 'a b' }],
    ['audience', { audience: 'a"b' }],
    ['audience', { audience: 'a\nb' }],
    ['audience', { audience: 'x'.repeat(513) }],
    ['audience', { audience: 'аudience' }],
    ['ttl', { ttl: '' }],
    ['ttl', { ttl: '0' }],
    ['ttl', { ttl: '10' }],
    ['ttl', { ttl: '1d' }],
    ['ttl', { ttl: '-1h' }],
    ['ttl', { ttl: '9999h' }],
    ['ttl', { ttl: '1h"}' }],
    ['overwrite', { overwrite: 'yes' }],
    ['policies', { policies: [] }],
    ['policies', { policies: ['root'] }],
    ['policies', { policies: 'example-api' }],
    ['boundServiceAccountNames', { boundServiceAccountNames: ['*'] }],
    ['boundServiceAccountNamespaces', { boundServiceAccountNamespaces: [] }],
  ])('refuses a bad %s before any request', async (field, override) => {
    const h = vaultActionHarness(server);
    await expect(
      h.run(h.actions.role, { name: 'example-api', ...override }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(field),
    });
    expect(h.emulator.requests).toHaveLength(0);
  });
});
