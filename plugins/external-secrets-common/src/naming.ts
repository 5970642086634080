import { InputError } from '@backstage/errors';

/**
 * The kinds of names that reach Vault, HCL, Kubernetes or Git. Each has one rule.
 *
 * @public
 */
export type NameKind =
  | 'serviceName'
  | 'kubernetesNamespace'
  | 'kubernetesObjectName'
  | 'serviceAccountName'
  | 'secretDataKey'
  | 'vaultKvKey'
  | 'vaultMount'
  | 'vaultPolicyName'
  | 'vaultRoleName'
  | 'vaultProperty';

/**
 * One naming rule: a pattern that also works as a JSON schema `pattern` (for template forms),
 * a length limit, and a sentence a user can follow.
 *
 * @public
 */
export interface NameRule {
  pattern: string;
  maxLength: number;
  description: string;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const KV_SEGMENT = '[A-Za-z0-9._-]+';

/**
 * Every naming rule, by kind. Patterns are anchored and ASCII-only: quotes, braces, `*`, `+`,
 * `#`, whitespace, control characters and non-ASCII look-alikes never match.
 *
 * @public
 */
export const NAME_RULES: Readonly<Record<NameKind, NameRule>> = {
  serviceName: {
    pattern: `^${DNS_LABEL}$`,
    maxLength: 63,
    description:
      'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  },
  kubernetesNamespace: {
    pattern: `^${DNS_LABEL}$`,
    maxLength: 63,
    description:
      'a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
  },
  kubernetesObjectName: {
    pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`,
    maxLength: 253,
    description:
      'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit, at most 253 characters',
  },
  serviceAccountName: {
    pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`,
    maxLength: 253,
    description:
      'a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit, at most 253 characters',
  },
  secretDataKey: {
    pattern: '^[-._a-zA-Z0-9]+$',
    maxLength: 253,
    description:
      'a Kubernetes Secret key: letters, digits, "-", "_" and ".", not "." or "..", at most 253 characters',
  },
  vaultKvKey: {
    pattern: `^${KV_SEGMENT}(/${KV_SEGMENT})*$`,
    maxLength: 512,
    description:
      'a Vault KV path such as "example-api/env-file": segments of letters, digits, ".", "_" and "-" separated by single "/", no "." or ".." segment, no leading or trailing "/", at most 512 characters',
  },
  vaultMount: {
    pattern: `^${KV_SEGMENT}(/${KV_SEGMENT})*$`,
    maxLength: 128,
    description:
      'a Vault mount path such as "secret" or "kubernetes": segments of letters, digits, ".", "_" and "-" separated by single "/", no "." or ".." segment, no leading or trailing "/", at most 128 characters',
  },
  vaultPolicyName: {
    pattern: '^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$',
    maxLength: 128,
    description:
      'a Vault policy name: lowercase letters, digits, ".", "_" and "-", starting and ending with a letter or digit, not one Vault reserves ("root", "default", "response-wrapping", "control-group"), at most 128 characters',
  },
  vaultRoleName: {
    pattern: '^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$',
    maxLength: 128,
    description:
      'a Vault role name: lowercase letters, digits, "_", "." and "-", starting and ending with a letter, digit or "_", at most 128 characters',
  },
  vaultProperty: {
    pattern: '^[-._a-zA-Z0-9]+$',
    maxLength: 253,
    description:
      'a property of a Vault secret: letters, digits, "-", "_" and ".", not "." or "..", at most 253 characters',
  },
};

const COMPILED: Record<NameKind, RegExp> = Object.fromEntries(
  Object.entries(NAME_RULES).map(([kind, rule]) => [
    kind,
    new RegExp(rule.pattern),
  ]),
) as Record<NameKind, RegExp>;

/**
 * Policies Vault keeps for itself. Writing one would change every token (`default`), cannot be
 * done (`root`), or breaks response wrapping and control groups.
 *
 * @public
 */
export const RESERVED_VAULT_POLICY_NAMES: readonly string[] = [
  'root',
  'default',
  'response-wrapping',
  'control-group',
];

const RESERVED_POLICY_NAMES = new Set(RESERVED_VAULT_POLICY_NAMES);

/** Shows a rejected value safely: escaped, and cut when long. */
function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return JSON.stringify(shown).replace(
    /[^\x20-\x7e]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * What is wrong with a name, or undefined when it follows the rule of its kind. Never throws;
 * use it for form validation and zod refinements.
 *
 * @public
 */
export function nameProblem(
  kind: NameKind,
  value: unknown,
): string | undefined {
  const rule = NAME_RULES[kind];
  if (typeof value !== 'string') {
    return `must be a string: ${rule.description}`;
  }
  if (value.length === 0) {
    return `must not be empty: ${rule.description}`;
  }
  if (value.length > rule.maxLength) {
    return `is ${value.length} characters long, more than ${rule.maxLength}: ${rule.description}`;
  }
  if (!COMPILED[kind].test(value)) {
    return `${quote(value)} is not ${rule.description}`;
  }
  if (kind === 'vaultKvKey' || kind === 'vaultMount') {
    if (value.split('/').some(segment => segment === '.' || segment === '..')) {
      return `${quote(value)} has a "." or ".." segment: ${rule.description}`;
    }
  }
  if (kind === 'secretDataKey' || kind === 'vaultProperty') {
    if (value === '.' || value === '..') {
      return `${quote(value)} is not allowed: ${rule.description}`;
    }
  }
  if (kind === 'vaultPolicyName' && RESERVED_POLICY_NAMES.has(value)) {
    return `${quote(value)} is a policy Vault reserves for itself: ${
      rule.description
    }`;
  }
  if (kind === 'vaultMount' && /\/data$/.test(value)) {
    return `${quote(
      value,
    )} ends in "data": give the mount only (e.g. "secret"); the KV v2 "data/" segment is added where the API needs it`;
  }
  return undefined;
}

/**
 * Throws an `InputError` naming the field and the rule when the value breaks the rule of its
 * kind; returns the value otherwise.
 *
 * @public
 */
export function validateName(
  kind: NameKind,
  value: unknown,
  field: string,
): string {
  const problem = nameProblem(kind, value);
  if (problem) {
    throw new InputError(`Invalid ${field}: ${problem}`);
  }
  return value as string;
}
