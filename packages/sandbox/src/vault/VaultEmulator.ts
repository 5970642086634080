import {
  VaultCapability,
  explainCapabilities,
} from '@gitops-secrets/plugin-external-secrets-common';
import { AppRoleAuthMount, EmulatedAppRole } from './AppRoleAuthMount';
import { KubernetesAuthMount } from './KubernetesAuthMount';
import { KvMount, MountRequest } from './KvMount';
import { PolicyStore } from './PolicyStore';
import {
  VaultHttpError,
  badRequest,
  envelope,
  errorResponse,
  multiError,
  notFound,
  permissionDenied,
  unsupportedPath,
  written,
} from './responses';
import { createUnsignedJwtReviewer } from './serviceAccountJwt';
import { EmulatedToken, TokenStore } from './TokenStore';
import {
  RecordedVaultRequest,
  TokenReviewer,
  VaultHttpRequest,
  VaultHttpResponse,
  VaultOperation,
} from './types';
import { VaultFaults } from './VaultFaults';
import type { VaultEmulatorState } from './vaultState';

/**
 * How to start a Vault emulator.
 *
 * @public
 */
export interface VaultEmulatorOptions {
  /** The root token; `root` when absent. */
  rootToken?: string;
  /** KV mounts to create; `[{ path: 'secret', version: 2 }]` when absent. */
  kvMounts?: Array<{ path: string; version: 1 | 2 }>;
  /** Kubernetes auth mounts to enable; `['kubernetes']` when absent. */
  kubernetesAuthMounts?: string[];
  /** AppRole auth mounts to enable; `['approle']` when absent. */
  appRoleAuthMounts?: string[];
  /** The TokenReview stand-in; trusts unsigned service-account JWTs when absent. */
  tokenReviewer?: TokenReviewer;
  /** The clock in milliseconds, for token expiry; `Date.now` when absent. */
  now?: () => number;
}

type AuthMount = KubernetesAuthMount | AppRoleAuthMount;

const MAX_RECORDED = 10_000;

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function lowerCaseHeaders(
  headers: VaultHttpRequest['headers'],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) {
      result[name.toLowerCase()] = Array.isArray(value)
        ? value.join(', ')
        : value;
    }
  }
  return result;
}

/**
 * An in-memory Vault that answers the HTTP API the gitops-secrets plugins use (KV v1/v2,
 * ACL policies with enforcement, Kubernetes and AppRole auth, token self-service,
 * `sys/internal/ui/mounts`, `sys/capabilities-self`, `sys/health`) with Vault's status codes,
 * envelopes and error texts. Transport-free: msw handlers and a Node request listener sit on
 * top of {@link VaultEmulator.handle}. Every request is recorded.
 *
 * @public
 */
export class VaultEmulator {
  readonly faults = new VaultFaults();
  readonly rootToken: string;
  private readonly recorded: RecordedVaultRequest[] = [];
  private readonly now: () => number;
  private readonly tokens: TokenStore;
  private readonly policies = new PolicyStore();
  private readonly kvMounts = new Map<string, KvMount>();
  private readonly authMounts = new Map<string, AuthMount>();
  private tokenReviewer: TokenReviewer;

  constructor(options: VaultEmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new TokenStore(this.now);
    this.rootToken = options.rootToken ?? 'root';
    this.tokens.issue({
      id: this.rootToken,
      policies: ['root'],
      path: 'auth/token/root',
    });
    this.tokenReviewer =
      options.tokenReviewer ?? createUnsignedJwtReviewer(this.now);
    for (const mount of options.kvMounts ?? [
      { path: 'secret', version: 2 as const },
    ]) {
      this.mountKv(mount.path, mount.version);
    }
    for (const path of options.kubernetesAuthMounts ?? ['kubernetes']) {
      this.enableKubernetesAuth(path);
    }
    for (const path of options.appRoleAuthMounts ?? ['approle']) {
      this.authMounts.set(path, new AppRoleAuthMount(path, this.loginIssuer));
    }
  }

  private readonly loginIssuer = {
    issueToken: (options: {
      policies: string[];
      ttl: number;
      meta: Record<string, string>;
      path: string;
    }): EmulatedToken => this.tokens.issue(options),
  };

