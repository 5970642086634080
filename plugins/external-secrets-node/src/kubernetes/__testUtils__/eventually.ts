/**
 * Retries an assertion until it passes or the time is up (then throws its last error). For
 * tests of background caches, which converge shortly after the fake API changes.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 20));
    }
  }
}
