import type {
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  KvMetadataInfo,
} from '@gitops-secrets/plugin-external-secrets-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { describeVaultError } from '@gitops-secrets/plugin-external-secrets-node';
import type { VaultFacts } from './diagnosis/diagnose';

/**
 * The Vault reads diagnosis needs: configuration and KV metadata, never KV data. The node
 * package's `VaultClient` implements it.
 */
export interface VaultConfigurationReader {
  kvVersion(mount: string): Promise<1 | 2>;
  readKubernetesAuthConfig(
    mount: string,
  ): Promise<KubernetesAuthConfigInfo | undefined>;
  readKubernetesRole(
    mount: string,
    role: string,
  ): Promise<KubernetesRoleInfo | undefined>;
  readPolicy(name: string): Promise<string | undefined>;
  readKvMetadata(
    mount: string,
    key: string,
  ): Promise<KvMetadataInfo | undefined>;
}

/** The Vault side of one store, as its spec names it. */
export interface StoreVaultRef {
  server?: string;
  path?: string;
  authMountPath?: string;
  role?: string;
}

export interface VaultFactsProviderOptions {
  reader: VaultConfigurationReader;
  /** the Vault the reader talks to; stores pointing at another server are not diagnosed */
  baseUrl: string;
  ttlMs?: number;
  /** most Vault reads started per second; beyond that diagnosis waits for the cache */
  maxReadsPerSecond?: number;
  now?: () => number;
  logger?: LoggerService;
}

function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return (
      x.protocol === y.protocol && x.host.toLowerCase() === y.host.toLowerCase()
    );
  } catch {
    return false;
  }
}

class RateLimited extends Error {}

/**
 * Reads what diagnosis needs from Vault through a TTL cache and a per-second budget, so a page
 * full of failing ExternalSecrets costs Vault a handful of reads per minute. Any failure becomes
 * `VaultFacts.error`, never an exception: the rest of the status stands without Vault.
 */
export class VaultFactsProvider {
  private readonly reader: VaultConfigurationReader;
  private readonly baseUrl: string;
  private readonly ttlMs: number;
  private readonly maxReadsPerSecond: number;
  private readonly now: () => number;
  private readonly logger?: LoggerService;
  private readonly cache = new Map<
    string,
    { at: number; value: Promise<unknown>; resolved?: unknown }
  >();
  private windowStart = 0;
  private readsInWindow = 0;

  constructor(options: VaultFactsProviderOptions) {
    this.reader = options.reader;
    this.baseUrl = options.baseUrl;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxReadsPerSecond = options.maxReadsPerSecond ?? 20;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
  }

  /** Whether stores on this server can be diagnosed with the configured Vault access. */
  covers(server: string | undefined): boolean {
    return !!server && sameServer(server, this.baseUrl);
  }

  /**
   * Forgets every cached fact behind a store and the given remote keys, so that the next
   * diagnosis reads Vault again. Called when the state of an ExternalSecret or its store changes
   * (a new Warning Event, Ready flipping): what was true before the change may be gone.
   */
  invalidate(ref: StoreVaultRef, remoteKeys: string[] = []): void {
    if (!this.covers(ref.server)) {
      return;
    }
    const authMount = ref.authMountPath || 'kubernetes';
    const keys = [`auth:${authMount}`];
    if (ref.role) {
      const roleKey = `role:${authMount}:${ref.role}`;
      const role = this.cache.get(roleKey)?.resolved as
        | { tokenPolicies?: string[] }
        | undefined;
      keys.push(
        roleKey,
        ...(role?.tokenPolicies ?? []).map(p => `policy:${p}`),
      );
    }
    if (ref.path) {
      const mount = ref.path.replace(/\/+$/, '');
      keys.push(`kv:${mount}`, ...remoteKeys.map(k => `kvmeta:${mount}:${k}`));
    }
    for (const key of keys) {
      this.cache.delete(key);
    }
  }

  async factsFor(
    ref: StoreVaultRef,
    remoteKeys: string[],
  ): Promise<VaultFacts | undefined> {
    if (!this.covers(ref.server) || !ref.path || !ref.role) {
      return undefined;
    }
    const authMount = ref.authMountPath || 'kubernetes';
    const mount = ref.path.replace(/\/+$/, '');
    try {
      const [kvVersion, authConfig, role] = await Promise.all([
        this.cached(`kv:${mount}`, () => this.reader.kvVersion(mount)).catch(
          () => undefined,
        ),
        this.cached(`auth:${authMount}`, () =>
          this.reader.readKubernetesAuthConfig(authMount),
        ),
        this.cached(`role:${authMount}:${ref.role}`, () =>
          this.reader.readKubernetesRole(authMount, ref.role!),
        ),
      ]);
      const policies: Record<string, string | null> = {};
      for (const name of role?.tokenPolicies ?? []) {
        policies[name] =
          (await this.cached(`policy:${name}`, () =>
            this.reader.readPolicy(name),
          )) ?? null;
      }
      const kvExists: Record<string, boolean> = {};
      for (const key of remoteKeys) {
        const metadata = await this.cached(`kvmeta:${mount}:${key}`, () =>
          this.reader.readKvMetadata(mount, key),
        ).catch(error => {
          // The backend's token may not see every app's metadata; that is not a finding.
          if (error instanceof RateLimited) throw error;
          return 'unknown' as const;
        });
        if (metadata !== 'unknown') {
          kvExists[key] = metadata !== undefined;
        }
      }
      return {
        kvVersion,
        authConfig: authConfig ?? null,
        role: role ?? null,
        policies,
        kvExists,
      };
    } catch (error) {
      if (error instanceof RateLimited) {
        return {
          error:
            'too many Vault reads right now; diagnosis will complete on the next refresh',
        };
      }
      // The message names paths and may name addresses: it goes to the log, not to the caller.
      this.logger?.warn(`Vault read for diagnosis failed: ${error}`);
      return { error: describeVaultError(error) };
    }
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) {
      return hit.value as Promise<T>;
    }
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.readsInWindow = 0;
    }
    if (this.readsInWindow >= this.maxReadsPerSecond) {
      return Promise.reject(new RateLimited());
    }
    this.readsInWindow += 1;
    const value = read();
    const entry: { at: number; value: Promise<unknown>; resolved?: unknown } = {
      at: now,
      value,
    };
    this.cache.set(key, entry);
    value.then(
      resolved => {
        entry.resolved = resolved;
      },
      () => undefined,
    );
    // Failures are not cached: the next request tries again (within the budget).
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }
}
