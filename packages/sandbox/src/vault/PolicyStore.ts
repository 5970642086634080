import {
  VaultPolicy,
  parseVaultPolicy,
} from '@gitops-secrets/plugin-external-secrets-common';
import { badRequest, failWith } from './responses';

/** The policy every token gets unless told otherwise, a subset of Vault's own. */
export const DEFAULT_POLICY_TEXT = `# Allow tokens to look up, renew and revoke themselves
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
path "sys/capabilities-self" {
  capabilities = ["update"]
}
`;

interface StoredPolicy {
  name: string;
  text: string;
  parsed: VaultPolicy;
}

/** ACL policies by (trimmed, lower-cased) name, with Vault's rules for `root` and `default`. */
export class PolicyStore {
  private readonly policies = new Map<string, StoredPolicy>();

  constructor() {
    this.put('default', DEFAULT_POLICY_TEXT);
  }

  static normalizeName(name: string): string {
    return name.trim().toLowerCase();
  }

  get(name: string): StoredPolicy | undefined {
    return this.policies.get(PolicyStore.normalizeName(name));
  }

  names(): string[] {
    return [...this.policies.keys(), 'root'].sort();
  }

  /** Validates and stores a policy; answers Vault's 400s on bad input. */
  put(rawName: string, text: unknown): void {
    const name = PolicyStore.normalizeName(rawName);
    if (name === 'root') {
      failWith(badRequest('cannot update "root" policy'));
    }
    if (typeof text !== 'string' || text.trim() === '') {
      failWith(badRequest("'policy' parameter not supplied or empty"));
    }
    let parsed: VaultPolicy;
    try {
      parsed = parseVaultPolicy(text);
    } catch (error) {
      failWith(badRequest((error as Error).message));
    }
    this.policies.set(name, { name, text, parsed });
  }

  delete(rawName: string): void {
    const name = PolicyStore.normalizeName(rawName);
    if (name === 'root' || name === 'default') {
      failWith(badRequest(`cannot delete "${name}" policy`));
    }
    this.policies.delete(name);
  }

  /** Every policy's name and text (`default` included), for saving the emulator's state. */
  exportState(): Array<{ name: string; text: string }> {
    return [...this.policies.values()].map(({ name, text }) => ({
      name,
      text,
    }));
  }

  /** Replaces every policy with saved ones (re-parsed and validated). */
  importState(policies: Array<{ name: string; text: string }>): void {
    this.policies.clear();
    this.put('default', DEFAULT_POLICY_TEXT);
    for (const { name, text } of policies) {
      this.put(name, text);
    }
  }

  /** Parsed policies for a token's policy names; unknown names contribute nothing. */
  parsedFor(names: string[]): VaultPolicy[] {
    return names.flatMap(n => {
      const stored = this.get(n);
      return stored ? [stored.parsed] : [];
    });
  }
}
