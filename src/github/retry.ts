// Bounded retries for GitHub writes: server errors (5xx) back off; secondary rate limits
// (403/429) wait as long as `retry-after` says. The sleep is injected so tests do not wait.
// Probot's throttle plugin does not retry secondary limits without Redis, so this is ours.

export interface RetryOptions {
  sleep(ms: number): Promise<void>;
  /** Attempts in all, the first included. */
  attempts?: number;
  /** A wait longer than this is not worth it: give up at once. */
  maxWaitMs?: number;
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export class GaveUp extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

const header = (err: HttpError, name: string): string | undefined => {
  const v = err.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
};

export const statusOf = (err: unknown): number | undefined => (err as HttpError)?.status;

/** True for GitHub's secondary rate limit answers. */
export function isRateLimited(err: unknown): boolean {
  const e = err as HttpError;
  if (e?.status !== 403 && e?.status !== 429) return false;
  return header(e, "retry-after") !== undefined || header(e, "x-ratelimit-remaining") === "0" || /rate limit/i.test(e.message ?? "");
}

/** How long to wait before the next attempt, or undefined when retrying cannot help. */
function waitFor(err: unknown, attempt: number): number | undefined {
  const status = statusOf(err);
  if (status !== undefined && status >= 500) return 1000 * 2 ** (attempt - 1);
  if (!isRateLimited(err)) return undefined;
  const after = Number(header(err as HttpError, "retry-after"));
  return Number.isFinite(after) && after >= 0 ? after * 1000 : 60_000;
}

export async function withRetry<T>(what: string, fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  const maxWait = options.maxWaitMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = waitFor(err, attempt);
      if (wait === undefined) throw err;
      if (attempt >= attempts || wait > maxWait) {
        const tries = attempt === 1 ? "once" : `${attempt} times`;
        throw new GaveUp(`${what}: ${explain(err)}; tried ${tries}, then gave up`, statusOf(err));
      }
      await options.sleep(wait);
    }
  }
}

/** An error in plain words, for the check run. */
export function explain(err: unknown): string {
  if (err instanceof GaveUp) return err.message;
  const e = err as HttpError;
  const status = e?.status;
  if (typeof status === "number") {
    if (isRateLimited(err)) {
      const after = header(e, "retry-after");
      return `GitHub's rate limit refused the request (HTTP ${status}${after ? `, retry after ${after} s` : ""})`;
    }
    if (status >= 500) return `GitHub had a server error (HTTP ${status})`;
    return `GitHub answered HTTP ${status}: ${firstLine(e.message)}`;
  }
  return firstLine(err instanceof Error ? err.message : String(err));
}

const firstLine = (s: string | undefined): string => (s ?? "unknown error").split("\n")[0]!.slice(0, 300);
