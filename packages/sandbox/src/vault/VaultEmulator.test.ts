import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { setupServer } from 'msw/node';
import NodeVault from 'node-vault';
import { createVaultRequestListener } from './requestListener';
import { vaultHandlers } from './mswHandlers';
import { createServiceAccountJwt } from './serviceAccountJwt';
import { createTestCaPem } from './testCertificate';
import { VaultEmulator } from './VaultEmulator';
import { TokenReviewRequest } from './types';

const BASE_URL = 'https://vault.emulator.test:8200';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function start(options?: ConstructorParameters<typeof VaultEmulator>[0]) {
  const emulator = new VaultEmulator(options);
  server.use(...vaultHandlers(emulator, BASE_URL));
  const client = (token?: string) =>
    NodeVault({ endpoint: BASE_URL, token, noCustomHTTPVerbs: true });
  return { emulator, root: client(emulator.rootToken), client };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { response?: { statusCode: number; body: any } };
    return {
      message: e.message,
      status: e.response?.statusCode,
      body: e.response?.body,
    };
  }
  throw new Error('expected the request to fail');
}

const roleBody = {
  bound_service_account_names: ['external-secrets'],
  bound_service_account_namespaces: ['external-secrets'],
  audience: 'https://kubernetes.default.svc.cluster.local',
  token_policies: ['example-api'],
  token_ttl: '1h',
};

describe('VaultEmulator: ACL policies', () => {
  it('writes with 204, reads back in an envelope, lower-cases and trims names', async () => {
    const { root, emulator } = start();
    const policy = 'path "secret/data/a/*" { capabilities = ["read"] }';
    await root.write('sys/policies/acl/ Example-API ', { policy });
    expect(emulator.requests.at(-1)?.status).toBe(204);
    const read = await root.read('sys/policies/acl/example-api');
    expect(read).toMatchObject({
      data: { name: 'example-api', policy },
      warnings: null,
    });
    expect(read.request_id).toEqual(expect.any(String));
  });

  it('answers 404 with an empty errors list for a missing policy', async () => {
    const { root } = start();
    expect(await failure(root.read('sys/policies/acl/nope'))).toEqual({
      message: 'Status 404',
      status: 404,
      body: { errors: [] },
    });
  });

  it.each([
    ['root cannot be written', 'write', 'root', 'cannot update "root" policy'],
    ['root cannot be deleted', 'delete', 'root', 'cannot delete "root" policy'],
    [
      'default cannot be deleted',
      'delete',
      'default',
      'cannot delete "default" policy',
    ],
  ])('%s', async (_what, op, name, message) => {
    const { root } = start();
    const attempt =
      op === 'write'
        ? root.write(`sys/policies/acl/${name}`, {
            policy: 'path "a" { capabilities = ["read"] }',
          })
        : root.delete(`sys/policies/acl/${name}`);
    expect(await failure(attempt)).toMatchObject({ status: 400, message });
  });

  it('deletes a missing policy with 204', async () => {
    const { root, emulator } = start();
    await root.delete('sys/policies/acl/never-written');
    expect(emulator.requests.at(-1)?.status).toBe(204);
  });

  it('rejects invalid and empty policy text with 400 and accepts JSON text', async () => {
    const { root } = start();
    expect(
      await failure(
        root.write('sys/policies/acl/x', {
          policy: 'path "a" { capabilities = ["sudo"',
        }),
      ),
    ).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^failed to parse policy: /),
    });
    expect(
      await failure(root.write('sys/policies/acl/x', { policy: '' })),
    ).toMatchObject({
      status: 400,
    });
    await root.write('sys/policies/acl/x', {
      policy: JSON.stringify({ path: { 'a/*': { capabilities: ['read'] } } }),
    });
  });

  it('needs update, not just create, to write a policy', async () => {
    const { root, client, emulator } = start();
    emulator.putPolicy(
      'writer',
      'path "sys/policies/acl/*" { capabilities = ["create"] }',
    );
    const writer = client(emulator.createToken({ policies: ['writer'] }));
    expect(
      await failure(
        writer.write('sys/policies/acl/p', {
          policy: 'path "a" { capabilities = ["read"] }',
        }),
      ),
    ).toMatchObject({
      status: 403,
      message: expect.stringContaining('permission denied'),
    });
    emulator.putPolicy(
      'writer',
      'path "sys/policies/acl/*" { capabilities = ["update"] }',
    );
    await writer.write('sys/policies/acl/p', {
      policy: 'path "a" { capabilities = ["read"] }',
    });
    expect((await root.read('sys/policies/acl/p')).data.name).toBe('p');
  });

  it('refuses requests without a token or with an unknown one', async () => {
    const { client } = start();
    expect(
      await failure(client().read('sys/policies/acl/default')),
    ).toMatchObject({ status: 403 });
    expect(
      await failure(client('bogus').read('sys/policies/acl/default')),
    ).toMatchObject({
      status: 403,
    });
  });
});

