export {
  GitHubEmulator,
  type EmulatedPullRequest,
  type GitHubRequestRecord,
  type PullRequestMergedEvent,
} from './GitHubEmulator';