  /** Every request received so far, oldest first. */
  get requests(): readonly RecordedVaultRequest[] {
    return this.recorded;
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  /** Replaces the TokenReview stand-in (the Kubernetes emulator plugs in a strict one). */
  setTokenReviewer(reviewer: TokenReviewer): void {
    this.tokenReviewer = reviewer;
  }

  mountKv(path: string, version: 1 | 2): void {
    const clean = trimSlashes(path);
    this.kvMounts.set(clean, new KvMount(clean, version, this.now));
  }

  enableKubernetesAuth(path: string): void {
    const clean = trimSlashes(path);
    this.authMounts.set(
      clean,
      new KubernetesAuthMount(
        clean,
        () => this.tokenReviewer,
        this.loginIssuer,
      ),
    );
  }

  /** Registers an AppRole credential pair on an AppRole mount (default `approle`). */
  addAppRole(role: EmulatedAppRole, mountPath = 'approle'): void {
    const mount = this.authMounts.get(trimSlashes(mountPath));
    if (!(mount instanceof AppRoleAuthMount)) {
      throw new Error(`no AppRole auth mount at ${mountPath}`);
    }
    mount.add(role);
  }

  /** Issues a token with these policies (plus `default`), as `vault token create` would. */
  createToken(options: { policies: string[]; ttl?: number }): string {
    const policies = [
      ...new Set(['default', ...options.policies.map(p => p.toLowerCase())]),
    ];
    return this.tokens.issue({ policies, ttl: options.ttl }).id;
  }

  /** Writes a policy directly, with the same validation as the API. */
  putPolicy(name: string, text: string): void {
    this.policies.put(name, text);
  }

  /** Whether a token is known and not expired (the root token included). */
  /** Revokes a token, as an operator's `vault token revoke` (a fault for tests). */
  revokeToken(id: string): void {
    this.tokens.revoke(id);
  }

  isTokenValid(id: string): boolean {
    return this.tokens.lookup(id) !== undefined;
  }

  /**
   * Policies, KV data (all versions and metadata), auth mounts (config, roles) and live tokens
   * as JSON-safe data. The root token and faults are left out.
   */
  exportState(): VaultEmulatorState {
    const kubernetesAuthMounts: VaultEmulatorState['kubernetesAuthMounts'] = [];
    const appRoleAuthMounts: VaultEmulatorState['appRoleAuthMounts'] = [];
    for (const [path, mount] of this.authMounts) {
      if (mount instanceof KubernetesAuthMount) {
        kubernetesAuthMounts.push({ path, ...mount.exportState() });
      } else {
        appRoleAuthMounts.push({ path, roles: mount.exportState() });
      }
    }
    return {
      version: 1,
      policies: this.policies.exportState(),
      kvMounts: [...this.kvMounts].map(([path, mount]) => ({
        path,
        version: mount.version,
        secrets: mount.exportState(),
      })),
      kubernetesAuthMounts,
      appRoleAuthMounts,
      tokens: this.tokens.exportState(t => t.id === this.rootToken),
    };
  }

  /**
   * Replaces policies, mounts and tokens with a saved state. This emulator's root token stays
   * valid; tokens saved from another instance keep working until they expire.
   */
  importState(state: VaultEmulatorState): void {
    if (state?.version !== 1) {
      throw new Error(
        `Unsupported Vault emulator state version ${state?.version}`,
      );
    }
    this.policies.importState(state.policies);
    this.kvMounts.clear();
    for (const saved of state.kvMounts) {
      this.mountKv(saved.path, saved.version);
      this.kvMounts.get(trimSlashes(saved.path))!.importState(saved.secrets);
    }
    this.authMounts.clear();
    for (const saved of state.kubernetesAuthMounts) {
      this.enableKubernetesAuth(saved.path);
      (
        this.authMounts.get(trimSlashes(saved.path)) as KubernetesAuthMount
      ).importState(saved);
    }
    for (const saved of state.appRoleAuthMounts) {
      const mount = new AppRoleAuthMount(
        trimSlashes(saved.path),
        this.loginIssuer,
      );
      mount.importState(saved.roles);
      this.authMounts.set(mount.path, mount);
    }
    const root = this.tokens.lookup(this.rootToken);
    this.tokens.clear();
    this.tokens.importState(state.tokens.filter(t => t.id !== this.rootToken));
    if (root) {
      this.tokens.importState([root]);
    }
  }

  /** Answers one request. */
  async handle(request: VaultHttpRequest): Promise<VaultHttpResponse> {
    const headers = lowerCaseHeaders(request.headers);
    const query = request.query ?? {};
    const path = request.path.replace(/^\/v1\//, '');
    const operation = this.operationOf(request.method, query);
    const record: RecordedVaultRequest = {
      method: request.method.toUpperCase(),
      path,
      operation,
      query,
      headers,
      body: request.body,
      status: 0,
    };
    if (this.recorded.length >= MAX_RECORDED) {
      this.recorded.shift();
    }
    this.recorded.push(record);

    if (this.faults.latencyMs > 0) {
      await new Promise(resolve => setTimeout(resolve, this.faults.latencyMs));
    }
    if (this.faults.down) {
      return { status: 0, headers: {}, networkError: true };
    }
    let response: VaultHttpResponse;
    const failure = this.faults.take(record.method, path);
    if (failure) {
      response = errorResponse(failure.status, failure.errors);
    } else if (!request.path.startsWith('/v1/')) {
      response = errorResponse(404, []);
    } else {
      try {
        response = await this.route(operation, path, request.body, headers);
      } catch (error) {
        response =
          error instanceof VaultHttpError
            ? error.response
            : errorResponse(500, [
                multiError(String((error as Error).message)),
              ]);
      }
    }
    record.status = response.status;
    return response;
  }

  private operationOf(
    method: string,
    query: Record<string, string>,
  ): VaultOperation {
    const upper = method.toUpperCase();
    if (
      upper === 'LIST' ||
      (upper === 'GET' && ['true', '1'].includes(query.list))
    ) {
      return 'list';
    }
    switch (upper) {
      case 'GET':
      case 'HEAD':
        return 'read';
      case 'DELETE':
        return 'delete';
      case 'PATCH':
        return 'patch';
      default:
        return 'write';
    }
  }

  private parseBody(text: string | undefined): Record<string, unknown> {
    if (text === undefined || text.trim() === '') {
      return {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new VaultHttpError(
        badRequest(`failed to parse JSON input: ${(error as Error).message}`),
      );
    }
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      Array.isArray(parsed)
    ) {
      throw new VaultHttpError(
        badRequest('failed to parse JSON input: not an object'),
      );
    }
    return parsed as Record<string, unknown>;
  }

  private findMount<T>(mounts: Map<string, T>, path: string) {
    let best: { prefix: string; mount: T } | undefined;
    for (const [prefix, mount] of mounts) {
      if (
        (path === prefix || path.startsWith(`${prefix}/`)) &&
        (!best || prefix.length > best.prefix.length)
      ) {
        best = { prefix, mount };
      }
    }
    return best;
  }

  private async route(
    operation: VaultOperation,
    path: string,
    bodyText: string | undefined,
    headers: Record<string, string>,
  ): Promise<VaultHttpResponse> {
    const body = this.parseBody(bodyText);
    if (path === 'sys/health') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          initialized: true,
          sealed: false,
          standby: false,
          performance_standby: false,
          server_time_utc: Math.floor(this.now() / 1000),
          version: '1.17.0-emulated',
          cluster_name: 'gitops-secrets-sandbox',
        }),
      };
    }

    const auth = path.startsWith('auth/')
      ? this.findMount(this.authMounts, path.slice('auth/'.length))
      : undefined;
    const subPathOf = (prefix: string, full: string) =>
      trimSlashes(full.slice(prefix.length));
    if (auth && operation === 'write') {
      const sub = subPathOf(auth.prefix, path.slice('auth/'.length));
      if (sub === 'login') {
        return auth.mount.handle({ operation, subPath: sub, body });
      }
    }

    const token = this.tokens.lookup(headers['x-vault-token']);
    if (!token) {
      return permissionDenied();
    }

    if (path.startsWith('sys/internal/ui/mounts/')) {
      return this.readMountInfo(
        token,
        trimSlashes(path.slice('sys/internal/ui/mounts/'.length)),
      );
    }
    if (path === 'sys/capabilities-self' && operation === 'write') {
      const requested = body.paths ?? body.path;
      const paths = (Array.isArray(requested) ? requested : [requested])
        .filter(p => typeof p === 'string' && p !== '')
        .map(String);
      if (paths.length === 0) {
        return badRequest('paths must be supplied');
      }
      const data: Record<string, string[]> = {};
      for (const p of paths) {
        data[p] = this.capabilities(token, p);
      }
      if (paths.length === 1) {
        return envelope({ data: { ...data, capabilities: data[paths[0]] } });
      }
      return envelope({ data });
    }

    const aclPath =
      operation === 'list' && !path.endsWith('/') ? `${path}/` : path;
    const needed = this.requiredCapability(operation, path, auth);
    if (
      !this.capabilities(token, aclPath).includes(needed) &&
      !token.policies.includes('root')
    ) {
      return permissionDenied();
    }

    if (path === 'auth/token/lookup-self') {
      return envelope({ data: this.describeToken(token) });
    }
    if (path === 'auth/token/revoke-self' && operation === 'write') {
      this.tokens.revoke(token.id);
      return { status: 204, headers: {} };
    }
    if (path === 'auth/token/renew-self' && operation === 'write') {
      this.tokens.renew(token);
      return envelope({
        auth: {
          client_token: token.id,
          accessor: token.accessor,
          policies: token.policies,
          token_policies: token.policies,
          metadata: token.meta,
          lease_duration: token.ttl,
          renewable: token.renewable,
        },
      });
    }
    if (path === 'sys/auth' && operation === 'read') {
      return this.listAuthMounts();
    }
    const authMountMatch = /^sys\/auth\/(.+)$/.exec(path);
    if (authMountMatch) {
      return this.handleAuthMount(token, operation, authMountMatch[1], body);
    }
    if (path === 'sys/policies/acl' && operation === 'list') {
      return envelope({
        data: { keys: this.policies.names(), policies: this.policies.names() },
      });
    }
    const policyMatch = /^sys\/policies\/acl\/(.+)$/.exec(path);
    if (policyMatch) {
      return this.handlePolicy(operation, policyMatch[1], body);
    }
    if (auth) {
      const sub = subPathOf(auth.prefix, path.slice('auth/'.length));
      return auth.mount.handle({ operation, subPath: sub, body });
    }
    const kv = this.findMount(this.kvMounts, path);
    if (kv) {
      const request: MountRequest = {
        operation,
        subPath: subPathOf(kv.prefix, path),
        body,
      };
      return kv.mount.handle(request);
    }
    return unsupportedPath(path);
  }

  private capabilities(token: EmulatedToken, path: string): string[] {
    if (token.policies.includes('root')) {
      return ['root'];
    }
    return explainCapabilities(this.policies.parsedFor(token.policies), path)
      .capabilities;
  }

  private requiredCapability(
    operation: VaultOperation,
    path: string,
    auth: { prefix: string; mount: AuthMount } | undefined,
  ): VaultCapability {
    switch (operation) {
      case 'read':
        return 'read';
      case 'list':
        return 'list';
      case 'delete':
        return 'delete';
      case 'patch':
        return 'patch';
      default:
        break;
    }
    // Paths with an existence check need `create` for new objects, `update` for existing ones.
    if (auth) {
      const sub = trimSlashes(path.slice('auth/'.length + auth.prefix.length));
      if (/^role\//.test(sub)) {
        return auth.mount.exists(sub) ? 'update' : 'create';
      }
      return 'update';
    }
    const kv = this.findMount(this.kvMounts, path);
    if (kv) {
      return kv.mount.exists(trimSlashes(path.slice(kv.prefix.length)))
        ? 'update'
        : 'create';
    }
    return 'update';
  }

  private describeToken(token: EmulatedToken) {
    return {
      accessor: token.accessor,
      creation_time: Math.floor(token.issuedAt / 1000),
      creation_ttl: token.ttl,
      display_name: 'token',
      expire_time: token.expiresAt
        ? new Date(token.expiresAt).toISOString()
        : null,
      explicit_max_ttl: 0,
      id: token.id,
      meta: token.meta,
      num_uses: 0,
      orphan: true,
      path: token.path,
      policies: token.policies,
      renewable: token.renewable,
      ttl: this.tokens.remaining(token),
      type: 'service',
    };
  }

  /** What `GET sys/auth` and `GET sys/auth/<path>` say about one auth mount. */
  private describeAuthMount(path: string, mount: AuthMount | 'token') {
    let type = 'approle';
    if (mount === 'token') type = 'token';
    else if (mount instanceof KubernetesAuthMount) type = 'kubernetes';
    return {
      type,
      description: mount === 'token' ? 'token based credentials' : '',
      accessor: `auth_${type}_${path.replace(/\W/g, '')}`,
      local: false,
      seal_wrap: false,
      external_entropy_access: false,
      options: null,
      config: {
        default_lease_ttl: 0,
        max_lease_ttl: 0,
        force_no_cache: false,
        token_type: 'default-service',
      },
    };
  }

  private listAuthMounts(): VaultHttpResponse {
    const data: Record<string, unknown> = {
      'token/': this.describeAuthMount('token', 'token'),
    };
    for (const [path, mount] of [...this.authMounts].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      data[`${path}/`] = this.describeAuthMount(path, mount);
    }
    return envelope({ data });
  }

  /**
   * `sys/auth/<path>`: read one mount, enable (`POST`, `type` kubernetes or approle), disable
   * (`DELETE`). Enabling and disabling need `sudo` besides the path's own capability, as in Vault.
   */
  private handleAuthMount(
    token: EmulatedToken,
    operation: VaultOperation,
    rawPath: string,
    body: Record<string, unknown>,
  ): VaultHttpResponse {
    const path = trimSlashes(rawPath);
    if (operation === 'read') {
      const mount = this.authMounts.get(path);
      if (path === 'token') {
        return envelope({ data: this.describeAuthMount('token', 'token') });
      }
      return mount
        ? envelope({ data: this.describeAuthMount(path, mount) })
        : badRequest(`No auth engine at auth/${path}/`);
    }
    if (operation !== 'write' && operation !== 'delete') {
      return errorResponse(405, [multiError('unsupported operation')]);
    }
    if (
      !token.policies.includes('root') &&
      !this.capabilities(token, `sys/auth/${path}`).includes('sudo')
    ) {
      return permissionDenied();
    }
    if (operation === 'delete') {
      if (path === 'token') {
        return badRequest('token credential backend cannot be disabled');
      }
      this.authMounts.delete(path);
      return { status: 204, headers: {} };
    }
    const type = typeof body.type === 'string' ? body.type : '';
    if (!type) {
      return badRequest('backend type must be specified as a string');
    }
    if (path === 'token' || this.findMount(this.authMounts, path)) {
      return badRequest(`path is already in use at ${path}/`);
    }
    if (type === 'kubernetes') {
      this.enableKubernetesAuth(path);
    } else if (type === 'approle') {
      this.authMounts.set(path, new AppRoleAuthMount(path, this.loginIssuer));
    } else {
      return badRequest(`plugin not found in the catalog: ${type}`);
    }
    return { status: 204, headers: {} };
  }

  private handlePolicy(
    operation: VaultOperation,
    name: string,
    body: Record<string, unknown>,
  ): VaultHttpResponse {
    switch (operation) {
      case 'read': {
        const normalized = PolicyStore.normalizeName(name);
        if (normalized === 'root') {
          return envelope({ data: { name: 'root', policy: '' } });
        }
        const stored = this.policies.get(normalized);
        return stored
          ? envelope({ data: { name: stored.name, policy: stored.text } })
          : notFound();
      }
      case 'write':
        this.policies.put(name, body.policy);
        return written();
      case 'delete':
        this.policies.delete(name);
        return written();
      default:
        return errorResponse(405, [multiError('unsupported operation')]);
    }
  }

  private readMountInfo(
    token: EmulatedToken,
    mountPath: string,
  ): VaultHttpResponse {
    const kv = this.findMount(this.kvMounts, mountPath);
    const preflight = () =>
      errorResponse(403, [
        `preflight capability check returned 403, please ensure client's policies grant access to path "${mountPath}/"`,
      ]);
    if (!kv) {
      return preflight();
    }
    if (
      !token.policies.includes('root') &&
      !this.hasMountAccess(token, kv.prefix)
    ) {
      return preflight();
    }
    return envelope({
      data: {
        type: 'kv',
        path: `${kv.prefix}/`,
        description: 'key/value secret storage',
        accessor: `kv_${kv.prefix.replace(/\W/g, '')}`,
        local: false,
        seal_wrap: false,
        external_entropy_access: false,
        config: {
          default_lease_ttl: 0,
          max_lease_ttl: 0,
          force_no_cache: false,
        },
        options: kv.mount.version === 2 ? { version: '2' } : null,
      },
    });
  }

  /** Vault answers mount info to any token with some capability below the mount. */
  private hasMountAccess(token: EmulatedToken, prefix: string): boolean {
    const folder = `${prefix}/`;
    return this.policies.parsedFor(token.policies).some(policy =>
      policy.rules.some(rule => {
        if (
          rule.capabilities.includes('deny') ||
          rule.capabilities.length === 0
        ) {
          return false;
        }
        if (rule.path.startsWith(folder)) return true;
        return (
          rule.path.endsWith('*') && folder.startsWith(rule.path.slice(0, -1))
        );
      }),
    );
  }
}