describe('VaultEmulator: KV', () => {
  it('writes versions with check-and-set, reads values and metadata separately', async () => {
    const { root } = start();
    const first = await root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'A=1' },
      options: { cas: 0 },
    });
    expect(first.data).toMatchObject({ version: 1, destroyed: false });
    expect(
      await failure(
        root.write('secret/data/example-api/env-file', {
          data: { dotenv: 'B' },
          options: { cas: 0 },
        }),
      ),
    ).toMatchObject({
      status: 400,
      message: 'check-and-set parameter did not match the current version',
    });
    const read = await root.read('secret/data/example-api/env-file');
    expect(read.data).toMatchObject({
      data: { dotenv: 'A=1' },
      metadata: { version: 1 },
    });
    const meta = await root.read('secret/metadata/example-api/env-file');
    expect(meta.data).toMatchObject({
      current_version: 1,
      versions: { '1': expect.any(Object) },
    });
    expect(JSON.stringify(meta)).not.toContain('A=1');
  });

  it('lists keys with folders ending in "/" and answers 404 for nothing', async () => {
    const { root } = start();
    await root.write('secret/data/example-api/env-file', { data: { a: '1' } });
    await root.write('secret/data/example-api/nested/x', { data: { a: '1' } });
    const listed = await root.list('secret/metadata/example-api');
    expect(listed.data.keys).toEqual(['env-file', 'nested/']);
    expect(await failure(root.list('secret/metadata/nothing'))).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
    expect(await failure(root.read('secret/data/never'))).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
  });

  it('reports the KV version of each mount', async () => {
    const { root } = start({
      kvMounts: [
        { path: 'secret', version: 2 },
        { path: 'kv', version: 1 },
      ],
    });
    expect(
      (await root.read('sys/internal/ui/mounts/secret')).data.options,
    ).toEqual({ version: '2' });
    expect(
      (await root.read('sys/internal/ui/mounts/kv')).data.options,
    ).toBeNull();
    expect(
      await failure(root.read('sys/internal/ui/mounts/missing')),
    ).toMatchObject({
      status: 403,
      message: expect.stringContaining(
        'preflight capability check returned 403',
      ),
    });
  });

  it('serves a KV v1 mount without data/ and metadata/', async () => {
    const { root, emulator } = start({
      kvMounts: [{ path: 'kv', version: 1 }],
    });
    await root.write('kv/example-api/env-file', { dotenv: 'x' });
    expect(emulator.requests.at(-1)?.status).toBe(204);
    expect((await root.read('kv/example-api/env-file')).data).toEqual({
      dotenv: 'x',
    });
    expect((await root.list('kv/example-api')).data.keys).toEqual(['env-file']);
  });

  it('answers a missing mount with "no handler for route"', async () => {
    const { root } = start();
    expect(await failure(root.read('nomount/data/x'))).toMatchObject({
      status: 404,
      message: 'no handler for route "nomount/data/x". route entry not found.',
    });
  });
});

