import type { TreeChange } from '../BareRepository';
import {
  HttpError,
  REPO_PREFIX,
  commitOf,
  route,
  type Route,
  type RouteHost,
} from './routing';

/** The Git database API: blobs, trees, commits and refs, written into the bare repository. */
export function gitDataRoutes(host: RouteHost): Route[] {
  return [
    route('POST', `${REPO_PREFIX}/git/blobs`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const content = Buffer.from(
        String(body?.content ?? ''),
        body?.encoding === 'base64' ? 'base64' : 'utf8',
      );
      const sha = await record.git.writeBlob(content);
      return {
        status: 201,
        json: {
          sha,
          url: `${host.baseUrl}/api/v3/repos/${m[1]}/${m[2]}/git/blobs/${sha}`,
        },
      };
    }),
    route('POST', `${REPO_PREFIX}/git/trees`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const changes: TreeChange[] = (body?.tree ?? []).map((entry: any) => ({
        path: String(entry.path),
        mode: String(entry.mode ?? '100644'),
        content: entry.content,
        sha: entry.sha,
      }));
      if (
        changes.some(
          c =>
            [...c.path].some(ch => ch.charCodeAt(0) < 0x20) ||
            c.path
              .split('/')
              .some(s => s === '' || s === '.' || s === '..' || s === '.git'),
        )
      ) {
        throw new HttpError(
          422,
          'tree.path contains a malformed path component',
        );
      }
      const sha = await record.git.writeTree(body?.base_tree, changes);
      return { status: 201, json: { sha, tree: [] } };
    }),
    route('POST', `${REPO_PREFIX}/git/commits`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const sha = await record.git.commitTree({
        tree: String(body?.tree),
        parents: body?.parents ?? [],
        message: String(body?.message ?? ''),
        author: body?.author,
        committer: body?.committer ?? body?.author,
      });
      return {
        status: 201,
        json: {
          sha,
          tree: { sha: body?.tree },
          parents: (body?.parents ?? []).map((p: string) => ({ sha: p })),
        },
      };
    }),
    route('GET', `${REPO_PREFIX}/git/ref/heads/(.+)`, async m => {
      const record = host.repo(m[1], m[2]);
      const branch = decodeURIComponent(m[3]);
      const sha = await record.git.resolveCommit(`refs/heads/${branch}`);
      if (!sha) {
        throw new HttpError(404, 'Not Found');
      }
      return {
        json: {
          ref: `refs/heads/${branch}`,
          object: { sha, type: 'commit' },
        },
      };
    }),
    route('POST', `${REPO_PREFIX}/git/refs`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const ref = String(body?.ref ?? '');
      const branch = ref.replace(/^refs\/heads\//, '');
      if (
        !ref.startsWith('refs/heads/') ||
        (await record.git.resolveCommit(`refs/heads/${branch}`))
      ) {
        throw new HttpError(422, 'Reference already exists');
      }
      await record.git.updateBranch(
        branch,
        await commitOf(record, String(body?.sha)),
      );
      return {
        status: 201,
        json: { ref, object: { sha: body.sha, type: 'commit' } },
      };
    }),
    route('PATCH', `${REPO_PREFIX}/git/refs/heads/(.+)`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const branch = decodeURIComponent(m[3]);
      if (!(await record.git.resolveCommit(`refs/heads/${branch}`))) {
        throw new HttpError(422, 'Reference does not exist');
      }
      await record.git.updateBranch(
        branch,
        await commitOf(record, String(body?.sha)),
      );
      return {
        json: {
          ref: `refs/heads/${branch}`,
          object: { sha: body.sha, type: 'commit' },
        },
      };
    }),
  ];
}
