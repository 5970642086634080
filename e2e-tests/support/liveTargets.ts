/**
 * Live mode: the full story against a real Vault, a real cluster with ESO and a real GitHub
 * repository. The Backstage instance under test must already be configured for them
 * (app-config.production.yaml); these variables tell the test where the GitOps repository is
 * and how to merge its pull requests.
 */
export interface LiveTargets {
  /** Backstage frontend, e.g. https://backstage.example.com */
  appUrl: string;
  /** GitHub API base, e.g. https://api.github.com */
  githubApiUrl: string;
  /** `owner/name` of the GitOps repository the template opens pull requests in. */
  gitopsRepo: string;
  /** The host the template's RepoUrlPicker offers, e.g. github.com */
  githubHost: string;
  /** Owner for the new service repository. */
  serviceRepoOwner: string;
  /** A token allowed to merge pull requests in the GitOps repository. */
  githubToken: string;
}

const VARIABLES = {
  appUrl: 'E2E_LIVE_APP_URL',
  githubApiUrl: 'E2E_LIVE_GITHUB_API_URL',
  gitopsRepo: 'E2E_LIVE_GITOPS_REPO',
  githubHost: 'E2E_LIVE_GITHUB_HOST',
  serviceRepoOwner: 'E2E_LIVE_SERVICE_REPO_OWNER',
  githubToken: 'E2E_LIVE_GITHUB_TOKEN',
} as const;

/** The live targets when every variable is set; undefined otherwise. */
export function liveTargets(): LiveTargets | undefined {
  const entries = Object.entries(VARIABLES).map(([key, name]) => [
    key,
    process.env[name],
  ]);
  if (entries.some(([, value]) => !value)) {
    return undefined;
  }
  return Object.fromEntries(entries) as LiveTargets;
}
