// The GitHub layer over an Octokit for one repository: the routes and GraphQL operations the app
// uses, with bounded retries on the writes that GitHub's secondary rate limits target. The App
// builds it from a webhook's Probot context (`githubForContext`); a queued run, the Action and
// tests build it from any Octokit with the REST, paginate and GraphQL plugins.
import type { Context } from "probot";
import { CONFIG_FILE } from "../config.js";
import { readBlobs } from "./blobs.js";
import { checkRunsInSuite, completeCheckRun, createCheckRun } from "./checks.js";
import { installMetricsHook, type CallMetrics } from "./metrics-hook.js";
import { withRetry } from "./retry.js";
import { listThreads, resolveThread } from "./threads.js";
import type { FileStatus, GitHub, PullFile, PullInfo, RepoRef } from "./types.js";

/** GitHub lists at most 3,000 files of a pull request. */
export const MAX_FILES = 3000;

export interface GitHubOptions {
  sleep(ms: number): Promise<void>;
  metrics: CallMetrics;
}

/** What the layer needs of its host: an authenticated Octokit, the repository, how to read the config. */
export interface GitHubTarget {
  octokit: Context["octokit"];
  repo: RepoRef;
  /** `.github/ptrguard.yml` merged over `defaults`; throws when it cannot be read. */
  loadConfig(defaults: object): Promise<unknown>;
}

/** The target of a webhook delivery: Probot's installation Octokit and its config reader. */
export function targetOf(context: Context): GitHubTarget {
  // A user's list replaces the default list instead of being appended to it.
  return { octokit: context.octokit, repo: context.repo(), loadConfig: (defaults) => context.config(CONFIG_FILE, defaults, { arrayMerge: (_target, source) => source }) };
}

export function githubForContext(context: Context, options: GitHubOptions): GitHub {
  return createGitHub(targetOf(context), options);
}

export function createGitHub(target: GitHubTarget, options: GitHubOptions): GitHub {
  const { octokit, repo } = target;
  installMetricsHook(octokit, options.metrics);
  const retry = <T>(what: string, fn: () => Promise<T>) => withRetry(what, fn, { sleep: options.sleep });

  return {
    repo,
    loadConfig: (defaults) => target.loadConfig(defaults),

    async getPull(number) {
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
      return toPullInfo(data);
    },

    async listFiles(number) {
      const files: PullFile[] = [];
      for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: 100 })) {
        for (const f of page.data) {
          files.push({ path: f.filename, status: f.status as FileStatus, previousPath: f.previous_filename, patch: f.patch });
        }
        if (files.length >= MAX_FILES) break;
      }
      return files.slice(0, MAX_FILES);
    },

    readBlobs: (requests) => readBlobs(octokit, repo, requests),
    createCheckRun: (headSha, pullNumber, startedAt) => createCheckRun(octokit, repo, headSha, pullNumber, startedAt),
    completeCheckRun: (id, completion) => completeCheckRun(octokit, repo, id, completion),
    checkRunsInSuite: (suiteId) => checkRunsInSuite(octokit, repo, suiteId),
    listThreads: (number) => listThreads(octokit, repo, number),
    resolveThread: (threadId) => resolveThread(octokit, threadId),

    async createReview(number, review) {
      await retry("creating the review", () =>
        octokit.rest.pulls.createReview({ ...repo, pull_number: number, commit_id: review.commitId, event: review.event, body: review.body, comments: review.comments }),
      );
    },

    async listReviews(number) {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: number, per_page: 100 });
      return reviews.map((r) => ({ id: r.id, state: r.state, body: r.body ?? "", byBot: r.user?.type === "Bot" }));
    },

    async dismissReview(number, reviewId, message) {
      await retry("dismissing an earlier review", () => octokit.rest.pulls.dismissReview({ ...repo, pull_number: number, review_id: reviewId, message }));
    },

    async createFileComment(number, commitId, path, body) {
      await retry(`commenting on ${path}`, () =>
        octokit.rest.pulls.createReviewComment({ ...repo, pull_number: number, commit_id: commitId, path, body, subject_type: "file" }),
      );
    },

    async replyToComment(number, commentId, body) {
      await retry("replying in a review thread", () => octokit.rest.pulls.createReplyForReviewComment({ ...repo, pull_number: number, comment_id: commentId, body }));
    },

    async react(commentId, content) {
      await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },

    async commentOnIssue(number, body) {
      await retry("commenting on the pull request", () => octokit.rest.issues.createComment({ ...repo, issue_number: number, body }));
    },

    async permission(username) {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
      return data.permission;
    },
  };
}

interface PullData {
  number: number;
  state: string;
  draft?: boolean | undefined;
  head: { sha: string };
  base: { sha: string };
  user: { login: string } | null;
}

export function toPullInfo(p: PullData): PullInfo {
  return { number: p.number, state: p.state, draft: p.draft ?? false, headSha: p.head.sha, baseSha: p.base.sha, author: p.user?.login ?? "" };
}
