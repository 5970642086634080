import { setupServer } from 'msw/node';
import { policyOwnershipMark } from '@gitops-secrets/plugin-external-secrets-common';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const MARK = policyOwnershipMark('component:default/example-api');
const EXPECTED_POLICY = `${MARK}\npath "secret/data/example-api/*" {\n  capabilities = ["read"]\n}\n`;

describe('vault:policy:create', () => {
  it('writes the least-privilege policy for the service', async () => {
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(h.actions.policy, { name: 'example-api' });
    expect(outputs).toEqual({
      policyName: 'example-api',
      policy: EXPECTED_POLICY,
      result: 'created',
    });
    expect(h.writes().map(r => r.path)).toEqual([
      'sys/policies/acl/example-api',
    ]);
    expect(JSON.parse(h.writes()[0].body!)).toEqual({
      policy: EXPECTED_POLICY,
    });
  });

  it('adds list on the metadata path when asked', async () => {
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(h.actions.policy, {
      name: 'example-api',
      capabilities: ['read', 'list'],
    });
    expect(outputs.policy).toContain(
      'path "secret/metadata/example-api/*" {\n  capabilities = ["list"]',
    );
  });

  it('writes nothing in a dry run and says what it would write', async () => {
    const h = vaultActionHarness(server);
    const { outputs, logger } = await h.run(
      h.actions.policy,
      { name: 'example-api' },
      { dryRun: true },
    );
    expect(outputs).toEqual({
      policyName: 'example-api',
      policy: EXPECTED_POLICY,
      result: 'created',
    });
    expect(h.writes()).toHaveLength(0);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining(
        'Dry run: would write Vault policy "example-api"',
      ),
    );
  });

  it('is idempotent: the same input twice writes once and reports unchanged', async () => {
    const h = vaultActionHarness(server);
    await h.run(h.actions.policy, { name: 'example-api' });
    const { outputs } = await h.run(h.actions.policy, { name: 'example-api' });
    expect(outputs.result).toBe('unchanged');
    expect(h.writes()).toHaveLength(1);
  });

  it('treats the same rules in other formatting as unchanged', async () => {
    const h = vaultActionHarness(server);
    h.emulator.putPolicy(
      'example-api',
      `${MARK}\n# by hand\npath "secret/data/example-api/*" { capabilities = ["read"] }`,
    );
    const { outputs } = await h.run(h.actions.policy, { name: 'example-api' });
    expect(outputs.result).toBe('unchanged');
    expect(h.writes()).toHaveLength(0);
  });

  it('refuses to replace a different policy, listing the differences', async () => {
    const h = vaultActionHarness(server);
    h.emulator.putPolicy(
      'example-api',
      `${MARK}\npath "secret/example-api/*" { capabilities = ["read"] }`,
    );
    await expect(
      h.run(h.actions.policy, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /only in Vault: path "secret\/example-api\/\*" \[read\].*only wanted: path "secret\/data\/example-api\/\*" \[read\]/,
      ),
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('replaces a different policy with overwrite: true', async () => {
    const h = vaultActionHarness(server);
    h.emulator.putPolicy(
      'example-api',
      `${MARK}\npath "secret/example-api/*" { capabilities = ["read"] }`,
    );
    const { outputs } = await h.run(h.actions.policy, {
      name: 'example-api',
      overwrite: true,
    });
    expect(outputs.result).toBe('updated');
    expect(h.writes()).toHaveLength(1);
  });

  it('does not redo a write that a resumed task already checkpointed', async () => {
    const checkpoints = new Map<string, unknown>();
    const first = vaultActionHarness(server);
    await first.run(
      first.actions.policy,
      { name: 'example-api' },
      { checkpoints },
    );
    expect([...checkpoints.keys()]).toEqual([
      expect.stringMatching(/^vault-policy-example-api-[0-9a-f]{16}$/),
    ]);
    const h = vaultActionHarness(server);
    const { outputs } = await h.run(
      h.actions.policy,
      { name: 'example-api' },
      { checkpoints },
    );
    expect(outputs.result).toBe('created');
    expect(h.writes()).toHaveLength(0);
    const other = await h.run(
      h.actions.policy,
      { name: 'example-api', capabilities: ['read', 'list'] },
      { checkpoints },
    );
    expect(other.outputs.result).toBe('created');
    expect(h.writes()).toHaveLength(1);
  });

  it('reports a 403 when the backend token may not write policies', async () => {
    const h = vaultActionHarness(server, {
      backendPolicy:
        'path "sys/policies/acl/*" { capabilities = ["read"] }\npath "secret/*" { capabilities = ["read"] }',
    });
    await expect(
      h.run(h.actions.policy, { name: 'example-api' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'policy write at "sys/policies/acl/example-api" was denied: permission denied',
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
      h.run(h.actions.policy, { name: 'example-api', kvMount: 'nomount' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('Vault mount "nomount" does not exist'),
    });
    expect(h.writes()).toHaveLength(0);
  });

  it('retries a 500 and then succeeds', async () => {
    const h = vaultActionHarness(server);
    h.emulator.faults.failNext({
      path: 'sys/policies/acl/example-api',
      method: 'POST',
      status: 500,
    });
    const { outputs } = await h.run(h.actions.policy, { name: 'example-api' });
    expect(outputs.result).toBe('created');
    expect(h.writes().map(r => r.status)).toEqual([500, 204]);
  });

  it('fails clearly when Vault does not answer in time', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: { timeout: 30, maxRetries: 1 },
    });
    h.emulator.faults.setLatency(300);
    await expect(
      h.run(h.actions.policy, { name: 'example-api' }),
    ).rejects.toThrow(
      /KV version detection at "sys\/internal\/ui\/mounts\/secret" failed: Vault did not answer \(.*timeout/,
    );
    expect(h.emulator.requests).toHaveLength(2);
  });

  it('writes the KV v1 path on a v1 mount', async () => {
    const h = vaultActionHarness(server, {
      emulator: { kvMounts: [{ path: 'kv', version: 1 }] },
      vaultConfig: { allowedPathRoots: [{ mount: 'kv', roots: ['{name}'] }] },
    });
    const { outputs } = await h.run(h.actions.policy, {
      name: 'example-api',
      kvMount: 'kv',
    });
    expect(outputs.policy).toBe(
      `${MARK}\npath "kv/example-api/*" {\n  capabilities = ["read"]\n}\n`,
    );
  });

  it('asks Vault for the KV version even when the input gives the right one', async () => {
    const h = vaultActionHarness(server);
    await h.run(h.actions.policy, { name: 'example-api', kvVersion: 2 });
    expect(h.emulator.requests.map(r => r.path)).toContain(
      'sys/internal/ui/mounts/secret',
    );
  });

  it.each([['sudo'], ['update'], ['deny'], ['READ'], [''], [5]])(
    'refuses capability %p unless config allows it',
    async cap => {
      const h = vaultActionHarness(server);
      await expect(
        h.run(h.actions.policy, {
          name: 'example-api',
          capabilities: [cap as string],
        }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining('capabilities[0]'),
      });
      expect(h.emulator.requests).toHaveLength(0);
    },
  );

  it('grants more capabilities when config allows them', async () => {
    const h = vaultActionHarness(server, {
      vaultConfig: {
        policy: { allowedCapabilities: ['read', 'list', 'update'] },
      },
    });
    const { outputs } = await h.run(h.actions.policy, {
      name: 'example-api',
      capabilities: ['read', 'update'],
    });
    expect(outputs.policy).toContain('["read", "update"]');
  });
});
