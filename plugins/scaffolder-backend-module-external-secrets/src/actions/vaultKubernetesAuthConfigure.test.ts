import { setupServer } from 'msw/node';
import { kubernetesAuthHarness } from './__testUtils__/kubernetesAuthHarness';
import { createTestCaPem } from 'sandbox';
import { loggedText, vaultCall } from './__testUtils__/vaultActionHarness';

const CLUSTER_URL = 'https://cluster-2.onboard.test:6443';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** What the backend's token needs for this action only. */
const ONBOARDING_POLICY = `
path "sys/auth" { capabilities = ["read"] }
path "sys/auth/kubernetes-*" { capabilities = ["create", "update", "sudo"] }
path "auth/kubernetes-*" { capabilities = ["create", "read", "update"] }
`;

jest.setTimeout(30_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ca = createTestCaPem();

async function setup(
  options: {
    policy?: string;
    authConfig?: Record<string, string | boolean>;
    /** `externalSecrets.clusterManifests.reviewer`: another reviewer account. */
    reviewer?: { namespace: string; serviceAccount: string };
  } = {},
) {
  const { vault, cluster, run, checkpointKeys } = kubernetesAuthHarness(
    server,
    {
      policy: options.policy ?? ONBOARDING_POLICY,
      cluster: { name: 'cluster-2', url: CLUSTER_URL, ca },
      configuredUrl: `${CLUSTER_URL}/`,
      moreClusters: [
        { name: 'no-ca', url: 'https://no-ca.test', serviceAccountToken: 't' },
      ],
      authConfig: options.authConfig,
      reviewer: options.reviewer,
    },
  );
  const readConfig = async (mount = 'kubernetes-cluster-2') =>
    (await vaultCall('GET', `auth/${mount}/config`, { token: vault.rootToken }))
      .body?.data;
  const configStatus = async (mount = 'kubernetes-cluster-2') =>
    (await vaultCall('GET', `auth/${mount}/config`, { token: vault.rootToken }))
      .status;
  const writes = () =>
    vault.requests.filter(r => r.operation === 'write').map(r => r.path);

  /** ESO's account in `external-secrets`, and a role for it written by an admin. */
  let esoCreated = false;
  async function loginAsEso() {
    const ns = cluster.type('namespaces');
    const sa = cluster.type('serviceaccounts');
    if (!esoCreated) {
      esoCreated = true;
      await cluster.objects.create(ns, undefined, {
        metadata: { name: 'external-secrets' },
      });
      await cluster.objects.create(sa, 'external-secrets', {
        metadata: { name: 'external-secrets' },
      });
      await vaultCall('POST', 'auth/kubernetes-cluster-2/role/eso', {
        token: vault.rootToken,
        body: {
          bound_service_account_names: ['external-secrets'],
          bound_service_account_namespaces: ['external-secrets'],
          audience: 'vault',
        },
      });
    }
    const jwt = await cluster.issueServiceAccountToken({
      namespace: 'external-secrets',
      name: 'external-secrets',
      audiences: ['vault'],
    });
    return vaultCall('POST', 'auth/kubernetes-cluster-2/login', {
      body: { role: 'eso', jwt },
    });
  }

  /** The reviewer account and its token Secret, as the cluster manifests create them. */
  async function reviewerToken(bindAuthDelegator: boolean) {
    const ns = cluster.type('namespaces');
    await cluster.objects.create(ns, undefined, {
      metadata: { name: 'vault-auth' },
    });
    await cluster.objects.create(
      cluster.type('serviceaccounts'),
      'vault-auth',
      {
        metadata: { name: 'vault-auth' },
      },
    );
    await cluster.objects.create(cluster.type('secrets'), 'vault-auth', {
      metadata: {
        name: 'vault-auth-token',
        annotations: { 'kubernetes.io/service-account.name': 'vault-auth' },
      },
      type: 'kubernetes.io/service-account-token',
    });
    if (bindAuthDelegator) {
      cluster.grantTokenReview('vault-auth', 'vault-auth');
    }
    await cluster.tokenControllerIdle();
    const secret = cluster.objects.get(
      cluster.type('secrets'),
      'vault-auth',
      'vault-auth-token',
    ) as any;
    return Buffer.from(secret.data.token, 'base64').toString('utf8');
  }

  return {
    vault,
    cluster,
    run,
    readConfig,
    configStatus,
    writes,
    loginAsEso,
    reviewerToken,
    checkpointKeys,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the action to fail');
}

describe('vault:kubernetes-auth:configure', () => {
  it('enables kubernetes-<cluster> and writes client-JWT config from the cluster config; a re-run changes nothing', async () => {
    const h = await setup();
    const { outputs } = await h.run({ cluster: 'cluster-2' });
    expect(outputs).toEqual({
      authMount: 'kubernetes-cluster-2',
      kubernetesHost: CLUSTER_URL,
      reviewerMode: 'client-jwt',
      mountEnabled: true,
      result: 'created',
    });
    expect(h.writes()).toEqual([
      'sys/auth/kubernetes-cluster-2',
      'auth/kubernetes-cluster-2/config',
    ]);
    expect(await h.readConfig()).toMatchObject({
      kubernetes_host: CLUSTER_URL,
      issuer: ISSUER,
      disable_iss_validation: false,
      token_reviewer_jwt_set: false,
    });
    expect((await h.readConfig()).kubernetes_ca_cert.trim()).toBe(ca.trim());

    // client-JWT mode: ESO's own account must be allowed to review tokens
    expect((await h.loginAsEso()).status).toBe(403);
    h.cluster.grantTokenReview('external-secrets', 'external-secrets');
    expect((await h.loginAsEso()).status).toBe(200);

    h.vault.clearRequests();
    const again = await h.run({ cluster: 'cluster-2' });
    expect(again.outputs).toMatchObject({
      mountEnabled: false,
      result: 'unchanged',
    });
    expect(h.writes()).toEqual([]);
  });

  it('reviewer-JWT mode sends the pasted token to Vault only, and logins need the reviewer bound to system:auth-delegator', async () => {
    const h = await setup();
    const jwt = await h.reviewerToken(false);
    const { outputs, logger } = await h.run(
      { cluster: 'cluster-2', reviewerMode: 'reviewer-jwt' },
      { secrets: { tokenReviewerJwt: jwt } },
    );
    expect(outputs).toMatchObject({
      reviewerMode: 'reviewer-jwt',
      result: 'created',
    });
    expect((await h.readConfig()).token_reviewer_jwt_set).toBe(true);
    for (const text of [
      JSON.stringify(outputs),
      loggedText(logger),
      h.checkpointKeys.join('\n'),
      JSON.stringify(await h.readConfig()),
    ]) {
      expect(text).not.toContain(jwt);
      expect(text).not.toContain(jwt.split('.')[1]);
    }
    // the reviewer is not bound yet: Vault's TokenReview is forbidden
    expect((await h.loginAsEso()).status).toBe(403);
    h.cluster.grantTokenReview('vault-auth', 'vault-auth');
    expect((await h.loginAsEso()).status).toBe(200);
  });

  it('refuses a malformed reviewer JWT without echoing it, and writes nothing', async () => {
    const h = await setup();
    const bad = await rejection(
      h.run(
        { cluster: 'cluster-2', reviewerMode: 'reviewer-jwt' },
        { secrets: { tokenReviewerJwt: 'not a jwt s3cr3t' } },
      ),
    );
    expect(bad.name).toBe('InputError');
    expect(bad.message).not.toContain('s3cr3t');
    expect(h.writes()).toEqual([]);
  });

  describe('reviewer-JWT mode without the JWT (the first of two runs)', () => {
    const REVIEWER = { cluster: 'cluster-2', reviewerMode: 'reviewer-jwt' };
    const TOKEN_COMMAND =
      "kubectl -n vault-auth get secret vault-auth-token -o jsonpath='{.data.token}' | base64 -d";

    it('enables the mount, writes no config and waits; the run with the token configures it; later runs without one keep it', async () => {
      const h = await setup();
      const first = await h.run(REVIEWER);
      expect(first.outputs).toEqual({
        authMount: 'kubernetes-cluster-2',
        kubernetesHost: CLUSTER_URL,
        reviewerMode: 'reviewer-jwt',
        mountEnabled: true,
        result: 'awaiting-reviewer-jwt',
      });
      // the mount only: no client-JWT config in its place
      expect(h.writes()).toEqual(['sys/auth/kubernetes-cluster-2']);
      expect(await h.configStatus()).toBe(404);
      const log = loggedText(first.logger);
      expect(log).toContain(
        'auth/kubernetes-cluster-2/config not written: reviewer-jwt mode needs the reviewer JWT',
      );
      expect(log).toContain('merge the GitOps pull request');
      expect(log).toContain('Argo CD');
      expect(log).toContain('run the template again with the same answers');
      expect(log).toContain(TOKEN_COMMAND);
      expect(first.logger.info).toHaveBeenCalledWith(
        expect.stringContaining('Secret vault-auth/vault-auth-token'),
      );

      // again before the pull request is applied: the mount is there, still no config
      h.vault.clearRequests();
      const again = await h.run(REVIEWER);
      expect(again.outputs).toMatchObject({
        mountEnabled: false,
        result: 'awaiting-reviewer-jwt',
      });
      expect(h.writes()).toEqual([]);
      expect(await h.configStatus()).toBe(404);

      // the pull request applied: the cluster filled the reviewer's token Secret
      const jwt = await h.reviewerToken(true);
      h.vault.clearRequests();
      const second = await h.run(REVIEWER, {
        secrets: { tokenReviewerJwt: jwt },
      });
      expect(second.outputs).toMatchObject({
        mountEnabled: false,
        result: 'created',
      });
      expect(h.writes()).toEqual(['auth/kubernetes-cluster-2/config']);
      expect(await h.readConfig()).toMatchObject({
        kubernetes_host: CLUSTER_URL,
        issuer: ISSUER,
        disable_iss_validation: false,
        token_reviewer_jwt_set: true,
      });
      expect((await h.loginAsEso()).status).toBe(200);

      // a run with the same answers and no token: the JWT Vault has stays, nothing is written
      h.vault.clearRequests();
      const third = await h.run(REVIEWER);
      expect(third.outputs).toMatchObject({
        mountEnabled: false,
        result: 'unchanged',
      });
      expect(h.writes()).toEqual([]);
      expect(loggedText(third.logger)).toContain(
        'keeps the reviewer JWT Vault has',
      );
      expect((await h.readConfig()).token_reviewer_jwt_set).toBe(true);
      expect((await h.loginAsEso()).status).toBe(200);

      // a pasted token is a rotation
      const rotated = await h.run(REVIEWER, {
        secrets: { tokenReviewerJwt: jwt },
      });
      expect(rotated.outputs.result).toBe('updated');

      for (const text of [first, again, second, third, rotated].flatMap(r => [
        JSON.stringify(r.outputs),
        loggedText(r.logger),
      ])) {
        expect(text).not.toContain(jwt.split('.')[1]);
      }
      expect(h.checkpointKeys.join('\n')).not.toContain(jwt.split('.')[1]);
    });

    it('dry run says the same and writes nothing', async () => {
      const h = await setup();
      const { outputs, logger } = await h.run(REVIEWER, { dryRun: true });
      expect(outputs).toMatchObject({
        mountEnabled: true,
        result: 'awaiting-reviewer-jwt',
      });
      expect(h.writes()).toEqual([]);
      const log = loggedText(logger);
      expect(log).toContain(
        'Dry run: would enable Vault auth mount kubernetes-cluster-2/ and write no auth/kubernetes-cluster-2/config for cluster cluster-2: reviewer-jwt mode without the reviewer JWT waits for it',
      );
      expect(log).toContain(TOKEN_COMMAND);
    });

    it('names the token Secret of the configured reviewer account', async () => {
      const h = await setup({
        reviewer: { namespace: 'platform-auth', serviceAccount: 'reviewer' },
      });
      const { logger } = await h.run(REVIEWER);
      expect(loggedText(logger)).toContain(
        "kubectl -n platform-auth get secret reviewer-token -o jsonpath='{.data.token}' | base64 -d",
      );
    });

    it('refuses a mount configured in client-JWT mode, naming the difference; with overwrite, asks for the JWT; nothing written', async () => {
      const h = await setup();
      await h.run({ cluster: 'cluster-2' });
      h.vault.clearRequests();
      const refused = await rejection(h.run(REVIEWER));
      expect(refused.name).toBe('ConflictError');
      expect(refused.message).toContain(
        'Vault auth mount kubernetes-cluster-2/ is configured differently (reviewer: "client-jwt" in Vault, "reviewer-jwt" wanted)',
      );
      expect(refused.message).toContain(
        'paste the reviewer JWT: reviewer-jwt mode cannot write a config without it',
      );
      expect(refused.message).toContain(TOKEN_COMMAND);
      const withOverwrite = await rejection(
        h.run({ ...REVIEWER, overwrite: true }),
      );
      expect(withOverwrite.name).toBe('InputError');
      expect(withOverwrite.message).toContain(
        'Reviewer JWT missing: Vault auth mount kubernetes-cluster-2/ is configured differently (reviewer: "client-jwt" in Vault, "reviewer-jwt" wanted)',
      );
      expect(withOverwrite.message).toContain(
        'into the template secret "tokenReviewerJwt"',
      );
      expect(h.writes()).toEqual([]);
      expect((await h.readConfig()).token_reviewer_jwt_set).toBe(false);
    });

    it('refuses a reviewer-JWT mount that trusts another CA, and keeps its JWT', async () => {
      const h = await setup();
      await vaultCall('POST', 'sys/auth/kubernetes-cluster-2', {
        token: h.vault.rootToken,
        body: { type: 'kubernetes' },
      });
      await vaultCall('POST', 'auth/kubernetes-cluster-2/config', {
        token: h.vault.rootToken,
        body: {
          kubernetes_host: CLUSTER_URL,
          kubernetes_ca_cert: createTestCaPem(),
          issuer: ISSUER,
          disable_iss_validation: false,
          token_reviewer_jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJvbGQiOnRydWV9.c2ln',
        },
      });
      h.vault.clearRequests();
      const refused = await rejection(h.run(REVIEWER));
      expect(refused.name).toBe('ConflictError');
      expect(refused.message).toContain('kubernetes_ca_cert: "(another CA)"');
      expect(refused.message).not.toContain('reviewer:');
      const withOverwrite = await rejection(
        h.run({ ...REVIEWER, overwrite: true }),
      );
      expect(withOverwrite.name).toBe('InputError');
      expect(withOverwrite.message).toContain('Reviewer JWT missing');
      expect(h.writes()).toEqual([]);
      expect((await h.readConfig()).token_reviewer_jwt_set).toBe(true);
    });

    it('does not repoint a mount without the JWT, even where repointing is allowed', async () => {
      const h = await configuredForCluster1(true);
      const refused = await rejection(h.run({ ...REVIEWER, overwrite: true }));
      expect(refused.name).toBe('InputError');
      expect(refused.message).toContain(
        'Reviewer JWT missing: repointing Vault auth mount kubernetes-cluster-2/ replaces its whole config',
      );
      expect(h.writes()).toEqual([]);
      expect((await h.readConfig()).kubernetes_host).toBe(
        'https://cluster-1.onboard.test:6443',
      );
    });
  });

  async function configuredForCluster1(allowRepoint: boolean) {
    const h = await setup({ authConfig: { allowRepoint } });
    await vaultCall('POST', 'sys/auth/kubernetes-cluster-2', {
      token: h.vault.rootToken,
      body: { type: 'kubernetes' },
    });
    await vaultCall('POST', 'auth/kubernetes-cluster-2/config', {
      token: h.vault.rootToken,
      body: { kubernetes_host: 'https://cluster-1.onboard.test:6443' },
    });
    h.vault.clearRequests();
    const refused = await rejection(h.run({ cluster: 'cluster-2' }));
    expect(refused.name).toBe('ConflictError');
    expect(refused.message).toContain('configured for another cluster');
    return h;
  }

  it('refuses to repoint a mount configured for another cluster, even with overwrite, unless config allows it', async () => {
    const h = await configuredForCluster1(false);
    const stillRefused = await rejection(
      h.run({ cluster: 'cluster-2', overwrite: true }),
    );
    expect(stillRefused.name).toBe('ConflictError');
    expect(stillRefused.message).toContain('allowRepoint: true');
    expect(h.writes()).toEqual([]);
    expect((await h.readConfig()).kubernetes_host).toBe(
      'https://cluster-1.onboard.test:6443',
    );
  });

  it('repoints with overwrite when kubernetesAuth.allowRepoint is set', async () => {
    const h = await configuredForCluster1(true);
    const { outputs } = await h.run({ cluster: 'cluster-2', overwrite: true });
    expect(outputs.result).toBe('updated');
    expect((await h.readConfig()).kubernetes_host).toBe(CLUSTER_URL);
  });

  it('needs overwrite to change the config of the same cluster (another CA, issuer validation off)', async () => {
    const h = await setup();
    await h.run({ cluster: 'cluster-2' });
    await vaultCall('POST', 'auth/kubernetes-cluster-2/config', {
      token: h.vault.rootToken,
      body: {
        kubernetes_host: CLUSTER_URL,
        kubernetes_ca_cert: createTestCaPem(),
        issuer: ISSUER,
      },
    });
    h.vault.clearRequests();
    const refused = await rejection(h.run({ cluster: 'cluster-2' }));
    expect(refused.name).toBe('ConflictError');
    expect(refused.message).toContain('kubernetes_ca_cert: "(another CA)"');
    expect(refused.message).toContain('disable_iss_validation: true in Vault');
    expect(h.writes()).toEqual([]);
    const { outputs } = await h.run({ cluster: 'cluster-2', overwrite: true });
    expect(outputs.result).toBe('updated');
    expect(await h.readConfig()).toMatchObject({
      disable_iss_validation: false,
    });
    expect((await h.readConfig()).kubernetes_ca_cert.trim()).toBe(ca.trim());
  });

  it('leaves issuer validation on: a cluster whose tokens carry another issuer cannot log in', async () => {
    const h = await setup({
      authConfig: { issuer: 'https://oidc.other-cluster.test' },
    });
    await h.run({ cluster: 'cluster-2' });
    h.cluster.grantTokenReview('external-secrets', 'external-secrets');
    const login = await h.loginAsEso();
    expect(login.status).toBe(403);
    expect(login.body.errors).toEqual([
      expect.stringContaining('claim "iss" is invalid'),
    ]);
  });

  it('dry run reads only', async () => {
    const h = await setup();
    const { outputs, logger } = await h.run(
      { cluster: 'cluster-2' },
      { dryRun: true },
    );
    expect(outputs).toMatchObject({ mountEnabled: true, result: 'created' });
    expect(h.writes()).toEqual([]);
    expect(loggedText(logger)).toContain(
      'Dry run: would enable Vault auth mount kubernetes-cluster-2/',
    );
  });

  it('refuses unknown clusters, clusters without CA, and a mount of another type', async () => {
    const h = await setup();
    expect((await rejection(h.run({ cluster: 'nope' }))).name).toBe(
      'NotFoundError',
    );
    const noCa = await rejection(h.run({ cluster: 'no-ca' }));
    expect(noCa.name).toBe('InputError');
    expect(noCa.message).toContain('no caData or caFile');
    expect(
      (await rejection(h.run({ cluster: 'cluster-2', reviewerMode: 'both' })))
        .name,
    ).toBe('InputError');
    await vaultCall('POST', 'sys/auth/kubernetes-cluster-2', {
      token: h.vault.rootToken,
      body: { type: 'approle' },
    });
    const other = await rejection(h.run({ cluster: 'cluster-2' }));
    expect(other.name).toBe('ConflictError');
    expect(other.message).toContain('is a approle auth method');
  });

  it('cannot enable a mount without sudo, nor touch mounts outside kubernetes-*', async () => {
    const h = await setup({
      policy: ONBOARDING_POLICY.replace(', "sudo"', ''),
    });
    const refused = await rejection(h.run({ cluster: 'cluster-2' }));
    expect(refused.name).toBe('NotAllowedError');
    const wide = await setup({
      authConfig: { mountPath: 'k8s-{cluster}' },
    });
    expect((await rejection(wide.run({ cluster: 'cluster-2' }))).name).toBe(
      'NotAllowedError',
    );
  });
});
