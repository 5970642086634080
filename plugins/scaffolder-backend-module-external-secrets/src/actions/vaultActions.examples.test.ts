import { setupServer } from 'msw/node';
import yaml from 'yaml';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';
import { examples as policyExamples } from './vaultPolicyCreate.examples';
import { examples as roleExamples } from './vaultKubernetesRoleCreate.examples';
import { examples as seedExamples } from './vaultKvSeed.examples';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const cases = [
  ...policyExamples.map(e => ['policy', e] as const),
  ...roleExamples.map(e => ['role', e] as const),
  ...seedExamples.map(e => ['seed', e] as const),
];

describe.each(cases)('%s example', (action, example) => {
  it(`runs: ${example.description}`, async () => {
    const h = vaultActionHarness(server, {
      backendPolicy:
        'path "*" { capabilities = ["create", "read", "update", "list"] }',
    });
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe(h.actions[action].id);
    if (action === 'role') {
      // A role carries only policies this module wrote for the same service.
      for (const policyName of step.input.policies ?? [step.input.name]) {
        await h.run(h.actions.policy, { name: step.input.name, policyName });
      }
      h.emulator.clearRequests();
    }
    const { outputs } = await h.run(h.actions[action], step.input, {
      secrets: { envFile: 'A=1', configJson: '{}' },
    });
    expect(outputs.result).toBe('created');
    expect(h.writes()).toHaveLength(1);
  });
});
