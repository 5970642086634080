import type { APIRequestContext } from '@playwright/test';

/** The sandbox admin API (packages/sandbox/README.md), reached by the tests only. */
export const SANDBOX_ADMIN_URL =
  process.env.SANDBOX_ADMIN_URL ?? 'http://127.0.0.1:7090';

async function call(
  request: APIRequestContext,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  data?: unknown,
) {
  const response = await request.fetch(`${SANDBOX_ADMIN_URL}${path}`, {
    method,
    data,
  });
  const body = await response.json();
  if (!response.ok()) {
    throw new Error(
      `sandbox admin ${method} ${path}: ${response.status()} ${JSON.stringify(
        body,
      )}`,
    );
  }
  return body;
}

function repoQuery(repo: string | undefined): string {
  return repo
    ? `?${new URLSearchParams({ repo: `gitops-secrets/${repo}` })}`
    : '';
}

export interface SandboxPullRequest {
  number: number;
  title: string;
  head: string;
  state: string;
  merged: boolean;
}

export const sandboxAdmin = {
  /** the pull requests of a GitOps repository of the sandbox (default `gitops`, the first cluster's) */
  pulls: async (
    request: APIRequestContext,
    repo?: string,
  ): Promise<SandboxPullRequest[]> =>
    (await call(request, 'GET', `/pulls${repoQuery(repo)}`)).pulls,
  merge: (request: APIRequestContext, number: number, repo?: string) =>
    call(request, 'POST', `/pulls/${number}/merge${repoQuery(repo)}`),
  inject: (request: APIRequestContext, fault: string, service?: string) =>
    call(request, 'POST', `/faults/${fault}`, service ? { service } : {}),
  clear: (request: APIRequestContext, fault: string) =>
    call(request, 'DELETE', `/faults/${fault}`),
  clearAll: (request: APIRequestContext) => call(request, 'DELETE', '/faults'),
  /** writes a new KV version of a seeded service's secret (answers where and which version) */
  rotate: (
    request: APIRequestContext,
    service: string,
  ): Promise<{ service: string; path: string; version: number }> =>
    call(request, 'POST', `/services/${service}/rotate`),
};
