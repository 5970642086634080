import { AuthorizationAttributes, UserInfo } from './rbacRules';

const API_PREFIXES = new Set(['api', 'apis']);
/** `/api` has no group segment; `/apis/<group>/<version>` does. */
const GROUPLESS_PREFIXES = new Set(['api']);
/** Paths under `/namespaces/<name>/` that are the namespace's own subresources. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The name an exact `metadata.name=<x>` field selector pins a list or watch to. */
function nameFromFieldSelector(selector: string | null): string | undefined {
  for (const term of (selector ?? '').split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*([^\s,]+)\s*$/.exec(term);
    if (match) {
      return match[1];
    }
  }
  return undefined;
}

/**
 * Reads a request the way the API server's RequestInfo resolver does, before any handler runs
 * (so even a path nobody serves is authorized first): `/api/<v>/...` and
 * `/apis/<group>/<v>/...` with at least a resource are resource requests; everything else
 * (`/version`, `/api`, `/apis/<group>/<v>`, `/healthz`) is a non-resource request whose verb is
 * the lower-case HTTP method. A GET without a name is `list` (or `watch`), and an exact
 * `metadata.name` field selector names the object, so `resourceNames` rules apply to it; a
 * DELETE without a name is `deletecollection`; `/api/v1/namespaces/<name>` is in the namespace
 * `<name>` itself.
 */
export function requestAttributes(
  user: UserInfo,
  method: string,
  path: string,
  query: URLSearchParams,
): AuthorizationAttributes {
  const upper = method.toUpperCase();
  const nonResource: AuthorizationAttributes = {
    user,
    verb: upper.toLowerCase(),
    resourceRequest: false,
    path,
  };
  let parts = path
    .split('/')
    .filter(Boolean)
    .map(p => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) {
    return nonResource;
  }
  const prefix = parts[0];
  parts = parts.slice(1);
  let apiGroup = '';
  if (!GROUPLESS_PREFIXES.has(prefix)) {
    if (parts.length < 3) {
      return nonResource;
    }
    apiGroup = parts[0];
    parts = parts.slice(1);
  }
  const apiVersion = parts[0];
  parts = parts.slice(1);
  let verb = VERB_BY_METHOD[upper] ?? upper.toLowerCase();
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) {
        parts = parts.slice(2);
      }
    }
  }
  const attributes: AuthorizationAttributes = {
    user,
    verb,
    resourceRequest: true,
    apiGroup,
    apiVersion,
    resource: parts[0],
    ...(namespace ? { namespace } : {}),
    ...(parts[1] ? { name: parts[1] } : {}),
    ...(parts.length >= 3 ? { subresource: parts[2] } : {}),
  };
  if (!attributes.name && attributes.verb === 'get') {
    const watch = query.get('watch');
    attributes.verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
  }
  if (
    !attributes.name &&
    (attributes.verb === 'list' || attributes.verb === 'watch')
  ) {
    const pinned = nameFromFieldSelector(query.get('fieldSelector'));
    if (pinned) {
      attributes.name = pinned;
    }
  }
  if (!attributes.name && attributes.verb === 'delete') {
    attributes.verb = 'deletecollection';
  }
  return attributes;
}
