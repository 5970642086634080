import { setupServer } from 'msw/node';
import {
  EXAMPLES_BACKEND_POLICY,
  exampleStep,
  writtenRequests,
} from './__testUtils__/exampleSteps';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';
import { examples } from './vaultKubernetesRoleCreate.examples';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function harnessWithPolicy(name: string) {
  const h = vaultActionHarness(server, {
    backendPolicy: EXAMPLES_BACKEND_POLICY,
    emulator: { kubernetesAuthMounts: ['kubernetes', 'kubernetes-edge'] },
    clusters: [
      {
        name: 'edge',
        url: 'https://edge.clusters.test:6443',
        serviceAccountToken: 'edge-status-token',
      },
    ],
  });
  // A role carries only policies this module wrote for the same service.
  await h.run(h.actions.policy, { name });
  h.emulator.clearRequests();
  return h;
}

describe('vault:kubernetes-role:create examples', () => {
  it(`${examples[0].description}: binds example-api/external-secrets-example-api`, async () => {
    const h = await harnessWithPolicy('example-api');
    const step = exampleStep(examples[0]);
    expect(step.action).toBe(h.actions.role.id);

    const { outputs } = await h.run(h.actions.role, step.input);

    expect(outputs.result).toBe('created');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'auth/kubernetes/role/external-secrets-example-api',
        body: {
          bound_service_account_names: ['external-secrets-example-api'],
          bound_service_account_namespaces: ['example-api'],
          audience: 'https://kubernetes.default.svc.cluster.local',
          token_policies: ['example-api'],
          token_ttl: 3600,
        },
      },
    ]);
  });

  it(`${examples[1].description}: writes auth/kubernetes-edge/role/external-secrets-example-api`, async () => {
    const h = await harnessWithPolicy('example-api');
    const step = exampleStep(examples[1]);
    expect(step.action).toBe(h.actions.role.id);

    const { outputs } = await h.run(h.actions.role, step.input);

    expect(outputs).toMatchObject({
      result: 'created',
      authMount: 'kubernetes-edge',
    });
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'auth/kubernetes-edge/role/external-secrets-example-api',
        body: {
          bound_service_account_names: ['external-secrets-example-api'],
          bound_service_account_namespaces: ['example-api'],
          audience: 'https://kubernetes.default.svc.cluster.local',
          token_policies: ['example-api'],
          token_ttl: 3600,
        },
      },
    ]);
  });

  it(`${examples[2].description}: binds workers/external-secrets-example-worker`, async () => {
    const h = await harnessWithPolicy('example-worker');
    const step = exampleStep(examples[2]);
    expect(step.action).toBe(h.actions.role.id);

    const { outputs } = await h.run(h.actions.role, step.input);

    expect(outputs.result).toBe('created');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'auth/kubernetes/role/external-secrets-example-worker',
        body: {
          bound_service_account_names: ['external-secrets-example-worker'],
          bound_service_account_namespaces: ['workers'],
          audience: 'https://kubernetes.default.svc.cluster.local',
          token_policies: ['example-worker'],
          token_ttl: 3600,
        },
      },
    ]);
  });
});
