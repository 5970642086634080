import type { VaultEmulator } from '../vault';

/**
 * Calls the sandbox Vault in-process with its root token, the way an operator with the root
 * token configures a fresh Vault. Used for the seed and for fault injection; errors carry
 * Vault's own messages.
 */
export class VaultRootClient {
  constructor(private readonly vault: VaultEmulator) {}

  async read(path: string): Promise<Record<string, any> | undefined> {
    return this.request('GET', path);
  }

  async write(
    path: string,
    body: unknown,
  ): Promise<Record<string, any> | undefined> {
    return this.request('POST', path, body);
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Record<string, any> | undefined> {
    const response = await this.vault.handle({
      method,
      path: `/v1/${path}`,
      headers: {
        'x-vault-token': this.vault.rootToken,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.networkError) {
      throw new Error(`Vault is down (${method} ${path})`);
    }
    const parsed = response.body ? JSON.parse(response.body) : undefined;
    if (response.status >= 400) {
      const errors = (parsed?.errors ?? []).join('; ');
      throw new Error(`Vault ${method} ${path}: ${response.status} ${errors}`);
    }
    return parsed;
  }
}
