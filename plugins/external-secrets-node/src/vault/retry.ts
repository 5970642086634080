/** How often and how patiently to retry. */
export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs?: number;
}

/**
 * The wait before retry number `attempt` (0-based): exponential backoff with full jitter,
 * so that many callers failing together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs ?? 5_000,
    policy.baseDelayMs * 2 ** attempt,
  );
  return Math.round(random() * ceiling);
}

export const sleep = (ms: number) =>
  new Promise<void>(resolve => {
    setTimeout(resolve, ms);
  });
