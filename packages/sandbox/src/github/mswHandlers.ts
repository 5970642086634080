import { HttpResponse, http } from 'msw';
import type { GitHubEmulator } from './GitHubEmulator';

/**
 * msw 2 handlers serving the emulator's REST and GraphQL API at its `baseUrl`, for in-process
 * tests with `setupServer`. Git's smart HTTP (clone, push) needs the loopback server of
 * {@link GitHubEmulator.start}; these handlers cover everything else, e.g.
 * `publish:github:pull-request` and the GitHub URL reader.
 */
export function githubHandlers(emulator: GitHubEmulator) {
  return [
    http.all(`${emulator.baseUrl}/api/*`, async ({ request }) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const response = await emulator.handle({
        method: request.method,
        url: url.pathname + url.search,
        headers,
        body:
          request.method === 'GET' || request.method === 'HEAD'
            ? undefined
            : await request.text(),
      });
      return new HttpResponse(response.body ?? null, {
        status: response.status,
        headers: response.headers,
      });
    }),
  ];
}
