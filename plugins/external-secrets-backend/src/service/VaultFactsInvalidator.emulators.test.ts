import { setupServer } from 'msw/node';
// The node package's test helpers are not part of its public API; tests may reach them.
import { eventually } from '@gitops-secrets/plugin-external-secrets-node/testUtils';
import {
  statusEnvironment,
  type StatusEnvironment,
} from './__testUtils__/statusEnvironment';

jest.setTimeout(60_000);

const server = setupServer();

const codesOf = async (env: StatusEnvironment) => {
  const [row] = (await env.status()).externalSecrets;
  return { state: row?.state, codes: row?.findings.map(f => f.code) ?? [] };
};

// Issue 10 item 4: after a fault is cleared and the next one injected within the facts TTL, the
// card showed the first fault's cause. The backend's clock stands still here, so only the
// invalidation on the ExternalSecret's and store's state change can make the second answer true.
describe('Vault facts follow the state of the ExternalSecret and its store', () => {
  let env: StatusEnvironment | undefined;
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(async () => {
    await env?.stop();
    env = undefined;
    server.resetHandlers();
  });
  afterAll(() => server.close());

  it('names the current cause after one fault is cleared and another injected', async () => {
    env = await statusEnvironment(server);
    const e = env;
    await eventually(async () =>
      expect(await codesOf(e)).toEqual({ state: 'Synced', codes: [] }),
    );

    // auth-host: Vault's auth config points at an API server that is gone
    await e.root.write('auth/kubernetes/config', {
      ...e.authConfig,
      kubernetes_host: 'https://old-k8s.status.test:6443',
    });
    await e.resync();
    await eventually(async () =>
      expect((await codesOf(e)).codes).toContain('VAULT_AUTH_HOST_MISMATCH'),
    );

    // cleared: the card recovers
    await e.root.write('auth/kubernetes/config', e.authConfig);
    await e.resync();
    await eventually(async () =>
      expect(await codesOf(e)).toEqual({ state: 'Synced', codes: [] }),
    );

    // next fault, well within the facts TTL: the reviewer JWT is rejected, the host is right
    await e.root.write('auth/kubernetes/config', {
      ...e.authConfig,
      token_reviewer_jwt: 'eyJhbGciOiJSUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl',
    });
    await e.resync();
    await eventually(async () => {
      const { codes } = await codesOf(e);
      expect(codes).toContain('REVIEWER_JWT_REJECTED');
      expect(codes).not.toContain('VAULT_AUTH_HOST_MISMATCH');
    });

    // and back again
    await e.root.write('auth/kubernetes/config', e.authConfig);
    await e.resync();
    await eventually(async () =>
      expect(await codesOf(e)).toEqual({ state: 'Synced', codes: [] }),
    );
    // all along, the target Secret's state came from the ExternalSecret: no request on Secrets
    expect(
      e.cluster.requestLog.all().filter(r => r.resource === 'secrets'),
    ).toEqual([]);
  });
});
