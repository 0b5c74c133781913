// An Octokit for a plain token (the workflow's GITHUB_TOKEN in the GitHub Action), with what the
// GitHub layer uses: the REST methods, pagination and GraphQL (all in @octokit/rest). Probot's
// Octokit adds throttling and retries on top; the layer's own `withRetry` covers the writes that
// secondary rate limits target, and an Action run makes a few dozen calls at most.
import { Octokit } from "@octokit/rest";
import type { GitHubTarget } from "./octokit.js";

export interface RestOptions {
  token: string;
  /** `GITHUB_API_URL`: https://api.github.com, or `https://HOST/api/v3` on GitHub Enterprise Server. */
  baseUrl: string;
  userAgent: string;
}

export function restOctokit(options: RestOptions): GitHubTarget["octokit"] {
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent,
    // Octokit logs a deprecation or a failed request through console by default; the layer
    // reports what matters in plain words instead.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  // The layer is typed against Probot's Octokit, a superset of @octokit/rest's (same core,
  // plus config, throttling and retry plugins the layer does not call).
  return octokit as unknown as GitHubTarget["octokit"];
}
