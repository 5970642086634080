import { ConflictError, InputError } from '@backstage/errors';
import {
  KvVersion,
  isInsideKvRoots,
  policyOwner,
  serviceEntityRef,
  serviceKvRoots,
} from '@gitops-secrets/plugin-external-secrets-common';
import {
  VAULT_CONFIG_KEY,
  VaultClient,
} from '@gitops-secrets/plugin-external-secrets-node';
import { kvVersionInput, nameInput } from './inputRules';
import { VaultActionSettings } from './vaultActionSettings';

/**
 * The service an action runs for: its name and the catalog entity its Vault objects are
 * marked with. Everything else an action touches is derived from these or from config.
 */
export interface ServiceScope {
  name: string;
  entityRef: string;
}

export function serviceScopeInput(
  input: Record<string, unknown>,
): ServiceScope {
  const name = nameInput('serviceName', input.name, 'name');
  if (input.entityRef !== undefined && typeof input.entityRef !== 'string') {
    throw new InputError('Invalid entityRef: must be a string');
  }
  const entityRef = serviceEntityRef(name, input.entityRef as string);
  if (typeof entityRef !== 'string') {
    throw new InputError(`Invalid entityRef: ${entityRef.problem}`);
  }
  return { name, entityRef };
}

/** Says which config key widens a rule, so the error tells the platform team where to look. */
export function outsideRule(
  field: string,
  what: string,
  rule: string,
  configKey?: string,
): InputError {
  return new InputError(
    `Invalid ${field}: ${what} (rule: ${rule}${
      configKey ? `; allowed by config ${VAULT_CONFIG_KEY}.${configKey}` : ''
    })`,
  );
}

/** The KV roots the service may use on a mount; an `InputError` when the mount is not allowed. */
export function kvRootsFor(
  settings: VaultActionSettings,
  mount: string,
  service: string,
): string[] {
  const roots = serviceKvRoots(settings.allowedPathRoots, mount, service);
  if (!roots) {
    throw outsideRule(
      'kvMount',
      `"${mount}" is not a KV mount the actions may use; allowed: ${settings.allowedPathRoots
        .map(r => r.mount)
        .join(', ')}`,
      'only configured KV mounts',
      'allowedPathRoots',
    );
  }
  return roots;
}

/** Checks that a KV key (or policy folder) lies inside the service's roots on that mount. */
export function checkKvKey(
  settings: VaultActionSettings,
  mount: string,
  service: string,
  key: string,
  field: string,
  options: { allowRoot: boolean },
): void {
  const roots = kvRootsFor(settings, mount, service);
  if (!isInsideKvRoots(key, roots, options)) {
    throw outsideRule(
      field,
      `"${key}" is outside the KV paths of service "${service}" on mount "${mount}" (${roots
        .map(root => (options.allowRoot ? root : `${root}/...`))
        .join(', ')})`,
      `a service's KV keys lie ${
        options.allowRoot ? 'at or ' : ''
      }below its own roots`,
      'allowedPathRoots',
    );
  }
}

/**
 * The KV version Vault reports for the mount. A template's `kvVersion`, or a configured one,
 * that disagrees is an error: writing a v1 policy for a v2 mount (no `data/`) is exactly the
 * failure the workflow exists to prevent.
 */
export async function kvVersionFromVault(
  vault: VaultClient,
  settings: VaultActionSettings,
  mount: string,
  requested: unknown,
): Promise<KvVersion> {
  const wanted = kvVersionInput(requested);
  const actual = await vault.kvVersionFromVault(mount);
  if (wanted !== undefined && wanted !== actual) {
    throw new InputError(
      `Invalid kvVersion: ${wanted} was given, but Vault says mount "${mount}" is KV v${actual}; leave kvVersion out (Vault decides)`,
    );
  }
  if (
    mount === settings.kvMount &&
    settings.configuredKvVersion !== undefined &&
    settings.configuredKvVersion !== actual
  ) {
    throw new InputError(
      `Invalid config ${VAULT_CONFIG_KEY}.kvVersion: it says ${settings.configuredKvVersion}, but Vault says mount "${mount}" is KV v${actual}; fix or remove it`,
    );
  }
  return actual;
}

/** Whose a policy in Vault is: missing, marked as this service's, or someone else's. */
export type PolicyOwnership =
  | { state: 'missing' }
  | { state: 'ours'; text: string }
  | { state: 'foreign'; owner?: string; text: string };

export async function readPolicyOwnership(
  vault: VaultClient,
  policyName: string,
  entityRef: string,
): Promise<PolicyOwnership> {
  const text = await vault.readPolicy(policyName);
  if (text === undefined) {
    return { state: 'missing' };
  }
  const owner = policyOwner(text);
  return owner === entityRef
    ? { state: 'ours', text }
    : { state: 'foreign', owner, text };
}

export function foreignPolicyError(
  policyName: string,
  entityRef: string,
  owner: string | undefined,
  what: string,
): ConflictError {
  return new ConflictError(
    `Vault policy "${policyName}" ${
      owner
        ? `belongs to ${owner}`
        : 'was not written by this module (its first line carries no ownership mark)'
    }, not to ${entityRef}: ${what}. Choose another name, or, if ${entityRef} should own it, have a Vault admin make the policy's first line the mark this module writes`,
  );
}
