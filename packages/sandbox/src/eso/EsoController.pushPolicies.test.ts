import { setupServer } from 'msw/node';
import { ready, tenantSandbox } from './__testUtils__/tenantSandbox';

// Key generation and the emulators are slow on the shared test machine.
jest.setTimeout(60_000);

const VAULT_URL = 'https://vault.push-policies.test:8200';
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** What a PushSecret needs under `shop/pushed/`: read first, then create/update; delete to clean up. */
const PUSH_POLICY = [
  'path "secret/data/shop/pushed/*" { capabilities = ["read", "create", "update", "delete"] }',
  'path "secret/metadata/shop/pushed/*" { capabilities = ["read", "create", "update", "delete"] }',
];

const b64 = (value: string) => Buffer.from(value).toString('base64');

async function pushSandbox(
  spec: Record<string, unknown>,
  policy: string[] = PUSH_POLICY,
) {
  const env = await tenantSandbox({ server, vaultUrl: VAULT_URL, policy });
  await env.cluster.objects.create(env.t('secrets'), 'shop', {
    metadata: { name: 'api-token' },
    data: { token: b64('tok-1'), user: b64('svc-shop') },
  });
  await env.cluster.objects.create(env.t('pushsecrets'), 'shop', {
    apiVersion: 'external-secrets.io/v1alpha1',
    kind: 'PushSecret',
    metadata: { name: 'api-token' },
    spec: {
      refreshInterval: '1h',
      secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'vault-shop' }],
      selector: { secret: { name: 'api-token' } },
      ...spec,
    },
  });
  const pushSecret = () => env.get('pushsecrets', 'shop', 'api-token');
  const setData = (data: unknown[]) =>
    env.cluster.objects.patch(
      env.t('pushsecrets'),
      'shop',
      'api-token',
      'merge',
      { spec: { data } },
    );
  return { ...env, pushSecret, setData };
}

const entry = (secretKey: string, remoteKey: string, property?: string) => ({
  match: {
    secretKey,
    remoteRef: property ? { remoteKey, property } : { remoteKey },
  },
});

describe('PushSecret updatePolicy: IfNotExists in the sandbox', () => {
  it('leaves a key that exists in Vault alone, pushes the ones that do not, and says so', async () => {
    const env = await pushSandbox({
      updatePolicy: 'IfNotExists',
      data: [
        entry('token', 'shop/pushed/api-token', 'token'),
        entry('user', 'shop/pushed/user', 'name'),
      ],
    });
    // written by hand, without ESO's managed-by mark: Replace would refuse it
    await env.root.write('secret/data/shop/pushed/api-token', {
      data: { token: 'set by hand' },
    });
    await env.sync();

    const message =
      'PushSecret synced successfully. Existing secrets in providers unchanged.';
    expect(ready(env.pushSecret())).toMatchObject({
      status: 'True',
      reason: 'Synced',
      message,
    });
    expect(env.events('PushSecret', 'shop', 'api-token')).toEqual([
      { type: 'Normal', reason: 'Synced', message },
    ]);
    expect(
      (await env.readKv('secret/data/shop/pushed/api-token'))?.data,
    ).toEqual({ token: 'set by hand' });
    expect((await env.readKv('secret/data/shop/pushed/user'))?.data).toEqual({
      name: 'svc-shop',
    });
    // ESO lists a key it left alone among the synced ones
    expect(
      Object.keys(
        (env.pushSecret()?.status as any).syncedPushSecrets[
          'ClusterSecretStore/vault-shop'
        ],
      ).sort(),
    ).toEqual(['shop/pushed/api-token/token', 'shop/pushed/user/name']);

    // a new value in the source Secret does not overwrite what is in Vault either
    await env.cluster.objects.patch(
      env.t('secrets'),
      'shop',
      'api-token',
      'merge',
      { data: { user: b64('svc-shop-2') } },
    );
    env.advance(3_600_000);
    await env.sync();
    expect((await env.readKv('secret/data/shop/pushed/user'))?.data).toEqual({
      name: 'svc-shop',
    });
  });

  it('pushes a property that the existing secret does not have', async () => {
    const env = await pushSandbox({
      updatePolicy: 'IfNotExists',
      data: [entry('user', 'shop/pushed/creds', 'user')],
    });
    await env.sync();
    await env.setData([
      entry('user', 'shop/pushed/creds', 'user'),
      entry('token', 'shop/pushed/creds', 'token'),
    ]);
    await env.sync();

    expect(ready(env.pushSecret())?.status).toBe('True');
    expect((await env.readKv('secret/data/shop/pushed/creds'))?.data).toEqual({
      user: 'svc-shop',
      token: 'tok-1',
    });
  });

  it('reports ESO’s error when the policy does not let it look first', async () => {
    const env = await pushSandbox(
      {
        updatePolicy: 'IfNotExists',
        data: [entry('token', 'shop/pushed/api-token', 'token')],
      },
      [
        'path "secret/data/shop/pushed/*" { capabilities = ["create", "update"] }',
        'path "secret/metadata/shop/pushed/*" { capabilities = ["create", "update"] }',
      ],
    );
    await env.sync();

    const condition = ready(env.pushSecret());
    expect(condition).toMatchObject({ status: 'False', reason: 'Errored' });
    expect(condition.message).toBe(
      'set secret failed: could not verify if secret exists in store: cannot read secret data from Vault: ' +
        'Error making API request.\n\n' +
        `URL: GET ${VAULT_URL}/v1/secret/data/shop/pushed/api-token\n` +
        'Code: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n',
    );
    expect(
      await env.readKv('secret/data/shop/pushed/api-token'),
    ).toBeUndefined();
  });
});

