export {
  GitHubEmulator,
  type EmulatedPullRequest,
  type GitHubApiRequest,
  type GitHubApiResponse,
  type GitHubRequestRecord,
  type PullRequestMergedEvent,
} from './GitHubEmulator';
export { githubHandlers } from './mswHandlers';
