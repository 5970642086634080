import { CircuitBreaker, CircuitOpenError } from './CircuitBreaker';

const unavailable = () => true;

/** A call that answers after `ms` of fake time (or never), or fails then. */
function callTaking<T>(ms: number | 'never', value?: T, fail = false) {
  return () =>
    new Promise<T>((resolve, reject) => {
      if (ms === 'never') return;
      setTimeout(
        () => (fail ? reject(new Error('timeout')) : resolve(value as T)),
        ms,
      );
    });
}

function breaker(slowMs?: number) {
  return new CircuitBreaker({
    failureThreshold: 3,
    openMs: 10_000,
    maxOpenMs: 40_000,
    slowMs,
    now: Date.now,
  });
}

describe('CircuitBreaker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens after the threshold of unavailability failures, refuses calls at once, then probes', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) {
      await expect(
        b.run(() => Promise.reject(new Error('ECONNRESET')), unavailable),
      ).rejects.toThrow('ECONNRESET');
    }
    expect(b.state).toBe('open');
    const call = jest.fn(async () => 'ok');
    await expect(b.run(call, unavailable)).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    expect(call).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(b.state).toBe('half-open');
    await expect(b.run(call, unavailable)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });

  describe('slow', () => {
    it('is slow once a call has been running longer than slowMs, before any call fails', async () => {
      const b = breaker(1000);
      b.run(callTaking('never'), unavailable).catch(() => undefined);
      expect(b.slow).toBe(false);
      await jest.advanceTimersByTimeAsync(999);
      expect(b.slow).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(b.slow).toBe(true);
      // a Vault that does not answer is not yet a failure: the circuit stays closed
      expect(b.state).toBe('closed');
    });

    it('stays slow while calls answer, but late, and the circuit never opens for it', async () => {
      const b = breaker(1000);
      for (let i = 0; i < 5; i++) {
        const answer = b.run(callTaking(2000, i), unavailable);
        await jest.advanceTimersByTimeAsync(2000);
        await expect(answer).resolves.toBe(i);
        expect(b.slow).toBe(true);
        expect(b.state).toBe('closed');
      }
    });

    it('counts a call that timed out as slow', async () => {
      const b = breaker(1000);
      const answer = b.run(callTaking(5000, undefined, true), unavailable);
      answer.catch(() => undefined);
      await jest.advanceTimersByTimeAsync(5000);
      await expect(answer).rejects.toThrow('timeout');
      expect(b.slow).toBe(true);
    });

    it('is fast again as soon as a call answers within slowMs, whatever older calls still hang', async () => {
      const b = breaker(1000);
      b.run(callTaking('never'), unavailable).catch(() => undefined);
      await jest.advanceTimersByTimeAsync(1500);
      expect(b.slow).toBe(true);
      const quick = b.run(callTaking(10, 'ok'), unavailable);
      await jest.advanceTimersByTimeAsync(10);
      await expect(quick).resolves.toBe('ok');
      expect(b.slow).toBe(false);
      // a call started after the quick one and hanging past slowMs makes it slow again
      b.run(callTaking('never'), unavailable).catch(() => undefined);
      await jest.advanceTimersByTimeAsync(1000);
      expect(b.slow).toBe(true);
    });

    it('still counts a hanging call started in the same millisecond as one that answered at once', async () => {
      const b = breaker(1000);
      b.run(callTaking('never'), unavailable).catch(() => undefined);
      // e.g. a read the client answers from its own settings, without Vault
      await b.run(async () => 'local', unavailable);
      expect(b.slow).toBe(false);
      await jest.advanceTimersByTimeAsync(1000);
      expect(b.slow).toBe(true);
    });

    it('forgets a slow answer after slowMemoryMs without newer evidence', async () => {
      const b = new CircuitBreaker({
        failureThreshold: 3,
        openMs: 10_000,
        maxOpenMs: 40_000,
        slowMs: 1000,
        slowMemoryMs: 10_000,
        now: Date.now,
      });
      const late = b.run(callTaking(2000, 'late'), unavailable);
      await jest.advanceTimersByTimeAsync(2000);
      await late;
      await jest.advanceTimersByTimeAsync(9999);
      expect(b.slow).toBe(true);
      await jest.advanceTimersByTimeAsync(1);
      expect(b.slow).toBe(false);
    });

    it('is never slow without slowMs', async () => {
      const b = breaker();
      b.run(callTaking('never'), unavailable).catch(() => undefined);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(b.slow).toBe(false);
    });
  });
});