describe('PushSecret deletionPolicy: Delete in the sandbox', () => {
  it('removes from Vault a ref that left the spec: a whole secret, or one property of it', async () => {
    const env = await pushSandbox({
      deletionPolicy: 'Delete',
      data: [
        entry('token', 'shop/pushed/creds', 'token'),
        entry('user', 'shop/pushed/creds', 'user'),
        entry('token', 'shop/pushed/copy'),
      ],
    });
    // a ref without a property takes the key's value as the whole secret: it must be JSON
    await env.cluster.objects.patch(
      env.t('secrets'),
      'shop',
      'api-token',
      'merge',
      { data: { token: b64('{"value":"tok-1"}') } },
    );
    await env.sync();
    expect(ready(env.pushSecret())?.status).toBe('True');
    expect((await env.readKv('secret/data/shop/pushed/copy'))?.data).toEqual({
      value: 'tok-1',
    });

    await env.setData([entry('token', 'shop/pushed/creds', 'token')]);
    await env.sync();

    expect(ready(env.pushSecret())).toMatchObject({
      status: 'True',
      message: 'PushSecret synced successfully',
    });
    // the whole secret, data and metadata (all versions), is gone
    expect(await env.readKv('secret/data/shop/pushed/copy')).toBeUndefined();
    expect(
      await env.readKv('secret/metadata/shop/pushed/copy'),
    ).toBeUndefined();
    // only the property left the shared secret
    expect((await env.readKv('secret/data/shop/pushed/creds'))?.data).toEqual({
      token: '{"value":"tok-1"}',
    });
    expect((env.pushSecret()?.status as any).syncedPushSecrets).toEqual({
      'ClusterSecretStore/vault-shop': {
        'shop/pushed/creds/token': entry('token', 'shop/pushed/creds', 'token'),
      },
    });
  });

  it('with the default deletionPolicy, a ref that left the spec stays in Vault', async () => {
    const env = await pushSandbox({
      data: [
        entry('token', 'shop/pushed/api-token', 'token'),
        entry('user', 'shop/pushed/user', 'name'),
      ],
    });
    await env.sync();
    await env.setData([entry('token', 'shop/pushed/api-token', 'token')]);
    await env.sync();

    expect((await env.readKv('secret/data/shop/pushed/user'))?.data).toEqual({
      name: 'svc-shop',
    });
  });

  it('cleans up everything it pushed when the source Secret is deleted, then waits for a change', async () => {
    const env = await pushSandbox({
      deletionPolicy: 'Delete',
      data: [
        entry('token', 'shop/pushed/api-token', 'token'),
        entry('user', 'shop/pushed/user', 'name'),
      ],
    });
    await env.sync();
    expect(
      (await env.readKv('secret/data/shop/pushed/api-token'))?.data,
    ).toEqual({ token: 'tok-1' });

    await env.cluster.objects.delete(env.t('secrets'), 'shop', 'api-token');
    // ESO does not watch the source Secret: it finds it gone at the next refresh
    await env.sync();
    expect(ready(env.pushSecret())?.reason).toBe('Synced');
    env.advance(3_600_000);
    await env.sync();

    const message = 'source secret deleted; provider secrets cleaned up';
    expect(ready(env.pushSecret())).toMatchObject({
      status: 'False',
      reason: 'SourceDeleted',
      message,
    });
    expect(env.events('PushSecret', 'shop', 'api-token')).toContainEqual({
      type: 'Normal',
      reason: 'SourceDeleted',
      message,
    });
    expect((env.pushSecret()?.status as any).syncedPushSecrets).toEqual({});
    for (const key of ['api-token', 'user']) {
      expect(
        await env.readKv(`secret/data/shop/pushed/${key}`),
      ).toBeUndefined();
      expect(
        await env.readKv(`secret/metadata/shop/pushed/${key}`),
      ).toBeUndefined();
    }

    // ESO does not requeue after the cleanup: nothing happens until the PushSecret changes
    const eventsBefore = env.events('PushSecret', 'shop', 'api-token');
    env.advance(2 * 3_600_000);
    await env.sync();
    expect(env.events('PushSecret', 'shop', 'api-token')).toEqual(eventsBefore);
    await env.cluster.objects.patch(
      env.t('pushsecrets'),
      'shop',
      'api-token',
      'merge',
      { metadata: { annotations: { touched: '1' } } },
    );
    await env.sync();
    expect(ready(env.pushSecret())).toMatchObject({
      status: 'False',
      reason: 'Errored',
      message: 'could not get source secret',
    });
  });

  it('does not delete a Vault secret that is no longer marked as managed by ESO', async () => {
    const env = await pushSandbox({
      deletionPolicy: 'Delete',
      data: [entry('token', 'shop/pushed/api-token', 'token')],
    });
    await env.sync();
    await env.root.write('secret/metadata/shop/pushed/api-token', {
      custom_metadata: { 'managed-by': 'someone-else' },
    });
    await env.cluster.objects.delete(env.t('secrets'), 'shop', 'api-token');
    env.advance(3_600_000);
    await env.sync();

    expect(ready(env.pushSecret())?.reason).toBe('SourceDeleted');
    expect(
      (await env.readKv('secret/data/shop/pushed/api-token'))?.data,
    ).toEqual({ token: 'tok-1' });
  });

  it('reports a delete the policy does not allow and keeps the ref in its status', async () => {
    const env = await pushSandbox(
      {
        deletionPolicy: 'Delete',
        data: [
          entry('token', 'shop/pushed/api-token', 'token'),
          entry('token', 'shop/pushed/copy'),
        ],
      },
      [
        'path "secret/data/shop/pushed/*" { capabilities = ["read", "create", "update"] }',
        'path "secret/metadata/shop/pushed/*" { capabilities = ["read", "create", "update"] }',
      ],
    );
    await env.cluster.objects.patch(
      env.t('secrets'),
      'shop',
      'api-token',
      'merge',
      { data: { token: b64('{"value":"tok-1"}') } },
    );
    await env.sync();
    await env.setData([entry('token', 'shop/pushed/api-token', 'token')]);
    await env.sync();

    const condition = ready(env.pushSecret());
    expect(condition).toMatchObject({ status: 'False', reason: 'Errored' });
    expect(condition.message).toBe(
      'Failed to Delete Secrets from Provider: could not delete secret shop/pushed/copy: ' +
        'Error making API request.\n\n' +
        `URL: DELETE ${VAULT_URL}/v1/secret/data/shop/pushed/copy\n` +
        'Code: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n',
    );
    expect(env.events('PushSecret', 'shop', 'api-token')).toContainEqual({
      type: 'Warning',
      reason: 'Errored',
      message: condition.message,
    });
    expect(
      Object.keys(
        (env.pushSecret()?.status as any).syncedPushSecrets[
          'ClusterSecretStore/vault-shop'
        ],
      ).sort(),
    ).toEqual(['shop/pushed/api-token/token', 'shop/pushed/copy']);
    expect((await env.readKv('secret/data/shop/pushed/copy'))?.data).toEqual({
      value: 'tok-1',
    });
  });
});
