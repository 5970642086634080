import { setupServer } from 'msw/node';
import { GitHubEmulator } from './GitHubEmulator';
import { githubHandlers } from './mswHandlers';

const BASE = 'https://github.example.com';
const TOKEN = 'msw-token';

describe('githubHandlers', () => {
  const github = new GitHubEmulator({ baseUrl: BASE, tokens: [TOKEN] });
  const server = setupServer(...githubHandlers(github));

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    await github.createRepository('acme', 'gitops', {
      files: { 'catalog-info.yaml': 'kind: Component\n' },
    });
  });

  afterAll(async () => {
    server.close();
    await github.stop();
  });

  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${BASE}/api/v3${route}`, {
      ...init,
      headers: { authorization: `token ${TOKEN}`, ...init.headers },
    });

  it('serves the REST API in-process, with GitHub Enterprise style URLs', async () => {
    const repo = await (await api('/repos/acme/gitops')).json();
    expect(repo).toMatchObject({
      full_name: 'acme/gitops',
      html_url: `${BASE}/acme/gitops`,
      clone_url: `${BASE}/acme/gitops.git`,
    });
    const raw = await api(
      '/repos/acme/gitops/contents/catalog-info.yaml?ref=main',
      {
        headers: { accept: 'application/vnd.github.v3.raw' },
      },
    );
    expect(await raw.text()).toBe('kind: Component\n');
    expect((await api('/repos/acme/missing')).status).toBe(404);
    expect((await fetch(`${BASE}/api/v3/repos/acme/gitops`)).status).toBe(401);
  });

  it('opens a pull request from a branch built through the git data API', async () => {
    const [latest] = await (
      await api('/repos/acme/gitops/commits?sha=main')
    ).json();
    const post = (route: string, body: unknown) =>
      api(route, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }).then(r => r.json());
    const tree = await post('/repos/acme/gitops/git/trees', {
      base_tree: latest.commit.tree.sha,
      tree: [{ path: 'apps/a.yaml', mode: '100644', content: 'a: 1\n' }],
    });
    const commit = await post('/repos/acme/gitops/git/commits', {
      message: 'a',
      tree: tree.sha,
      parents: [latest.sha],
    });
    await post('/repos/acme/gitops/git/refs', {
      ref: 'refs/heads/a',
      sha: commit.sha,
    });
    const pr = await post('/repos/acme/gitops/pulls', {
      head: 'acme:a',
      base: 'main',
      title: 'A',
    });
    expect(pr).toMatchObject({
      number: 1,
      html_url: `${BASE}/acme/gitops/pull/1`,
    });
    expect(await github.readFile('acme', 'gitops', 'a', 'apps/a.yaml')).toBe(
      'a: 1\n',
    );
  });
});
