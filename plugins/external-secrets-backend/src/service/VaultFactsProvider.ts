import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  KubernetesAuthConfigInfo,
  KubernetesRoleInfo,
  KvMetadataInfo,
  VaultErrorDetails,
} from '@gitops-secrets/plugin-external-secrets-node';
import { describeVaultError } from '@gitops-secrets/plugin-external-secrets-node';
import { CircuitBreaker, CircuitOpenError } from './CircuitBreaker';
import type { KvKeyMetadata } from '@gitops-secrets/plugin-external-secrets-common';
import type { VaultFacts } from './diagnosis/diagnose';
import { FactsCache } from './FactsCache';

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

/** Bounds and timings of the facts cache; every field has a default. */
export interface VaultFactsLimits {
  /** how long an answer is cached; default 60 s */
  ttlMs: number;
  /** how long a failed read is cached; default 10 s */
  failureTtlMs: number;
  /** most cached reads; default 50,000 (keep it above the KV keys plus roles and policies) */
  maxEntries: number;
  /** most Vault reads started per second; default 20 */
  maxReadsPerSecond: number;
  /**
   * how old a key's KV metadata (freshness) may be when the per-second budget has no room to
   * read it again: until then the last answer is served; default 1 h
   */
  metadataMaxStaleMs: number;
  /** failures in a row (no answer, 5xx, 429) that open the circuit; default 3 */
  breakerFailureThreshold: number;
  /** first open period of the circuit, doubling while Vault stays down; default 10 s */
  breakerOpenMs: number;
  /** longest open period; default 2 min */
  breakerMaxOpenMs: number;
}

export const DEFAULT_VAULT_FACTS_LIMITS: VaultFactsLimits = {
  ttlMs: 60_000,
  failureTtlMs: 10_000,
  maxEntries: 50_000,
  maxReadsPerSecond: 20,
  metadataMaxStaleMs: 3_600_000,
  breakerFailureThreshold: 3,
  breakerOpenMs: 10_000,
  breakerMaxOpenMs: 120_000,
};

export interface VaultFactsProviderOptions extends Partial<VaultFactsLimits> {
  reader: VaultConfigurationReader;
  /** the Vault the reader talks to; stores pointing at another server are not diagnosed */
  baseUrl: string;
  /**
   * a read running longer than this makes the Vault `slow` (see {@link VaultFactsProvider.isSlow});
   * the status route sets its budget; default 1000 ms
   */
  slowMs?: number;
  now?: () => number;
  logger?: LoggerService;
}