describe('VaultEmulator: Kubernetes auth', () => {
  it("validates roles with Vault's error texts", async () => {
    const { root } = start();
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { ...roleBody, bound_service_account_names: [] },
        '"bound_service_account_names" can not be empty',
      ],
      [
        { ...roleBody, bound_service_account_names: ['*', 'a'] },
        'can not mix "*" with values',
      ],
      [
        { ...roleBody, bound_service_account_namespaces: [] },
        '"bound_service_account_namespaces" can not be empty',
      ],
      [
        { ...roleBody, token_max_ttl: '30m' },
        'token ttl should not be greater than token max ttl',
      ],
    ];
    for (const [body, message] of cases) {
      expect(
        await failure(root.write('auth/kubernetes/role/r', body)),
      ).toMatchObject({
        status: 400,
        message: expect.stringContaining(message),
      });
    }
  });

  it('stores roles lower-cased with seconds, accepts legacy names and warns without an audience', async () => {
    const { root, emulator } = start();
    await root.write(
      'auth/kubernetes/role/External-Secrets-Example-API',
      roleBody,
    );
    expect(emulator.requests.at(-1)?.status).toBe(204);
    const role = await root.read(
      'auth/kubernetes/role/external-secrets-example-api',
    );
    expect(role.data).toMatchObject({
      bound_service_account_names: ['external-secrets'],
      bound_service_account_namespaces: ['external-secrets'],
      audience: 'https://kubernetes.default.svc.cluster.local',
      token_policies: ['example-api'],
      token_ttl: 3600,
    });
    const warned = await root.write('auth/kubernetes/role/legacy', {
      bound_service_account_names: 'a,b',
      bound_service_account_namespaces: 'ns',
      policies: 'P1,p2',
      ttl: 60,
    });
    expect(warned.warnings).toHaveLength(1);
    const legacy = await root.read('auth/kubernetes/role/legacy');
    expect(legacy.data).toMatchObject({
      bound_service_account_names: ['a', 'b'],
      token_policies: ['p1', 'p2'],
      token_ttl: 60,
    });
    expect(await failure(root.read('auth/kubernetes/role/none'))).toMatchObject(
      { status: 404 },
    );
  });

  it('keeps the reviewer JWT secret and replaces the whole config on write', async () => {
    const { root } = start();
    expect(await failure(root.read('auth/kubernetes/config'))).toMatchObject({
      status: 404,
    });
    const ca = createTestCaPem();
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://k8s.test:6443',
      kubernetes_ca_cert: ca,
      token_reviewer_jwt: 'reviewer-jwt-value',
      issuer: 'https://issuer.test',
    });
    const config = await root.read('auth/kubernetes/config');
    expect(config.data).toMatchObject({
      kubernetes_host: 'https://k8s.test:6443',
      kubernetes_ca_cert: ca,
      token_reviewer_jwt_set: true,
      issuer: 'https://issuer.test',
    });
    expect(JSON.stringify(config)).not.toContain('reviewer-jwt-value');
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://k8s-2.test',
    });
    const replaced = await root.read('auth/kubernetes/config');
    expect(replaced.data).toMatchObject({
      kubernetes_ca_cert: '',
      issuer: '',
      token_reviewer_jwt_set: false,
    });
    expect(
      await failure(
        root.write('auth/kubernetes/config', {
          kubernetes_host: 'h',
          kubernetes_ca_cert: 'nope',
        }),
      ),
    ).toMatchObject({ status: 400 });
    expect(
      await failure(root.write('auth/kubernetes/config', {})),
    ).toMatchObject({ status: 400 });
  });

  async function withRole() {
    const started = start();
    await started.root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://k8s.test',
    });
    await started.root.write(
      'auth/kubernetes/role/external-secrets-example-api',
      roleBody,
    );
    await started.root.write('sys/policies/acl/example-api', {
      policy: 'path "secret/data/example-api/*" { capabilities = ["read"] }',
    });
    await started.root.write('secret/data/example-api/env-file', {
      data: { dotenv: 'A=1' },
    });
    await started.root.write('secret/data/example-worker/config-file', {
      data: { 'config.json': '{}' },
    });
    return started;
  }
  const esoJwt = (
    overrides: Partial<Parameters<typeof createServiceAccountJwt>[0]> = {},
  ) =>
    createServiceAccountJwt({
      namespace: 'external-secrets',
      name: 'external-secrets',
      ...overrides,
    });

  it.each([
    [{ jwt: esoJwt() }, 400, 'missing role'],
    [{ role: 'external-secrets-example-api' }, 400, 'missing jwt'],
    [{ role: 'nope', jwt: esoJwt() }, 400, 'invalid role name "nope"'],
    [
      { role: 'external-secrets-example-api', jwt: esoJwt({ name: 'other' }) },
      403,
      'service account name not authorized',
    ],
    [
      {
        role: 'external-secrets-example-api',
        jwt: esoJwt({ namespace: 'other' }),
      },
      403,
      'namespace not authorized',
    ],
    [
      {
        role: 'external-secrets-example-api',
        jwt: esoJwt({ audiences: ['vault'] }),
      },
      403,
      'invalid audience (aud) claim',
    ],
    [
      { role: 'external-secrets-example-api', jwt: esoJwt({ expiresAt: 1 }) },
      403,
      'permission denied',
    ],
    [
      { role: 'external-secrets-example-api', jwt: 'not-a-jwt' },
      403,
      'permission denied',
    ],
  ])('refuses login %#', async (body, status, message) => {
    const { client } = await withRole();
    expect(
      await failure(client().write('auth/kubernetes/login', body)),
    ).toMatchObject({
      status,
      message: expect.stringContaining(message),
    });
  });

  it('logs in, and the ACL lets the role read its own secrets only', async () => {
    const { client } = await withRole();
    const login = await client().write('auth/kubernetes/login', {
      role: 'external-secrets-example-api',
      jwt: esoJwt(),
    });
    expect(login.auth).toMatchObject({
      policies: ['default', 'example-api'],
      token_policies: ['default', 'example-api'],
      metadata: {
        role: 'external-secrets-example-api',
        service_account_name: 'external-secrets',
        service_account_namespace: 'external-secrets',
      },
      lease_duration: 3600,
      renewable: true,
    });
    const eso = client(login.auth.client_token);
    expect(
      (await eso.read('secret/data/example-api/env-file')).data.data,
    ).toEqual({ dotenv: 'A=1' });
    expect(
      await failure(eso.read('secret/data/example-worker/config-file')),
    ).toMatchObject({
      status: 403,
      message: expect.stringContaining('permission denied'),
    });
    expect(
      await failure(eso.read('secret/example-api/env-file')),
    ).toMatchObject({ status: 403 });
    expect(
      await failure(
        eso.write('secret/data/example-api/env-file', { data: { x: '1' } }),
      ),
    ).toMatchObject({
      status: 403,
    });
    expect((await eso.read('auth/token/lookup-self')).data).toMatchObject({
      policies: ['default', 'example-api'],
      ttl: 3600,
    });
    const caps = await eso.write('sys/capabilities-self', {
      paths: [
        'secret/data/example-api/env-file',
        'secret/example-api/env-file',
      ],
    });
    expect(caps.data).toEqual({
      'secret/data/example-api/env-file': ['read'],
      'secret/example-api/env-file': ['deny'],
    });
  });

  it('hands the stored config and the JWT to a pluggable token reviewer', async () => {
    const reviews: TokenReviewRequest[] = [];
    const { root, client, emulator } = start();
    emulator.setTokenReviewer(async review => {
      reviews.push(review);
      return review.kubernetesHost === 'https://k8s.test'
        ? 'wrong'
        : 'Unauthorized';
    });
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://old-k8s.test',
      token_reviewer_jwt: 'reviewer',
    });
    await root.write('auth/kubernetes/role/r', roleBody);
    expect(
      await failure(
        client().write('auth/kubernetes/login', { role: 'r', jwt: esoJwt() }),
      ),
    ).toMatchObject({
      status: 403,
      message: expect.stringContaining('permission denied'),
    });
    expect(reviews).toEqual([
      {
        kubernetesHost: 'https://old-k8s.test',
        tokenReviewerJwt: 'reviewer',
        kubernetesCaCert: undefined,
        jwt: esoJwt(),
      },
    ]);
  });

  it('expires login tokens by the emulator clock', async () => {
    let now = Date.now();
    const { root, client } = start({ now: () => now });
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://k8s.test',
    });
    await root.write('auth/kubernetes/role/r', { ...roleBody, token_ttl: 60 });
    const login = await client().write('auth/kubernetes/login', {
      role: 'r',
      jwt: esoJwt(),
    });
    const token = client(login.auth.client_token);
    await token.read('auth/token/lookup-self');
    now += 61_000;
    expect(await failure(token.read('auth/token/lookup-self'))).toMatchObject({
      status: 403,
    });
  });
});

