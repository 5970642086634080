import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { setupServer } from 'msw/node';
import { VaultEmulator, createServiceAccountJwt, vaultHandlers } from 'sandbox';
import { VaultClient } from './VaultClient';

const BASE_URL = 'https://vault.client.test:8200';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BACKEND_POLICY = `
path "sys/policies/acl/*" { capabilities = ["create", "read", "update"] }
path "auth/kubernetes/role/*" { capabilities = ["create", "read", "update"] }
path "auth/kubernetes/config" { capabilities = ["read"] }
path "secret/data/*" { capabilities = ["create"] }
path "secret/metadata/*" { capabilities = ["read", "list"] }
`;

function setup(
  vault: Record<string, unknown> = {},
  emulatorOptions?: ConstructorParameters<typeof VaultEmulator>[0],
) {
  const emulator = new VaultEmulator(emulatorOptions);
  emulator.putPolicy('backend', BACKEND_POLICY);
  server.use(...vaultHandlers(emulator, BASE_URL));
  const logger = mockServices.logger.mock();
  const make = (extra: Record<string, unknown> = {}, now?: () => number) =>
    VaultClient.fromConfig(
      new ConfigReader({
        externalSecrets: {
          vault: {
            baseUrl: BASE_URL,
            retryBaseDelayMs: 1,
            auth: { type: 'token', token: emulator.rootToken },
            ...vault,
            ...extra,
          },
        },
      }),
      { logger, now },
    );
  return { emulator, logger, client: make(), make };
}

function kubernetesAuthFile() {
  const dir = mkdtempSync(join(tmpdir(), 'vault-client-'));
  const file = join(dir, 'token');
  writeFileSync(
    file,
    createServiceAccountJwt({ namespace: 'backstage', name: 'backstage' }),
  );
  return file;
}

async function withBackendRole(emulator: VaultEmulator, ttl = 3600) {
  const root = new VaultClient(
    {
      baseUrl: BASE_URL,
      timeoutMs: 5000,
      maxRetries: 0,
      retryBaseDelayMs: 1,
      kvMount: 'secret',
      auth: { type: 'token', token: emulator.rootToken },
    },
    { logger: mockServices.logger.mock() },
  );
  await root.write('auth/kubernetes/config', {
    kubernetes_host: 'https://k8s.test',
  });
  await root.write('auth/kubernetes/role/backstage', {
    bound_service_account_names: 'backstage',
    bound_service_account_namespaces: 'backstage',
    token_policies: 'backend',
    token_ttl: ttl,
  });
  emulator.clearRequests();
}

