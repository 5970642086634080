import { backoffDelay } from './retry';

describe('backoffDelay', () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [9, 1000],
  ])(
    'waits at most the exponential ceiling before retry %i (%i ms)',
    (attempt, ceiling) => {
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBe(ceiling);
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
    },
  );

  it('spreads retries with full jitter', () => {
    let i = 0;
    const randoms = [0.1, 0.5, 0.9];
    const delays = randoms.map(() =>
      backoffDelay(2, policy, () => randoms[i++]),
    );
    expect(delays).toEqual([40, 200, 360]);
  });

  it('caps at 5 s when no maximum is given', () => {
    expect(
      backoffDelay(20, { maxRetries: 1, baseDelayMs: 200 }, () => 0.999999),
    ).toBe(5000);
  });
});
