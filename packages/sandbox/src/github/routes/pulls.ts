import type { EmulatedPullRequest } from '../GitHubEmulator';
import {
  HttpError,
  REPO_PREFIX,
  route,
  type Route,
  type RouteHost,
} from './routing';

/** Pull requests: list, open, read, edit and merge. */
export function pullRoutes(host: RouteHost): Route[] {
  return [
    route('GET', `${REPO_PREFIX}/pulls`, async (m, _b, url) => {
      host.repo(m[1], m[2]);
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head')?.replace(/^[^:]+:/, '');
      return {
        json: host
          .pullRequests(m[1], m[2])
          .filter(pr => state === 'all' || pr.state === state)
          .filter(pr => !head || pr.head === head)
          .map(pr => host.pullJson(pr)),
      };
    }),
    route('POST', `${REPO_PREFIX}/pulls`, async (m, body) => {
      const record = host.repo(m[1], m[2]);
      const head = String(body?.head ?? '').replace(/^[^:]+:/, '');
      const base = String(body?.base ?? record.defaultBranch);
      if (!(await record.git.resolveCommit(`refs/heads/${head}`))) {
        throw new HttpError(422, 'Validation Failed', {
          errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
        });
      }
      const list = host.pullRequests(m[1], m[2]);
      if (
        list.some(
          pr => pr.state === 'open' && pr.head === head && pr.base === base,
        )
      ) {
        throw new HttpError(422, 'Validation Failed', {
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${m[1]}:${head}.`,
            },
          ],
        });
      }
      const pr: EmulatedPullRequest = {
        number: list.length + 1,
        owner: m[1],
        repo: m[2],
        title: String(body?.title ?? ''),
        body: String(body?.body ?? ''),
        head,
        base,
        draft: Boolean(body?.draft),
        state: 'open',
        merged: false,
      };
      host.addPullRequest(pr);
      return { status: 201, json: host.pullJson(pr) };
    }),
    route('GET', `${REPO_PREFIX}/pulls/(\\d+)`, async m => ({
      json: host.pullJson(host.pullRequest(m[1], m[2], Number(m[3]))),
    })),
    route('PATCH', `${REPO_PREFIX}/pulls/(\\d+)`, async (m, body) => {
      const pr = host.pullRequest(m[1], m[2], Number(m[3]));
      if (body?.title !== undefined) pr.title = String(body.title);
      if (body?.body !== undefined) pr.body = String(body.body);
      if (body?.base !== undefined) pr.base = String(body.base);
      if (body?.state === 'closed' || body?.state === 'open')
        pr.state = body.state;
      return { json: host.pullJson(pr) };
    }),
    route('PUT', `${REPO_PREFIX}/pulls/(\\d+)/merge`, async (m, body) => {
      const sha = await host.mergePullRequest(m[1], m[2], Number(m[3]), {
        commitTitle: body?.commit_title,
      });
      return {
        json: {
          sha,
          merged: true,
          message: 'Pull Request successfully merged',
        },
      };
    }),
  ];
}
