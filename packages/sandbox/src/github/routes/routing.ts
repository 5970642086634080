import type { BareRepository } from '../BareRepository';
import type { EmulatedPullRequest } from '../GitHubEmulator';

// What the route modules share: the answer types, the route helper, and the emulator's state
// they may use (RouteHost), passed in by GitHubEmulator so its fields stay private.

/** A repository as the emulator keeps it: its settings and its bare Git repository. */
export interface RepositoryRecord {
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  id: number;
  git: BareRepository;
}

/** An answer other than 2xx, with GitHub's `message` and any further fields of its body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One REST route: a method, a path pattern and what it answers. */
export type Route = {
  method: string;
  pattern: RegExp;
  handle: (
    match: RegExpMatchArray,
    body: any,
    url: URL,
    headers: Record<string, string>,
  ) => Promise<{ status?: number; json?: unknown; raw?: Buffer }>;
};

/** The path of every repository route: `m[1]` is the owner, `m[2]` the repository. */
export const REPO_PREFIX = '^/api/v3/repos/([^/]+)/([^/]+)';

/** A route whose pattern must match the whole path. */
export function route(
  method: string,
  pattern: string,
  handle: Route['handle'],
): Route {
  return { method, pattern: new RegExp(`${pattern}$`), handle };
}

/** The commit a ref or sha names, or GitHub's 404 for it. */
export async function commitOf(
  record: RepositoryRecord,
  ref: string,
): Promise<string> {
  const sha = await record.git.resolveCommit(ref);
  if (!sha) {
    throw new HttpError(404, `No commit found for SHA: ${ref}`);
  }
  return sha;
}

/** The emulator's state and answers, as the routes use them. */
export interface RouteHost {
  /** Where the emulator is served, read when a route answers. */
  readonly baseUrl: string;
  /** The token's user. */
  readonly login: string;
  isOrganization(login: string): boolean;
  /** The repository, or GitHub's 404. */
  repo(owner: string, name: string): RepositoryRecord;
  findRepo(owner: string, name: string): RepositoryRecord | undefined;
  addRepository(
    owner: string,
    name: string,
    settings: { defaultBranch: string; description: string; private: boolean },
  ): Promise<RepositoryRecord>;
  repoJson(record: RepositoryRecord): unknown;
  pullRequests(owner: string, name: string): EmulatedPullRequest[];
  /** Keeps a new pull request with its repository's. */
  addPullRequest(pr: EmulatedPullRequest): void;
  /** The pull request, or GitHub's 404. */
  pullRequest(owner: string, name: string, number: number): EmulatedPullRequest;
  pullJson(pr: EmulatedPullRequest): unknown;
  mergePullRequest(
    owner: string,
    name: string,
    number: number,
    options: { commitTitle?: string },
  ): Promise<string>;
}
