import { setupServer } from 'msw/node';
import { kubernetesAuthHarness } from './__testUtils__/kubernetesAuthHarness';
import { createTestCaPem } from 'sandbox';
import { exampleStep, writtenRequests } from './__testUtils__/exampleSteps';
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
  const h = kubernetesAuthHarness(server, {
    // enabling an auth method needs sudo on sys/auth/<path>; the rest as the examples need it
    policy: `path "*" { capabilities = ["create", "read", "update", "list"] }
path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }`,
    cluster: { name: 'prod-eu', url: CLUSTER_URL, ca },
  });
  const { vault, cluster, action } = h;
  const run = async (
    input: Record<string, unknown>,
    secrets?: Record<string, string>,
  ) => (await h.run(input, { secrets })).outputs;
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
