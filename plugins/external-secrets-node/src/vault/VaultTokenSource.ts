import { readFile } from 'node:fs/promises';
import { InputError } from '@backstage/errors';
import { VaultAuthSettings } from './vaultConfig';

/** What a login or renewal returned. */
export interface VaultLease {
  token: string;
  leaseSeconds: number;
  renewable: boolean;
}

/** The calls the token source needs from the client, each with its error mapping. */
export interface VaultAuthTransport {
  login(path: string, body: Record<string, string>): Promise<VaultLease>;
  renewSelf(token: string): Promise<VaultLease>;
  /** whether Vault still accepts the token (`auth/token/lookup-self`) */
  lookupSelf?(token: string): Promise<boolean>;
  /** revokes the token (`auth/token/revoke-self`) */
  revokeSelf?(token: string): Promise<void>;
}

/** A path's permission-denied asks Vault whether the token itself is still valid at most this often. */
const VERIFY_INTERVAL_MS = 60_000;

/** Renew once this share of the lease has passed. */
const RENEW_AT = 0.75;

/**
 * Holds the backend's Vault token: one login, cached, renewed before it expires, and dropped
 * only when Vault says the token itself is no good (so that the next call logs in again) —
 * never because a path was denied, which is an answer about a policy. A token that a fresh
 * login replaces while still valid is revoked. Concurrent callers share one login.
 */
export class VaultTokenSource {
  private lease?: VaultLease & { obtainedAt: number };
  private pending?: Promise<string>;
  /** the last `lookup-self` verdict, shared by the callers denied meanwhile */
  private verdict?: { token: string; at: number; refused: Promise<boolean> };
  /** tokens dropped as invalid: there is nothing to revoke */
  private readonly invalid = new Set<string>();

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
      this.invalid.add(token);
    }
  }

  /**
   * Whether a `403` means the token itself is invalid — and so logging in again can help — rather
   * than a path the token's policies do not grant. Vault 1.17+ says `invalid token`; a lease
   * past its end is invalid too; otherwise Vault is asked (`lookup-self`), at most once a minute,
   * so a revoked token is replaced while a policy denial never costs a login.
   */
  async isRefused(token: string, messages: string[]): Promise<boolean> {
    if (!this.canLogInAgain) {
      return false;
    }
    if (this.lease?.token !== token) {
      // another caller already dropped or replaced it: try again with the current one
      return true;
    }
    if (messages.some(m => /invalid token/i.test(m))) {
      return true;
    }
    const lease = this.lease;
    if (
      lease.leaseSeconds > 0 &&
      this.now() >= lease.obtainedAt + lease.leaseSeconds * 1000
    ) {
      return true;
    }
    if (!this.transport.lookupSelf) {
      return false;
    }
    const verdict = this.verdict;
    if (
      verdict &&
      verdict.token === token &&
      this.now() - verdict.at < VERIFY_INTERVAL_MS
    ) {
      return verdict.refused;
    }
    const refused = this.transport.lookupSelf(token).then(
      valid => !valid,
      () => false,
    );
    this.verdict = { token, at: this.now(), refused };
    return refused;
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
    if (lease && !expired && lease.token !== fresh.token) {
      this.revoke(lease.token);
    }
    return fresh.token;
  }

  /** Best effort: a replaced token that still works is revoked, never left to linger. */
  private revoke(token: string) {
    if (this.invalid.delete(token) || !this.transport.revokeSelf) {
      return;
    }
    this.transport.revokeSelf(token).catch(() => undefined);
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
