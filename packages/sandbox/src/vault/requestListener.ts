import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodePath } from './decodePath';
import { VaultEmulator } from './VaultEmulator';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A Node `(req, res)` listener serving a Vault emulator, for `http.createServer` or
 * `https.createServer`. Bodies over 1 MiB are refused; while the emulator is "down" the
 * connection is dropped without an answer. Node's HTTP parser rejects the custom `LIST` method
 * before this listener runs, so clients list with `GET ?list=true` (node-vault:
 * `noCustomHTTPVerbs: true`), which Vault accepts too.
 *
 * @public
 */
export function createVaultRequestListener(emulator: VaultEmulator) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: ['request body too large'] }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const url = new URL(req.url ?? '/', 'http://vault.invalid');
      const text = Buffer.concat(chunks).toString('utf8');
      emulator
        .handle({
          method: req.method ?? 'GET',
          path: decodePath(url.pathname),
          query: Object.fromEntries(url.searchParams.entries()),
          headers: req.headers,
          body: text === '' ? undefined : text,
        })
        .then(response => {
          if (response.networkError) {
            req.socket.destroy();
            return;
          }
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        })
        .catch(error => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [String(error)] }));
        });
    });
  };
}
