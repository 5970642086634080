/**
 * The pure part of Kubernetes RBAC (rbac.authorization.k8s.io/v1): who a request is, what it
 * asks for, and whether one rule allows it or covers another. No I/O; the authorizer feeds it
 * the roles and bindings it finds in the cluster.
 */

/**
 * An authenticated identity, as the API server's authenticators produce it.
 *
 * @public
 */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

/**
 * What a request asks to do, as the API server's RequestInfo resolver reads it from the URL:
 * a resource request (verb on `<resource>[/<subresource>]` in an API group, namespace and name)
 * or a non-resource request (lower-case HTTP method on a path).
 *
 * @public
 */
export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** The URL path, for non-resource requests (`/version`, `/api`). */
  path?: string;
}

/**
 * One rule of a Role or ClusterRole.
 *
 * @public
 */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** @public */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** @public */
export interface RbacSubject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The user a service account's token authenticates as, with the groups Kubernetes adds. */
export function serviceAccountUser(
  namespace: string,
  name: string,
  uid?: string,
): UserInfo {
  return {
    username: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
    ...(uid ? { uid } : {}),
    groups: [
      SERVICE_ACCOUNTS_GROUP,
      `${SERVICE_ACCOUNTS_GROUP}:${namespace}`,
      ALL_AUTHENTICATED,
    ],
  };
}

/** The namespace and name of a `system:serviceaccount:<ns>:<name>` user, if it is one. */
export function serviceAccountOf(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    return undefined;
  }
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return undefined;
  }
  return { namespace: parts[0], name: parts[1] };
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).includes(value);
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group);
}

/** `*`, the exact `resource[/subresource]`, or `*\/<subresource>` (never `resource/*`). */
function resourceMatches(
  rule: PolicyRule,
  combined: string,
  subresource: string | undefined,
): boolean {
  for (const ruleResource of rule.resources ?? []) {
    if (ruleResource === '*' || ruleResource === combined) {
      return true;
    }
    if (subresource && ruleResource === `*/${subresource}`) {
      return true;
    }
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string | undefined) {
  if (!rule.resourceNames?.length) {
    return true;
  }
  return has(rule.resourceNames, name ?? '');
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs ?? []) {
    if (url === '*' || url === path) {
      return true;
    }
    if (url.endsWith('*') && path.startsWith(url.replace(/\*+$/, ''))) {
      return true;
    }
  }
  return false;
}

/** Whether one rule allows the request, with the real RBAC authorizer's matching. */
export function ruleAllows(
  attributes: AuthorizationAttributes,
  rule: PolicyRule,
): boolean {
  if (!verbMatches(rule, attributes.verb)) {
    return false;
  }
  if (!attributes.resourceRequest) {
    return nonResourceUrlMatches(rule, attributes.path ?? '');
  }
  const combined = attributes.subresource
    ? `${attributes.resource}/${attributes.subresource}`
    : attributes.resource ?? '';
  return (
    apiGroupMatches(rule, attributes.apiGroup ?? '') &&
    resourceMatches(rule, combined, attributes.subresource) &&
    resourceNameMatches(rule, attributes.name)
  );
}

/**
 * Whether a binding subject names the user. A ServiceAccount subject without a namespace means
 * the binding's own namespace (RoleBindings only).
 */
export function subjectAppliesTo(
  user: UserInfo,
  subject: RbacSubject,
  bindingNamespace: string,
): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return (
        !!namespace &&
        user.username ===
          `${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}`
      );
    }
    default:
      return false;
  }
}

/** `Kind "name"` as the authorizer describes a subject (`ServiceAccount "name/namespace"`). */
export function describeSubject(
  subject: RbacSubject,
  bindingNamespace: string,
): string {
  if (subject.kind === 'ServiceAccount') {
    return `${subject.kind} ${JSON.stringify(
      `${subject.name}/${subject.namespace || bindingNamespace}`,
    )}`;
  }
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}

/** One verb on one group/resource/name, or one verb on one URL: what coverage checks compare. */
function breakDown(rule: PolicyRule): PolicyRule[] {
  const result: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) {
            result.push({
              verbs: [verb],
              apiGroups: [group],
              resources: [resource],
              resourceNames: [name],
            });
          }
        } else {
          result.push({
            verbs: [verb],
            apiGroups: [group],
            resources: [resource],
          });
        }
      }
    }
    for (const url of rule.nonResourceURLs ?? []) {
      result.push({ verbs: [verb], nonResourceURLs: [url] });
    }
  }
  return result;
}

function hasAll(owner: readonly string[] | undefined, wanted: string[] = []) {
  return wanted.every(v => has(owner, v));
}

function resourcesCovered(owner: string[] = [], wanted: string[] = []) {
  if (owner.includes('*')) {
    return true;
  }
  return wanted.every(resource => {
    if (owner.includes(resource)) {
      return true;
    }
    const slash = resource.indexOf('/');
    return slash >= 0 && owner.includes(`*/${resource.slice(slash + 1)}`);
  });
}

function urlsCovered(owner: string[] = [], wanted: string[] = []) {
  return wanted.every(url =>
    owner.some(
      o =>
        o === url ||
        o === '*' ||
        (o.endsWith('*') && url.startsWith(o.replace(/\*+$/, ''))),
    ),
  );
}

function ruleCovers(owner: PolicyRule, wanted: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, wanted.verbs);
  const groups =
    has(owner.apiGroups, '*') || hasAll(owner.apiGroups, wanted.apiGroups);
  const names = wanted.resourceNames?.length
    ? !owner.resourceNames?.length ||
      hasAll(owner.resourceNames, wanted.resourceNames)
    : !owner.resourceNames?.length;
  return (
    verbs &&
    groups &&
    names &&
    resourcesCovered(owner.resources, wanted.resources) &&
    urlsCovered(owner.nonResourceURLs, wanted.nonResourceURLs)
  );
}

/**
 * The parts of `wanted` that no rule of `owner` covers: what a user would grant beyond what they
 * hold (the API server's privilege-escalation check). Empty when everything is covered.
 */
export function uncoveredRules(
  owner: PolicyRule[],
  wanted: PolicyRule[],
): PolicyRule[] {
  return wanted
    .flatMap(breakDown)
    .filter(piece => !owner.some(rule => ruleCovers(rule, piece)));
}

/** A rule as the API server prints it in escalation errors. */
export function describeRule(rule: PolicyRule): string {
  const parts: string[] = [];
  const list = (values: string[]) =>
    `[${values.map(v => JSON.stringify(v)).join(' ')}]`;
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.resourceNames?.length) {
    parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  }
  if (rule.nonResourceURLs?.length) {
    parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  }
  parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
