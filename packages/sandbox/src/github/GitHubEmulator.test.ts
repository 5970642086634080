import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitHubEmulator, PullRequestMergedEvent } from './GitHubEmulator';

const TOKEN = 'emulator-test-token';

describe('GitHubEmulator', () => {
  let github: GitHubEmulator;
  let api: string;
  let scratch: string;

  const call = async (
    method: string,
    route: string,
    body?: unknown,
    token = TOKEN,
  ) => {
    const response = await fetch(`${api}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `token ${token}` } : {}),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text ? JSON.parse(text) : undefined,
    };
  };

  // Asynchronous on purpose: the emulator answers git from this same process.
  const gitCli = async (cwd: string, ...args: string[]) =>
    (
      await promisify(execFile)('git', args, {
        cwd,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_AUTHOR_NAME: 'Test',
          GIT_AUTHOR_EMAIL: 'test@example.com',
          GIT_COMMITTER_NAME: 'Test',
          GIT_COMMITTER_EMAIL: 'test@example.com',
        },
        encoding: 'utf8',
        timeout: 20_000,
      })
    ).stdout;

  beforeEach(async () => {
    github = new GitHubEmulator({ tokens: [TOKEN] });
    ({ apiBaseUrl: api } = await github.start());
    github.addOrganization('acme');
    await github.createRepository('acme', 'gitops', {
      files: { 'README.md': '# GitOps\n', 'apps/.keep': '' },
    });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'github-emulator-test-'));
  });

  afterEach(async () => {
    await github.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses requests without a valid token', async () => {
    expect(
      (await call('GET', '/repos/acme/gitops', undefined, '')).status,
    ).toBe(401);
    expect(
      (await call('GET', '/repos/acme/gitops', undefined, 'wrong')).status,
    ).toBe(401);
    expect((await call('GET', '/repos/acme/gitops')).json).toMatchObject({
      full_name: 'acme/gitops',
      default_branch: 'main',
      permissions: { push: true },
    });
  });

  it('serves the repository to git over smart HTTP, for clone and push', async () => {
    const remote = `${github.baseUrl.replace(
      'http://',
      `http://x-access-token:${TOKEN}@`,
    )}/acme/gitops.git`;
    const clone = path.join(scratch, 'clone');
    await gitCli(scratch, 'clone', '--quiet', remote, clone);
    expect(fs.readFileSync(path.join(clone, 'README.md'), 'utf8')).toBe(
      '# GitOps\n',
    );

    await gitCli(clone, 'checkout', '--quiet', '-b', 'feature');
    fs.writeFileSync(path.join(clone, 'hello.txt'), 'hi\n');
    await gitCli(clone, 'add', 'hello.txt');
    await gitCli(clone, 'commit', '--quiet', '-m', 'hello');
    await gitCli(clone, 'push', '--quiet', 'origin', 'feature');

    const bare = github.repositoryDir('acme', 'gitops');
    expect(await gitCli(bare, 'show', 'feature:hello.txt')).toBe('hi\n');
  });

  it('refuses git access without credentials', async () => {
    await expect(
      gitCli(scratch, 'ls-remote', `${github.baseUrl}/acme/gitops.git`),
    ).rejects.toThrow();
  });

  it('creates repositories for organizations and users, once', async () => {
    expect((await call('GET', '/users/acme')).json.type).toBe('Organization');
    const created = await call('POST', '/orgs/acme/repos', {
      name: 'shop',
      private: true,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      full_name: 'acme/shop',
      private: true,
      clone_url: `${github.baseUrl}/acme/shop.git`,
      html_url: `${github.baseUrl}/acme/shop`,
    });
    expect(
      (await call('POST', '/orgs/acme/repos', { name: 'shop' })).status,
    ).toBe(422);
    expect(
      (await call('POST', '/user/repos', { name: 'mine' })).json.full_name,
    ).toBe('backstage-bot/mine');
  });

  it('builds a commit from blobs and trees, opens, updates and merges a pull request', async () => {
    const [latest] = (
      await call('GET', '/repos/acme/gitops/commits?sha=main&per_page=1')
    ).json;
    const blob = await call('POST', '/repos/acme/gitops/git/blobs', {
      content: Buffer.from('kind: Kustomization\n').toString('base64'),
      encoding: 'base64',
    });
    const tree = await call('POST', '/repos/acme/gitops/git/trees', {
      base_tree: latest.commit.tree.sha,
      tree: [
        {
          path: 'apps/shop/kustomization.yaml',
          mode: '100644',
          sha: blob.json.sha,
        },
        { path: 'apps/shop/notes.txt', mode: '100644', content: 'notes\n' },
        { path: 'apps/.keep', mode: '100644', sha: null },
      ],
    });
    expect(tree.json).toEqual({
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      tree: [],
    });
    const commit = await call('POST', '/repos/acme/gitops/git/commits', {
      message: 'Add shop',
      tree: tree.json.sha,
      parents: [latest.sha],
      author: { name: 'Scaffolder', email: 'scaffolder@example.com' },
    });
    expect(commit.json).toMatchObject({ tree: { sha: tree.json.sha } });
    expect(commit.status).toBe(201);

    const branchQuery = {
      query:
        'query { repository { ref { associatedPullRequests { edges { node { number } } } } } }',
      variables: { owner: 'acme', repo: 'gitops', head: 'shop' },
    };
    const graphqlUrl = api.replace(/\/v3$/, '/graphql');
    const graphql = async () =>
      (
        await fetch(graphqlUrl, {
          method: 'POST',
          headers: { authorization: `bearer ${TOKEN}` },
          body: JSON.stringify(branchQuery),
        })
      ).json();
    expect((await graphql()).data.repository.ref).toBeNull();

    expect(
      (
        await call('POST', '/repos/acme/gitops/git/refs', {
          ref: 'refs/heads/shop',
          sha: commit.json.sha,
        })
      ).status,
    ).toBe(201);
    const pr = await call('POST', '/repos/acme/gitops/pulls', {
      head: 'acme:shop',
      base: 'main',
      title: 'Add shop',
      body: 'first',
    });
    expect(pr.json).toMatchObject({
      number: 1,
      base: { ref: 'main' },
      html_url: `${github.baseUrl}/acme/gitops/pull/1`,
    });
    expect(
      (
        await call('POST', '/repos/acme/gitops/pulls', {
          head: 'shop',
          base: 'main',
          title: 'again',
        })
      ).status,
    ).toBe(422);
    expect(
      (await graphql()).data.repository.ref.associatedPullRequests.edges[0].node
        .number,
    ).toBe(1);

    expect(
      (
        await call('PATCH', '/repos/acme/gitops/git/refs/heads%2Fshop', {
          sha: commit.json.sha,
          force: true,
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('PATCH', '/repos/acme/gitops/pulls/1', { body: 'second' }))
        .json.body,
    ).toBe('second');
    expect(
      (await call('GET', '/repos/acme/gitops/pulls?head=acme:shop')).json,
    ).toHaveLength(1);

    const contents = await call(
      'GET',
      '/repos/acme/gitops/contents/apps/shop/kustomization.yaml?ref=shop',
    );
    expect(Buffer.from(contents.json.content, 'base64').toString()).toBe(
      'kind: Kustomization\n',
    );
    const raw = await fetch(
      `${api}/repos/acme/gitops/contents/apps/shop/notes.txt?ref=shop`,
      {
        headers: {
          authorization: `token ${TOKEN}`,
          accept: 'application/vnd.github.v3.raw',
        },
      },
    );
    expect(await raw.text()).toBe('notes\n');
    expect(
      (await call('GET', '/repos/acme/gitops/contents/apps/.keep?ref=shop'))
        .status,
    ).toBe(404);

    const merged: PullRequestMergedEvent[] = [];
    github.onPullRequestMerged(event => {
      merged.push(event);
    });
    const merge = await call('PUT', '/repos/acme/gitops/pulls/1/merge', {});
    expect(merge.json.merged).toBe(true);
    expect(merged).toHaveLength(1);
    expect(merged[0].changedFiles.sort()).toEqual([
      'apps/.keep',
      'apps/shop/kustomization.yaml',
      'apps/shop/notes.txt',
    ]);
    expect(await merged[0].readFile('apps/shop/notes.txt')).toBe('notes\n');

    const bare = github.repositoryDir('acme', 'gitops');
    expect(
      (await gitCli(bare, 'rev-list', '--parents', '-n', '1', 'main'))
        .trim()
        .split(' '),
    ).toHaveLength(3);
    expect(await gitCli(bare, 'show', 'main:apps/shop/notes.txt')).toBe(
      'notes\n',
    );
    expect(
      (await call('GET', '/repos/acme/gitops/pulls/1')).json,
    ).toMatchObject({ state: 'closed', merged: true });
    expect(
      (await call('PUT', '/repos/acme/gitops/pulls/1/merge', {})).status,
    ).toBe(405);
  });

  it('rejects tree paths that escape the repository', async () => {
    const [latest] = (await call('GET', '/repos/acme/gitops/commits?sha=main'))
      .json;
    const tree = await call('POST', '/repos/acme/gitops/git/trees', {
      base_tree: latest.commit.tree.sha,
      tree: [{ path: '../evil', mode: '100644', content: 'x' }],
    });
    expect(tree.status).toBe(422);
  });

  it('keeps repositories across a restart on the same data directory', async () => {
    const dataDir = path.join(scratch, 'state');
    const first = new GitHubEmulator({ dataDir });
    await first.start();
    await first.createRepository('acme', 'kept', {
      files: { 'a.txt': 'one\n' },
    });
    const head = (await first.branches('acme', 'kept')).main;
    await first.stop();

    const second = new GitHubEmulator({ dataDir });
    await second.start();
    try {
      await second.createRepository('acme', 'kept', {
        files: { 'a.txt': 'two\n' },
      });
      expect((await second.branches('acme', 'kept')).main).toBe(head);
      expect(await second.readFile('acme', 'kept', 'main', 'a.txt')).toBe(
        'one\n',
      );
    } finally {
      await second.stop();
    }
  });
  it('restores organizations, repository settings and pull requests from a saved state', async () => {
    const dataDir = path.join(scratch, 'saved');
    const first = new GitHubEmulator({ dataDir });
    await first.start();
    first.addOrganization('acme');
    await first.createRepository('acme', 'Kept', {
      files: { 'a.txt': 'one\n' },
      description: 'kept repository',
    });
    const main = (await first.branches('acme', 'Kept')).main;
    const git = first.repositoryDir('acme', 'Kept');
    await gitCli(git, 'update-ref', 'refs/heads/feature', main);
    await gitCli(git, 'update-ref', 'refs/heads/other', main);
    const auth = {
      authorization: 'token t',
      'content-type': 'application/json',
    };
    for (const head of ['feature', 'other']) {
      await first.handle({
        method: 'POST',
        url: '/api/v3/repos/acme/Kept/pulls',
        headers: auth,
        body: JSON.stringify({ title: head, head, base: 'main' }),
      });
    }
    await first.handle({
      method: 'PATCH',
      url: '/api/v3/repos/acme/Kept/pulls/2',
      headers: auth,
      body: JSON.stringify({ state: 'closed' }),
    });
    const saved = JSON.parse(JSON.stringify(first.exportState()));
    const repoJson = async (emulator: GitHubEmulator) =>
      JSON.parse(
        String(
          (
            await emulator.handle({
              method: 'GET',
              url: '/api/v3/repos/acme/Kept',
              headers: auth,
            })
          ).body,
        ),
      );
    const before = await repoJson(first);
    await first.stop();

    const second = new GitHubEmulator({ dataDir });
    await second.start();
    try {
      expect(second.importState(saved)).toEqual([]);
      expect(await repoJson(second)).toMatchObject({
        id: before.id,
        description: 'kept repository',
        owner: { login: 'acme', type: 'Organization' },
      });
      expect(
        second
          .pullRequests('acme', 'Kept')
          .map(p => [p.number, p.head, p.state]),
      ).toEqual([
        [1, 'feature', 'open'],
        [2, 'other', 'closed'],
      ]);
      // numbering goes on
      await gitCli(git, 'update-ref', 'refs/heads/third', main);
      const third = await second.handle({
        method: 'POST',
        url: '/api/v3/repos/acme/Kept/pulls',
        headers: auth,
        body: JSON.stringify({ title: 'third', head: 'third', base: 'main' }),
      });
      expect(JSON.parse(String(third.body)).number).toBe(3);
    } finally {
      await second.stop();
    }
  });
});
