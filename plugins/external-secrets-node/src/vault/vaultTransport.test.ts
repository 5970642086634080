import { mockServices } from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { VaultEmulator, vaultHandlers } from 'sandbox';
import type { VaultClient as VaultClientType } from './VaultClient';

const BASE_URL = 'https://vault.transport.test:8200';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function client(
  VaultClient: typeof VaultClientType,
  auth: ConstructorParameters<typeof VaultClientType>[0]['auth'],
) {
  return new VaultClient(
    {
      baseUrl: BASE_URL,
      timeoutMs: 2000,
      maxRetries: 0,
      retryBaseDelayMs: 1,
      kvMount: 'secret',
      kvVersion: 2,
      auth,
    },
    { logger: mockServices.logger.mock() },
  );
}

describe('Vault transport', () => {
  it.each([
    [
      'to another host',
      'https://elsewhere.transport.test/v1/sys/policies/acl/x',
    ],
    [
      'from https to http',
      'http://vault.transport.test:8200/v1/sys/policies/acl/x',
    ],
  ])(
    'follows no redirect %s: the token is never sent there',
    async (_name, location) => {
      const elsewhere: string[] = [];
      server.use(
        http.all(`${BASE_URL}/v1/*`, () =>
          HttpResponse.json(null, { status: 307, headers: { location } }),
        ),
        http.all('https://elsewhere.transport.test/*', ({ request }) => {
          elsewhere.push(request.headers.get('x-vault-token') ?? '');
          return HttpResponse.json({ data: { policy: 'x' } });
        }),
        http.all('http://vault.transport.test:8200/*', ({ request }) => {
          elsewhere.push(request.headers.get('x-vault-token') ?? '');
          return HttpResponse.json({ data: { policy: 'x' } });
        }),
      );
      const { VaultClient } = await import('./VaultClient');
      const vault = client(VaultClient, {
        type: 'token',
        token: 'the-backend-token',
      });
      const error = await vault.readPolicy('x').catch(e => e);
      expect(error.message).toMatch(/redirect \(HTTP 307\).*not followed/);
      expect(error.message).not.toContain('the-backend-token');
      expect(elsewhere).toEqual([]);
    },
  );

  it('prints nothing through node-vault’s debug output, even with DEBUG=node-vault', async () => {
    const emulator = new VaultEmulator();
    emulator.addAppRole({
      roleId: 'rid',
      secretId: 'APPROLE-SECRET-ID',
      policies: ['default'],
    });
    server.use(...vaultHandlers(emulator, BASE_URL));
    const written: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: any) => {
        written.push(String(chunk));
        return true;
      });
    const previous = process.env.DEBUG;
    process.env.DEBUG = 'node-vault';
    try {
      let Fresh!: typeof VaultClientType;
      jest.isolateModules(() => {
        // node-vault and `debug` load anew and read DEBUG now
        Fresh = require('./VaultClient').VaultClient;
      });
      const vault = client(Fresh, {
        type: 'approle',
        mountPath: 'approle',
        roleId: 'rid',
        secretId: 'APPROLE-SECRET-ID',
      });
      // the login (whose body holds the secret id) is what matters; the read may be denied
      await vault.readPolicy('default').catch(() => undefined);
    } finally {
      process.env.DEBUG = previous;
      write.mockRestore();
    }
    expect(
      emulator.requests.filter(r => r.path === 'auth/approle/login'),
    ).toHaveLength(1);
    expect(written.join('')).not.toContain('APPROLE-SECRET-ID');
    expect(written.join('')).not.toMatch(/node-vault/);
  });
});