describe('VaultEmulator: AppRole, faults and recording', () => {
  it('logs in with AppRole credentials', async () => {
    const { client, emulator } = start();
    emulator.addAppRole({ roleId: 'rid', secretId: 'sid', policies: ['p'] });
    const login = await client().write('auth/approle/login', {
      role_id: 'rid',
      secret_id: 'sid',
    });
    expect(login.auth.policies).toEqual(['default', 'p']);
    expect(
      await failure(
        client().write('auth/approle/login', {
          role_id: 'rid',
          secret_id: 'bad',
        }),
      ),
    ).toMatchObject({ status: 400, message: 'invalid role or secret ID' });
  });

  it('fails the next requests on a path, then recovers', async () => {
    const { root, emulator } = start();
    emulator.faults.failNext({
      path: 'sys/policies/acl/default',
      count: 2,
      status: 503,
    });
    expect(await failure(root.read('sys/policies/acl/default'))).toMatchObject({
      status: 503,
    });
    expect(await failure(root.read('sys/policies/acl/default'))).toMatchObject({
      status: 503,
    });
    expect((await root.read('sys/policies/acl/default')).data.name).toBe(
      'default',
    );
    expect(emulator.requests.map(r => r.status)).toEqual([503, 503, 200]);
  });

  it('drops connections while down and records every request', async () => {
    const { root, emulator } = start();
    emulator.faults.setDown(true);
    await expect(root.read('sys/policies/acl/default')).rejects.toThrow();
    emulator.faults.setDown(false);
    emulator.faults.setLatency(5);
    await root.read('sys/policies/acl/default');
    expect(emulator.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: 'sys/policies/acl/default',
        status: 0,
      }),
      expect.objectContaining({
        method: 'GET',
        path: 'sys/policies/acl/default',
        status: 200,
      }),
    ]);
    emulator.clearRequests();
    expect(emulator.requests).toHaveLength(0);
  });

  it('answers sys/health without a token', async () => {
    const { client } = start();
    expect(await client().health()).toMatchObject({
      initialized: true,
      sealed: false,
    });
  });
});

