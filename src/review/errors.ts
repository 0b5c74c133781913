// Errors that end a run without a verdict and ask the runner to try the same run again later.
// The review pipeline throws them; the runner (the queue) decides when the retry happens. A run
// that throws one has already completed (or will have its next attempt complete) its check run
// honestly: it never leaves one in progress.

/** The run cannot go on now but may later: GitHub's secondary rate limit, an unreadable config. */
export class RetryLater extends Error {
  constructor(
    message: string,
    /** How long to wait before the next attempt, when GitHub said so (`retry-after`). */
    readonly retryAfterMs: number | undefined,
    /** What the check run summary says while the run waits (e.g. "config could not be read; retrying"). */
    readonly reason: string,
  ) {
    super(message);
    this.name = "RetryLater";
  }

  /** A check run the run could not complete before giving up (set by runReview). */
  openCheckRun?: number;
}

/** A newer head commit replaced this run's head while it was queued or running: stop before posting. */
export class Superseded extends Error {
  constructor(readonly newerSha: string) {
    super(`superseded by ${newerSha}`);
    this.name = "Superseded";
  }
}

/**
 * The run's lock on its pull request lapsed (the store could not be reached to renew it) and may
 * be another worker's now: the run stops where it is and posts nothing, creates no check run,
 * and leaves one it opened to the run that holds the lock (the queue tries this job again later).
 */
export class LockLost extends Error {
  constructor() {
    super("the lock on the pull request was lost");
    this.name = "LockLost";
  }
}

/** Another run has answered this run's request since it came (its check run on this head is complete): nothing to do. */
export class Covered extends Error {
  constructor(readonly checkRunId: number) {
    super(`answered by check run ${checkRunId}`);
    this.name = "Covered";
  }
}
