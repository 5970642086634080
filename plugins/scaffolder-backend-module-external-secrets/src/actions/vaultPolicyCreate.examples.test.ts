import { setupServer } from 'msw/node';
import {
  EXAMPLES_BACKEND_POLICY,
  exampleStep,
  writtenRequests,
} from './__testUtils__/exampleSteps';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';
import { examples } from './vaultPolicyCreate.examples';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const MARK =
  '# managed by @gitops-secrets/plugin-scaffolder-backend-module-external-secrets for ';

describe('vault:policy:create examples', () => {
  it(`${examples[0].description}: writes read on secret/data/example-api/*`, async () => {
    const h = vaultActionHarness(server, {
      backendPolicy: EXAMPLES_BACKEND_POLICY,
    });
    const step = exampleStep(examples[0]);
    expect(step.action).toBe(h.actions.policy.id);

    const { outputs } = await h.run(h.actions.policy, step.input);

    expect(outputs.result).toBe('created');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'sys/policies/acl/example-api',
        body: {
          policy: `${MARK}component:default/example-api\npath "secret/data/example-api/*" {\n  capabilities = ["read"]\n}\n`,
        },
      },
    ]);
  });

  it(`${examples[1].description}: replaces the older rules of example-worker.batch`, async () => {
    const h = vaultActionHarness(server, {
      backendPolicy: EXAMPLES_BACKEND_POLICY,
    });
    const step = exampleStep(examples[1]);
    expect(step.action).toBe(h.actions.policy.id);
    // The older version: read only.
    await h.run(h.actions.policy, {
      name: 'example-worker',
      pathPrefix: 'example-worker/batch',
      policyName: 'example-worker.batch',
    });
    h.emulator.clearRequests();

    const { outputs } = await h.run(h.actions.policy, step.input);

    expect(outputs.result).toBe('updated');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'sys/policies/acl/example-worker.batch',
        body: {
          policy: `${MARK}component:default/example-worker\npath "secret/data/example-worker/batch/*" {\n  capabilities = ["read"]\n}\n\npath "secret/metadata/example-worker/batch/*" {\n  capabilities = ["list"]\n}\n`,
        },
      },
    ]);
  });
});
