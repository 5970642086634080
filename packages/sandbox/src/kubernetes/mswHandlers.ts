import { HttpResponse, http } from 'msw';
import { KubernetesEmulator, KubernetesResponse } from './KubernetesEmulator';

/**
 * The interceptor only sends response headers with the first body chunk, while a real API
 * server sends them at once; a watch with nothing to report yet would leave the client waiting
 * for its response. A leading newline (JSON whitespace, skipped by watch decoders) sends them.
 */
function withLeadingNewline(
  stream: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('\n'));
    },
  });
  stream.pipeTo(writable).catch(() => undefined);
  return readable;
}

function toHttpResponse(
  response: KubernetesResponse,
  clientGone: AbortSignal,
): Response {
  if (response.networkError) {
    return HttpResponse.error();
  }
  if (response.stream) {
    const stream = withLeadingNewline(response.stream);
    // End the watch on the emulator's side when the client aborts it (where the interceptor
    // reports aborts; otherwise it ends with `emulator.close()`).
    clientGone.addEventListener('abort', () => {
      stream.cancel().catch(() => undefined);
    });
    return new HttpResponse(stream, {
      status: response.status,
      headers: response.headers,
    });
  }
  const body =
    typeof response.body === 'string'
      ? response.body
      : JSON.stringify(response.body);
  return new HttpResponse(body, {
    status: response.status,
    headers: response.headers,
  });
}

/**
 * msw request handlers that serve the emulator at `baseUrl` (default: the emulator's own URL),
 * for tests that talk to it in-process with `@kubernetes/client-node` or fetch.
 *
 * @public
 */
export function kubernetesHandlers(
  emulator: KubernetesEmulator,
  baseUrl: string = emulator.url,
) {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return [
    http.all(`${base.origin}${prefix}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      const hasBody = !['GET', 'HEAD'].includes(request.method.toUpperCase());
      const response = await emulator.handle({
        method: request.method,
        path: url.pathname.slice(prefix.length) || '/',
        query: url.searchParams,
        headers,
        body: hasBody ? await request.text() : undefined,
      });
      return toHttpResponse(response, request.signal);
    }),
  ];
}
