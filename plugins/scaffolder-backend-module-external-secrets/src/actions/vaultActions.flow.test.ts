import { mockServices } from '@backstage/backend-test-utils';
import { setupServer } from 'msw/node';
import { createServiceAccountJwt } from 'sandbox';
import {
  loggedText,
  vaultActionHarness,
  vaultCall,
} from './__testUtils__/vaultActionHarness';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SENTINEL_ENV = 'SENTINEL-ENV-7f3a9c';
const SENTINEL_TOKEN = 'SENTINEL-TOKEN-41be07';

async function createService(
  h: ReturnType<typeof vaultActionHarness>,
  secrets: Record<string, string>,
) {
  const results = [];
  results.push(await h.run(h.actions.policy, { name: 'example-api' }));
  results.push(await h.run(h.actions.role, { name: 'example-api' }));
  results.push(
    await h.run(
      h.actions.seed,
      {
        name: 'example-api',
        path: 'example-api/env-file',
        properties: [
          { property: 'dotenv', secret: 'envFile' },
          { property: 'token', secret: 'apiToken' },
        ],
      },
      { secrets },
    ),
  );
  return results;
}

describe('the three Vault actions together', () => {
  it('create a role that can read its own secrets only (ACL proof)', async () => {
    const h = vaultActionHarness(server);
    await createService(h, { envFile: 'A=1', apiToken: 't' });
    const root = { token: h.emulator.rootToken };
    await vaultCall('POST', 'auth/kubernetes/config', {
      ...root,
      body: { kubernetes_host: 'https://k8s.test' },
    });
    await vaultCall('POST', 'secret/data/example-worker/config-file', {
      ...root,
      body: { data: { 'config.json': '{}' } },
    });

    const login = await vaultCall('POST', 'auth/kubernetes/login', {
      body: {
        role: 'external-secrets-example-api',
        jwt: createServiceAccountJwt({
          namespace: 'example-api',
          name: 'external-secrets-example-api',
        }),
      },
    });
    expect(login.status).toBe(200);
    const eso = { token: login.body.auth.client_token };

    const own = await vaultCall('GET', 'secret/data/example-api/env-file', eso);
    expect(own).toMatchObject({
      status: 200,
      body: { data: { data: { dotenv: 'A=1', token: 't' } } },
    });
    for (const path of [
      'secret/data/example-worker/config-file',
      'secret/example-api/env-file',
    ]) {
      const denied = await vaultCall('GET', path, eso);
      expect(denied.status).toBe(403);
      expect(denied.body.errors[0]).toContain('permission denied');
    }

    // Another tenant's namespace with the same account name, and ESO's own account, are both
    // refused: the role admits exactly the service's account in the service's namespace.
    for (const [namespace, name, message] of [
      [
        'example-worker',
        'external-secrets-example-api',
        'namespace not authorized',
      ],
      [
        'external-secrets',
        'external-secrets',
        'service account name not authorized',
      ],
    ]) {
      const intruder = await vaultCall('POST', 'auth/kubernetes/login', {
        body: {
          role: 'external-secrets-example-api',
          jwt: createServiceAccountJwt({ namespace, name }),
        },
      });
      expect(intruder.status).toBe(403);
      expect(intruder.body.errors[0]).toContain(message);
    }
  });

  it('send secret values in exactly one request, the KV write, and nowhere else', async () => {
    const h = vaultActionHarness(server);
    const secrets = { envFile: SENTINEL_ENV, apiToken: SENTINEL_TOKEN };
    const runs = await createService(h, secrets);
    runs.push(
      await h.run(
        h.actions.seed,
        {
          name: 'example-api',
          path: 'example-api/other',
          properties: [{ property: 'dotenv', secret: 'envFile' }],
        },
        { secrets, dryRun: true },
      ),
    );
    const everything = [
      ...runs.flatMap(r => [loggedText(r.logger), JSON.stringify(r.outputs)]),
      loggedText(h.serviceLogger),
    ].join('\n');
    for (const sentinel of [SENTINEL_ENV, SENTINEL_TOKEN]) {
      expect(everything).not.toContain(sentinel);
      const carrying = h.emulator.requests.filter(r =>
        JSON.stringify(r).includes(sentinel),
      );
      expect(carrying.map(r => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'POST secret/data/example-api/env-file 200',
      ]);
    }
    expect(everything).not.toContain(h.token);
  });

  it('keep secret values out of logs, outputs and errors when a seed is skipped or fails', async () => {
    const h = vaultActionHarness(server);
    const secrets = { envFile: SENTINEL_ENV, apiToken: SENTINEL_TOKEN };
    const runs = await createService(h, secrets);
    const seed = (path: string, extra: Record<string, unknown> = {}) =>
      h.run(
        h.actions.seed,
        {
          name: 'example-api',
          path,
          properties: [{ property: 'dotenv', secret: 'envFile' }],
          ...extra,
        },
        { secrets },
      );
    runs.push(await seed('example-api/env-file'));
    const conflict = await seed('example-api/env-file', {
      ifExists: 'fail',
    }).catch(e => e);
    h.emulator.faults.failNext({
      path: 'secret/data/example-api/third',
      count: 10,
      status: 500,
      errors: ['backend exploded'],
    });
    const serverFailure = await seed('example-api/third').catch(e => e);

    expect(runs.at(-1)?.outputs.result).toBe('skipped');
    expect(conflict.name).toBe('ConflictError');
    expect(serverFailure.message).toContain('backend exploded');
    const everything = [
      ...runs.flatMap(r => [loggedText(r.logger), JSON.stringify(r.outputs)]),
      loggedText(h.serviceLogger),
      String(conflict),
      JSON.stringify(conflict),
      String(serverFailure),
      JSON.stringify(serverFailure),
    ].join('\n');
    for (const sentinel of [SENTINEL_ENV, SENTINEL_TOKEN]) {
      expect(everything).not.toContain(sentinel);
      // Re-runs send the values to Vault's KV write again, where check-and-set refuses them.
      const carrying = h.emulator.requests.filter(r =>
        JSON.stringify(r).includes(sentinel),
      );
      expect(
        carrying.every(
          r =>
            r.method === 'POST' &&
            r.path.startsWith('secret/data/example-api/'),
        ),
      ).toBe(true);
      expect(carrying.filter(r => r.status === 200)).toHaveLength(1);
    }
    expect(everything).not.toContain(h.token);
  });

  it('fails with a clear InputError when externalSecrets.vault is not configured, without any request', async () => {
    const { createVaultClientProvider, readVaultActionSettings } = await import(
      './vaultActionSettings'
    );
    const { createVaultPolicyCreateAction } = await import(
      './vaultPolicyCreate'
    );
    const config = mockServices.rootConfig({ data: {} });
    const action = createVaultPolicyCreateAction({
      vault: createVaultClientProvider(config, mockServices.logger.mock()),
      settings: readVaultActionSettings(config),
    });
    const h = vaultActionHarness(server);
    await expect(h.run(action, { name: 'example-api' })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        'externalSecrets.vault is not configured',
      ),
    });
    expect(h.emulator.requests).toHaveLength(0);
  });
});
