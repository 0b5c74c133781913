// How the app's Octokit paces and retries requests: the one place that decides it.
//
// - Probot's throttle plugin stays on (it is what notices primary and secondary rate limits), but
//   its default groups space every write and every GraphQL call (read-only queries included) a
//   second apart per installation, and review/comment creation three seconds apart: a one-file
//   review spent 4 s of its 4.2 s waiting. Here no request is spaced; each installation gets a
//   budget per minute instead, which only bites in a burst and keeps content creation under
//   GitHub's 80 a minute: counted in the process by ./budget.ts (Bottleneck's limiters cost ~15 ms
//   of timer hops per request), or by Bottleneck reservoirs when budgets are shared through Redis.
//   The plugin's retry limiter (its rate-limit handling) is ./budget.ts's RetryLimiter, one per client.
// - Secondary rate limits are never waited out inside a run: the request fails, and the GitHub
//   layer turns it into RetryLater, so the run queue retries the run after `retry-after`.
// - One retry layer: @octokit/plugin-retry retries reads (GET, GraphQL) on server errors and
//   resets. Writes are sent with `request.retries = 0` (see WRITE in octokit.ts): a write whose
//   answer is lost is read back by the GitHub layer, never repeated blindly.
import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";
import { BudgetGroup, RetryLimiter } from "./budget.js";

/** Writes and GraphQL calls per installation and minute (GitHub: 900 REST points, 2,000 GraphQL points). */
export const CALLS_PER_MINUTE = 150;
/** Reviews and comments per installation and minute (GitHub's content-creation limit is 80). */
export const CONTENT_PER_MINUTE = 60;
/** Retries of a read after a server error or a reset (waits 1 s, then 4 s). */
export const READ_RETRIES = 2;

interface Log {
  warn(msg: string): void;
}
interface RequestOptions {
  method: string;
  url: string;
}

export interface ThrottleSettings {
  /** Shares the per-installation budgets across replicas (Probot's Redis connection). */
  connection?: Bottleneck.IORedisConnection;
  callsPerMinute?: number;
  contentPerMinute?: number;
}

const budget = (id: string, perMinute: number, connection: Bottleneck.IORedisConnection | undefined) =>
  // In one process, a budget without Bottleneck's timer hops (./budget.ts); shared through Redis, Bottleneck's.
  !connection ? new BudgetGroup({ perMinute }) : new Bottleneck.Group({
    id,
    // Concurrency is left to the global group (10 per installation); nothing is spaced.
    minTime: 0,
    reservoir: perMinute,
    reservoirRefreshAmount: perMinute,
    reservoirRefreshInterval: 60_000,
    ...(connection ? { connection, datastore: "ioredis" as const, clearDatastore: false } : {}),
  });

/** Options for @octokit/plugin-throttling (Octokit's `throttle`); `id` (the installation) is set by Probot. */
export function throttleOptions(settings: ThrottleSettings = {}) {
  return {
    // Every request, at most 10 at once per installation (Probot's global group, without its hops).
    ...(settings.connection ? {} : { global: new BudgetGroup({ maxConcurrent: 10 }) }),
    write: budget("ptrguard-calls", settings.callsPerMinute ?? CALLS_PER_MINUTE, settings.connection),
    notifications: budget("ptrguard-content", settings.contentPerMinute ?? CONTENT_PER_MINUTE, settings.connection),
    /** The hourly quota: wait for its reset once when it is near (at most a minute), else fail. */
    onRateLimit: (retryAfter: number, options: RequestOptions, octokit: { log: Log }, retryCount: number) => {
      const retry = retryCount < 1 && retryAfter <= 60;
      octokit.log.warn(`GitHub's rate limit on ${options.method} ${options.url}; ${retry ? `retrying in ${retryAfter} s` : "giving up"}`);
      return retry;
    },
    /** Never waited out here: the run is retried later as a whole (RetryLater). */
    onSecondaryRateLimit: (retryAfter: number, options: RequestOptions, octokit: { log: Log }) => {
      octokit.log.warn(`GitHub's secondary rate limit on ${options.method} ${options.url}; the run will be retried in ${retryAfter} s`);
      return false;
    },
  };
}

/** Options for @octokit/plugin-retry (Octokit's `retry`): reads only; 403 and 429 are the throttle's. */
export function retryOptions() {
  return { retries: READ_RETRIES, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] };
}

/**
 * Probot's Octokit with these settings. Probot passes its own throttle options (which would
 * win over the object form of `defaults`), so they are merged in the function form, keeping
 * Probot's `id` (the installation), `enabled` and, with Redis, its `connection`: the budgets are
 * then shared by every replica (they are created on the first client, with that connection).
 */
export function limitedOctokit(base: typeof ProbotOctokit = ProbotOctokit, settings: ThrottleSettings = {}): typeof ProbotOctokit {
  let throttle: ReturnType<typeof throttleOptions> | undefined;
  return base.defaults((options: { throttle?: { connection?: Bottleneck.IORedisConnection }; retry?: object }) => {
    const connection = settings.connection ?? options.throttle?.connection;
    throttle ??= throttleOptions({ ...settings, ...(connection ? { connection } : {}) });
    // Per client (its "failed" listener is the client's); Bottleneck's own when budgets are shared through Redis.
    const retryLimiter = connection ? {} : { retryLimiter: new RetryLimiter() };
    return { ...options, retry: { ...options.retry, ...retryOptions() }, throttle: { ...options.throttle, ...throttle, ...retryLimiter } };
  }) as typeof ProbotOctokit;
}
