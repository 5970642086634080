import { readFile } from 'node:fs/promises';
import { InputError } from '@backstage/errors';
import { VaultAuthSettings } from './vaultConfig';

/** What a login or renewal returned. */
export interface VaultLease {
  token: string;
  leaseSeconds: number;
  renewable: boolean;
}

/** The two calls the token source needs from the client, each with retries and error mapping. */
export interface VaultAuthTransport {
  login(path: string, body: Record<string, string>): Promise<VaultLease>;
  renewSelf(token: string): Promise<VaultLease>;
}

/** Renew once this share of the lease has passed. */
const RENEW_AT = 0.75;

/**
 * Holds the backend's Vault token: one login, cached, renewed before it expires, and dropped
 * when Vault refuses it so that the next call logs in again. Concurrent callers share one
 * login.
 */
export class VaultTokenSource {
  private lease?: VaultLease & { obtainedAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly auth: VaultAuthSettings,
    private readonly transport: VaultAuthTransport,
    private readonly now: () => number = Date.now,
  ) {}

  /** A static token cannot be replaced by logging in again. */
  get canLogInAgain(): boolean {
    return this.auth.type !== 'token';
  }

  async token(): Promise<string> {
    if (this.auth.type === 'token') {
      return this.auth.token;
    }
    if (this.pending) {
      return this.pending;
    }
    const lease = this.lease;
    if (lease && !this.isDueForRenewal(lease)) {
      return lease.token;
    }
    this.pending = this.refresh(lease).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets a token Vault refused, unless another caller already replaced it. */
  invalidate(token: string): void {
    if (this.lease?.token === token) {
      this.lease = undefined;
    }
  }

  private isDueForRenewal(lease: VaultLease & { obtainedAt: number }): boolean {
    if (lease.leaseSeconds <= 0) {
      return false;
    }
    return (
      this.now() >= lease.obtainedAt + lease.leaseSeconds * 1000 * RENEW_AT
    );
  }

  private async refresh(
    lease?: VaultLease & { obtainedAt: number },
  ): Promise<string> {
    const expired =
      !lease || this.now() >= lease.obtainedAt + lease.leaseSeconds * 1000;
    if (lease && lease.renewable && !expired) {
      try {
        const renewed = await this.transport.renewSelf(lease.token);
        this.lease = { ...renewed, obtainedAt: this.now() };
        return renewed.token;
      } catch {
        // A token that cannot be renewed is replaced by a fresh login below.
      }
    }
    const fresh = await this.login();
    this.lease = { ...fresh, obtainedAt: this.now() };
    return fresh.token;
  }

  private async login(): Promise<VaultLease> {
    const auth = this.auth;
    switch (auth.type) {
      case 'kubernetes': {
        let jwt: string;
        try {
          jwt = (await readFile(auth.tokenPath, 'utf8')).trim();
        } catch (error) {
          throw new InputError(
            `Cannot log in to Vault with Kubernetes auth: the service-account token file ${
              auth.tokenPath
            } cannot be read (${(error as NodeJS.ErrnoException).code})`,
          );
        }
        return this.transport.login(`auth/${auth.mountPath}/login`, {
          role: auth.role,
          jwt,
        });
      }
      case 'approle':
        return this.transport.login(`auth/${auth.mountPath}/login`, {
          role_id: auth.roleId,
          secret_id: auth.secretId,
        });
      default:
        throw new Error('static tokens do not log in');
    }
  }
}
