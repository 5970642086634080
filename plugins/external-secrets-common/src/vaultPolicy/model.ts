// What a Vault ACL policy is made of: capabilities, path rules, policies.

/**
 * A capability a Vault ACL policy can grant on a path.
 *
 * @public
 */
export type VaultCapability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  | 'subscribe'
  | 'recover';

/**
 * Every capability Vault accepts in a policy, in Vault's own order.
 *
 * @public
 */
export const VAULT_CAPABILITIES: readonly VaultCapability[] = [
  'deny',
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'subscribe',
  'recover',
];

/**
 * One `path "..." { capabilities = [...] }` block of a policy.
 *
 * @public
 */
export interface VaultPolicyRule {
  /** The path pattern as written, without a leading "/". */
  path: string;
  /** The capabilities granted; `['deny']` alone when the rule denies. */
  capabilities: VaultCapability[];
}

/**
 * A parsed Vault ACL policy.
 *
 * @public
 */
export interface VaultPolicy {
  rules: VaultPolicyRule[];
}