describe('createVaultRequestListener', () => {
  it('serves the emulator over loopback HTTP, listing with GET ?list=true', async () => {
    const emulator = new VaultEmulator();
    const http = createServer(createVaultRequestListener(emulator));
    server.close();
    await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = http.address() as AddressInfo;
      const root = NodeVault({
        endpoint: `http://127.0.0.1:${port}`,
        token: 'root',
        noCustomHTTPVerbs: true,
      });
      await root.write('secret/data/a/b', { data: { k: 'v' } });
      expect((await root.list('secret/metadata/a')).data.keys).toEqual(['b']);
      const listed = await fetch(
        `http://127.0.0.1:${port}/v1/secret/metadata/a?list=true`,
        {
          headers: { 'X-Vault-Token': 'root' },
        },
      );
      expect(await listed.json()).toMatchObject({ data: { keys: ['b'] } });
      expect(emulator.requests.map(r => r.operation)).toEqual([
        'write',
        'list',
        'list',
      ]);
      const malformed = await fetch(
        `http://127.0.0.1:${port}/v1/nomount/%E0%A4%A`,
        { headers: { 'X-Vault-Token': 'root' } },
      );
      expect(malformed.status).toBe(404);
      expect((await malformed.json()).errors[0]).toContain(
        'no handler for route "nomount/%E0%A4%A"',
      );
    } finally {
      await new Promise(resolve => http.close(resolve));
      server.listen({ onUnhandledRequest: 'error' });
    }
  });
});

describe('VaultEmulator: saved state', () => {
  it('restores policies, KV versions and metadata, auth config, roles and tokens into a new emulator', async () => {
    const { root, emulator } = start({ rootToken: 'root-one' });
    await root.write('sys/policies/acl/example-api', {
      policy: 'path "secret/data/example-api/*" { capabilities = ["read"] }',
    });
    await root.write('secret/data/example-api/env', { data: { a: '1' } });
    await root.write('secret/data/example-api/env', { data: { a: '2' } });
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://127.0.0.1:6443',
      token_reviewer_jwt: 'reviewer',
    });
    await root.write('auth/kubernetes/role/example-api', roleBody);
    emulator.addAppRole({ roleId: 'r', secretId: 's', policies: ['x'] });
    const token = emulator.createToken({ policies: ['example-api'], ttl: 60 });
    emulator.faults.setDown(true);

    const saved = JSON.parse(JSON.stringify(emulator.exportState()));
    expect(JSON.stringify(saved)).not.toContain('root-one');
    server.resetHandlers();
    const next = start({ rootToken: 'root-two' });
    next.emulator.importState(saved);

    expect(next.emulator.faults.down).toBe(false);
    expect(next.emulator.isTokenValid('root-two')).toBe(true);
    expect(next.emulator.isTokenValid('root-one')).toBe(false);
    const reader = next.client(token);
    expect(
      (await reader.read('secret/data/example-api/env')).data.data,
    ).toEqual({ a: '2' });
    const metadata = await next.root.read('secret/metadata/example-api/env');
    expect(metadata.data.current_version).toBe(2);
    expect(
      (await next.root.read('auth/kubernetes/role/example-api')).data,
    ).toMatchObject({ token_policies: ['example-api'], token_ttl: 3600 });
    expect((await next.root.read('auth/kubernetes/config')).data).toMatchObject(
      {
        kubernetes_host: 'https://127.0.0.1:6443',
        token_reviewer_jwt_set: true,
      },
    );
    const login = await next.client().approleLogin({
      role_id: 'r',
      secret_id: 's',
    });
    expect(login.auth.policies).toEqual(['default', 'x']);
  });

  it('refuses a state of another version', () => {
    const { emulator } = start();
    expect(() =>
      emulator.importState({ version: 2 } as unknown as ReturnType<
        VaultEmulator['exportState']
      >),
    ).toThrow(/version 2/);
  });
});

