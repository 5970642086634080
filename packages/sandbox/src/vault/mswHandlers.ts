import { HttpResponse, http } from 'msw';
import { decodePath } from './decodePath';
import { VaultEmulator } from './VaultEmulator';

/**
 * msw 2 request handlers that serve a Vault emulator at `baseUrl` (e.g.
 * `https://vault.test:8200`), for in-process tests with `setupServer`.
 *
 * @public
 */
export function vaultHandlers(emulator: VaultEmulator, baseUrl: string) {
  const root = baseUrl.replace(/\/+$/, '');
  return [
    http.all(`${root}/v1/*`, async ({ request }) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const text =
        request.method === 'GET' || request.method === 'HEAD'
          ? undefined
          : await request.text();
      const response = await emulator.handle({
        method: request.method,
        path: decodePath(url.pathname),
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
        body: text === '' ? undefined : text,
      });
      if (response.networkError) {
        return HttpResponse.error();
      }
      return new HttpResponse(response.body ?? null, {
        status: response.status,
        headers: response.headers,
      });
    }),
  ];
}
