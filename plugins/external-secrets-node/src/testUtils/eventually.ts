/**
 * Retries an assertion until it passes or the time is up (then throws its last error). For
 * tests of background caches, which converge shortly after the fake API changes. The limit is
 * generous because CI shares two cores between suites; a passing test returns at once.
 *
 * @public
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  timeoutMs = 15_000,
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
