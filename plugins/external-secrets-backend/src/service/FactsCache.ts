/** One cached read: in flight, answered, or failed. */
interface Entry<T> {
  /** when the entry stops being served (failures expire sooner than answers) */
  expiresAt: number;
  promise: Promise<T>;
  settled: boolean;
  value?: T;
}

export interface FactsCacheOptions {
  /** how long an answer is served */
  ttlMs: number;
  /** how long a failure is served, so a dead Vault is not asked again on every request */
  failureTtlMs: number;
  /** most entries kept; the least recently used go first */
  maxEntries: number;
  now: () => number;
}

/**
 * A bounded cache of reads: concurrent callers of one key share one read, answers live `ttlMs`,
 * failures `failureTtlMs`, at most `maxEntries` entries are kept (least recently used evicted)
 * and expired entries are swept once per TTL, so memory stays bounded however many stores,
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
    };
    entry.promise.then(
      value => {
        entry.settled = true;
        entry.value = value;
        entry.expiresAt = this.options.now() + this.options.ttlMs;
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
        if (entry.settled && now >= entry.expiresAt) {
          this.entries.delete(key);
        }
      }
    }
  }
}
