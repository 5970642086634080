import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError, isError } from '@backstage/errors';

/** A route of the admin API: method, path pattern, and the handler of its JSON body. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  handle: (
    match: RegExpExecArray,
    body: Record<string, any>,
    query: URLSearchParams,
  ) => Promise<unknown>;
}

const MAX_BODY_BYTES = 64 * 1024;

const STATUS_BY_ERROR: Record<string, number> = {
  InputError: 400,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
};

async function readJson(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new InputError('request body too large');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) {
    return {};
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed;
    }
  } catch {
    // answered below
  }
  throw new InputError('the body must be a JSON object');
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2));
}

/**
 * A JSON request listener over `routes`. Errors named like Backstage's (`InputError`,
 * `NotFoundError`, `ConflictError`, `NotAllowedError`) map to their HTTP status, anything else
 * to 500; the body is `{ error: { name, message } }` as Backstage backends answer.
 */
export function createAdminRequestListener(routes: AdminRoute[]) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      const candidates = routes
        .map(route => ({ route, match: route.pattern.exec(url.pathname) }))
        .filter(c => c.match);
      const found = candidates.find(c => c.route.method === method);
      if (!found) {
        send(res, candidates.length ? 405 : 404, {
          error: {
            name: candidates.length ? 'MethodNotAllowed' : 'NotFoundError',
            message: `${method} ${url.pathname} is not part of the sandbox admin API`,
          },
        });
        return;
      }
      const body = method === 'GET' ? {} : await readJson(req);
      const result = await found.route.handle(
        found.match!,
        body,
        url.searchParams,
      );
      send(res, 200, result ?? {});
    } catch (error) {
      const name = isError(error) ? error.name : 'Error';
      const message = isError(error) ? error.message : String(error);
      send(res, STATUS_BY_ERROR[name] ?? 500, { error: { name, message } });
    }
  };
}
