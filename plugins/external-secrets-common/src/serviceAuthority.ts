import { parseGoDuration } from './duration';
import { defaultRoleName, deriveNames } from './names';
import { validateName } from './naming';

/**
 * What marks a Vault policy as written by the gitops-secrets scaffolder module: the first line
 * of its HCL is this prefix followed by the entity ref of the service it belongs to.
 *
 * @public
 */
export const POLICY_OWNERSHIP_MARK_PREFIX =
  '# managed by @gitops-secrets/plugin-scaffolder-backend-module-external-secrets for ';

const ENTITY_REF =
  /^[a-z][a-z0-9-]*:[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;

/**
 * The comment line that marks a policy as belonging to one service.
 *
 * @public
 */
export function policyOwnershipMark(entityRef: string): string {
  return `${POLICY_OWNERSHIP_MARK_PREFIX}${entityRef}`;
}

/**
 * The entity ref a policy text's first line marks it as belonging to, or undefined when the
 * policy carries no mark (written by hand or by another tool).
 *
 * @public
 */
export function policyOwner(policyText: string): string | undefined {
  const firstLine = policyText.replace(/^\uFEFF/, '').split('\n', 1)[0];
  if (!firstLine.startsWith(POLICY_OWNERSHIP_MARK_PREFIX)) {
    return undefined;
  }
  const ref = firstLine.slice(POLICY_OWNERSHIP_MARK_PREFIX.length).trim();
  return ENTITY_REF.test(ref) ? ref : undefined;
}

/**
 * The catalog entity a service's Vault objects belong to. `component:default/<name>` unless
 * given; a given ref must name a Component called exactly like the service.
 *
 * @public
 */
export function serviceEntityRef(
  serviceName: string,
  entityRef?: string,
): string | { problem: string } {
  const wanted = entityRef ?? `component:default/${serviceName}`;
  const parts = /^component:([^/]+)\/(.+)$/.exec(wanted.toLowerCase());
  if (!parts || !ENTITY_REF.test(wanted.toLowerCase())) {
    return {
      problem: `${JSON.stringify(
        wanted.slice(0, 80),
      )} is not a Component entity ref such as "component:default/${serviceName}"`,
    };
  }
  if (parts[2] !== serviceName) {
    return {
      problem: `"${wanted}" names the Component "${parts[2]}", not the service "${serviceName}"`,
    };
  }
  return wanted.toLowerCase();
}

/**
 * Whether a policy name belongs to a service: the service name itself (the default), or the
 * service name, a dot and a suffix. Service names are DNS labels without dots, so no other
 * service's default name can ever match.
 *
 * @public
 */
export function isServicePolicyName(
  serviceName: string,
  policyName: string,
): boolean {
  return policyName === serviceName || policyName.startsWith(`${serviceName}.`);
}

/**
 * Whether a Vault role name belongs to a service: `external-secrets-<name>` (the default) or
 * that name, a dot and a suffix.
 *
 * @public
 */
export function isServiceRoleName(
  serviceName: string,
  roleName: string,
): boolean {
  const base = defaultRoleName(serviceName);
  return roleName === base || roleName.startsWith(`${base}.`);
}

/**
 * One allowed KV root per mount, as configured: `{name}` stands for the service name.
 *
 * @public
 */
export interface KvPathRootRule {
  mount: string;
  roots: string[];
}

/**
 * The placeholder for the service name in configured roots and service account names.
 *
 * @public
 */
export const SERVICE_NAME_PLACEHOLDER = '{name}';

/**
 * The KV roots a service may use on a mount: each configured root with `{name}` replaced, and
 * each checked as a KV key. Undefined when the mount is not allowed at all.
 *
 * @public
 */
export function serviceKvRoots(
  rules: readonly KvPathRootRule[],
  mount: string,
  serviceName: string,
): string[] | undefined {
  const rule = rules.find(r => r.mount === mount);
  if (!rule) {
    return undefined;
  }
  return rule.roots.map(root =>
    validateName(
      'vaultKvKey',
      root.replaceAll(SERVICE_NAME_PLACEHOLDER, serviceName),
      'KV root',
    ),
  );
}

/**
 * Whether a KV key lies inside one of the roots: equal to one (when `allowRoot`) or below it.
 * Keys and roots are already valid KV keys, so no `..` segment can climb out.
 *
 * @public
 */
export function isInsideKvRoots(
  key: string,
  roots: readonly string[],
  options: { allowRoot: boolean },
): boolean {
  return roots.some(
    root => key.startsWith(`${root}/`) || (options.allowRoot && key === root),
  );
}

/**
 * A Kubernetes service account, with `{name}` allowed in both parts when configured.
 *
 * @public
 */
export interface ServiceAccountRef {
  name: string;
  namespace: string;
}

/**
 * The service account ESO presents to Vault for one service by default: its own account,
 * `external-secrets-<name>`, in the service's namespace.
 *
 * @public
 */
export function serviceAccountNameFor(serviceName: string): string {
  return deriveNames(serviceName).serviceAccountName;
}

/**
 * Replaces `{name}` in a configured service account.
 *
 * @public
 */
export function resolveServiceAccountRef(
  ref: ServiceAccountRef,
  serviceName: string,
): ServiceAccountRef {
  return {
    name: ref.name.replaceAll(SERVICE_NAME_PLACEHOLDER, serviceName),
    namespace: ref.namespace.replaceAll(SERVICE_NAME_PLACEHOLDER, serviceName),
  };
}

/**
 * The smallest refresh interval config allows by default: below it ESO would poll Vault for
 * every ExternalSecret more often than a platform team budgets for.
 *
 * @public
 */
export const DEFAULT_MIN_REFRESH_INTERVAL = '1m';

/**
 * What is wrong with an ExternalSecret `refreshInterval` under the configured limits, or
 * undefined. `0` (never refresh) passes only when explicitly allowed; anything else must parse
 * as a Go duration of at least `minimum`.
 *
 * @public
 */
export function refreshIntervalProblem(
  value: string,
  limits: { minimum: string; allowZero: boolean },
): string | undefined {
  const ms = parseGoDuration(value);
  if (ms === undefined) {
    return `${JSON.stringify(
      value.slice(0, 40),
    )} is not a duration such as "2m" or "1h30m"`;
  }
  const minimumMs = parseGoDuration(limits.minimum) ?? 60_000;
  if (ms === 0) {
    return limits.allowZero
      ? undefined
      : `"${value}" turns refreshing off, which is allowed only with externalSecrets.manifests.allowZeroRefreshInterval: true`;
  }
  if (ms < minimumMs) {
    return `"${value}" is shorter than the minimum "${limits.minimum}" (externalSecrets.manifests.minRefreshInterval): ESO would read Vault that often for every ExternalSecret`;
  }
  return undefined;
}
