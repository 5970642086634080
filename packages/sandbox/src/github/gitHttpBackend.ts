import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Debian's git smart-HTTP server, run as a CGI program. */
export const GIT_HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

/**
 * Serves one smart-HTTP request (`info/refs`, `git-upload-pack`, `git-receive-pack`) by
 * running `git http-backend` as CGI over the repositories under `projectRoot`.
 * `pathInfo` is the path below the root, e.g. `/acme/gitops.git/info/refs`.
 */
export function serveGitHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    projectRoot: string;
    pathInfo: string;
    query: string;
    remoteUser: string;
  },
): Promise<void> {
  return new Promise(resolve => {
    const child = spawn(GIT_HTTP_BACKEND, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: options.pathInfo,
        QUERY_STRING: options.query,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length']
          ? { CONTENT_LENGTH: req.headers['content-length'] }
          : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: options.remoteUser,
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // The CGI answer is headers, a blank line, then the body; headers are parsed once.
    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      const endLf = head.indexOf('\n\n');
      const cut = end >= 0 ? end : endLf;
      if (cut < 0) {
        return;
      }
      const separator = end >= 0 ? 4 : 2;
      const lines = head.subarray(0, cut).toString('utf8').split(/\r?\n/);
      let status = 200;
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') {
          status = parseInt(value, 10);
        } else if (name) {
          res.setHeader(name, value);
        }
      }
      res.statusCode = status;
      headersSent = true;
      res.write(head.subarray(cut + separator));
    });
    let stderr = '';
    child.stderr.on('data', chunk => {
      stderr += chunk.toString();
    });
    child.on('close', code => {
      if (!headersSent) {
        res.statusCode = 500;
        res.end(`git http-backend failed (${code}): ${stderr}`);
      } else {
        res.end();
      }
      resolve();
    });
    child.on('error', error => {
      if (!res.headersSent) {
        res.statusCode = 500;
      }
      res.end(String(error));
      resolve();
    });
    req.pipe(child.stdin);
  });
}
