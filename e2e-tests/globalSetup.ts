// Playwright's webServer waits for the frontend; the backend may still be starting its plugins.
// Wait (bounded) until it reports ready, so the first test does not race it.
const readinessUrl = 'http://localhost:7007/.backstage/health/v1/readiness';

export default async function globalSetup() {
  const deadline = Date.now() + 180_000;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(readinessUrl);
      if (response.ok) {
        return;
      }
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  throw new Error(`Backend not ready at ${readinessUrl}: ${lastError}`);
}
