import { setupServer } from 'msw/node';
import { ready, tenantSandbox } from './__testUtils__/tenantSandbox';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(60_000);

const VAULT_URL = 'https://vault.find.test:8200';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** What `dataFrom.find` needs: read on the data, list (and, for tags, read) on the metadata. */
const FIND_POLICY = [
  'path "secret/data/shop/*" { capabilities = ["read"] }',
  'path "secret/metadata/shop/*" { capabilities = ["read", "list"] }',
];

/** The policy the template writes for a service: read on the data only. */
const READ_ONLY_POLICY = [
  'path "secret/data/shop/*" { capabilities = ["read"] }',
];

async function findSandbox(
  dataFrom: unknown[],
  options: { policy?: string[]; version?: 'v1' | 'v2' } = {},
) {
  const env = await tenantSandbox({
    server,
    vaultUrl: VAULT_URL,
    policy: options.policy ?? FIND_POLICY,
    version: options.version,
  });
  const kv = options.version === 'v1' ? 'kv1' : 'secret/data';
  const write = (path: string, data: Record<string, unknown>) =>
    env.root.write(`${kv}/${path}`, options.version === 'v1' ? data : { data });
  await write('shop/db', { password: 'pw-1', user: 'shop' });
  await write('shop/api/key', { token: 'a<b' });
  await write('shop/api/legacy', { token: 'old' });
  await write('other/db', { password: 'not-shop' });
  if (options.version !== 'v1') {
    await env.root.write('secret/metadata/shop/db', {
      custom_metadata: { team: 'payments' },
    });
  }
  await env.cluster.objects.create(env.t('externalsecrets'), 'shop', {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'shop-all' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-shop' },
      target: { name: 'shop-all' },
      dataFrom,
    },
  });
  await env.sync();
  const secret = () => {
    const data = env.get('secrets', 'shop', 'shop-all')?.data as
      | Record<string, string>
      | undefined;
    return (
      data &&
      Object.fromEntries(
        Object.entries(data).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]),
      )
    );
  };
  const externalSecret = () => env.get('externalsecrets', 'shop', 'shop-all');
  const failures = () =>
    env
      .events('ExternalSecret', 'shop', 'shop-all')
      .filter(e => e.reason === 'UpdateFailed')
      .map(e => e.message);
  return { ...env, secret, externalSecret, failures };
}

describe('ExternalSecret dataFrom.find in the sandbox (Vault provider)', () => {
  it('finds by name: lists the path recursively, reads each match as JSON, keys with / turned into _', async () => {
    const env = await findSandbox([
      { find: { path: 'shop', name: { regexp: '^shop/api/' } } },
    ]);

    expect(ready(env.externalSecret())).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
    });
    // the whole secret as Go's json.Marshal writes it (sorted keys, HTML characters escaped)
    expect(env.secret()).toEqual({
      shop_api_key: '{"token":"a\\u003cb"}',
      shop_api_legacy: '{"token":"old"}',
    });
  });

  it('finds by tags in the KV v2 metadata, and with conversionStrategy Unicode', async () => {
    const env = await findSandbox([
      {
        find: {
          path: 'shop',
          tags: { team: 'payments' },
          conversionStrategy: 'Unicode',
        },
      },
    ]);

    expect(env.secret()).toEqual({
      shop_U002f_db: '{"password":"pw-1","user":"shop"}',
    });
  });

  it('applies a rewrite and merges find results with the other dataFrom entries', async () => {
    const env = await findSandbox([
      {
        find: { path: 'shop', name: { regexp: 'db$' } },
        rewrite: [{ regexp: { source: '^shop/', target: 'found-' } }],
      },
      { extract: { key: 'shop/api/key' } },
    ]);

    expect(env.secret()).toEqual({
      'found-db': '{"password":"pw-1","user":"shop"}',
      token: 'a<b',
    });
  });

  it('fails with Vault’s 403 on the metadata LIST when the policy has no list', async () => {
    const env = await findSandbox(
      [{ find: { path: 'shop', name: { regexp: '.*' } } }],
      { policy: READ_ONLY_POLICY },
    );

    expect(ready(env.externalSecret())).toMatchObject({
      status: 'False',
      reason: 'SecretSyncedError',
      message: 'could not get secret data from provider',
    });
    expect(env.failures()).toEqual([
      'error processing spec.dataFrom[0].find, err: error getting all secrets: ' +
        'cannot read secret data from Vault: Error making API request.\n\n' +
        `URL: GET ${VAULT_URL}/v1/secret/metadata/shop/?list=true\n` +
        'Code: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n',
    ]);
    expect(env.secret()).toBeUndefined();
  });

  it('with list but no read on the data, fails on the first secret it finds', async () => {
    const env = await findSandbox(
      [{ find: { path: 'shop', name: { regexp: 'db$' } } }],
      {
        policy: ['path "secret/metadata/shop/*" { capabilities = ["list"] }'],
      },
    );

    expect(env.failures()).toEqual([
      'error processing spec.dataFrom[0].find, err: error getting all secrets: ' +
        'cannot read secret data from Vault: Error making API request.\n\n' +
        `URL: GET ${VAULT_URL}/v1/secret/data/shop/db\n` +
        'Code: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n',
    ]);
  });

  it('without a path, lists the whole mount: a policy for one service cannot', async () => {
    const env = await findSandbox([{ find: { name: { regexp: '^shop/' } } }]);

    expect(env.failures()[0]).toContain(
      `URL: GET ${VAULT_URL}/v1/secret/metadata/?list=true\nCode: 403.`,
    );
  });

  it('reports an empty path as ESO does: the secret does not exist', async () => {
    const env = await findSandbox([
      { find: { path: 'shop/nothing-here', name: { regexp: '.*' } } },
    ]);

    expect(env.failures()).toEqual([
      'error processing spec.dataFrom[0].find, err: error getting all secrets: Secret does not exist',
    ]);
  });

  it('on KV v1: finds by name, refuses tags', async () => {
    const policy = ['path "kv1/shop/*" { capabilities = ["read", "list"] }'];
    const byName = await findSandbox(
      [{ find: { path: 'shop', name: { regexp: 'db' } } }],
      { policy, version: 'v1' },
    );
    expect(byName.secret()).toEqual({
      shop_db: '{"password":"pw-1","user":"shop"}',
    });

    server.resetHandlers();
    const byTags = await findSandbox(
      [{ find: { path: 'shop', tags: { team: 'payments' } } }],
      { policy, version: 'v1' },
    );
    expect(byTags.failures()).toEqual([
      'error processing spec.dataFrom[0].find, err: error getting all secrets: cannot perform find by tag operations with kv version v1',
    ]);
  });
});
