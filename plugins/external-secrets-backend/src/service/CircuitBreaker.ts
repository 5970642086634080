export interface CircuitBreakerOptions {
  /** consecutive unavailability failures that open the circuit */
  failureThreshold: number;
  /** how long the circuit stays open before one probe may go through; doubles while failing */
  openMs: number;
  /** the longest open period */
  maxOpenMs: number;
  /**
   * a call that takes longer than this (still running, or answered late) makes the dependency
   * `slow` until a call answers within it; unset: never slow
   */
  slowMs?: number;
  /** how long a slow answer counts as evidence without a newer one; default 10 s */
  slowMemoryMs?: number;
  now: () => number;
}

/** Thrown instead of calling a dependency whose circuit is open. */
export class CircuitOpenError extends Error {
  constructor(readonly retryAt: number) {
    super('circuit open');
    this.name = 'CircuitOpenError';
  }
}

/**
 * A circuit breaker for one dependency (one Vault address): after `failureThreshold` failures in
 * a row that say the dependency is unavailable (no answer, 5xx, 429 — not a 403 or 404, which
 * are answers), calls fail at once for `openMs`; then one call probes, and its success closes
 * the circuit while its failure opens it again for twice as long (up to `maxOpenMs`). So a dead
 * Vault costs one request per open period, not one per row per status request.
 *
 * Separately it tells whether the dependency is `slow`: a call has been running for `slowMs` or
 * longer, or the last call to settle took that long (a timeout included) less than
 * `slowMemoryMs` ago. A Vault that answers, but late, never opens the circuit; callers with a
 * deadline use `slow` to stop waiting for it and answer from what is cached while the calls go
 * on. It stops being slow as soon as a call answers in less than `slowMs` (calls started before
 * that one and still hanging are then not counted), or when the evidence is old.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private openFor: number;
  /** the probe of a half-open circuit; calls meanwhile wait for its outcome */
  private probe: Promise<unknown> | undefined;
  /** start times of the calls in flight, oldest first */
  private readonly inFlight = new Map<number, number>();
  private nextCall = 0;
  /** when the last call to settle did so slowly; undefined once one answered in time */
  private lastSlowAt: number | undefined;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.openFor = options.openMs;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.options.failureThreshold) return 'closed';
    return this.options.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Whether calls take longer than `slowMs` (see the class comment). */
  get slow(): boolean {
    const slowMs = this.options.slowMs;
    if (slowMs === undefined) return false;
    const now = this.options.now();
    if (
      this.lastSlowAt !== undefined &&
      now - this.lastSlowAt < (this.options.slowMemoryMs ?? 10_000)
    ) {
      return true;
    }
    const oldest = this.inFlight.values().next();
    return !oldest.done && now - oldest.value >= slowMs;
  }

  private settled(id: number) {
    const started = this.inFlight.get(id);
    this.inFlight.delete(id);
    const slowMs = this.options.slowMs;
    if (started === undefined || slowMs === undefined) return;
    const now = this.options.now();
    const slow = now - started >= slowMs;
    this.lastSlowAt = slow ? now : undefined;
    if (!slow) {
      // A call started later answered in time: the ones still hanging from before say nothing
      // (calls started in the same millisecond still count).
      for (const [other, at] of this.inFlight) {
        if (at >= started) break;
        this.inFlight.delete(other);
      }
    }
  }

  /** Runs `call` unless the circuit is open; `unavailable` tells which failures count. */
  async run<T>(
    call: () => Promise<T>,
    unavailable: (error: unknown) => boolean,
  ): Promise<T> {
    const state = this.state;
    if (state === 'open') {
      throw new CircuitOpenError(this.openUntil);
    }
    if (state === 'half-open' && this.probe) {
      await this.probe.catch(() => undefined);
      return this.run(call, unavailable);
    }
    const probe = state === 'half-open';
    const id = this.nextCall++;
    this.inFlight.set(id, this.options.now());
    // a synchronous throw becomes a rejection, so the call is always settled
    const attempt = (async () => call())();
    if (probe) this.probe = attempt;
    try {
      const result = await attempt;
      this.failures = 0;
      this.openFor = this.options.openMs;
      return result;
    } catch (error) {
      if (unavailable(error)) {
        this.failures += 1;
        if (this.failures >= this.options.failureThreshold) {
          if (probe) {
            this.openFor = Math.min(this.openFor * 2, this.options.maxOpenMs);
          }
          this.openUntil = this.options.now() + this.openFor;
        }
      } else {
        // Vault answered: it is available, whatever it said.
        this.failures = 0;
        this.openFor = this.options.openMs;
      }
      throw error;
    } finally {
      this.settled(id);
      if (probe) this.probe = undefined;
    }
  }
}