describe('VaultEmulator: sys/auth', () => {
  it('enables, lists, reads and disables auth mounts', async () => {
    const { root } = start({ kubernetesAuthMounts: [] });
    const before = await root.read('sys/auth');
    expect(Object.keys(before.data).sort()).toEqual(['approle/', 'token/']);
    await root.write('sys/auth/kubernetes-cluster-2', { type: 'kubernetes' });
    const listed = await root.read('sys/auth');
    expect(listed.data['kubernetes-cluster-2/']).toMatchObject({
      type: 'kubernetes',
      accessor: expect.stringMatching(/^auth_kubernetes_/),
    });
    expect((await root.read('sys/auth/kubernetes-cluster-2')).data.type).toBe(
      'kubernetes',
    );
    // the new mount serves its own config
    await root.write('auth/kubernetes-cluster-2/config', {
      kubernetes_host: 'https://cluster-2.test:6443',
      token_reviewer_jwt: 'reviewer-jwt-value',
    });
    const config = await root.read('auth/kubernetes-cluster-2/config');
    expect(config.data).toMatchObject({
      kubernetes_host: 'https://cluster-2.test:6443',
      token_reviewer_jwt_set: true,
    });
    expect(JSON.stringify(config)).not.toContain('reviewer-jwt-value');

    expect(
      await failure(
        root.write('sys/auth/kubernetes-cluster-2', { type: 'kubernetes' }),
      ),
    ).toMatchObject({
      status: 400,
      body: { errors: ['path is already in use at kubernetes-cluster-2/'] },
    });
    expect(
      await failure(root.write('sys/auth/other', { type: 'ldap-nope' })),
    ).toMatchObject({ status: 400 });
    expect(await failure(root.write('sys/auth/other', {}))).toMatchObject({
      status: 400,
    });

    await root.delete('sys/auth/kubernetes-cluster-2');
    expect(
      await failure(root.read('auth/kubernetes-cluster-2/config')),
    ).toMatchObject({ status: 404 });
    expect(Object.keys((await root.read('sys/auth')).data).sort()).toEqual([
      'approle/',
      'token/',
    ]);
  });

  it('needs read on sys/auth to list, and sudo besides create to enable', async () => {
    const { root, emulator, client } = start({ kubernetesAuthMounts: [] });
    emulator.putPolicy(
      'no-sudo',
      'path "sys/auth" { capabilities = ["read"] }\npath "sys/auth/*" { capabilities = ["create", "update"] }',
    );
    emulator.putPolicy(
      'with-sudo',
      'path "sys/auth/kubernetes-*" { capabilities = ["create", "update", "sudo"] }',
    );
    const noSudo = client(emulator.createToken({ policies: ['no-sudo'] }));
    const withSudo = client(emulator.createToken({ policies: ['with-sudo'] }));
    expect(Object.keys((await noSudo.read('sys/auth')).data)).toContain(
      'approle/',
    );
    expect(
      await failure(
        noSudo.write('sys/auth/kubernetes-a', { type: 'kubernetes' }),
      ),
    ).toMatchObject({ status: 403 });
    expect(await failure(withSudo.read('sys/auth'))).toMatchObject({
      status: 403,
    });
    await withSudo.write('sys/auth/kubernetes-a', { type: 'kubernetes' });
    expect(
      await failure(withSudo.write('sys/auth/approle-b', { type: 'approle' })),
    ).toMatchObject({ status: 403 });
    expect(await failure(withSudo.delete('sys/auth/approle'))).toMatchObject({
      status: 403,
    });
    expect((await root.read('sys/auth')).data['kubernetes-a/'].type).toBe(
      'kubernetes',
    );
  });
});
