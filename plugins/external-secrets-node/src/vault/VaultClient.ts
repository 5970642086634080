import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  KvVersion,
  RESERVED_VAULT_POLICY_NAMES,
  kvPaths,
  parseKvVersion,
  validateName,
} from '@gitops-secrets/plugin-external-secrets-common';
import NodeVault from 'node-vault';
import { backoffDelay, sleep } from './retry';
import { createVaultTransport } from './vaultTransport';
import {
  VaultFailure,
  describeFailure,
  isRetryable,
  toBackstageError,
} from './vaultErrors';
import {
  VAULT_CONFIG_KEY,
  VaultSettings,
  readVaultSettings,
} from './vaultConfig';
import { VaultLease, VaultTokenSource } from './VaultTokenSource';
import {
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  KvMetadataInfo,
  VaultResponse,
} from './types';

/**
 * Options of a Vault client besides its settings.
 *
 * @public
 */
export interface VaultClientOptions {
  logger: LoggerService;
  /** Clock for token renewal; `Date.now` when absent. */
  now?: () => number;
}

interface CallOptions {
  authenticated?: boolean;
  /** A 404 with an empty `errors` list means "nothing there": answer undefined. */
  absentAsUndefined?: boolean;
}

class AbsentAtPath {}

const RESERVED_POLICIES = new Set(RESERVED_VAULT_POLICY_NAMES);

/**
 * The backend's Vault client: node-vault's generic calls with explicit paths, one cached and
 * renewed login, bounded retries with jittered backoff on 5xx, 429 and network errors, one
 * re-login after a 403, and Backstage errors that name the operation, the path and Vault's
 * message (never a token or a secret value).
 *
 * @public
 */
export class VaultClient {
  private readonly vault: NodeVault.client;
  private readonly tokens: VaultTokenSource;
  private readonly logger: LoggerService;
  private readonly kvVersions = new Map<string, Promise<KvVersion>>();

  /**
   * Builds the client from root config (`externalSecrets.vault`). Throws an `InputError` when
   * the section is missing or invalid.
   */
  static fromConfig(config: Config, options: VaultClientOptions): VaultClient {
    const settings = readVaultSettings(config);
    if (!settings) {
      throw new InputError(
        `${VAULT_CONFIG_KEY} is not configured: add baseUrl and auth to app-config to use the Vault features`,
      );
    }
    return new VaultClient(settings, options);
  }

  constructor(readonly settings: VaultSettings, options: VaultClientOptions) {
    this.logger = options.logger;
    this.vault = NodeVault({
      endpoint: settings.baseUrl,
      namespace: settings.namespace,
      // GET ?list=true works everywhere; the custom LIST verb does not pass every proxy.
      noCustomHTTPVerbs: true,
      requestOptions: { timeout: settings.timeoutMs },
      // Our transport: no redirects, a timeout on every request, TLS always verified.
      'request-promise': createVaultTransport({
        ca: settings.ca,
        timeoutMs: settings.timeoutMs,
      }),
      // node-vault's debug output (DEBUG=node-vault) prints request bodies: login JWTs, secret
      // ids, seeded values. It never runs.
      debug: () => undefined,
    } as NodeVault.VaultOptions);
    // node-vault falls back to VAULT_TOKEN / VAULT_PREFIX / VAULT_NAMESPACE from the
    // environment; only the settings count here.
    this.vault.token = '';
    Object.assign(this.vault, {
      pathPrefix: '',
      namespace: settings.namespace ?? '',
    });
    this.tokens = new VaultTokenSource(
      settings.auth,
      {
        login: (path, body) => this.loginAt(path, body),
        renewSelf: token => this.renewSelf(token),
        lookupSelf: token => this.lookupSelf(token),
        revokeSelf: token => this.revokeSelf(token),
      },
      options.now,
    );
  }

  /** The configured KV mount (default `secret`). */
  get kvMount(): string {
    return this.settings.kvMount;
  }

