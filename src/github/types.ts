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

/** A file of a directory at a commit: its name and size in bytes. */
export interface DirEntry {
  name: string;
  bytes: number;
}

/** `dir`: what a `list` request gets, the directory's files (not its subdirectories). */
export type Blob = { kind: "text"; text: string } | { kind: "missing" } | { kind: "binary" } | { kind: "too-large"; bytes: number } | { kind: "dir"; entries: DirEntry[] };

export interface BlobRequest {
  ref: string;
  path: string;
  /** The directory at `path` ("." the root): its files' names and sizes, not a file's contents. */
  list?: boolean;
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
  commitId: string | null;
}

export interface CheckRunInfo {
  id: number;
  /** queued, in_progress or completed. */
  status: string;
  conclusion: string | null;
  externalId: string | null;
  startedAt: string | null;
  title: string | null;
  /** Annotations GitHub holds for it (known when read through REST). */
  annotationsCount?: number;
}

/** What a run needs to know before it starts, read in one GraphQL query. */
export interface RunStart {
  /** `.github/ptrguard.yml` on the default branch of the repository, and of the owner's `.github` repository; null when absent. */
  configText: { repo: string | null; org: string | null };
  /** Names those texts: the head commits of both default branches. */
  configKey: string;
  /** ptrguard's check runs on the head commit, newest first. */
  checkRuns: CheckRunInfo[];
  /** How many files the pull request changes (GitHub lists at most 3,000 of them). */
  changedFiles: number | null;
}

/** The pull request as it was when its blobs were read (same query): its head and review threads. */
export interface PullNow {
  headSha: string;
  threads: ReviewThread[];
}

export interface NewCheckRun {
  headSha: string;
  pullNumber: number;
  startedAt: string;
  /** Given: the check run is created completed, in one request; else it is created in progress. */
  completion?: CheckCompletion;
}

export interface GitHub {
  repo: RepoRef;
  /** Set when the host reads the configuration itself (merged over `defaults`); else it comes with runStart. */
  loadConfig?: (defaults: object) => Promise<unknown>;
  /** Configuration texts, ptrguard's check runs on `headSha` and the PR's file count, in one query. */
  runStart(headSha: string, pullNumber: number): Promise<RunStart>;
  /** A file on the default branch of another repository (`_extends`); null when absent. */
  readRepoFile(owner: string, repo: string, path: string): Promise<string | null>;
  getPull(number: number): Promise<PullInfo>;
  /** Up to `max` files (GitHub lists 3,000 at most). */
  listFiles(number: number, max?: number): Promise<PullFile[]>;
  /** Blobs (and directory listings) in as few queries as possible; with `pullNumber`, the PR's head and threads come in the last one. */
  readBlobs(requests: readonly BlobRequest[], pullNumber?: number): Promise<{ blobs: Blob[]; pull?: PullNow }>;
  /** Every go.mod path at a commit, from its tree; undefined when GitHub truncates the tree. */
  goModPaths(sha: string): Promise<string[] | undefined>;
  /** ptrguard's check runs on a commit, through REST (to read back a write whose answer was lost). */
  findCheckRuns(headSha: string): Promise<CheckRunInfo[]>;
  /** Creates the check run; a lost answer is read back, never blindly repeated. */
  createCheckRun(run: NewCheckRun): Promise<number>;
  /** Sends the annotations in batches of 50; the last request completes the run. Lost answers are read back. */
  completeCheckRun(id: number, completion: CheckCompletion, alreadyAnnotated?: number): Promise<void>;
  /** `external_id` of ptrguard's check runs in a suite (the PR number of fork PRs). */
  checkRunsInSuite(suiteId: number): Promise<{ externalId: string | null }[]>;
  listThreads(number: number): Promise<ReviewThread[]>;
  /** Posts the review; a lost answer is read back (the reviews on the commit), never blindly repeated. */
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
