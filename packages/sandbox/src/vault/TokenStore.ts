import { randomBytes } from 'node:crypto';

/**
 * A token the emulator issued.
 *
 * @public
 */
export interface EmulatedToken {
  id: string;
  accessor: string;
  policies: string[];
  /** Lease in seconds; 0 = never expires (root). */
  ttl: number;
  issuedAt: number;
  expiresAt?: number;
  renewable: boolean;
  meta: Record<string, string>;
  path: string;
}

/** Tokens by id, with expiry against the emulator's clock. */
export class TokenStore {
  private readonly tokens = new Map<string, EmulatedToken>();

  constructor(private readonly now: () => number) {}

  issue(options: {
    id?: string;
    policies: string[];
    ttl?: number;
    meta?: Record<string, string>;
    path?: string;
  }): EmulatedToken {
    const ttl = options.ttl ?? 0;
    const issuedAt = this.now();
    const token: EmulatedToken = {
      id: options.id ?? `hvs.${randomBytes(18).toString('base64url')}`,
      accessor: randomBytes(12).toString('base64url'),
      policies: [...options.policies],
      ttl,
      issuedAt,
      expiresAt: ttl > 0 ? issuedAt + ttl * 1000 : undefined,
      renewable: ttl > 0,
      meta: options.meta ?? {},
      path: options.path ?? 'auth/token/create',
    };
    this.tokens.set(token.id, token);
    return token;
  }

  /** The live token with this id, or undefined when unknown or expired. */
  lookup(id: string | undefined): EmulatedToken | undefined {
    if (!id) {
      return undefined;
    }
    const token = this.tokens.get(id);
    if (!token) {
      return undefined;
    }
    if (token.expiresAt !== undefined && token.expiresAt <= this.now()) {
      this.tokens.delete(id);
      return undefined;
    }
    return token;
  }

  /** The live tokens, except those `skip` names (e.g. a root token that is new at each start). */
  exportState(skip: (token: EmulatedToken) => boolean): EmulatedToken[] {
    const now = this.now();
    return [...this.tokens.values()]
      .filter(t => t.expiresAt === undefined || t.expiresAt > now)
      .filter(t => !skip(t))
      .map(t => structuredClone(t));
  }

  /** Adds saved tokens (same ids, accessors and expiry). */
  importState(tokens: EmulatedToken[]): void {
    for (const token of tokens) {
      if (typeof token?.id !== 'string' || !Array.isArray(token.policies)) {
        throw new Error('a saved Vault token has no id or policies');
      }
      this.tokens.set(token.id, structuredClone(token));
    }
  }

  /** Forgets every token. */
  clear(): void {
    this.tokens.clear();
  }

  renew(token: EmulatedToken): void {
    if (token.ttl > 0) {
      token.expiresAt = this.now() + token.ttl * 1000;
    }
  }

  revoke(id: string): void {
    this.tokens.delete(id);
  }

  /** Seconds left, 0 for tokens that never expire. */
  remaining(token: EmulatedToken): number {
    return token.expiresAt === undefined
      ? 0
      : Math.max(0, Math.round((token.expiresAt - this.now()) / 1000));
  }
}
