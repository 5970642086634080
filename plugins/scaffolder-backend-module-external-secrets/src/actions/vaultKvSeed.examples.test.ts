import { setupServer } from 'msw/node';
import {
  EXAMPLES_BACKEND_POLICY,
  exampleStep,
  writtenRequests,
} from './__testUtils__/exampleSteps';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';
import { examples } from './vaultKvSeed.examples';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SECRETS = { envFile: 'A=1\nB=2\n', configJson: '{"debug":false}' };

describe('vault:kv:seed examples', () => {
  it(`${examples[0].description}: writes dotenv with check-and-set 0`, async () => {
    const h = vaultActionHarness(server, {
      backendPolicy: EXAMPLES_BACKEND_POLICY,
    });
    const step = exampleStep(examples[0]);
    expect(step.action).toBe(h.actions.seed.id);

    const { outputs } = await h.run(h.actions.seed, step.input, {
      secrets: SECRETS,
    });

    expect(outputs.result).toBe('created');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'secret/data/example-api/env-file',
        body: { data: { dotenv: 'A=1\nB=2\n' }, options: { cas: 0 } },
      },
    ]);
  });

  it(`${examples[1].description}: writes config.json, and fails on a second run`, async () => {
    const h = vaultActionHarness(server, {
      backendPolicy: EXAMPLES_BACKEND_POLICY,
    });
    const step = exampleStep(examples[1]);
    expect(step.action).toBe(h.actions.seed.id);

    const { outputs } = await h.run(h.actions.seed, step.input, {
      secrets: SECRETS,
    });

    expect(outputs.result).toBe('created');
    expect(writtenRequests(h.writes())).toEqual([
      {
        method: 'POST',
        path: 'secret/data/example-worker/config-file',
        body: {
          data: { 'config.json': '{"debug":false}' },
          options: { cas: 0 },
        },
      },
    ]);
    await expect(
      h.run(h.actions.seed, step.input, { secrets: SECRETS }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    // Vault refused the second write (check-and-set 0): the first value stays.
    expect(h.writes().map(w => w.status)).toEqual([200, 400]);
  });
});
