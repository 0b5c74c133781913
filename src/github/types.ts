// The GitHub layer as the review pipeline sees it: plain data in, plain data out. The
// implementation (octokit.ts) is the only place that knows routes and GraphQL.

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullInfo {
  number: number;
  state: string;
  draft: boolean;
  headSha: string;
  baseSha: string;
  author: string;
}

export type FileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";

export interface PullFile {
  path: string;
  status: FileStatus;
  previousPath?: string | undefined;
  /** Absent for binary files and diffs GitHub finds too large. */
  patch?: string | undefined;
}

export type Blob = { kind: "text"; text: string } | { kind: "missing" } | { kind: "binary" } | { kind: "too-large"; bytes: number };

export interface BlobRequest {
  ref: string;
  path: string;
}

export interface LineComment {
  path: string;
  body: string;
  line: number;
  side: "RIGHT";
  start_line?: number;
  start_side?: "RIGHT";
}

export type ReviewEventName = "COMMENT" | "REQUEST_CHANGES";

export interface ReviewRequest {
  commitId: string;
  event: ReviewEventName;
  body: string;
  comments: LineComment[];
}

export interface ThreadComment {
  id: number;
  body: string;
  author: string | null;
}

export interface ReviewThread {
  id: string;
  path: string;
  isResolved: boolean;
  resolvedBy: string | null;
  comments: ThreadComment[];
}

export type AnnotationLevel = "notice" | "warning" | "failure";

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: AnnotationLevel;
  title: string;
  message: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
}

export type Conclusion = "success" | "failure" | "neutral";

export interface CheckCompletion {
  conclusion: Conclusion;
  output: CheckOutput;
  annotations: Annotation[];
  completedAt: string;
}

export type Reaction = "eyes" | "confused";

export interface ReviewInfo {
  id: number;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  state: string;
  body: string;
  /** The review's author is a bot (an app). */
  byBot: boolean;
}

export interface GitHub {
  repo: RepoRef;
  /** `.github/ptrguard.yml` merged over `defaults` (default branch, `_extends`); throws on unreadable YAML. */
  loadConfig(defaults: object): Promise<unknown>;
  getPull(number: number): Promise<PullInfo>;
  listFiles(number: number): Promise<PullFile[]>;
  readBlobs(requests: readonly BlobRequest[]): Promise<Blob[]>;
  createCheckRun(headSha: string, pullNumber: number, startedAt: string): Promise<number>;
  /** Sends the annotations in batches of 50; the last request completes the run. */
  completeCheckRun(id: number, completion: CheckCompletion): Promise<void>;
  /** `external_id` of ptrguard's check runs in a suite (the PR number of fork PRs). */
  checkRunsInSuite(suiteId: number): Promise<{ externalId: string | null }[]>;
  listThreads(number: number): Promise<ReviewThread[]>;
  createReview(number: number, review: ReviewRequest): Promise<void>;
  listReviews(number: number): Promise<ReviewInfo[]>;
  dismissReview(number: number, reviewId: number, message: string): Promise<void>;
  createFileComment(number: number, commitId: string, path: string, body: string): Promise<void>;
  replyToComment(number: number, commentId: number, body: string): Promise<void>;
  resolveThread(threadId: string): Promise<void>;
  react(commentId: number, content: Reaction): Promise<void>;
  commentOnIssue(number: number, body: string): Promise<void>;
  /** `admin`, `write`, `read` or `none` (GitHub folds maintain into write and triage into read). */
  permission(username: string): Promise<string>;
}