function origin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host.toLowerCase()}`;
  } catch {
    return undefined;
  }
}

class RateLimited extends Error {}

/**
 * Parts of the per-second read budget: a key's first freshness read may use three quarters of
 * it (diagnosis of a failing row always finds room in the rest), a re-read of an expired key half.
 */
const FRESHNESS_SHARE = 0.75;
const REFRESH_SHARE = 0.5;

/** Failures that say Vault is unavailable, as opposed to an answer such as 403 or 404. */
function unavailable(error: unknown): boolean {
  const status = (error as VaultErrorDetails)?.vaultStatus;
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Reads what diagnosis needs from Vault: every read of a store's facts in parallel, through a
 * bounded cache (answers 60 s, failures 10 s, LRU), a per-second budget and a circuit breaker per
 * Vault address, so a page full of failing ExternalSecrets costs Vault a handful of reads per
 * minute and a Vault that is down costs one probe per open period. Never retried here: the
 * reader has no retries, and a read that outlives a status request's budget goes on in the
 * background and fills the cache. Any failure becomes `VaultFacts.error` in words safe to show
 * (the detail is logged), never an exception.
 */
export class VaultFactsProvider {
  private readonly reader: VaultConfigurationReader;
  private readonly address: string | undefined;
  private readonly limits: VaultFactsLimits;
  private readonly now: () => number;
  private readonly slowMs: number;
  private readonly logger?: LoggerService;
  private readonly cache: FactsCache;
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** KV metadata keys to read again, oldest first (bounded like the cache) */
  private readonly refreshQueue = new Map<string, () => Promise<unknown>>();
  private windowStart = 0;
  private readsInWindow = 0;
  private lastLogged = '';

  constructor(options: VaultFactsProviderOptions) {
    this.reader = options.reader;
    this.address = origin(options.baseUrl);
    this.now = options.now ?? Date.now;
    this.slowMs = options.slowMs ?? 1000;
    this.logger = options.logger;
    this.limits = { ...DEFAULT_VAULT_FACTS_LIMITS };
    for (const key of Object.keys(DEFAULT_VAULT_FACTS_LIMITS) as Array<
      keyof VaultFactsLimits
    >) {
      if (options[key] !== undefined) this.limits[key] = options[key]!;
    }
    this.cache = new FactsCache({
      ttlMs: this.limits.ttlMs,
      failureTtlMs: this.limits.failureTtlMs,
      maxEntries: this.limits.maxEntries,
      maxStaleMs: Math.max(this.limits.ttlMs, this.limits.metadataMaxStaleMs),
      now: this.now,
    });
  }

  /** How many reads the cache holds (for the bound's tests). */
  get cachedReads(): number {
    return this.cache.size;
  }

  /** Whether stores on this server can be diagnosed with the configured Vault access. */
  covers(server: string | undefined): boolean {
    return !!server && !!this.address && origin(server) === this.address;
  }

  /**
   * Whether the Vault of `server` is known to be slow: a read has been running longer than the
   * status budget, or the last one to finish took longer (a timeout included), and none has
   * answered in time since. A request path then takes what is cached and does not wait for the
   * rest: the reads go on in the background and fill the cache.
   */
  isSlow(server: string | undefined): boolean {
    return this.covers(server) && this.breaker().slow;
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
      const role = this.cache.peek<KubernetesRoleInfo | undefined>(roleKey);
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

  /**
   * The facts behind one store and its remote keys; undefined when the store is not on the
   * configured Vault. Never rejects. May take as long as the reader's timeout: callers on a
   * request path race it against their budget.
   */
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
      const rolePolicies = this.read(`role:${authMount}:${ref.role}`, () =>
        this.reader.readKubernetesRole(authMount, ref.role!),
      ).then(async role => {
        const names = role?.tokenPolicies ?? [];
        const texts = await Promise.all(
          names.map(name =>
            this.read(`policy:${name}`, () => this.reader.readPolicy(name)),
          ),
        );
        return {
          role,
          policies: Object.fromEntries(
            names.map((name, i) => [name, texts[i] ?? null]),
          ),
        };
      });
      const [kvVersion, authConfig, { role, policies }, metadata] =
        await Promise.all([
          this.read(`kv:${mount}`, () => this.reader.kvVersion(mount)).catch(
            error => {
              if (error instanceof CircuitOpenError) throw error;
              return undefined;
            },
          ),
          this.read(`auth:${authMount}`, () =>
            this.reader.readKubernetesAuthConfig(authMount),
          ),
          rolePolicies,
          Promise.all(
            remoteKeys.map(key =>
              this.metadata(mount, key, 1).catch(error => {
                // The backend's token may not see every app's metadata, and a key over the
                // read budget waits for a later request: neither is a finding.
                if (error instanceof CircuitOpenError) throw error;
                return 'unknown' as const;
              }),
            ),
          ),
        ]);
      const kvExists: Record<string, boolean> = {};
      remoteKeys.forEach((key, i) => {
        if (metadata[i] !== 'unknown') {
          kvExists[key] = metadata[i] !== undefined;
        }
      });
      return {
        kvVersion,
        authConfig: authConfig ?? null,
        role: role ?? null,
        policies,
        kvExists,
      };
    } catch (error) {
      return { error: this.describe(error) };
    }
  }

  /**
   * Vault's KV metadata of each key (current version and write times, never a value, never
   * custom metadata), for freshness. Shares the cache, the read budget and the circuit breaker
   * with diagnosis (the same `kvmeta:` entries), so a row that is both failing and checked for
   * freshness costs one read per key and TTL. Needs only `read` on `<mount>/metadata/*`.
   * Undefined when the store is not on the configured Vault. Never rejects: a key that could
   * not be read carries `{ error }` in words safe to show.
   */
  async kvMetadataFor(
    ref: Pick<StoreVaultRef, 'server' | 'path'>,
    keys: string[],
  ): Promise<Record<string, KvKeyMetadata> | undefined> {
    if (!this.covers(ref.server) || !ref.path || keys.length === 0) {
      return undefined;
    }
    const mount = ref.path.replace(/\/+$/, '');
    const answers = await Promise.all(
      keys.map(key =>
        this.metadata(mount, key, FRESHNESS_SHARE).then(
          (info): KvKeyMetadata =>
            info
              ? {
                  kvVersion: info.kvVersion,
                  currentVersion: info.currentVersion,
                  updatedTime: info.updatedTime,
                  versions: Object.fromEntries(
                    Object.entries(info.versions ?? {}).map(([n, v]) => [
                      n,
                      { created_time: v?.created_time },
                    ]),
                  ),
                }
              : null,
          (error): KvKeyMetadata => ({ error: this.describe(error) }),
        ),
      ),
    );
    return Object.fromEntries(keys.map((key, i) => [key, answers[i]]));
  }

  private describe(error: unknown): string {
    if (error instanceof RateLimited) {
      return 'too many Vault reads right now; diagnosis completes on a later refresh';
    }
    if (error instanceof CircuitOpenError) {
      const seconds = Math.max(
        1,
        Math.ceil((error.retryAt - this.now()) / 1000),
      );
      return `Vault did not answer the last reads; it is asked again in ${seconds} s`;
    }
    // The message names paths and may name addresses: the log gets it, the caller does not.
    const text = String(error);
    if (text !== this.lastLogged) {
      this.lastLogged = text;
      this.logger?.warn(`Vault read for diagnosis failed: ${text}`);
    }
    return describeVaultError(error);
  }

  private breaker(): CircuitBreaker {
    const key = this.address ?? '';
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker({
        failureThreshold: this.limits.breakerFailureThreshold,
        openMs: this.limits.breakerOpenMs,
        maxOpenMs: this.limits.breakerMaxOpenMs,
        slowMs: this.slowMs,
        // a slow answer is evidence as long as a failure is
        slowMemoryMs: Math.max(this.limits.failureTtlMs, this.slowMs),
        now: this.now,
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Whether the reads started this second leave room for `share` of the per-second budget. */
  private budgetHasRoom(share: number): boolean {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.readsInWindow = 0;
    }
    return this.readsInWindow < this.limits.maxReadsPerSecond * share;
  }

  /**
   * One key's KV metadata. A key read before whose answer has expired is queued to be read
   * again, and its last answer (up to `metadataMaxStaleMs` old) is served meanwhile; the queue
   * is drained oldest first, only while the reads of this second use less than half the
   * per-second budget (the rest is kept for reads nobody has an answer for yet; a first read
   * for freshness may use up to three quarters, one for diagnosis all of it). So
   * 10,000 rows' freshness never costs more than `maxReadsPerSecond`, every key in view is
   * re-read within about (keys in the queue) ÷ (budget ÷ 2) seconds, and a row read once does
   * not turn Unknown because the budget is busy.
   */
  private metadata(
    mount: string,
    key: string,
    share: number,
  ): Promise<KvMetadataInfo | undefined> {
    const cacheKey = `kvmeta:${mount}:${key}`;
    const read = () =>
      this.read(cacheKey, () => this.reader.readKvMetadata(mount, key), share);
    if (!this.cache.has(cacheKey) && this.breaker().state !== 'open') {
      const stale = this.cache.peekStale<KvMetadataInfo | undefined>(cacheKey);
      if (stale) {
        if (!this.refreshQueue.has(cacheKey)) {
          if (this.refreshQueue.size >= this.limits.maxEntries) {
            this.refreshQueue.delete(this.refreshQueue.keys().next().value!);
          }
          this.refreshQueue.set(cacheKey, read);
        }
        this.drainRefreshQueue();
        if (!this.cache.has(cacheKey)) {
          return Promise.resolve(stale.value);
        }
      }
    }
    return read();
  }

  private drainRefreshQueue() {
    while (this.refreshQueue.size > 0 && this.budgetHasRoom(REFRESH_SHARE)) {
      const [cacheKey, read] = this.refreshQueue.entries().next().value!;
      this.refreshQueue.delete(cacheKey);
      if (!this.cache.has(cacheKey)) {
        // the answer lands in the cache; a failure is cached briefly and shows as such
        read().catch(() => undefined);
      }
    }
  }

  /** `share`: the part of the per-second budget this read may use (diagnosis: all of it) */
  private read<T>(key: string, call: () => Promise<T>, share = 1): Promise<T> {
    if (!this.cache.has(key)) {
      // Refusals of our own (budget, open circuit) are not Vault's answers: never cached.
      const breaker = this.breaker();
      if (breaker.state === 'open') {
        return breaker.run(call, unavailable);
      }
      if (!this.budgetHasRoom(share)) {
        return Promise.reject(new RateLimited());
      }
      this.readsInWindow += 1;
    }
    return this.cache.get(key, () => this.breaker().run(call, unavailable));
  }
}
