import { setupServer } from 'msw/node';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const INPUT = {
  name: 'example-api',
  path: 'example-api/env-file',
  properties: [{ property: 'dotenv', secret: 'envFile' }],
};
const SECRETS = { envFile: 'A=1\nB=2' };

async function readSecret(
  h: ReturnType<typeof vaultActionHarness>,
  path: string,
) {
  const response = await h.emulator.handle({
    method: 'GET',
    path: `/v1/${path}`,
    headers: { 'x-vault-token': h.emulator.rootToken },
  });
  return response.status === 200 ? JSON.parse(response.body!).data : undefined;
}

describe('vault:kv:seed', () => {
  it('writes the values from ctx.secrets with check-and-set 0', async () => {
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(h.actions.seed, INPUT, {
      secrets: SECRETS,
    });
    expect(outputs).toEqual({
      path: 'example-api/env-file',
      version: 1,
      result: 'created',
    });
    expect(JSON.parse(h.writes()[0].body!)).toEqual({
      data: { dotenv: 'A=1\nB=2' },
      options: { cas: 0 },
    });
    expect(
      (await readSecret(h, 'secret/data/example-api/env-file')).data,
    ).toEqual({ dotenv: 'A=1\nB=2' });
  });

  it('writes nothing in a dry run', async () => {
    const h = vaultActionHarness(server);
    const { outputs, logger } = await h.run(h.actions.seed, INPUT, {
      secrets: SECRETS,
      dryRun: true,
    });
    expect(outputs).toEqual({
      path: 'example-api/env-file',
      version: 0,
      result: 'created',
    });
    expect(h.writes()).toHaveLength(0);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining(
        'would write Vault secret secret/data/example-api/env-file with properties dotenv',
      ),
    );
  });

  it('skips an existing secret without overwriting it, also when re-run', async () => {
    const h = vaultActionHarness(server);
    await h.run(h.actions.seed, INPUT, { secrets: SECRETS });
    const { outputs } = await h.run(h.actions.seed, INPUT, {
      secrets: { envFile: 'CHANGED' },
    });
    expect(outputs).toEqual({
      path: 'example-api/env-file',
      version: 1,
      result: 'skipped',
    });
    expect(
      (await readSecret(h, 'secret/data/example-api/env-file')).data,
    ).toEqual({ dotenv: 'A=1\nB=2' });
    const dry = await h.run(h.actions.seed, INPUT, {
      secrets: SECRETS,
      dryRun: true,
    });
    expect(dry.outputs.result).toBe('skipped');
  });

  it('does not write again when a resumed task already checkpointed the write', async () => {
    const first = vaultActionHarness(server);
    const checkpoints = new Map<string, unknown>();
    await first.run(first.actions.seed, INPUT, {
      secrets: SECRETS,
      checkpoints,
    });
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(h.actions.seed, INPUT, {
      secrets: SECRETS,
      checkpoints,
    });
    expect(outputs).toEqual({
      path: 'example-api/env-file',
      version: 1,
      result: 'created',
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('fails on an existing secret with ifExists: fail', async () => {
    const h = vaultActionHarness(server);
    await h.run(h.actions.seed, INPUT, { secrets: SECRETS });
    await expect(
      h.run(
        h.actions.seed,
        { ...INPUT, ifExists: 'fail' },
        { secrets: SECRETS },
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'secret/data/example-api/env-file already exists',
      ),
    });
  });

  it('reports a 403 when the backend token may not create secrets', async () => {
    const h = vaultActionHarness(server, {
      backendPolicy: 'path "secret/metadata/*" { capabilities = ["read"] }',
    });
    await expect(
      h.run(h.actions.seed, INPUT, { secrets: SECRETS }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'KV write at "secret/data/example-api/env-file" was denied',
      ),
    });
  });

  it('reports a missing mount', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: {
        allowedPathRoots: [{ mount: 'nomount', roots: ['{name}'] }],
      },
    });
    await expect(
      h.run(
        h.actions.seed,
        { ...INPUT, kvMount: 'nomount' },
        { secrets: SECRETS },
      ),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('Vault mount "nomount" does not exist'),
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('retries a 500 on the write and then succeeds once', async () => {
    const h = vaultActionHarness(server);
    h.emulator.faults.failNext({
      path: 'secret/data/example-api/env-file',
      status: 500,
    });
    const { outputs } = await h.run(h.actions.seed, INPUT, {
      secrets: SECRETS,
    });
    expect(outputs.result).toBe('created');
    expect(h.writes().map(r => r.status)).toEqual([500, 200]);
  });

  it('times out', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: { timeout: 30, maxRetries: 0 },
    });
    h.emulator.faults.setLatency(300);
    await expect(
      h.run(h.actions.seed, INPUT, { secrets: SECRETS }),
    ).rejects.toThrow(/did not answer/);
  });

  it('writes to a KV v1 mount without data/', async () => {
    const h = vaultActionHarness(server, {
      emulator: { kvMounts: [{ path: 'kv', version: 1 }] },
      vaultConfig: { allowedPathRoots: [{ mount: 'kv', roots: ['{name}'] }] },
    });
    const { outputs } = await h.run(
      h.actions.seed,
      { ...INPUT, kvMount: 'kv' },
      { secrets: SECRETS },
    );
    expect(outputs).toEqual({
      path: 'example-api/env-file',
      version: 1,
      result: 'created',
    });
    expect(await readSecret(h, 'kv/example-api/env-file')).toEqual({
      dotenv: 'A=1\nB=2',
    });
    const again = await h.run(
      h.actions.seed,
      { ...INPUT, kvMount: 'kv' },
      { secrets: { envFile: 'X' } },
    );
    expect(again.outputs.result).toBe('skipped');
    expect(await readSecret(h, 'kv/example-api/env-file')).toEqual({
      dotenv: 'A=1\nB=2',
    });
  });

  it.each([
    ['a secret missing from ctx.secrets', INPUT, {}],
    ['an empty secret', INPUT, { envFile: '' }],
    [
      'a duplicate property',
      { ...INPUT, properties: [...INPUT.properties, ...INPUT.properties] },
      SECRETS,
    ],
    ['no properties', { ...INPUT, properties: [] }, SECRETS],
    [
      'a property that is not an object',
      { ...INPUT, properties: ['dotenv'] },
      SECRETS,
    ],
    ['a bad ifExists', { ...INPUT, ifExists: 'overwrite' }, SECRETS],
    ['a bad kvVersion', { ...INPUT, kvVersion: 3 }, SECRETS],
  ])('refuses %s before any request', async (_what, input, secrets) => {
    const h = vaultActionHarness(server);
    await expect(
      h.run(h.actions.seed, input as any, { secrets }),
    ).rejects.toMatchObject({ name: 'InputError' });
    expect(h.emulator.requests).toHaveLength(0);
  });
});
