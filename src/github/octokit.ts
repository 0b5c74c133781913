// The GitHub layer over an Octokit for one repository: the routes and GraphQL operations the app
// uses. Writes are sent once (plugin-retry retries reads only, see throttle.ts); a write whose
// answer is lost (5xx, reset) is read back and sent again only when GitHub did not act. The App
// builds the layer from a webhook's Probot context (`githubForContext`); a queued run, the Action
// and tests build it from any Octokit with the REST, paginate and GraphQL plugins.
import type { Context } from "probot";
import { readBlobs } from "./blobs.js";
import { checkRunsInSuite, completeCheckRun, createCheckRun, findCheckRuns, readBack, WRITE } from "./checks.js";
import { installMetricsHook, type CallMetrics } from "./metrics-hook.js";
import { goModPaths, runStart } from "./start.js";
import { listThreads, resolveThread } from "./threads.js";
import type { FileStatus, GitHub, PullFile, PullInfo, RepoRef } from "./types.js";

/** GitHub lists at most 3,000 files of a pull request. */
export const MAX_FILES = 3000;

export interface GitHubOptions {
  /** Kept for callers that pass it; the layer itself never sleeps (secondary limits become RetryLater). */
  sleep?(ms: number): Promise<void>;
  metrics: CallMetrics;
}

/** What the layer needs of its host: an authenticated Octokit, the repository, and optionally a config reader. */
export interface GitHubTarget {
  octokit: Context["octokit"];
  repo: RepoRef;
  /**
   * `.github/ptrguard.yml` merged over `defaults`, for a host that reads it its own way; throws
   * when it cannot be read. Without it the layer reads the file with the run's first query.
   */
  loadConfig?: (defaults: object) => Promise<unknown>;
}

/** The target of a webhook delivery: Probot's installation Octokit. */
export function targetOf(context: Context): GitHubTarget {
  return { octokit: context.octokit, repo: context.repo() };
}

export function githubForContext(context: Context, options: GitHubOptions): GitHub {
  return createGitHub(targetOf(context), options);
}

export function createGitHub(target: GitHubTarget, options: GitHubOptions): GitHub {
  const { octokit, repo } = target;
  installMetricsHook(octokit, options.metrics);

  /** Review comments on the pull request, to read back a comment whose answer was lost. */
  const comments = (number: number) => octokit.paginate(octokit.rest.pulls.listReviewComments, { ...repo, pull_number: number, per_page: 100 });

  const github: GitHub = {
    repo,
    runStart: (headSha, pullNumber) => runStart(octokit, repo, headSha, pullNumber),

    async readRepoFile(owner, name, path) {
      try {
        const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo: name, path, mediaType: { format: "raw" } });
        return String(res.data);
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw err;
      }
    },

    async getPull(number) {
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
      return toPullInfo(data);
    },

    async listFiles(number, max = MAX_FILES) {
      const files: PullFile[] = [];
      for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: 100 })) {
        for (const f of page.data) {
          files.push({ path: f.filename, status: f.status as FileStatus, previousPath: f.previous_filename, patch: f.patch });
        }
        if (files.length >= max) break;
      }
      return files.slice(0, max);
    },

    readBlobs: (requests, pullNumber) => readBlobs(octokit, repo, requests, pullNumber),
    goModPaths: (sha) => goModPaths(octokit, repo, sha),
    findCheckRuns: (headSha) => findCheckRuns(octokit, repo, headSha),
    createCheckRun: (run) => createCheckRun(octokit, repo, run),
    completeCheckRun: (id, completion, alreadyAnnotated) => completeCheckRun(octokit, repo, id, completion, alreadyAnnotated),
    checkRunsInSuite: (suiteId) => checkRunsInSuite(octokit, repo, suiteId),
    listThreads: (number) => listThreads(octokit, repo, number),
    resolveThread: (threadId) => resolveThread(octokit, threadId),

    async createReview(number, review) {
      await readBack(
        async () =>
          void (await octokit.rest.pulls.createReview({ ...repo, pull_number: number, commit_id: review.commitId, event: review.event, body: review.body, comments: review.comments, ...WRITE })),
        async () => ((await github.listReviews(number)).some((r) => r.byBot && r.commitId === review.commitId && r.body === review.body) ? { value: undefined } : undefined),
      );
    },

    async listReviews(number) {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: number, per_page: 100 });
      return reviews.map((r) => ({ id: r.id, state: r.state, body: r.body ?? "", byBot: r.user?.type === "Bot", commitId: r.commit_id ?? null }));
    },

    async dismissReview(number, reviewId, message) {
      // Dismissing twice is harmless: no read-back needed.
      await octokit.rest.pulls.dismissReview({ ...repo, pull_number: number, review_id: reviewId, message });
    },

    async createFileComment(number, commitId, path, body) {
      await readBack(
        async () => void (await octokit.rest.pulls.createReviewComment({ ...repo, pull_number: number, commit_id: commitId, path, body, subject_type: "file", ...WRITE })),
        async () => ((await comments(number)).some((c) => c.path === path && c.body === body) ? { value: undefined } : undefined),
      );
    },

    async replyToComment(number, commentId, body) {
      await readBack(
        async () => void (await octokit.rest.pulls.createReplyForReviewComment({ ...repo, pull_number: number, comment_id: commentId, body, ...WRITE })),
        async () => ((await comments(number)).some((c) => c.in_reply_to_id === commentId && c.body === body) ? { value: undefined } : undefined),
      );
    },

    async react(commentId, content) {
      // A reaction is idempotent on GitHub (the same one twice is one).
      await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },

    async commentOnIssue(number, body) {
      await octokit.rest.issues.createComment({ ...repo, issue_number: number, body, ...WRITE });
    },

    async permission(username) {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
      return data.permission;
    },
  };
  if (target.loadConfig) github.loadConfig = target.loadConfig;
  return github;
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
