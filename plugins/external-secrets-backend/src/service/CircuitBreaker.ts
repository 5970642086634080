export interface CircuitBreakerOptions {
  /** consecutive unavailability failures that open the circuit */
  failureThreshold: number;
  /** how long the circuit stays open before one probe may go through; doubles while failing */
  openMs: number;
  /** the longest open period */
  maxOpenMs: number;
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
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private openFor: number;
  /** the probe of a half-open circuit; calls meanwhile wait for its outcome */
  private probe: Promise<unknown> | undefined;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.openFor = options.openMs;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.options.failureThreshold) return 'closed';
    return this.options.now() < this.openUntil ? 'open' : 'half-open';
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
    const attempt = call();
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
      if (probe) this.probe = undefined;
    }
  }
}
