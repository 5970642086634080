import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubernetesEmulator } from './KubernetesEmulator';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * A Node `(req, res)` listener serving the emulator, for `http.createServer` or
 * `https.createServer` (the sandbox serves it over HTTPS with a generated CA).
 *
 * @public
 */
export function createKubernetesRequestListener(emulator: KubernetesEmulator) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const bytes = ['GET', 'HEAD'].includes(method)
      ? undefined
      : await readBody(req);
    const response = await emulator.handle({
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: bytes?.toString('utf8'),
      bodyBytes: bytes,
    });
    if (response.networkError) {
      req.socket.destroy();
      return;
    }
    res.writeHead(response.status, response.headers);
    if (!response.stream) {
      // plain-text answers (health checks) are strings; everything else is JSON
      res.end(
        typeof response.body === 'string'
          ? response.body
          : JSON.stringify(response.body),
      );
      return;
    }
    // A watch may have nothing to say for a while; clients wait for the headers first.
    res.flushHeaders();
    const reader = response.stream.getReader();
    req.on('close', () => {
      reader.cancel().catch(() => undefined);
    });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        res.write(value);
      }
      res.end();
    } catch {
      // A broken watch (cluster down) drops the connection rather than ending the response.
      res.destroy();
    }
  };
}
