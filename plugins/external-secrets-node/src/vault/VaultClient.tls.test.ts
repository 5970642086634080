import { createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import {
  VaultEmulator,
  createTestServerTls,
  createVaultRequestListener,
} from 'sandbox';
import { VaultClient } from './VaultClient';

describe('VaultClient over HTTPS', () => {
  const tls = createTestServerTls();
  const emulator = new VaultEmulator();
  const server = createServer(
    { cert: tls.cert, key: tls.key },
    createVaultRequestListener(emulator),
  );
  let baseUrl = '';

  beforeAll(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  const client = (ca?: string) =>
    new VaultClient(
      {
        baseUrl,
        ca,
        timeoutMs: 5000,
        maxRetries: 0,
        retryBaseDelayMs: 1,
        kvMount: 'secret',
        auth: { type: 'token', token: emulator.rootToken },
      },
      { logger: mockServices.logger.mock() },
    );

  it('trusts Vault through the configured CA', async () => {
    expect(await client(tls.ca).kvVersion()).toBe(2);
  });

  it('refuses a certificate it cannot verify, whatever VAULT_SKIP_VERIFY says', async () => {
    const previous = process.env.VAULT_SKIP_VERIFY;
    process.env.VAULT_SKIP_VERIFY = '1';
    try {
      emulator.clearRequests();
      await expect(client().kvVersion()).rejects.toThrow(
        /did not answer \(.*(self-signed|unable to verify|certificate)/i,
      );
      expect(emulator.requests).toHaveLength(0);
    } finally {
      if (previous === undefined) {
        delete process.env.VAULT_SKIP_VERIFY;
      } else {
        process.env.VAULT_SKIP_VERIFY = previous;
      }
    }
  });
});
