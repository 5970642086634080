import path from 'node:path';
import {
  HttpError,
  REPO_PREFIX,
  commitOf,
  route,
  type Route,
  type RouteHost,
} from './routing';

/** A repository: its metadata, commits, branches, branch protection and contents. */
export function repositoryRoutes(host: RouteHost): Route[] {
  return [
    route('GET', `${REPO_PREFIX}`, async m => ({
      json: host.repoJson(host.repo(m[1], m[2])),
    })),
    route('GET', `${REPO_PREFIX}/commits`, async (m, _b, url) => {
      const record = host.repo(m[1], m[2]);
      const sha = await commitOf(
        record,
        url.searchParams.get('sha') ?? record.defaultBranch,
      );
      return {
        json: [
          { sha, commit: { tree: { sha: await record.git.treeOf(sha) } } },
        ],
      };
    }),
    route('GET', `${REPO_PREFIX}/commits/([^/]+)`, async m => {
      const record = host.repo(m[1], m[2]);
      const sha = await commitOf(record, decodeURIComponent(m[3]));
      return {
        json: {
          sha,
          commit: { tree: { sha: await record.git.treeOf(sha) } },
        },
      };
    }),
    route('GET', `${REPO_PREFIX}/branches/([^/]+)`, async m => {
      const record = host.repo(m[1], m[2]);
      const sha = await commitOf(
        record,
        `refs/heads/${decodeURIComponent(m[3])}`,
      );
      return { json: { name: decodeURIComponent(m[3]), commit: { sha } } };
    }),
    route(
      'PUT',
      `${REPO_PREFIX}/branches/([^/]+)/protection`,
      async (m, body) => {
        host.repo(m[1], m[2]);
        return {
          json: {
            url: `${host.baseUrl}/api/v3/repos/${m[1]}/${m[2]}/branches/${m[3]}/protection`,
            ...body,
          },
        };
      },
    ),
    route(
      'GET',
      `${REPO_PREFIX}/contents(?:/(.*))?`,
      async (m, _b, url, headers) => {
        const record = host.repo(m[1], m[2]);
        const ref = url.searchParams.get('ref') ?? record.defaultBranch;
        const commit = await commitOf(record, ref);
        const filePath = decodeURIComponent(m[3] ?? '');
        const found = await record.git.lookup(commit, filePath);
        if (!found) {
          throw new HttpError(404, 'Not Found');
        }
        if (found.content && (headers.accept ?? '').includes('raw')) {
          return { raw: found.content };
        }
        const describe = (file: {
          type: string;
          path: string;
          sha: string;
          size?: number;
        }) => ({
          type: file.type,
          name: path.posix.basename(file.path),
          path: file.path,
          sha: file.sha,
          size: file.size ?? 0,
          url: `${host.baseUrl}/api/v3/repos/${m[1]}/${m[2]}/contents/${file.path}?ref=${ref}`,
          html_url: `${host.baseUrl}/${m[1]}/${m[2]}/blob/${ref}/${file.path}`,
          download_url: null,
        });
        if (found.entries) {
          return { json: found.entries.map(describe) };
        }
        return {
          json: {
            ...describe(found.file),
            encoding: 'base64',
            content: found.content!.toString('base64'),
          },
        };
      },
    ),
  ];
}
