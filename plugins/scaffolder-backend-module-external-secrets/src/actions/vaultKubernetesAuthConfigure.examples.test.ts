import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { setupServer } from 'msw/node';
import {
  KubernetesEmulator,
  VaultEmulator,
  createTestCaPem,
  createTokenReviewer,
  vaultHandlers,
} from 'sandbox';
import { exampleStep, writtenRequests } from './__testUtils__/exampleSteps';
import { VAULT_URL } from './__testUtils__/vaultActionHarness';
import { readKubernetesAuthSettings } from './kubernetesAuthSettings';
import { createVaultClientProvider } from './vaultActionSettings';
import { createVaultKubernetesAuthConfigureAction } from './vaultKubernetesAuthConfigure';
import { examples } from './vaultKubernetesAuthConfigure.examples';

const CLUSTER_URL = 'https://prod-eu.clusters.test:6443';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

jest.setTimeout(30_000);

const ca = createTestCaPem();

/** The action against a Vault without the cluster's mount, the cluster `prod-eu` configured. */
function setup() {
  const vault = new VaultEmulator({ kubernetesAuthMounts: ['kubernetes'] });
  const cluster = new KubernetesEmulator({ url: CLUSTER_URL, caCertPem: ca });
  vault.setTokenReviewer(createTokenReviewer(cluster));
  // enabling an auth method needs sudo on sys/auth/<path>; the rest as the examples need it
  vault.putPolicy(
    'examples',
    `path "*" { capabilities = ["create", "read", "update", "list"] }
path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }`,
  );
  const token = vault.createToken({ policies: ['examples'] });
  server.use(...vaultHandlers(vault, VAULT_URL));
  const config = new ConfigReader({
    externalSecrets: {
      vault: {
        baseUrl: VAULT_URL,
        retryBaseDelayMs: 1,
        auth: { type: 'token', token },
      },
      clusters: [
        {
          name: 'prod-eu',
          url: CLUSTER_URL,
          serviceAccountToken: 'status-token',
          caData: Buffer.from(ca).toString('base64'),
        },
      ],
    },
  });
  const action = createVaultKubernetesAuthConfigureAction({
    vault: createVaultClientProvider(config, mockServices.logger.mock()),
    settings: readKubernetesAuthSettings(config),
  });
  async function run(
    input: Record<string, unknown>,
    secrets?: Record<string, string>,
  ) {
    const ctx = {
      ...createMockActionContext({
        input: input as ActionContext<any>['input'],
        secrets,
      }),
      checkpoint: (async ({ fn }: { fn: () => unknown }) =>
        fn()) as ActionContext<any>['checkpoint'],
    };
    await action.handler(ctx);
    return Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([name, value]) => [
        name,
        value,
      ]),
    );
  }
  const writes = () =>
    writtenRequests(vault.requests.filter(r => r.operation === 'write'));
  return { vault, cluster, action, run, writes };
}

const expectedConfig = {
  kubernetes_host: CLUSTER_URL,
  // the cluster's CA as one PEM ending in a newline
  kubernetes_ca_cert: `${ca.trim()}\n`,
  issuer: 'https://kubernetes.default.svc.cluster.local',
  disable_iss_validation: false,
};

describe('vault:kubernetes-auth:configure examples', () => {
  it(`${examples[0].description}: enables kubernetes-prod-eu and writes its config without a reviewer JWT`, async () => {
    const h = setup();
    const step = exampleStep(examples[0]);
    expect(step.action).toBe(h.action.id);

    const outputs = await h.run(step.input);

    expect(outputs).toMatchObject({
      authMount: 'kubernetes-prod-eu',
      reviewerMode: 'client-jwt',
      mountEnabled: true,
      result: 'created',
    });
    expect(h.writes()).toEqual([
      {
        method: 'POST',
        path: 'sys/auth/kubernetes-prod-eu',
        body: expect.objectContaining({ type: 'kubernetes' }),
      },
      {
        method: 'POST',
        path: 'auth/kubernetes-prod-eu/config',
        // an empty reviewer JWT: Vault reviews each login with the logging-in JWT, and one
        // stored by an earlier reviewer-JWT run is cleared
        body: { ...expectedConfig, token_reviewer_jwt: '' },
      },
    ]);
  });

  it(`${examples[1].description}: the first run enables the mount only, the second writes the config with the pasted JWT`, async () => {
    const h = setup();
    const step = exampleStep(examples[1]);
    expect(step.action).toBe(h.action.id);

    const first = await h.run(step.input);
    expect(first).toMatchObject({
      reviewerMode: 'reviewer-jwt',
      mountEnabled: true,
      result: 'awaiting-reviewer-jwt',
    });
    expect(h.writes()).toEqual([
      {
        method: 'POST',
        path: 'sys/auth/kubernetes-prod-eu',
        body: expect.objectContaining({ type: 'kubernetes' }),
      },
    ]);

    h.vault.clearRequests();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.reviewer-token-for-the-example.sig';
    const second = await h.run(step.input, { tokenReviewerJwt: jwt });
    expect(second).toMatchObject({ mountEnabled: false, result: 'created' });
    expect(h.writes()).toEqual([
      {
        method: 'POST',
        path: 'auth/kubernetes-prod-eu/config',
        body: { ...expectedConfig, token_reviewer_jwt: jwt },
      },
    ]);
    // the JWT went to Vault and nowhere else the action reports to
    expect(JSON.stringify(second)).not.toContain(jwt);
  });
});