describe('VaultClient', () => {
  it('reads, writes and answers undefined for an empty 404', async () => {
    const { client, emulator } = setup();
    await client.writePolicy(
      'example-api',
      'path "a/*" { capabilities = ["read"] }',
    );
    expect(await client.readPolicy('example-api')).toBe(
      'path "a/*" { capabilities = ["read"] }',
    );
    expect(await client.readPolicy('missing')).toBeUndefined();
    expect(emulator.requests.map(r => r.headers['x-vault-token'])).toEqual([
      'root',
      'root',
      'root',
    ]);
  });

  it('maps 403 to NotAllowedError naming the operation, path and Vault message, without the token', async () => {
    const { make, emulator } = setup();
    const token = emulator.createToken({ policies: [] });
    const client = make({ auth: { type: 'token', token } });
    const error = await client
      .writePolicy('p', 'path "a" { capabilities = ["read"] }')
      .catch(e => e);
    expect(error.name).toBe('NotAllowedError');
    expect(error.message).toContain('policy write at "sys/policies/acl/p"');
    expect(error.message).toContain('permission denied');
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error)).not.toContain(token);
  });

  it('maps 400 to InputError and does not retry it', async () => {
    const { client, emulator } = setup();
    const error = await client.writePolicy('p', 'path "a" {').catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toContain('failed to parse policy');
    expect(emulator.requests).toHaveLength(1);
  });

  it('maps a missing mount to NotFoundError', async () => {
    const { client } = setup();
    const error = await client
      .write('nomount/data/x', { data: {} })
      .catch(e => e);
    expect(error.name).toBe('NotFoundError');
    expect(error.message).toContain('no handler for route');
    await expect(client.kvVersion('nomount')).rejects.toThrow(
      /mount "nomount" does not exist/,
    );
  });

  it('retries 500 and 429 with backoff, then succeeds', async () => {
    const { client, emulator, logger } = setup();
    emulator.faults.failNext({ path: 'sys/policies/acl/default', status: 500 });
    emulator.faults.failNext({ path: 'sys/policies/acl/default', status: 429 });
    expect(await client.readPolicy('default')).toContain(
      'auth/token/lookup-self',
    );
    expect(emulator.requests.map(r => r.status)).toEqual([500, 429, 200]);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('gives up after maxRetries with a plain error', async () => {
    const { make, emulator } = setup();
    const client = make({ maxRetries: 2 });
    emulator.faults.failNext({
      count: 10,
      status: 503,
      errors: ['Vault is sealed'],
    });
    const error = await client.readPolicy('default').catch(e => e);
    expect(error.name).toBe('Error');
    expect(error.message).toMatch(/failed with status 503: Vault is sealed/);
    expect(emulator.requests).toHaveLength(3);
  });

  it('retries network errors and reports that Vault did not answer', async () => {
    const { make, emulator } = setup();
    const client = make({ maxRetries: 1 });
    emulator.faults.setDown(true);
    await expect(client.readPolicy('default')).rejects.toThrow(
      /did not answer/,
    );
    expect(emulator.requests).toHaveLength(2);
  });

  it('times out a slow answer', async () => {
    const { make, emulator } = setup();
    const client = make({ maxRetries: 0, timeout: 50 });
    emulator.faults.setLatency(400);
    await expect(client.readPolicy('default')).rejects.toThrow(
      /did not answer \(.*timeout/,
    );
  });

  it('detects the KV version once per mount, or takes it from config', async () => {
    const { client, emulator, make } = setup(
      {},
      {
        kvMounts: [
          { path: 'secret', version: 2 },
          { path: 'kv', version: 1 },
        ],
      },
    );
    expect(await client.kvVersion()).toBe(2);
    expect(await client.kvVersion('secret')).toBe(2);
    expect(await client.kvVersion('kv')).toBe(1);
    expect(emulator.requests.map(r => r.path)).toEqual([
      'sys/internal/ui/mounts/secret',
      'sys/internal/ui/mounts/kv',
    ]);
    emulator.clearRequests();
    expect(await make({ kvVersion: 2 }).kvVersion()).toBe(2);
    expect(emulator.requests).toHaveLength(0);
  });

  it('reads KV metadata, never values, and refuses to overwrite an existing secret', async () => {
    const { client, emulator } = setup();
    expect(
      await client.readKvMetadata('secret', 'example-api/env-file'),
    ).toBeUndefined();
    expect(
      await client.createKvSecret('secret', 'example-api/env-file', {
        dotenv: 'SENTINEL-1',
      }),
    ).toEqual({
      version: 1,
    });
    const metadata = await client.readKvMetadata(
      'secret',
      'example-api/env-file',
    );
    expect(metadata).toMatchObject({ kvVersion: 2, currentVersion: 1 });
    expect(JSON.stringify(metadata)).not.toContain('SENTINEL-1');
    await expect(
      client.createKvSecret('secret', 'example-api/env-file', {
        dotenv: 'SENTINEL-2',
      }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    const reads = emulator.requests.filter(r =>
      r.path.startsWith('secret/data/'),
    );
    expect(reads.every(r => r.method === 'POST')).toBe(true);
  });

  it('reads Kubernetes auth config and roles as typed objects', async () => {
    const { client } = setup();
    await client.write('auth/kubernetes/config', {
      kubernetes_host: 'https://k8s.test',
      token_reviewer_jwt: 'REVIEWER-SECRET',
    });
    expect(await client.readKubernetesAuthConfig('kubernetes')).toEqual({
      kubernetesHost: 'https://k8s.test',
      kubernetesCaCert: '',
      issuer: '',
      disableIssValidation: true,
      tokenReviewerJwtSet: true,
    });
    await client.writeKubernetesRole('kubernetes', 'r', {
      bound_service_account_names: ['a'],
      bound_service_account_namespaces: ['b'],
      token_policies: ['p'],
      token_ttl: '1h',
      audience: 'aud',
    });
    expect(await client.readKubernetesRole('kubernetes', 'r')).toMatchObject({
      boundServiceAccountNames: ['a'],
      boundServiceAccountNamespaces: ['b'],
      tokenPolicies: ['p'],
      tokenTtlSeconds: 3600,
      audience: 'aud',
    });
    expect(
      await client.readKubernetesRole('kubernetes', 'none'),
    ).toBeUndefined();
  });
});

describe('VaultClient login', () => {
  it('logs in once with Kubernetes auth and reuses the token', async () => {
    const { make, emulator } = setup();
    await withBackendRole(emulator);
    const client = make({
      auth: {
        type: 'kubernetes',
        role: 'backstage',
        tokenPath: kubernetesAuthFile(),
      },
    });
    await Promise.all([
      client.readPolicy('default'),
      client.readPolicy('backend'),
    ]);
    await client.readPolicy('default');
    expect(
      emulator.requests.filter(r => r.path === 'auth/kubernetes/login'),
    ).toHaveLength(1);
    expect(emulator.requests).toHaveLength(4);
  });

  it('renews the token before it expires', async () => {
    let now = Date.now();
    const { make, emulator } = setup({}, { now: () => now });
    await withBackendRole(emulator, 100);
    const client = make(
      {
        auth: {
          type: 'kubernetes',
          role: 'backstage',
          tokenPath: kubernetesAuthFile(),
        },
      },
      () => now,
    );
    await client.readPolicy('default');
    now += 80_000;
    await client.readPolicy('default');
    expect(emulator.requests.map(r => r.path)).toEqual([
      'auth/kubernetes/login',
      'sys/policies/acl/default',
      'auth/token/renew-self',
      'sys/policies/acl/default',
    ]);
  });

  it('never logs in again for a path it may not read; asks Vault about the token at most once a minute', async () => {
    let now = Date.now();
    const { make, emulator } = setup({}, { now: () => now });
    await withBackendRole(emulator);
    const client = make(
      {
        auth: {
          type: 'kubernetes',
          role: 'backstage',
          tokenPath: kubernetesAuthFile(),
        },
      },
      () => now,
    );
    await expect(client.readPolicy('default')).resolves.toBeDefined();
    for (let i = 0; i < 3; i++) {
      const error = await client.read('sys/mounts').catch(e => e);
      expect(error.name).toBe('NotAllowedError');
    }
    now += 61_000;
    await client.read('sys/mounts').catch(() => undefined);
    expect(emulator.requests.map(r => r.path)).toEqual([
      'auth/kubernetes/login',
      'sys/policies/acl/default',
      'sys/mounts',
      'auth/token/lookup-self',
      'sys/mounts',
      'sys/mounts',
      'sys/mounts',
      'auth/token/lookup-self',
    ]);
  });

  it('replaces a token revoked mid-way with one login that concurrent calls share', async () => {
    const { make, emulator } = setup();
    await withBackendRole(emulator);
    const client = make({
      auth: {
        type: 'kubernetes',
        role: 'backstage',
        tokenPath: kubernetesAuthFile(),
      },
    });
    await client.readPolicy('default');
    const token = emulator.requests.find(
      r => r.path === 'sys/policies/acl/default',
    )!.headers['x-vault-token'];
    emulator.revokeToken(token);
    const results = await Promise.all(
      ['default', 'backend', 'default'].map(name => client.readPolicy(name)),
    );
    expect(results.every(r => typeof r === 'string')).toBe(true);
    expect(
      emulator.requests.filter(r => r.path === 'auth/kubernetes/login'),
    ).toHaveLength(2);
    // an invalid token is not revoked again: there is nothing left to revoke
    expect(
      emulator.requests.filter(r => r.path === 'auth/token/revoke-self'),
    ).toEqual([]);
  });

  it('revokes a token that a fresh login replaces while it still works', async () => {
    let now = Date.now();
    const { make, emulator } = setup({}, { now: () => now });
    await withBackendRole(emulator, 100);
    const client = make(
      {
        auth: {
          type: 'kubernetes',
          role: 'backstage',
          tokenPath: kubernetesAuthFile(),
        },
      },
      () => now,
    );
    await client.readPolicy('default');
    const oldToken = emulator.requests.find(
      r => r.path === 'sys/policies/acl/default',
    )!.headers['x-vault-token'];
    // renewal refused (e.g. max TTL reached): a fresh login replaces the token
    emulator.faults.failNext({ path: 'auth/token/renew-self', status: 400 });
    now += 80_000;
    await client.readPolicy('default');
    await new Promise(resolve => setTimeout(resolve, 50));
    const revokes = emulator.requests.filter(
      r => r.path === 'auth/token/revoke-self',
    );
    expect(revokes).toHaveLength(1);
    expect(revokes[0].headers['x-vault-token']).toBe(oldToken);
    expect(emulator.isTokenValid(oldToken)).toBe(false);
  });

  it('logs in with AppRole and never puts the secret id in an error', async () => {
    const { make, emulator } = setup();
    emulator.addAppRole({
      roleId: 'rid',
      secretId: 'SECRET-ID-1',
      policies: ['backend'],
    });
    const good = make({
      auth: { type: 'approle', roleId: 'rid', secretId: 'SECRET-ID-1' },
    });
    expect(await good.readPolicy('backend')).toContain('sys/policies/acl');
    const bad = make({
      auth: { type: 'approle', roleId: 'rid', secretId: 'WRONG-SECRET' },
    });
    const error = await bad.readPolicy('backend').catch(e => e);
    expect(error.message).toContain('invalid role or secret ID');
    expect(error.message).not.toContain('WRONG-SECRET');
  });

  it('reports an unreadable service-account token file clearly', async () => {
    const { make } = setup();
    const client = make({
      auth: { type: 'kubernetes', role: 'r', tokenPath: '/nonexistent/token' },
    });
    await expect(client.readPolicy('x')).rejects.toThrow(
      /token file \/nonexistent\/token cannot be read/,
    );
  });
});
