export {
  GitHubEmulator,
  type EmulatedPullRequest,
  type GitHubApiRequest,
  type GitHubApiResponse,
  type GitHubEmulatorState,
  type GitHubRequestRecord,
  type PullRequestMergedEvent,
} from './GitHubEmulator';
export { githubHandlers } from './mswHandlers';
