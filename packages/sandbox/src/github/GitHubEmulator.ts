import fs from 'node:fs/promises';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BareRepository, GitIdentity } from './BareRepository';
import { serveGitHttpBackend } from './gitHttpBackend';
import { gitDataRoutes } from './routes/gitData';
import { graphqlRoutes } from './routes/graphql';
import { pullRoutes } from './routes/pulls';
import { repositoryRoutes } from './routes/repositories';
import {
  HttpError,
  type RepositoryRecord,
  type Route,
  type RouteHost,
} from './routes/routing';
import { userRoutes } from './routes/users';

/** A pull request as the emulator keeps it. */
export interface EmulatedPullRequest {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha?: string;
}

/** What a merge hook receives, e.g. for an "Argo CD sync" of the merged manifests. */
export interface PullRequestMergedEvent {
  owner: string;
  repo: string;
  pullRequest: EmulatedPullRequest;
  baseBranch: string;
  mergeCommitSha: string;
  /** Paths the pull request changed. */
  changedFiles: string[];
  /** Reads a file of the merged base branch. */
  readFile(filePath: string): Promise<string | undefined>;
}

/**
 * The emulator's metadata as JSON-safe data, for the sandbox's `--state-dir`: organizations,
 * repository settings and ids, and pull requests. The Git content is not part of it: it lives
 * in the bare repositories under `dataDir`.
 */
export interface GitHubEmulatorState {
  version: 1;
  organizations: string[];
  nextRepoId: number;
  repositories: Array<{
    owner: string;
    name: string;
    description: string;
    private: boolean;
    defaultBranch: string;
    id: number;
  }>;
  /** Pull requests by `<owner>/<repo>`, as the repository was named at creation. */
  pulls: Record<string, EmulatedPullRequest[]>;
}

/** A REST or GraphQL request, as {@link GitHubEmulator.handle} takes it. */
export interface GitHubApiRequest {
  method: string;
  /** Path and query, e.g. `/api/v3/repos/acme/gitops/pulls?state=open`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The emulator's answer to a {@link GitHubApiRequest}. */
export interface GitHubApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** One request the emulator answered. */
export interface GitHubRequestRecord {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

/**
 * A GitHub (Enterprise-style) REST API on a loopback port, enough for Backstage's
 * `publish:github`, `publish:github:pull-request` and GitHub URL reader. Repositories are real
 * bare git repositories, served to git clients by `git http-backend`; pull requests merge with
 * a real merge commit.
 *
 * Configure Backstage with `integrations.github: [{ host, apiBaseUrl, token }]` from
 * {@link GitHubEmulator.integrationConfig}.
 */
export class GitHubEmulator {
  readonly requests: GitHubRequestRecord[] = [];
  private readonly repos = new Map<string, RepositoryRecord>();
  private readonly pulls = new Map<string, EmulatedPullRequest[]>();
  private readonly organizations = new Set<string>();
  private readonly mergeListeners: Array<
    (event: PullRequestMergedEvent) => void | Promise<void>
  > = [];
  private readonly routes: Route[];
  private server?: http.Server;
  private root?: string;
  private nextRepoId = 1;
  private baseUrlValue?: string;

  constructor(
    private readonly options: {
      /** Accepted tokens; any non-empty token when absent. */
      tokens?: string[];
      /** The login of the token's user. */
      login?: string;
      /** Directory for the bare repositories; a temporary one by default. */
      dataDir?: string;
      /**
       * The URL the emulator presents itself at when it is served by msw handlers instead of
       * {@link GitHubEmulator.start} (e.g. `https://github.example.com`).
       */
      baseUrl?: string;
    } = {},
  ) {
    this.routes = this.buildRoutes();
  }

  /** Starts listening on 127.0.0.1 (an ephemeral port unless given). */
  async start(
    port = 0,
  ): Promise<{ baseUrl: string; apiBaseUrl: string; host: string }> {
    await this.adoptRepositoriesOnDisk();
    this.server = http.createServer((req, res) => {
      this.dispatch(req, res).catch(error => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
        }
        res.end(JSON.stringify({ message: String(error?.message ?? error) }));
      });
    });
    await new Promise<void>(resolve =>
      this.server!.listen(port, '127.0.0.1', resolve),
    );
    const address = this.server.address() as AddressInfo;
    this.baseUrlValue = `http://127.0.0.1:${address.port}`;
    return {
      baseUrl: this.baseUrl,
      apiBaseUrl: `${this.baseUrl}/api/v3`,
      host: `127.0.0.1:${address.port}`,
    };
  }

