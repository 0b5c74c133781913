// The GitHub layer's target for a queued run: the installation's Octokit, built from the job's
// installation id rather than from a webhook context. No config reader is given: the layer reads
// `.github/ptrguard.yml` (the default branch, the owner's `.github` repository as fallback,
// `_extends`) in the run's first GraphQL query (github/start.ts, review/config-load.ts).
import type { ProbotOctokit } from "probot";
import type { GitHubTarget } from "../github/octokit.js";
import type { RepoRef } from "../github/types.js";

export function installationTarget(octokit: ProbotOctokit, repo: RepoRef): GitHubTarget {
  return { octokit: octokit as GitHubTarget["octokit"], repo };
}
