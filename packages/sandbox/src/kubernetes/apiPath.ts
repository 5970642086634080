import { ResourceType, resourceTypeForPath } from './resourceTypes';

/** What a request path addresses. */
export type ApiPath =
  | {
      kind: 'discovery';
      document: 'api' | 'apis' | 'version' | 'group' | 'groupVersion';
      group: string;
      version: string;
    }
  | {
      kind: 'resource';
      type: ResourceType;
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { kind: 'unknown' };

/**
 * Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths, namespaced or not, down to the
 * resource type, namespace, name and subresource.
 */
export function parseApiPath(path: string): ApiPath {
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments.length === 1 && segments[0] === 'version') {
    return { kind: 'discovery', document: 'version', group: '', version: '' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    if (segments.length === 1) {
      return { kind: 'discovery', document: 'api', group: '', version: '' };
    }
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    if (segments.length === 1) {
      return { kind: 'discovery', document: 'apis', group: '', version: '' };
    }
    if (segments.length === 2) {
      return {
        kind: 'discovery',
        document: 'group',
        group: segments[1],
        version: '',
      };
    }
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (rest.length === 0) {
    return { kind: 'discovery', document: 'groupVersion', group, version };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nested = resourceTypeForPath(group, version, rest[2]);
    if (nested?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const type = resourceTypeForPath(group, version, rest[0]);
  if (!type || rest.length > 3) {
    return { kind: 'unknown' };
  }
  return {
    kind: 'resource',
    type,
    namespace,
    name: rest[1],
    subresource: rest[2],
  };
}