  /** Stops the server; removes the repositories when they live in a temporary directory. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
    if (this.root && !this.options.dataDir) {
      await fs.rm(this.root, { recursive: true, force: true });
    }
  }

  get baseUrl(): string {
    const value =
      this.baseUrlValue ?? this.options.baseUrl?.replace(/\/+$/, '');
    if (!value) {
      throw new Error('GitHubEmulator is not started');
    }
    return value;
  }

  /** Serves again the bare repositories a previous run left in the data directory. */
  private async adoptRepositoriesOnDisk() {
    const root = await this.ensureRoot();
    for (const owner of await fs.readdir(root, { withFileTypes: true })) {
      if (!owner.isDirectory()) {
        continue;
      }
      for (const entry of await fs.readdir(path.join(root, owner.name))) {
        const name = entry.replace(/\.git$/, '');
        const key = `${owner.name}/${name}`.toLowerCase();
        if (!entry.endsWith('.git') || this.repos.has(key)) {
          continue;
        }
        const { repository, defaultBranch } = await BareRepository.open(
          path.join(root, owner.name, entry),
        );
        this.repos.set(key, {
          owner: owner.name,
          name,
          description: '',
          private: false,
          defaultBranch,
          id: this.nextRepoId++,
          git: repository,
        });
        this.pulls.set(`${owner.name}/${name}`, []);
      }
    }
  }

  private async ensureRoot(): Promise<string> {
    if (!this.root) {
      this.root =
        this.options.dataDir ??
        (await fs.mkdtemp(path.join(os.tmpdir(), 'github-emulator-')));
      await fs.mkdir(this.root, { recursive: true });
    }
    return this.root;
  }

  /** Organizations, repository settings and pull requests (not the Git content). */
  exportState(): GitHubEmulatorState {
    return structuredClone({
      version: 1 as const,
      organizations: [...this.organizations],
      nextRepoId: this.nextRepoId,
      repositories: [...this.repos.values()].map(
        ({ git: _git, ...settings }) => settings,
      ),
      pulls: Object.fromEntries(this.pulls),
    });
  }

  /**
   * Applies saved metadata to the repositories found in `dataDir` (call after
   * {@link GitHubEmulator.start}). Saved repositories missing on disk are skipped and returned.
   */
  importState(state: GitHubEmulatorState): string[] {
    if (state?.version !== 1) {
      throw new Error(
        `Unsupported GitHub emulator state version ${state?.version}`,
      );
    }
    const missing: string[] = [];
    this.organizations.clear();
    state.organizations.forEach(o => this.organizations.add(o));
    const savedRepos = new Set<string>();
    for (const saved of state.repositories) {
      const key = `${saved.owner}/${saved.name}`.toLowerCase();
      const record = this.repos.get(key);
      if (!record) {
        missing.push(`${saved.owner}/${saved.name}`);
        continue;
      }
      savedRepos.add(key);
      this.pulls.delete(`${record.owner}/${record.name}`);
      Object.assign(record, {
        owner: saved.owner,
        name: saved.name,
        description: saved.description,
        private: saved.private,
        defaultBranch: saved.defaultBranch,
        id: saved.id,
      });
      this.pulls.set(
        `${saved.owner}/${saved.name}`,
        structuredClone(state.pulls[`${saved.owner}/${saved.name}`] ?? []),
      );
    }
    let nextId = Math.max(1, state.nextRepoId);
    for (const [key, record] of this.repos) {
      if (!savedRepos.has(key)) {
        // on disk but not in the saved state (e.g. created after the last save): a new id
        record.id = 0;
      }
      nextId = Math.max(nextId, record.id + 1);
    }
    for (const record of this.repos.values()) {
      if (record.id === 0) {
        record.id = nextId++;
      }
    }
    this.nextRepoId = nextId;
    return missing;
  }

  /** The `integrations.github[]` entry that points Backstage at this emulator. */
  integrationConfig(token: string) {
    const url = new URL(this.baseUrl);
    return { host: url.host, apiBaseUrl: `${this.baseUrl}/api/v3`, token };
  }

