import { validateName } from './naming';

/**
 * Version of a Vault KV secrets engine mount.
 *
 * @public
 */
export type KvVersion = 1 | 2;

/**
 * The API paths of one KV secret. For mount `secret` and key `example-api/env-file` on KV v2:
 * data `secret/data/example-api/env-file`, metadata `secret/metadata/example-api/env-file`.
 * On KV v1 both are `secret/example-api/env-file`.
 *
 * @public
 */
export interface KvPaths {
  /** Path to read or write the values (`GET`/`POST /v1/<data>`). */
  data: string;
  /** Path of the metadata (versions, times; never values). KV v2 only, equal to `data` on v1. */
  metadata: string;
  /** The key as ESO's `remoteRef.key` expects it: relative to the mount, without `data/`. */
  remoteRefKey: string;
}

function checkMountAndKey(mount: string, key: string) {
  validateName('vaultMount', mount, 'kvMount');
  validateName('vaultKvKey', key, 'Vault key');
}

/**
 * The data and metadata API paths of a KV key.
 *
 * @public
 */
export function kvPaths(
  mount: string,
  key: string,
  version: KvVersion,
): KvPaths {
  checkMountAndKey(mount, key);
  if (version === 2) {
    return {
      data: `${mount}/data/${key}`,
      metadata: `${mount}/metadata/${key}`,
      remoteRefKey: key,
    };
  }
  return {
    data: `${mount}/${key}`,
    metadata: `${mount}/${key}`,
    remoteRefKey: key,
  };
}

/**
 * The policy rule paths a service needs to read every secret under `<mount>/<prefix>/`:
 * `read` on `secret/data/<prefix>/*` for KV v2 (`secret/<prefix>/*` for v1), and, for listing,
 * `secret/metadata/<prefix>/*` (v2) or the same path (v1).
 *
 * @public
 */
export function kvPolicyPaths(
  mount: string,
  prefix: string,
  version: KvVersion,
): { read: string; list: string } {
  checkMountAndKey(mount, prefix);
  if (version === 2) {
    return {
      read: `${mount}/data/${prefix}/*`,
      list: `${mount}/metadata/${prefix}/*`,
    };
  }
  return { read: `${mount}/${prefix}/*`, list: `${mount}/${prefix}/*` };
}

/**
 * Parses a KV version as given in config or a template ("1", "2", 1, 2, "v1", "v2").
 *
 * @public
 */
export function parseKvVersion(value: unknown): KvVersion | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const text = String(value).toLowerCase().replace(/^v/, '');
  if (text === '1') {
    return 1;
  }
  if (text === '2') {
    return 2;
  }
  return undefined;
}

/**
 * Which API path of a KV key: `data` (values: read) or `metadata` (versions and custom
 * metadata: read, and LIST for `dataFrom.find`).
 *
 * @public
 */
export type KvPathKind = 'data' | 'metadata';

const trimSlashes = (text: string) => text.replace(/^\/+|\/+$/g, '');

/**
 * The Vault API path ESO uses for a `remoteRef.key` on a store with `path: mount` (ESO's
 * `buildPath`): a key that already starts with the mount is not prefixed twice, and on KV v2 a
 * leading `data/` after the mount is not doubled. With no mount (a store without `path`), the
 * first segment of the key is the mount. Unlike {@link kvPaths} this never throws: it describes
 * objects found in a cluster, whatever text they hold.
 *
 * @public
 */
export function kvApiPath(
  mount: string | undefined,
  key: string,
  version: KvVersion,
  kind: KvPathKind = 'data',
): string {
  const cleanMount = trimSlashes(mount ?? '');
  let rest = trimSlashes(key);
  if (!cleanMount) {
    if (version === 1) {
      return rest;
    }
    if (/(^|\/)(data|metadata)\//.test(rest)) {
      return kind === 'data'
        ? rest
        : rest.replace(/(^|\/)data\//, '$1metadata/');
    }
    const [first, ...others] = rest.split('/');
    return [first, kind, ...others].filter(Boolean).join('/');
  }
  if (rest === cleanMount) {
    rest = '';
  } else if (rest.startsWith(`${cleanMount}/`)) {
    rest = rest.slice(cleanMount.length + 1);
    if (version === 2) {
      rest = rest.replace(/^(data|metadata)\//, '');
    }
  }
  if (version === 1) {
    return rest ? `${cleanMount}/${rest}` : cleanMount;
  }
  return rest ? `${cleanMount}/${kind}/${rest}` : `${cleanMount}/${kind}`;
}

/**
 * The path ESO LISTs for `dataFrom[].find` with `find.path` (or the mount's root without one):
 * `<mount>/metadata/<path>` on KV v2, `<mount>/<path>` on KV v1.
 *
 * @public
 */
export function kvListPath(
  mount: string | undefined,
  findPath: string | undefined,
  version: KvVersion,
): string {
  return kvApiPath(mount, findPath ?? '', version, 'metadata');
}
