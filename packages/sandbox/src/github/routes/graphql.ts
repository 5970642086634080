import { route, type Route, type RouteHost } from './routing';

/**
 * The one GraphQL query the pull-request plugin sends: does branch `head` exist, and which
 * open pull request is associated with it.
 */
async function answerGraphql(host: RouteHost, body: any) {
  const query = String(body?.query ?? '');
  const { owner, repo, head } = body?.variables ?? {};
  if (!/associatedPullRequests/.test(query) || !owner || !repo || !head) {
    return {
      errors: [
        {
          message:
            'The GitHub emulator only answers the associatedPullRequests query',
        },
      ],
    };
  }
  const record = host.findRepo(owner, repo);
  if (!record) {
    return {
      data: { repository: null },
      errors: [
        {
          type: 'NOT_FOUND',
          message: `Could not resolve to a Repository with the name '${owner}/${repo}'.`,
        },
      ],
    };
  }
  const branch = String(head).replace(/^refs\/heads\//, '');
  const exists = await record.git.resolveCommit(`refs/heads/${branch}`);
  if (!exists) {
    return { data: { repository: { ref: null } } };
  }
  const open = host
    .pullRequests(owner, repo)
    .filter(pr => pr.state === 'open' && pr.head === branch);
  return {
    data: {
      repository: {
        ref: {
          associatedPullRequests: {
            edges: open.slice(0, 1).map(pr => ({
              node: {
                id: `PR_${pr.number}`,
                number: pr.number,
                url: `${host.baseUrl}/${owner}/${repo}/pull/${pr.number}`,
              },
            })),
          },
        },
      },
    },
  };
}

/** The GraphQL endpoint, for the one query Backstage's pull-request action sends. */
export function graphqlRoutes(host: RouteHost): Route[] {
  return [
    route('POST', '^/api/graphql', async (_m, body) => ({
      json: await answerGraphql(host, body),
    })),
  ];
}
