/** One cached read: in flight, answered, or failed. */
interface Entry<T> {
  /** when the entry stops being served (failures expire sooner than answers) */
  expiresAt: number;
  promise: Promise<T>;
  settled: boolean;
  value?: T;
  /** the newest answer and when it came (this entry's, or the one it replaced) */
  last?: { value: T; at: number };
}

export interface FactsCacheOptions {
  /** how long an answer is served */
  ttlMs: number;
  /** how long a failure is served, so a dead Vault is not asked again on every request */
  failureTtlMs: number;
  /** most entries kept; the least recently used go first */
  maxEntries: number;
  /**
   * how long after it came an answer may still be served as stale ({@link FactsCache.peekStale})
   * while it is read again; default `ttlMs` (no stale serving)
   */
  maxStaleMs?: number;
  now: () => number;
}

/**
 * A bounded cache of reads: concurrent callers of one key share one read, answers live `ttlMs`,
 * failures `failureTtlMs`, at most `maxEntries` entries are kept (least recently used evicted)
 * and expired entries are swept once per TTL (an answer that may be served stale is kept until
 * `maxStaleMs`), so memory stays bounded however many stores,
 * roles and keys pass through.
 */
export class FactsCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private lastSweep: number;

  constructor(private readonly options: FactsCacheOptions) {
    this.lastSweep = options.now();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached read of `key`, or a new one started with `read`. */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.options.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && (!hit.settled || now < hit.expiresAt)) {
      // least recently used order: a hit moves to the end
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.promise;
    }
    const entry: Entry<T> = {
      expiresAt: Infinity,
      promise: read(),
      settled: false,
      last: hit?.last,
    };
    entry.promise.then(
      value => {
        const at = this.options.now();
        entry.settled = true;
        entry.value = value;
        entry.last = { value, at };
        entry.expiresAt = at + this.options.ttlMs;
      },
      () => {
        entry.settled = true;
        entry.expiresAt = this.options.now() + this.options.failureTtlMs;
      },
    );
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.evict(now);
    return entry.promise;
  }

  /** Whether `key` has a read in flight or an entry that has not expired. */
  has(key: string): boolean {
    const hit = this.entries.get(key);
    return !!hit && (!hit.settled || this.options.now() < hit.expiresAt);
  }

  /** The answer held for `key`, when there is one that has not expired. */
  peek<T>(key: string): T | undefined {
    const hit = this.entries.get(key) as Entry<T> | undefined;
    return hit?.settled && this.options.now() < hit.expiresAt
      ? hit.value
      : undefined;
  }

  /**
   * The newest answer for `key` that came at most `maxStaleMs` ago, also while the entry has
   * expired, is being read again or its new read failed; with when it came.
   */
  peekStale<T>(key: string): { value: T; at: number } | undefined {
    const last = this.entries.get(key)?.last as
      | { value: T; at: number }
      | undefined;
    const maxStale = this.options.maxStaleMs ?? this.options.ttlMs;
    return last && this.options.now() - last.at < maxStale ? last : undefined;
  }

  /** Forgets `key`; a read in flight for it still answers its callers but is not kept. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number) {
    while (this.entries.size > this.options.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    if (now - this.lastSweep >= this.options.ttlMs) {
      this.lastSweep = now;
      for (const [key, entry] of this.entries) {
        const keptUntil = Math.max(
          entry.expiresAt,
          (entry.last?.at ?? -Infinity) +
            (this.options.maxStaleMs ?? this.options.ttlMs),
        );
        if (entry.settled && now >= keptUntil) {
          this.entries.delete(key);
        }
      }
    }
  }
}