  /** Declares an owner as an organization (repositories are then created with createInOrg). */
  addOrganization(login: string) {
    this.organizations.add(login);
  }

  /** Creates a repository with an initial commit holding `files` on its default branch. */
  async createRepository(
    owner: string,
    name: string,
    options: {
      files?: Record<string, string>;
      defaultBranch?: string;
      description?: string;
    } = {},
  ): Promise<void> {
    const existing = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (
      existing &&
      (await existing.git.resolveCommit(existing.defaultBranch))
    ) {
      // Kept from an earlier run (a state directory): its history stays as it is.
      return;
    }
    const record =
      existing ??
      (await this.addRepository(owner, name, {
        defaultBranch: options.defaultBranch ?? 'main',
        description: options.description ?? '',
        private: false,
      }));
    const files = options.files ?? { 'README.md': `# ${name}\n` };
    const tree = await record.git.writeTree(
      undefined,
      Object.entries(files).map(([p, content]) => ({
        path: p,
        mode: '100644',
        content,
      })),
    );
    const commit = await record.git.commitTree({
      tree,
      parents: [],
      message: 'Initial commit',
    });
    await record.git.updateBranch(record.defaultBranch, commit);
  }

  /** The bare repository directory, for tests that inspect it with git. */
  repositoryDir(owner: string, name: string): string {
    return this.repo(owner, name).git.dir;
  }

  /** A file of a branch (or any ref), or undefined. */
  async readFile(owner: string, name: string, ref: string, filePath: string) {
    const git = this.repo(owner, name).git;
    const commit = await git.resolveCommit(ref);
    const found = commit && (await git.lookup(commit, filePath));
    return found && found.content ? found.content.toString('utf8') : undefined;
  }

  /** Files of a branch under a directory (recursive), by path. */
  async listFiles(
    owner: string,
    name: string,
    ref: string,
    dir = '',
  ): Promise<string[]> {
    const git = this.repo(owner, name).git;
    const commit = await git.resolveCommit(ref);
    if (!commit) {
      return [];
    }
    const found = await git.lookup(commit, dir);
    if (!found?.entries) {
      return found ? [found.file.path] : [];
    }
    const nested = await Promise.all(
      found.entries.map(entry =>
        entry.type === 'dir'
          ? this.listFiles(owner, name, ref, entry.path)
          : [entry.path],
      ),
    );
    return nested.flat();
  }

  async branches(owner: string, name: string): Promise<Record<string, string>> {
    return this.repo(owner, name).git.branches();
  }

  pullRequests(owner: string, name: string): EmulatedPullRequest[] {
    return [...(this.pulls.get(`${owner}/${name}`) ?? [])];
  }

  /** Registers a callback run after every merge (the sandbox's "Argo CD sync" uses it). */
  onPullRequestMerged(
    listener: (event: PullRequestMergedEvent) => void | Promise<void>,
  ) {
    this.mergeListeners.push(listener);
  }

  /** Merges a pull request as the merge button would. */
  async mergePullRequest(
    owner: string,
    name: string,
    number: number,
    options: { commitTitle?: string; committer?: GitIdentity } = {},
  ): Promise<string> {
    const record = this.repo(owner, name);
    const pr = this.pullRequest(owner, name, number);
    if (pr.state !== 'open') {
      throw new HttpError(405, 'Pull Request is not mergeable');
    }
    const base = await record.git.resolveCommit(`refs/heads/${pr.base}`);
    const head = await record.git.resolveCommit(`refs/heads/${pr.head}`);
    if (!base || !head) {
      throw new HttpError(422, 'Head or base branch is missing');
    }
    const committer = options.committer ?? {
      name: 'GitHub',
      email: 'noreply@github.com',
    };
    const merge = await record.git.merge(
      base,
      head,
      options.commitTitle ??
        `Merge pull request #${number} from ${owner}/${pr.head}`,
      committer,
    );
    if (!merge) {
      throw new HttpError(405, 'Pull Request has merge conflicts');
    }
    const changedFiles = await record.git.changedFiles(base, merge);
    await record.git.updateBranch(pr.base, merge);
    pr.state = 'closed';
    pr.merged = true;
    pr.mergeCommitSha = merge;
    const event: PullRequestMergedEvent = {
      owner,
      repo: name,
      pullRequest: { ...pr },
      baseBranch: pr.base,
      mergeCommitSha: merge,
      changedFiles,
      readFile: filePath => this.readFile(owner, name, merge, filePath),
    };
    for (const listener of this.mergeListeners) {
      await listener(event);
    }
    return merge;
  }

