import { InputError } from '@backstage/errors';
import { KvVersion, kvPolicyPaths } from '../kvPaths';
import {
  VAULT_CAPABILITIES,
  VaultCapability,
  VaultPolicy,
  VaultPolicyRule,
} from './model';

// Policies written by this suite: least-privilege KV rules, rendered as HCL.

/**
 * Renders a policy as HCL, one `path` block per rule. Paths and capabilities are written as
 * JSON string literals, which HCL reads back unchanged, so nothing in a path can end the block.
 *
 * @public
 */
export function renderVaultPolicyHcl(policy: VaultPolicy): string {
  return policy.rules
    .map(rule => {
      const caps = rule.capabilities.map(cap => JSON.stringify(cap)).join(', ');
      return `path ${JSON.stringify(
        rule.path,
      )} {\n  capabilities = [${caps}]\n}\n`;
    })
    .join('\n');
}

/**
 * What a service's least-privilege KV policy covers.
 *
 * @public
 */
export interface KvServicePolicyOptions {
  kvMount: string;
  kvVersion: KvVersion;
  /** The folder under the mount holding the service's secrets, e.g. `example-api`. */
  pathPrefix: string;
  /** Capabilities on the secrets; `list` is granted on the metadata path for KV v2. */
  capabilities: ReadonlyArray<VaultCapability>;
}

/**
 * The least-privilege policy for reading one service's KV secrets: the requested capabilities
 * on `<mount>/data/<prefix>/*` (KV v2) or `<mount>/<prefix>/*` (KV v1), and `list` on
 * `<mount>/metadata/<prefix>/*` only when `list` is requested. Validates mount and prefix.
 *
 * @public
 */
export function kvServicePolicy(options: KvServicePolicyOptions): VaultPolicy {
  const paths = kvPolicyPaths(
    options.kvMount,
    options.pathPrefix,
    options.kvVersion,
  );
  const requested = new Set(options.capabilities);
  if (requested.size === 0) {
    throw new InputError(
      'Invalid capabilities: at least one capability is required',
    );
  }
  if (requested.has('deny')) {
    throw new InputError(
      'Invalid capabilities: "deny" cannot be granted by this policy',
    );
  }
  const ordered = VAULT_CAPABILITIES.filter(cap => requested.has(cap));
  if (options.kvVersion === 1) {
    return { rules: [{ path: paths.read, capabilities: ordered }] };
  }
  const rules: VaultPolicyRule[] = [];
  const onData = ordered.filter(cap => cap !== 'list');
  if (onData.length > 0) {
    rules.push({ path: paths.read, capabilities: onData });
  }
  if (requested.has('list')) {
    rules.push({ path: paths.list, capabilities: ['list'] });
  }
  return { rules };
}
