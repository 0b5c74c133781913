// The run queue as the webhook handlers and the server see it. Three kinds: `InlineQueue` runs a
// request while the webhook waits (tests, one-off tools); `EmbeddedQueue` answers at once and
// runs in this process with a concurrency limit (the default, no extra service); `BullQueue`
// keeps requests in Redis, shared by any number of replicas (REDIS_URL).
import type { RunRequest } from "./request.js";

export type Accepted = "accepted" | "duplicate";

export interface RunQueue {
  /**
   * Accepts a request: resolves once it is kept (in Redis, durably), "duplicate" when the same
   * delivery id was accepted before. Rejects when the queue cannot take it (stopping, Redis down):
   * the webhook then fails visibly rather than being answered and lost.
   */
  submit(req: RunRequest): Promise<Accepted>;
  /** Requests accepted and not finished: waiting (or delayed) and running. */
  stats(): Promise<{ waiting: number; active: number }>;
  /** Stops taking requests and drains: runs in flight finish, waiting ones run or stay queued (Redis). */
  close(): Promise<void>;
}

/** Builds a queue around the runner the app creates when Probot loads it. */
export type QueueFactory = (runner: import("./runner.js").Runner) => RunQueue;

export const DELIVERY_TTL_MS = 24 * 3600_000;