  private repo(owner: string, name: string): RepositoryRecord {
    const record = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (!record) {
      throw new HttpError(404, 'Not Found');
    }
    return record;
  }

  private pullRequest(owner: string, name: string, number: number) {
    const pr = this.pulls
      .get(`${owner}/${name}`)
      ?.find(p => p.number === number);
    if (!pr) {
      throw new HttpError(404, 'Not Found');
    }
    return pr;
  }

  private async addRepository(
    owner: string,
    name: string,
    settings: { defaultBranch: string; description: string; private: boolean },
  ): Promise<RepositoryRecord> {
    if (
      !/^[A-Za-z0-9_.-]+$/.test(owner) ||
      !/^[A-Za-z0-9_.-]+$/.test(name) ||
      name.endsWith('.git')
    ) {
      throw new HttpError(422, 'Repository creation failed.', {
        errors: [{ resource: 'Repository', field: 'name', code: 'invalid' }],
      });
    }
    const key = `${owner}/${name}`.toLowerCase();
    if (this.repos.has(key)) {
      throw new HttpError(422, 'Repository creation failed.', {
        errors: [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name already exists on this account',
          },
        ],
      });
    }
    const git = await BareRepository.create(
      path.join(await this.ensureRoot(), owner, `${name}.git`),
      settings.defaultBranch,
    );
    const record: RepositoryRecord = {
      owner,
      name,
      ...settings,
      id: this.nextRepoId++,
      git,
    };
    this.repos.set(key, record);
    this.pulls.set(`${owner}/${name}`, []);
    return record;
  }

  private repoJson(record: RepositoryRecord) {
    const htmlUrl = `${this.baseUrl}/${record.owner}/${record.name}`;
    return {
      id: record.id,
      node_id: `R_${record.id}`,
      name: record.name,
      full_name: `${record.owner}/${record.name}`,
      owner: {
        login: record.owner,
        type: this.organizations.has(record.owner) ? 'Organization' : 'User',
      },
      private: record.private,
      visibility: record.private ? 'private' : 'public',
      description: record.description,
      default_branch: record.defaultBranch,
      html_url: htmlUrl,
      url: `${this.baseUrl}/api/v3/repos/${record.owner}/${record.name}`,
      clone_url: `${htmlUrl}.git`,
      permissions: {
        admin: true,
        maintain: true,
        push: true,
        triage: true,
        pull: true,
      },
    };
  }

  private pullJson(pr: EmulatedPullRequest) {
    const repoPath = `${pr.owner}/${pr.repo}`;
    return {
      id: pr.number,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      merged: pr.merged,
      merge_commit_sha: pr.mergeCommitSha ?? null,
      html_url: `${this.baseUrl}/${repoPath}/pull/${pr.number}`,
      url: `${this.baseUrl}/api/v3/repos/${repoPath}/pulls/${pr.number}`,
      head: { ref: pr.head, label: `${pr.owner}:${pr.head}` },
      base: {
        ref: pr.base,
        label: `${pr.owner}:${pr.base}`,
        repo: { full_name: repoPath },
      },
    };
  }

  private authorized(headers: Record<string, string>): string | undefined {
    const header = headers.authorization ?? '';
    let token: string | undefined;
    const bearer = /^(?:token|bearer)\s+(.+)$/i.exec(header);
    if (bearer) {
      token = bearer[1];
    } else if (/^basic\s+/i.test(header)) {
      const decoded = Buffer.from(
        header.replace(/^basic\s+/i, ''),
        'base64',
      ).toString('utf8');
      token = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (!token) {
      return undefined;
    }
    if (this.options.tokens && !this.options.tokens.includes(token)) {
      return undefined;
    }
    return this.options.login ?? 'backstage-bot';
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : String(value ?? ''),
      ]),
    );
    const gitPath =
      /^\/([^/]+)\/([^/]+?\.git)(\/(info\/refs|git-upload-pack|git-receive-pack))$/.exec(
        url.pathname,
      );
    if (gitPath) {
      await this.serveGit(req, res, url, gitPath, this.authorized(headers));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const response = await this.handle({
      method: req.method ?? 'GET',
      url: url.pathname + url.search,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  }

  private async serveGit(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    gitPath: RegExpExecArray,
    login: string | undefined,
  ) {
    if (!login) {
      res.statusCode = 401;
      res.setHeader('WWW-Authenticate', 'Basic realm="GitHub"');
      res.end();
    } else if (
      !this.repos.has(
        `${gitPath[1]}/${gitPath[2].replace(/\.git$/, '')}`.toLowerCase(),
      )
    ) {
      res.statusCode = 404;
      res.end('Repository not found.');
    } else {
      await serveGitHttpBackend(req, res, {
        projectRoot: await this.ensureRoot(),
        pathInfo: `/${gitPath[1]}/${gitPath[2]}${gitPath[3]}`,
        query: url.search.replace(/^\?/, ''),
        remoteUser: login,
      });
    }
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      status: res.statusCode,
    });
  }

  /**
   * Answers one REST or GraphQL request (everything but git's smart HTTP), independent of the
   * transport: the loopback server and the msw handlers both call it.
   */
  async handle(request: GitHubApiRequest): Promise<GitHubApiResponse> {
    const url = new URL(request.url, this.baseUrl);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name.toLowerCase(),
        value,
      ]),
    );
    const method = request.method.toUpperCase();
    let body: any;
    try {
      body = request.body ? JSON.parse(request.body) : undefined;
    } catch {
      body = undefined;
    }
    const answer = (
      status: number,
      payload: unknown,
      raw?: Buffer,
    ): GitHubApiResponse => {
      this.requests.push({
        method,
        path: url.pathname + url.search,
        status,
        body,
      });
      if (raw) {
        return {
          status,
          headers: { 'content-type': 'application/vnd.github.raw' },
          body: method === 'HEAD' ? undefined : raw,
        };
      }
      return {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body:
          method === 'HEAD' || payload === undefined
            ? undefined
            : JSON.stringify(payload),
      };
    };

    if (!this.authorized(headers)) {
      return answer(401, { message: 'Bad credentials' });
    }
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    // Octokit encodes "/" inside a ref (`heads%2Ffeature%2Fx`); GitHub treats both spellings alike.
    const routePath = url.pathname.replace(/%2F/gi, '/');
    for (const route of this.routes) {
      const match =
        route.method === routeMethod ? route.pattern.exec(routePath) : null;
      if (!match) {
        continue;
      }
      try {
        const result = await route.handle(match, body, url, headers);
        return answer(result.status ?? 200, result.json, result.raw);
      } catch (error) {
        if (error instanceof HttpError) {
          return answer(error.status, {
            message: error.message,
            ...error.extra,
          });
        }
        throw error;
      }
    }
    return answer(404, { message: 'Not Found' });
  }

  private buildRoutes(): Route[] {
    // the emulator's own state, as the route modules see it (its fields stay private)
    const baseUrl = () => this.baseUrl;
    const host: RouteHost = {
      get baseUrl() {
        return baseUrl();
      },
      login: this.options.login ?? 'backstage-bot',
      isOrganization: login => this.organizations.has(login),
      repo: (owner, name) => this.repo(owner, name),
      findRepo: (owner, name) =>
        this.repos.get(`${owner}/${name}`.toLowerCase()),
      addRepository: (owner, name, settings) =>
        this.addRepository(owner, name, settings),
      repoJson: record => this.repoJson(record),
      pullRequests: (owner, name) => this.pullRequests(owner, name),
      addPullRequest: pr => {
        this.pulls.get(`${pr.owner}/${pr.repo}`)!.push(pr);
      },
      pullRequest: (owner, name, number) =>
        this.pullRequest(owner, name, number),
      pullJson: pr => this.pullJson(pr),
      mergePullRequest: (owner, name, number, options) =>
        this.mergePullRequest(owner, name, number, options),
    };
    return [
      ...userRoutes(host),
      ...repositoryRoutes(host),
      ...gitDataRoutes(host),
      ...pullRoutes(host),
      ...graphqlRoutes(host),
    ];
  }
}
