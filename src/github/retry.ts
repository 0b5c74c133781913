// What a GitHub error means for the run. There is one retry layer, @octokit/plugin-retry, and it
// retries reads only (see throttle.ts); this module classifies what is left:
// - a secondary rate limit (403/429 with `retry-after` or GitHub's message): GitHub did nothing;
//   the run is retried later as a whole (RetryLater, with the wait GitHub asked for);
// - an uncertain answer (5xx, a reset, a timeout) to a write: GitHub may have acted, so the write
//   is read back before anything is sent again;
// - anything else (4xx): GitHub refused; the error is explained in the check run.

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const header = (err: HttpError, name: string): string | undefined => {
  const v = err?.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
};

export const statusOf = (err: unknown): number | undefined => (err as HttpError)?.status;

/** True for GitHub's rate limit answers (secondary, or the primary quota spent). */
export function isRateLimited(err: unknown): boolean {
  const e = err as HttpError;
  if (e?.status !== 403 && e?.status !== 429) return false;
  return header(e, "retry-after") !== undefined || header(e, "x-ratelimit-remaining") === "0" || /rate limit/i.test(e.message ?? "");
}

/** When GitHub says when to come back: `retry-after`, else the primary quota's reset; else a minute. */
export function retryAfterMs(err: unknown, now = Date.now()): number {
  const e = err as HttpError;
  const after = Number(header(e, "retry-after"));
  if (header(e, "retry-after") !== undefined && Number.isFinite(after) && after >= 0) return after * 1000;
  const reset = Number(header(e, "x-ratelimit-reset"));
  if (header(e, "x-ratelimit-remaining") === "0" && Number.isFinite(reset)) return Math.max(1000, reset * 1000 - now);
  return 60_000;
}

/** The answer to a write was lost or was a server error: GitHub may or may not have acted. */
export function isUncertain(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500;
}

/** An error in plain words, for the check run. */
export function explain(err: unknown): string {
  const e = err as HttpError;
  const status = e?.status;
  if (typeof status === "number") {
    if (isRateLimited(err)) {
      const after = header(e, "retry-after");
      return `GitHub's rate limit refused the request (HTTP ${status}${after ? `, retry after ${after} s` : ""})`;
    }
    if (status >= 500) {
      // @octokit/request reports a reset or a refused connection as a 500 without a response.
      return e.response ? `GitHub had a server error (HTTP ${status})` : `the connection to GitHub failed (${firstLine(e.message)})`;
    }
    return `GitHub answered HTTP ${status}: ${firstLine(e.message)}`;
  }
  return firstLine(err instanceof Error ? err.message : String(err));
}

const firstLine = (s: string | undefined): string => (s ?? "unknown error").split("\n")[0]!.slice(0, 300);