  private async send<T>(
    operation: string,
    path: string,
    request: (requestOptions: {
      headers: Record<string, string>;
    }) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T | AbsentAtPath> {
    const authenticated = options.authenticated ?? true;
    let retries = 0;
    let loggedInAgain = false;
    for (;;) {
      const token = authenticated ? await this.tokens.token() : undefined;
      let failure: VaultFailure;
      try {
        return await request({
          headers: token ? { 'X-Vault-Token': token } : {},
        });
      } catch (error) {
        failure = describeFailure(error);
      }
      if (
        options.absentAsUndefined &&
        failure.status === 404 &&
        failure.messages.length === 0
      ) {
        return new AbsentAtPath();
      }
      if (
        failure.status === 403 &&
        token &&
        !loggedInAgain &&
        (await this.tokens.isRefused(token, failure.messages))
      ) {
        loggedInAgain = true;
        this.tokens.invalidate(token);
        this.logger.info(
          `Vault refused the backend's token for ${operation} at ${path}; logging in again once`,
        );
        continue;
      }
      if (isRetryable(failure) && retries < this.settings.maxRetries) {
        const delay = backoffDelay(retries, {
          maxRetries: this.settings.maxRetries,
          baseDelayMs: this.settings.retryBaseDelayMs,
        });
        retries++;
        this.logger.warn(
          `Vault ${operation} at ${path} failed (${
            failure.status ?? failure.transport
          }); retry ${retries} of ${this.settings.maxRetries} in ${delay} ms`,
        );
        await sleep(delay);
        continue;
      }
      throw toBackstageError(operation, path, failure);
    }
  }

  private async loginAt(
    path: string,
    body: Record<string, string>,
  ): Promise<VaultLease> {
    const result = await this.send(
      'login',
      path,
      requestOptions => this.vault.write(path, body, requestOptions),
      { authenticated: false },
    );
    return this.leaseFrom(result, path);
  }

  private async renewSelf(token: string): Promise<VaultLease> {
    const path = 'auth/token/renew-self';
    const result = await this.send(
      'token renewal',
      path,
      () => this.vault.write(path, {}, { headers: { 'X-Vault-Token': token } }),
      { authenticated: false },
    );
    return this.leaseFrom(result, path);
  }

  private async lookupSelf(token: string): Promise<boolean> {
    try {
      await this.vault.read('auth/token/lookup-self', {
        headers: { 'X-Vault-Token': token },
      });
      return true;
    } catch (error) {
      if (describeFailure(error).status === 403) {
        return false;
      }
      throw error;
    }
  }

  private async revokeSelf(token: string): Promise<void> {
    try {
      await this.vault.write(
        'auth/token/revoke-self',
        {},
        { headers: { 'X-Vault-Token': token } },
      );
    } catch (error) {
      this.logger.warn(
        `Could not revoke the replaced Vault token: ${
          describeFailure(error).status ?? describeFailure(error).transport
        }`,
      );
    }
  }

  private leaseFrom(result: unknown, path: string): VaultLease {
    const auth = (result as VaultResponse)?.auth as
      | { client_token?: string; lease_duration?: number; renewable?: boolean }
      | undefined;
    if (!auth?.client_token) {
      throw new Error(`Vault answered ${path} without a client token`);
    }
    return {
      token: auth.client_token,
      leaseSeconds: Number(auth.lease_duration ?? 0),
      renewable: Boolean(auth.renewable),
    };
  }

  /** Reads a path; undefined when there is nothing at it (Vault's empty 404). */
  async read<T = Record<string, unknown>>(
    path: string,
    operation = 'read',
  ): Promise<VaultResponse<T> | undefined> {
    const result = await this.send(
      operation,
      path,
      o => this.vault.read(path, o),
      {
        absentAsUndefined: true,
      },
    );
    return result instanceof AbsentAtPath
      ? undefined
      : (result as VaultResponse<T>);
  }

  /** Writes a path; undefined for Vault's 204 with no body. */
  async write<T = Record<string, unknown>>(
    path: string,
    body: Record<string, unknown>,
    operation = 'write',
  ): Promise<VaultResponse<T> | undefined> {
    const result = await this.send(operation, path, o =>
      this.vault.write(path, body, o),
    );
    return result ? (result as VaultResponse<T>) : undefined;
  }

  /** Lists the keys below a path (folders end in "/"); empty when there is nothing. */
  async list(path: string, operation = 'list'): Promise<string[]> {
    const result = await this.send(
      operation,
      path,
      o => this.vault.list(path, o),
      {
        absentAsUndefined: true,
      },
    );
    if (result instanceof AbsentAtPath) return [];
    const keys = (result as VaultResponse<{ keys?: unknown }>).data?.keys;
    return Array.isArray(keys) ? keys.map(String) : [];
  }

  async delete(path: string, operation = 'delete'): Promise<void> {
    await this.send(operation, path, o => this.vault.delete(path, o));
  }

  /**
   * The KV version of a mount: the configured `kvVersion` for the configured mount, otherwise
   * detected once through `sys/internal/ui/mounts/<mount>` and cached.
   */
  async kvVersion(mount: string = this.settings.kvMount): Promise<KvVersion> {
    validateName('vaultMount', mount, 'kvMount');
    if (mount === this.settings.kvMount && this.settings.kvVersion) {
      return this.settings.kvVersion;
    }
    return this.kvVersionFromVault(mount);
  }

  /**
   * The KV version Vault itself reports for a mount (cached), whatever the config says: what
   * the scaffolder actions check inputs and config against.
   */
  async kvVersionFromVault(mount: string): Promise<KvVersion> {
    validateName('vaultMount', mount, 'kvMount');
    let cached = this.kvVersions.get(mount);
    if (!cached) {
      cached = this.detectKvVersion(mount);
      this.kvVersions.set(mount, cached);
      cached.catch(() => this.kvVersions.delete(mount));
    }
    return cached;
  }

  private async detectKvVersion(mount: string): Promise<KvVersion> {
    const path = `sys/internal/ui/mounts/${mount}`;
    let info:
      | VaultResponse<{ type?: string; options?: { version?: string } | null }>
      | undefined;
    try {
      info = await this.read(path, 'KV version detection');
    } catch (error) {
      // Vault answers a missing mount with the same 403 as a forbidden one.
      if ((error as Error).name === 'NotAllowedError') {
        throw new NotFoundError(
          `Vault mount "${mount}" does not exist, or the backend's token has no access to anything below it (${
            (error as Error).message
          })`,
        );
      }
      throw error;
    }
    if (!info?.data) {
      throw new NotFoundError(`Vault mount "${mount}" does not exist`);
    }
    if (info.data.type && !['kv', 'generic'].includes(info.data.type)) {
      throw new InputError(
        `Vault mount "${mount}" is a ${info.data.type} engine, not KV`,
      );
    }
    return parseKvVersion(info.data.options?.version) ?? 1;
  }

  /** The policy text, or undefined when the policy does not exist. */
  async readPolicy(name: string): Promise<string | undefined> {
    // Reading Vault's own policies is fine for diagnosis; only writing them is refused.
    if (!RESERVED_POLICIES.has(name)) {
      validateName('vaultPolicyName', name, 'policy name');
    }
    const result = await this.read<{ policy?: string }>(
      `sys/policies/acl/${name}`,
      'policy read',
    );
    return result?.data?.policy;
  }

  async writePolicy(name: string, policy: string): Promise<void> {
    validateName('vaultPolicyName', name, 'policy name');
    await this.write(`sys/policies/acl/${name}`, { policy }, 'policy write');
  }

  /** The Kubernetes auth config of a mount (never the reviewer JWT), undefined before any. */
  async readKubernetesAuthConfig(
    mount: string,
  ): Promise<KubernetesAuthConfigInfo | undefined> {
    validateName('vaultMount', mount, 'authMount');
    const result = await this.read<Record<string, unknown>>(
      `auth/${mount}/config`,
      'Kubernetes auth config read',
    );
    const d = result?.data;
    if (!d) return undefined;
    return {
      kubernetesHost: String(d.kubernetes_host ?? ''),
      kubernetesCaCert: String(d.kubernetes_ca_cert ?? ''),
      issuer: String(d.issuer ?? ''),
      disableIssValidation: Boolean(d.disable_iss_validation),
      tokenReviewerJwtSet: Boolean(d.token_reviewer_jwt_set),
    };
  }

  /** A Kubernetes auth role, or undefined when it does not exist. */
  async readKubernetesRole(
    mount: string,
    role: string,
  ): Promise<KubernetesRoleInfo | undefined> {
    validateName('vaultMount', mount, 'authMount');
    validateName('vaultRoleName', role, 'role name');
    const result = await this.read<Record<string, unknown>>(
      `auth/${mount}/role/${role}`,
      'Kubernetes role read',
    );
    const d = result?.data;
    if (!d) return undefined;
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return {
      boundServiceAccountNames: list(d.bound_service_account_names),
      boundServiceAccountNamespaces: list(d.bound_service_account_namespaces),
      audience: typeof d.audience === 'string' ? d.audience : '',
      tokenPolicies: list(d.token_policies ?? d.policies),
      tokenTtlSeconds: Number(d.token_ttl ?? d.ttl ?? 0),
      tokenMaxTtlSeconds: Number(d.token_max_ttl ?? d.max_ttl ?? 0),
      aliasNameSource:
        typeof d.alias_name_source === 'string'
          ? d.alias_name_source
          : undefined,
    };
  }

  async writeKubernetesRole(
    mount: string,
    role: string,
    payload: Record<string, unknown>,
  ): Promise<string[]> {
    validateName('vaultMount', mount, 'authMount');
    validateName('vaultRoleName', role, 'role name');
    const result = await this.write(
      `auth/${mount}/role/${role}`,
      payload,
      'Kubernetes role write',
    );
    return result?.warnings ?? [];
  }

  /** The enabled auth mounts (`sys/auth`), by path without the trailing slash, with their type. */
  async listAuthMounts(): Promise<Map<string, string>> {
    const result = await this.read<Record<string, { type?: unknown }>>(
      'sys/auth',
      'auth mount list',
    );
    const mounts = new Map<string, string>();
    for (const [path, info] of Object.entries(result?.data ?? {})) {
      if (info && typeof info === 'object') {
        mounts.set(path.replace(/\/+$/, ''), String(info.type ?? ''));
      }
    }
    return mounts;
  }

  /** Enables an auth method (`sys/auth/<mount>`; Vault requires `sudo` for it). */
  async enableAuthMount(
    mount: string,
    type: string,
    description: string,
  ): Promise<void> {
    validateName('vaultMount', mount, 'authMount');
    await this.write(
      `sys/auth/${mount}`,
      { type, description },
      'auth mount enable',
    );
  }

  /**
   * Writes a Kubernetes auth mount's config. The payload may hold the reviewer JWT: it goes to
   * Vault only, and no error or log line of this client contains a request body.
   */
  async writeKubernetesAuthConfig(
    mount: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    validateName('vaultMount', mount, 'authMount');
    await this.write(
      `auth/${mount}/config`,
      payload,
      'Kubernetes auth config write',
    );
  }

  /**
   * Metadata of a KV secret (versions, times; never values), undefined when the key was never
   * written. On KV v1, which keeps no metadata, only tells whether the key exists.
   */
  async readKvMetadata(
    mount: string,
    key: string,
  ): Promise<KvMetadataInfo | undefined> {
    const version = await this.kvVersion(mount);
    const paths = kvPaths(mount, key, version);
    if (version === 1) {
      const keys = await this.list(
        paths.data.replace(/[^/]+$/, ''),
        'KV key lookup',
      );
      const leaf = key.split('/').pop()!;
      return keys.includes(leaf)
        ? { kvVersion: 1, currentVersion: 0, versions: {} }
        : undefined;
    }
    const result = await this.read<Record<string, unknown>>(
      paths.metadata,
      'KV metadata read',
    );
    const d = result?.data;
    if (!d) return undefined;
    return {
      kvVersion: 2,
      currentVersion: Number(d.current_version ?? 0),
      createdTime:
        typeof d.created_time === 'string' ? d.created_time : undefined,
      updatedTime:
        typeof d.updated_time === 'string' ? d.updated_time : undefined,
      versions: (d.versions ?? {}) as KvMetadataInfo['versions'],
      customMetadata: (d.custom_metadata ?? undefined) as
        | Record<string, string>
        | undefined,
    };
  }

  /**
   * Writes a new KV secret only when none exists: check-and-set 0 on KV v2. Throws a
   * `ConflictError` when the key already exists. On KV v1, which has no check-and-set, the
   * existence check and the write are two calls.
   */
  async createKvSecret(
    mount: string,
    key: string,
    values: Record<string, string>,
  ): Promise<{ version: number }> {
    const version = await this.kvVersion(mount);
    const paths = kvPaths(mount, key, version);
    if (version === 1) {
      if (await this.readKvMetadata(mount, key)) {
        throw new ConflictError(`Vault KV secret ${paths.data} already exists`);
      }
      await this.write(paths.data, values, 'KV write');
      return { version: 1 };
    }
    try {
      const result = await this.write<{ version?: number }>(
        paths.data,
        { data: values, options: { cas: 0 } },
        'KV write',
      );
      return { version: Number(result?.data?.version ?? 1) };
    } catch (error) {
      const name = (error as Error).name;
      if (
        name === 'InputError' &&
        (error as Error).message.includes(
          'check-and-set parameter did not match',
        )
      ) {
        throw new ConflictError(`Vault KV secret ${paths.data} already exists`);
      }
      // A token allowed to create but not update (the least privilege for seeding) gets a 403
      // on an existing secret, because Vault then asks for update.
      if (
        name === 'NotAllowedError' &&
        (await this.existsQuietly(mount, key))
      ) {
        throw new ConflictError(`Vault KV secret ${paths.data} already exists`);
      }
      throw error;
    }
  }

  private async existsQuietly(mount: string, key: string): Promise<boolean> {
    try {
      return (await this.readKvMetadata(mount, key)) !== undefined;
    } catch {
      return false;
    }
  }

  /** The capabilities the backend's own token has on each path (`sys/capabilities-self`). */
  async capabilitiesSelf(paths: string[]): Promise<Record<string, string[]>> {
    const result = await this.write<Record<string, string[]>>(
      'sys/capabilities-self',
      { paths },
      'capabilities check',
    );
    const data = result?.data ?? {};
    return Object.fromEntries(paths.map(p => [p, data[p] ?? []]));
  }
}
