import NodeVault from 'node-vault';
import {
  FIND_TAGS_KV_V1,
  SECRET_DOES_NOT_EXIST,
  findRegexpError,
  VAULT_METADATA_NOT_FOUND,
  readError,
  vaultDeleteError,
  vaultDeleteMetadataError,
  vaultResponseError,
} from './esoMessages';

/** The parts of a store's `spec.provider.vault` the simulation uses. */
export interface VaultProviderSettings {
  server: string;
  /** The KV mount (never with `data/`). */
  path: string;
  version: 'v1' | 'v2';
  namespace?: string;
  /** PEM to trust for the Vault server, from `caBundle` or `caProvider`. */
  caPem?: string;
}

/** The ownership mark ESO's Vault provider puts on what it pushes, and checks before a write. */
const CUSTOM_METADATA_KEY = 'custom_metadata';
const MANAGED_BY_KEY = 'managed-by';
const MANAGED_BY_VALUE = 'external-secrets';

/** A failure with the text ESO would put in its Event. */
export class ProviderError extends Error {}

interface NodeVaultError extends Error {
  code?: string;
  response?: { statusCode: number; body?: { errors?: string[] } };
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** Node's transport errors, worded the way Go's net/http reports them to ESO. */
function transportError(method: string, url: string, error: NodeVaultError) {
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  const host = new URL(url).host;
  if (error.code && TLS_ERROR_CODES.has(error.code)) {
    return `${verb} "${url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`;
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${verb} "${url}": tls: failed to verify certificate: x509: certificate is valid for other names, not ${
      new URL(url).hostname
    }`;
  }
  if (error.code === 'ECONNREFUSED') {
    return `${verb} "${url}": dial tcp ${host}: connect: connection refused`;
  }
  return `${verb} "${url}": ${error.message}`;
}

function describe(method: string, url: string, error: unknown): string {
  const e = error as NodeVaultError;
  if (e.response) {
    return vaultResponseError(
      method,
      url,
      e.response.statusCode,
      e.response.body?.errors ?? [],
    );
  }
  return transportError(method, url, e);
}

/** Vault's answer to a missing secret: 404 without error text (Go's client returns nil). */
function isBareNotFound(error: unknown): boolean {
  const e = error as NodeVaultError;
  const errors = e.response?.body?.errors;
  return e.response?.statusCode === 404 && (!errors || errors.length === 0);
}

/** How one Vault call's failure reads in ESO's texts. */
interface VaultCallErrors {
  /** shapes the Go client's error text (`Error making API request ...`) into ESO's */
  wrap?: (described: string) => string;
  /** ESO's own text for a bare 404 here (Vault has no secret at the path) */
  notFound?: { text: string };
  /** appended to the URL the error shows (Go's client lists with `?list=true`) */
  urlSuffix?: string;
}

/**
 * The Vault side of ESO's Vault provider: Kubernetes-auth login and KV reads over HTTP(S) with
 * node-vault, trusting the store's CA. Errors carry the texts ESO reports.
 */
export class VaultProviderClient {
  private readonly base: string;

  constructor(private readonly settings: VaultProviderSettings) {
    this.base = settings.server.replace(/\/+$/, '');
  }

  private client(token?: string) {
    return NodeVault({
      endpoint: this.base,
      token,
      namespace: this.settings.namespace,
      noCustomHTTPVerbs: true,
      requestOptions: this.settings.caPem ? { ca: this.settings.caPem } : {},
    });
  }

  /**
   * One Vault call; a failure becomes ESO's ProviderError with the Go client's error text for
   * `method` and `path`, shaped by `errors`.
   */
  private async vaultCall<T>(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    call: () => Promise<T>,
    errors: VaultCallErrors = {},
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (errors.notFound && isBareNotFound(error)) {
        throw new ProviderError(errors.notFound.text);
      }
      const described = describe(
        method,
        `${this.base}/v1/${path}${errors.urlSuffix ?? ''}`,
        error,
      );
      throw new ProviderError(errors.wrap ? errors.wrap(described) : described);
    }
  }

  /** Logs in with a service account JWT; the error text is the part after ESO's login prefix. */
  async loginWithKubernetes(
    mountPath: string,
    role: string,
    jwt: string,
  ): Promise<string> {
    const path = `auth/${mountPath}/login`;
    const result = await this.vaultCall('PUT', path, () =>
      this.client().write(path, { role, jwt }),
    );
    return result.auth.client_token as string;
  }

  private paths(key: string) {
    const mount = this.settings.path.replace(/^\/+|\/+$/g, '');
    const relative = key.startsWith(`${mount}/`)
      ? key.slice(mount.length + 1)
      : key;
    return this.settings.version === 'v1'
      ? { data: `${mount}/${relative}`, metadata: `${mount}/${relative}` }
      : {
          data: `${mount}/data/${relative}`,
          metadata: `${mount}/metadata/${relative}`,
        };
  }

  /** The secret at `key`, or undefined when Vault answers 404 (ESO's "no secret"). */
  private async readOrNothing(token: string, path: string) {
    try {
      return (await this.client(token).read(path)) as {
        data?: Record<string, any>;
      };
    } catch (error) {
      if (isBareNotFound(error)) return undefined;
      throw new ProviderError(
        readError(describe('GET', `${this.base}/v1/${path}`, error)),
      );
    }
  }

  private async write(
    token: string,
    path: string,
    body: Record<string, unknown>,
    what: 'data' | 'metadata',
  ) {
    await this.vaultCall(
      'PUT',
      path,
      () => this.client(token).write(path, body),
      { wrap: described => `failed to write secret ${what}: ${described}` },
    );
  }

  /**
   * Pushes one value as ESO's Vault provider does (providers/v1/vault/client_push.go, ESO
   * 2.x): reads the secret (a 404 means "new"), refuses one that exists without
   * `custom_metadata.managed-by: external-secrets`, then writes that marker (KV v2: to the
   * metadata path, before the data) and the data — `property` merged into the existing keys, or
   * without one the value as the whole JSON secret. Nothing is written when nothing changed.
   */
  async pushSecret(
    token: string,
    key: string,
    property: string | undefined,
    value: string,
  ): Promise<void> {
    const paths = this.paths(key);
    const existing = await this.readOrNothing(token, paths.data);
    const v2 = this.settings.version !== 'v1';
    let current: Record<string, unknown> | undefined = v2
      ? existing?.data?.data ?? undefined
      : existing?.data;
    const exists = current !== undefined;
    let managedBy: unknown;
    if (v2 && exists) {
      const meta = await this.readOrNothing(token, paths.metadata);
      managedBy = meta?.data?.custom_metadata?.[MANAGED_BY_KEY];
    } else if (!v2 && current) {
      const custom = current[CUSTOM_METADATA_KEY] as
        | Record<string, unknown>
        | undefined;
      if (!custom) {
        throw new ProviderError(
          'secret not managed by external-secrets (no custom_metadata found)',
        );
      }
      managedBy = custom[MANAGED_BY_KEY];
      current = { ...current };
      delete current[CUSTOM_METADATA_KEY];
    }
    if (exists && managedBy !== MANAGED_BY_VALUE) {
      throw new ProviderError('secret not managed by external-secrets');
    }
    let next: Record<string, unknown>;
    let changed: boolean;
    if (property) {
      changed = current?.[property] !== value;
      next = { ...(current ?? {}), [property]: value };
    } else {
      try {
        next = JSON.parse(value);
      } catch {
        throw new ProviderError(
          exists
            ? 'error unmarshalling incoming secret value: invalid JSON format'
            : 'error unmarshalling vault secret: invalid JSON format',
        );
      }
      changed = JSON.stringify(next) !== JSON.stringify(current);
    }
    if (v2) {
      if (!exists) {
        await this.write(
          token,
          paths.metadata,
          { custom_metadata: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE } },
          'metadata',
        );
      }
      if (changed) {
        await this.write(token, paths.data, { data: next }, 'data');
      }
    } else if (changed) {
      await this.write(
        token,
        paths.data,
        {
          ...next,
          [CUSTOM_METADATA_KEY]: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE },
        },
        'data',
      );
    }
  }

  /** The secret's data at `key` as ESO's readSecret returns it, or undefined for "no secret". */
  private async readData(
    token: string,
    key: string,
  ): Promise<Record<string, unknown> | undefined> {
    const existing = await this.readOrNothing(token, this.paths(key).data);
    const data =
      this.settings.version === 'v1' ? existing?.data : existing?.data?.data;
    return data ?? undefined;
  }

  /**
   * ESO's readSecretMetadata (client_get.go): KV v2 reads the metadata path (its system keys
   * and `custom_metadata`), KV v1 the secret itself (its `custom_metadata` key); nothing there
   * is an error.
   */
  private async readMetadata(
    token: string,
    key: string,
  ): Promise<Record<string, string>> {
    const v2 = this.settings.version !== 'v1';
    const response = await this.readOrNothing(token, this.paths(key).metadata);
    if (!response) {
      throw new ProviderError(VAULT_METADATA_NOT_FOUND);
    }
    const data = response.data ?? {};
    const metadata: Record<string, string> = {};
    if (v2) {
      for (const system of [
        'created_time',
        'current_version',
        'delete_version_after',
      ]) {
        if (data[system] !== undefined && data[system] !== null) {
          metadata[system] = String(data[system]);
        }
      }
    }
    const custom = data[CUSTOM_METADATA_KEY];
    if (custom && typeof custom === 'object') {
      for (const [k, v] of Object.entries(custom as Record<string, unknown>)) {
        metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    return metadata;
  }

  /**
   * Whether a value is at `key` (and `property`), as ESO's SecretExists (client_get.go), which
   * `updatePolicy: IfNotExists` asks before each push: "no" for a missing secret or property,
   * Vault's error (wrapped as a read error) when the read itself fails.
   */
  async secretExists(
    token: string,
    key: string,
    property: string | undefined,
  ): Promise<boolean> {
    const data = await this.readData(token, key);
    if (!data) return false;
    return property ? data[property] !== undefined : true;
  }

  /**
   * Removes what a PushSecret pushed, as ESO's DeleteSecret (client_push.go): nothing when the
   * secret is gone or not marked `managed-by: external-secrets`; with a property, only that
   * property (the rest is written back; the secret is deleted when nothing is left); otherwise
   * the data and, on KV v2, the metadata (every version).
   */
  async deleteSecret(
    token: string,
    key: string,
    property: string | undefined,
  ): Promise<void> {
    const paths = this.paths(key);
    const v2 = this.settings.version !== 'v1';
    const current = await this.readData(token, key);
    if (!current) return;
    const metadata = await this.readMetadata(token, key);
    if (metadata[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) return;
    if (property) {
      const rest = { ...current };
      delete rest[property];
      if (!v2 && Object.keys(rest).length === 1) {
        delete rest[CUSTOM_METADATA_KEY];
      }
      if (Object.keys(rest).length > 0) {
        await this.vaultCall('PUT', paths.data, () =>
          this.client(token).write(paths.data, v2 ? { data: rest } : rest),
        );
        return;
      }
    }
    await this.vaultCall(
      'DELETE',
      paths.data,
      () => this.client(token).delete(paths.data),
      { wrap: described => vaultDeleteError(key, described) },
    );
    if (v2) {
      await this.vaultCall(
        'DELETE',
        paths.metadata,
        () => this.client(token).delete(paths.metadata),
        { wrap: described => vaultDeleteMetadataError(key, described) },
      );
    }
  }

  /**
   * ESO's listSecrets (client_get_all_secrets.go): LIST on the metadata path (KV v1: the
   * mount) under `path` (which ends in `/`, or is empty), recursing into folders; every key
   * comes back relative to the mount. The Vault policy needs `list` on those paths: a 403 is
   * reported as a read error; an empty folder (404) is "Secret does not exist".
   */
  private async listSecrets(token: string, path: string): Promise<string[]> {
    const mount = this.settings.path.replace(/^\/+|\/+$/g, '');
    // ESO's buildMetadataPath: the mount is not stripped from a listed path
    const url =
      this.settings.version === 'v1'
        ? `${mount}/${path}`
        : `${mount}/metadata/${path}`;
    // Go's client lists with GET ?list=true, and its error shows that URL
    const keys: unknown = (
      await this.vaultCall('GET', url, () => this.client(token).list(url), {
        notFound: { text: SECRET_DOES_NOT_EXIST },
        urlSuffix: '?list=true',
        wrap: readError,
      })
    )?.data?.keys;
    const secrets: string[] = [];
    for (const key of Array.isArray(keys) ? (keys as string[]) : []) {
      const full = path + key;
      if (key.endsWith('/')) {
        secrets.push(...(await this.listSecrets(token, full)));
      } else {
        secrets.push(full);
      }
    }
    return secrets;
  }

  /**
   * ESO's GetAllSecrets for `dataFrom[].find` (client_get_all_secrets.go): lists every key
   * under `path`, keeps those whose name (relative to the mount) matches `name.regexp`
   * (unanchored, as Go's MatchString) or, without `name`, whose metadata (KV v2 system keys
   * and `custom_metadata`) has every tag; then reads each as the whole secret in JSON. Keys
   * without a current version are skipped. The map is keyed by the Vault path.
   */
  async findSecrets(
    token: string,
    find: {
      path?: string;
      name?: { regexp?: string };
      tags?: Record<string, string>;
    },
  ): Promise<Map<string, Buffer>> {
    if (this.settings.version === 'v1' && find.tags) {
      throw new ProviderError(FIND_TAGS_KV_V1);
    }
    let matcher: RegExp | undefined;
    if (find.name) {
      const source = find.name.regexp ?? '';
      try {
        matcher = new RegExp(source);
      } catch (error) {
        // Go's own regexp text differs from JavaScript's; the prefix is ESO's
        throw new ProviderError(
          findRegexpError(source, (error as Error).message),
        );
      }
    }
    const candidates = await this.listSecrets(
      token,
      find.path ? `${find.path}/` : '',
    );
    const found = new Map<string, Buffer>();
    for (const name of candidates) {
      if (matcher) {
        if (!matcher.test(name)) continue;
      } else {
        const metadata = await this.readMetadata(token, name);
        const tags = Object.entries(find.tags ?? {});
        if (!tags.every(([k, v]) => metadata[k] === v)) continue;
      }
      const data = await this.readData(token, name);
      if (data) {
        found.set(name, Buffer.from(goJson(data), 'utf8'));
      }
    }
    return found;
  }

  /** The secret's key/value map at `key`; ESO's errors for missing, denied or unreachable. */
  async readSecret(
    token: string,
    key: string,
  ): Promise<Record<string, unknown>> {
    const mount = this.settings.path.replace(/^\/+|\/+$/g, '');
    const relative = key.startsWith(`${mount}/`)
      ? key.slice(mount.length + 1)
      : key;
    const path =
      this.settings.version === 'v1'
        ? `${mount}/${relative}`
        : `${mount}/data/${relative}`;
    const response: { data?: Record<string, unknown> } | undefined =
      await this.vaultCall('GET', path, () => this.client(token).read(path), {
        notFound: { text: SECRET_DOES_NOT_EXIST },
        wrap: readError,
      });
    const data =
      this.settings.version === 'v1'
        ? response?.data
        : (response?.data?.data as Record<string, unknown> | null | undefined);
    if (!data) {
      throw new ProviderError(SECRET_DOES_NOT_EXIST);
    }
    return data;
  }
}

/**
 * Go's json.Marshal of a decoded map, as ESO returns a whole secret: keys sorted, and `<`, `>`,
 * `&`, U+2028 and U+2029 escaped.
 */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map(k => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(sorted(value)).replace(
    /[<>&\u2028\u2029]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
