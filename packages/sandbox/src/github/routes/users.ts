import { route, type Route, type RouteHost } from './routing';

/** The token's user, any user or organization, and creating repositories in either. */
export function userRoutes(host: RouteHost): Route[] {
  return [
    route('GET', '^/api/v3/user', async () => ({
      json: { login: host.login, type: 'User' },
    })),
    route('GET', '^/api/v3/users/([^/]+)', async m => ({
      json: {
        login: m[1],
        type: host.isOrganization(m[1]) ? 'Organization' : 'User',
      },
    })),
    route('POST', '^/api/v3/orgs/([^/]+)/repos', async (m, body) => ({
      status: 201,
      json: host.repoJson(
        await host.addRepository(m[1], body?.name, {
          defaultBranch: 'main',
          description: body?.description ?? '',
          private: body?.private ?? body?.visibility === 'private',
        }),
      ),
    })),
    route('POST', '^/api/v3/user/repos', async (_m, body) => ({
      status: 201,
      json: host.repoJson(
        await host.addRepository(host.login, body?.name, {
          defaultBranch: 'main',
          description: body?.description ?? '',
          private: Boolean(body?.private),
        }),
      ),
    })),
  ];
}
