// The GitHub layer's target for a queued run: the installation's Octokit (built from the job's
// installation id, not from a webhook context) and the same config reader `context.config` uses:
// `.github/ptrguard.yml` from the default branch, the owner's `.github` repository as fallback,
// `_extends`, merged over the defaults with a user's list replacing the default list.
import deepmerge from "deepmerge";
import type { ProbotOctokit } from "probot";
import { CONFIG_FILE } from "../config.js";
import type { GitHubTarget } from "../github/octokit.js";
import type { RepoRef } from "../github/types.js";

export function installationTarget(octokit: ProbotOctokit, repo: RepoRef): GitHubTarget {
  return {
    octokit: octokit as GitHubTarget["octokit"],
    repo,
    async loadConfig(defaults: object) {
      const { config } = await octokit.config.get({
        ...repo,
        path: `.github/${CONFIG_FILE}`,
        defaults: (configs: object[]) => deepmerge.all([defaults, ...configs], { arrayMerge: (_target, source) => source }) as Record<string, unknown>,
      });
      return config;
    },
  };
}
