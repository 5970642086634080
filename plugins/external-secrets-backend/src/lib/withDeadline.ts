/** A call that did not settle within its deadline; `name` is `TimeoutError` as for `AbortSignal.timeout()`. */
export class DeadlineExceededError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} got no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles as `work` does, or rejects with {@link DeadlineExceededError} after `ms`, whichever
 * comes first. For calls that take no abort signal (the catalog service's): the work itself is
 * not stopped, only no longer waited for, so a caller that holds a "busy" flag gets it back.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, ms)), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
