import type { APIRequestContext, Page } from '@playwright/test';

/**
 * Collects every text response the page receives, so a test can prove a secret value never
 * came back from any API.
 */
export function recordResponses(page: Page): string[] {
  const bodies: string[] = [];
  page.on('response', async response => {
    const type = response.headers()['content-type'] ?? '';
    if (/json|text|javascript|event-stream/.test(type)) {
      bodies.push(await response.text().catch(() => ''));
    }
  });
  return bodies;
}

/** The log and outputs of a scaffolder task, as the backend serves them to its user. */
export async function taskLog(
  request: APIRequestContext,
  backendUrl: string,
  taskId: string,
): Promise<string> {
  const refresh = await request.get(
    `${backendUrl}/api/auth/guest/refresh?env=development`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  const token = (await refresh.json()).backstageIdentity.token;
  const headers = { authorization: `Bearer ${token}` };
  const events = await request.get(
    `${backendUrl}/api/scaffolder/v2/tasks/${taskId}/events`,
    { headers },
  );
  const task = await request.get(
    `${backendUrl}/api/scaffolder/v2/tasks/${taskId}`,
    { headers },
  );
  return `${await events.text()}\n${await task.text()}`;
}
