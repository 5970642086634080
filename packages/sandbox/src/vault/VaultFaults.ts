/**
 * A rule that makes matching requests fail before the emulator handles them.
 *
 * @public
 */
export interface VaultFailureRule {
  /** Path without `/v1/` (exact) or a pattern; every path when absent. */
  path?: string | RegExp;
  /** Only this method (case-insensitive); every method when absent. */
  method?: string;
  /** How many matching requests fail; 1 when absent. */
  count?: number;
  /** The status to answer; 500 when absent. */
  status?: number;
  /** The `errors` array to answer. */
  errors?: string[];
}

interface ActiveFailure {
  path?: string | RegExp;
  method?: string;
  remaining: number;
  status: number;
  errors: string[];
}

/**
 * Fault injection for the Vault emulator: failures for the next requests, added latency, and
 * an outage. A later admin API drives these; tests call them directly.
 *
 * @public
 */
export class VaultFaults {
  private failures: ActiveFailure[] = [];
  private latency = 0;
  private isDown = false;

  /** Makes the next `count` requests matching the rule fail with `status`. */
  failNext(rule: VaultFailureRule = {}): void {
    this.failures.push({
      path: rule.path,
      method: rule.method?.toUpperCase(),
      remaining: rule.count ?? 1,
      status: rule.status ?? 500,
      errors: rule.errors ?? ['internal error'],
    });
  }

  /** Delays every answer by `ms` milliseconds (0 to stop). */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) {
      throw new RangeError('latency must be between 0 and 60000 ms');
    }
    this.latency = ms;
  }

  get latencyMs(): number {
    return this.latency;
  }

  /** While down, transports drop connections without answering. */
  setDown(down: boolean): void {
    this.isDown = down;
  }

  get down(): boolean {
    return this.isDown;
  }

  /** Removes every fault. */
  clear(): void {
    this.failures = [];
    this.latency = 0;
    this.isDown = false;
  }

  /** The failure to answer for this request, if one applies; consumes it. */
  take(
    method: string,
    path: string,
  ): { status: number; errors: string[] } | undefined {
    const upper = method.toUpperCase();
    const failure = this.failures.find(
      f =>
        f.remaining > 0 &&
        (!f.method || f.method === upper) &&
        (f.path === undefined ||
          (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (!failure) {
      return undefined;
    }
    failure.remaining--;
    this.failures = this.failures.filter(f => f.remaining > 0);
    return { status: failure.status, errors: failure.errors };
  }
}
