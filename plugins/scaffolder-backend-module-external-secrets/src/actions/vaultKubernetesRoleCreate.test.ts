import { setupServer } from 'msw/node';
import {
  BACKEND_POLICY,
  loggedText,
  vaultActionHarness,
} from './__testUtils__/vaultActionHarness';
import { TEST_CLUSTERS } from './__testUtils__/clusters';

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
      authMount: 'kubernetes',
      // the mount's config is not written in this test
      reviewerMode: 'unknown',
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
      name: 'InputError',
      message:
        'Vault has no Kubernetes auth mount auth/kubernetes/. Enable and configure it (vault:kubernetes-auth:configure), or choose another authMount',
    });
    expect(h.writes()).toEqual([]);
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
      404, // the mount's config: not written in this test
    ]);
  });

  describe('says how the mount reviews tokens, for the manifests', () => {
    const configure = (
      h: ReturnType<typeof vaultActionHarness>,
      body: Record<string, unknown>,
    ) =>
      h.emulator.handle({
        method: 'POST',
        path: '/v1/auth/kubernetes/config',
        headers: { 'x-vault-token': h.emulator.rootToken },
        body: JSON.stringify({
          kubernetes_host: 'https://cluster.actions.test:6443',
          ...body,
        }),
      });

    it('reviewer-jwt when the config holds a reviewer JWT, client-jwt when it does not', async () => {
      const h = await withPolicy();
      await configure(h, { token_reviewer_jwt: 'eyJ.reviewer.jwt' });
      const first = await h.run(h.actions.role, { name: 'example-api' });
      expect(first.outputs.reviewerMode).toBe('reviewer-jwt');
      expect(JSON.stringify(first)).not.toContain('eyJ.reviewer.jwt');
      await configure(h, { token_reviewer_jwt: '' });
      const second = await h.run(h.actions.role, { name: 'example-api' });
      expect(second.outputs).toMatchObject({
        result: 'unchanged',
        reviewerMode: 'client-jwt',
      });
    });

    it('unknown, with a warning, when the token may not read the config; the role is still written', async () => {
      const h = await withPolicy({
        backendPolicy: BACKEND_POLICY.replace(
          'path "auth/kubernetes/config" { capabilities = ["read"] }',
          '',
        ),
      });
      await configure(h, { token_reviewer_jwt: '' });
      const { outputs, logger } = await h.run(h.actions.role, {
        name: 'example-api',
      });
      expect(outputs).toMatchObject({
        result: 'created',
        reviewerMode: 'unknown',
      });
      expect(loggedText(logger)).toMatch(
        /Could not read auth\/kubernetes\/config .*permission denied.*reviewerMode is unknown/,
      );
    });
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

/** The backend's policy with role rights on each cluster's mount, added as each is onboarded. */
const CLUSTERS_BACKEND_POLICY = `${BACKEND_POLICY}
path "auth/kubernetes-edge/role/*" { capabilities = ["create", "read", "update"] }
path "auth/k8s-lab/role/*" { capabilities = ["create", "read", "update"] }
`;

function withClusters(options: Parameters<typeof vaultActionHarness>[1] = {}) {
  return withPolicy({
    emulator: {
      kubernetesAuthMounts: ['kubernetes', 'kubernetes-edge', 'k8s-lab'],
    },
    backendPolicy: CLUSTERS_BACKEND_POLICY,
    clusters: TEST_CLUSTERS,
    ...options,
  });
}

async function storedRole(
  h: ReturnType<typeof vaultActionHarness>,
  mount: string,
) {
  const stored = await h.emulator.handle({
    method: 'GET',
    path: `/v1/auth/${mount}/role/external-secrets-example-api`,
    headers: { 'x-vault-token': h.emulator.rootToken },
  });
  return stored.status === 200 ? JSON.parse(stored.body!).data : undefined;
}

describe('vault:kubernetes-role:create with cluster', () => {
  it('says a cluster whose mount Vault does not have is not onboarded yet, and writes nothing', async () => {
    const h = await withClusters({
      emulator: { kubernetesAuthMounts: ['kubernetes', 'k8s-lab'] },
    });
    await expect(
      h.run(h.actions.role, { name: 'example-api', cluster: 'edge' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'Vault has no Kubernetes auth mount auth/kubernetes-edge/: cluster "edge" is not onboarded to Vault yet. Run the "Onboard a cluster to Vault" template (vault:kubernetes-auth:configure) for it first',
    });
    expect(h.writes()).toEqual([]);
  });

  // No kubernetesRole.allowedAuthMounts entry: a cluster's mount is the platform's own config.
  it("writes the role on the cluster's mount, kubernetes-<cluster> by default", async () => {
    const h = await withClusters();
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
    });
    expect(outputs).toEqual({
      roleName: 'external-secrets-example-api',
      role: EXPECTED_ROLE,
      result: 'created',
      authMount: 'kubernetes-edge',
      reviewerMode: 'unknown',
    });
    expect(h.writes().map(r => r.path)).toEqual([
      'auth/kubernetes-edge/role/external-secrets-example-api',
    ]);
    expect(await storedRole(h, 'kubernetes-edge')).toMatchObject(EXPECTED_ROLE);
    expect(await storedRole(h, 'kubernetes')).toBeUndefined();
  });

  it('uses the vaultAuthMount a cluster configures', async () => {
    const h = await withClusters();
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'lab',
    });
    expect(outputs.authMount).toBe('k8s-lab');
    expect(h.writes().map(r => r.path)).toEqual([
      'auth/k8s-lab/role/external-secrets-example-api',
    ]);
    expect(await storedRole(h, 'k8s-lab')).toMatchObject(EXPECTED_ROLE);
  });

  it("accepts an authMount that is the cluster's own", async () => {
    const h = await withClusters();
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
      authMount: 'kubernetes-edge',
    });
    expect(outputs.authMount).toBe('kubernetes-edge');
    expect(await storedRole(h, 'kubernetes-edge')).toMatchObject(EXPECTED_ROLE);
  });

  it('refuses a cluster that is not configured, naming the configured ones, with no request', async () => {
    const h = await withClusters();
    await expect(
      h.run(h.actions.role, { name: 'example-api', cluster: 'prod' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^Invalid cluster: "prod" is not in externalSecrets.clusters; configured: edge, lab\./,
      ),
    });
    expect(h.emulator.requests).toHaveLength(0);
    expect(await storedRole(h, 'kubernetes-edge')).toBeUndefined();
    expect(await storedRole(h, 'kubernetes')).toBeUndefined();
  });

  it('refuses any cluster when none is configured', async () => {
    const h = await withPolicy();
    await expect(
      h.run(h.actions.role, { name: 'example-api', cluster: 'edge' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('configured: none'),
    });
    expect(h.emulator.requests).toHaveLength(0);
  });

  it.each([
    // allowed on its own, but not where edge's logins arrive
    ['the default mount', 'kubernetes'],
    ["another cluster's mount", 'k8s-lab'],
  ])(
    'refuses %s as authMount beside the cluster, with no request',
    async (_, authMount) => {
      const h = await withClusters({
        vaultConfig: { kubernetesRole: { allowedAuthMounts: ['k8s-lab'] } },
      });
      await expect(
        h.run(h.actions.role, {
          name: 'example-api',
          cluster: 'edge',
          authMount,
        }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(
          `Invalid authMount: "${authMount}" is not the Vault auth mount of cluster "edge" (kubernetes-edge`,
        ),
      });
      expect(h.emulator.requests).toHaveLength(0);
    },
  );

  it('is idempotent on the chosen mount, and a role of the same name on another mount does not count', async () => {
    const h = await withClusters();
    await h.run(h.actions.role, { name: 'example-api' });
    const onCluster = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
    });
    expect(onCluster.outputs.result).toBe('created');
    const again = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
    });
    expect(again.outputs.result).toBe('unchanged');
    expect(h.writes().map(r => r.path)).toEqual([
      'auth/kubernetes/role/external-secrets-example-api',
      'auth/kubernetes-edge/role/external-secrets-example-api',
    ]);
  });

  it("refuses to change a different role on the cluster's mount unless overwrite is set", async () => {
    const h = await withClusters();
    await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
      ttl: '2h',
    });
    await expect(
      h.run(h.actions.role, { name: 'example-api', cluster: 'edge' }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'Vault role auth/kubernetes-edge/role/external-secrets-example-api already exists with different settings (token_ttl: 7200 in Vault, 3600 wanted)',
      ),
    });
    const { outputs } = await h.run(h.actions.role, {
      name: 'example-api',
      cluster: 'edge',
      overwrite: true,
    });
    expect(outputs.result).toBe('updated');
    expect((await storedRole(h, 'kubernetes-edge')).token_ttl).toBe(3600);
  });

  it("writes nothing in a dry run and names the cluster's mount", async () => {
    const h = await withClusters();
    const { outputs, logger } = await h.run(
      h.actions.role,
      { name: 'example-api', cluster: 'edge' },
      { dryRun: true },
    );
    expect(outputs).toMatchObject({
      result: 'created',
      authMount: 'kubernetes-edge',
    });
    expect(h.writes()).toHaveLength(0);
    expect(logger.info).toHaveBeenCalledWith(
      'Dry run: would write Vault role auth/kubernetes-edge/role/external-secrets-example-api (created)',
    );
  });

  // Naming a cluster selects a mount; it must not lend the action rights the token lacks there.
  it("gets Vault's permission denied when the token has no rights on the cluster's mount", async () => {
    const h = await withClusters({ backendPolicy: BACKEND_POLICY });
    await expect(
      h.run(h.actions.role, { name: 'example-api', cluster: 'edge' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'at "auth/kubernetes-edge/role/external-secrets-example-api" was denied: permission denied',
      ),
    });
    expect(
      h.emulator.requests
        .filter(r => r.path.startsWith('auth/kubernetes-edge/'))
        .map(r => r.status),
    ).toEqual([403]);
    expect(h.writes()).toHaveLength(0);
    expect(await storedRole(h, 'kubernetes-edge')).toBeUndefined();
  });
});
