// The default queue: in this process, no extra service. The webhook is answered as soon as the
// request is kept here; at most `concurrency` runs go at once. Requests for one PR never run side
// by side: while one runs, later ones wait merged into one (the newest head wins; the runner
// calls the running one off before it posts when a newer head is accepted). A RetryLater pauses
// the installation and runs the request again after `retry-after`. `close()` drains: it stops
// taking requests and waits for what was accepted, up to a deadline; what a crash leaves is found
// at the next start (recover.ts).
import pLimit, { type LimitFunction } from "p-limit";
import type { Logger } from "probot";
import type { QueueMetrics } from "../metrics.js";
import { RetryLater } from "../review/errors.js";
import { DELIVERY_TTL_MS, type Accepted, type RunQueue } from "./queue.js";
import { merge, prKey, type RunRequest } from "./request.js";
import type { Runner } from "./runner.js";

export interface EmbeddedOptions {
  concurrency: number;
  log: Logger;
  metrics?: QueueMetrics;
  /** Attempts for a run that fails with an unexpected error (not a RetryLater). */
  attempts?: number;
  /** How long `close()` waits for the accepted work. */
  drainMs?: number;
}

export class StoppingError extends Error {
  constructor() {
    super("ptrguard is stopping and takes no new work");
  }
}

export class EmbeddedQueue implements RunQueue {
  private readonly limit: LimitFunction;
  private readonly pending = new Map<string, RunRequest>();
  /** PRs with a run going (the runner calls a run off itself when a newer head comes). */
  private readonly active = new Set<string>();
  private readonly scheduled = new Set<string>();
  private readonly timers = new Map<NodeJS.Timeout, RunRequest>();
  private readonly tasks = new Set<Promise<unknown>>();
  private closing = false;
  private attemptsOf = new Map<string, number>();

  constructor(
    private readonly runner: Runner,
    private readonly o: EmbeddedOptions,
  ) {
    this.limit = pLimit(Math.max(1, o.concurrency));
  }

  async submit(req: RunRequest): Promise<Accepted> {
    if (this.closing) throw new StoppingError();
    if (!(await this.runner.store.claim(`delivery:${req.delivery}`, DELIVERY_TTL_MS))) return "duplicate";
    await this.runner.noteHead(req);
    if (req.recheck || req.pullNumber === undefined) this.track(this.limit(() => this.prepare(req)));
    else this.enqueue(req);
    this.report();
    return "accepted";
  }

  async stats(): Promise<{ waiting: number; active: number }> {
    return this.counts();
  }

  private counts(): { waiting: number; active: number } {
    // Pending requests of a running PR wait outside the limiter until it finishes.
    const parked = [...this.pending.keys()].filter((k) => this.active.has(k) && !this.scheduled.has(k)).length;
    return { waiting: this.limit.pendingCount + this.timers.size + parked, active: this.limit.activeCount };
  }

  async close(): Promise<void> {
    this.closing = true;
    // Retries waiting for their time run now: nothing accepted is dropped at a stop.
    for (const [timer, req] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(timer);
      this.enqueue(req);
    }
    const deadline = Date.now() + (this.o.drainMs ?? 20_000);
    while (this.tasks.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.tasks]), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    const left = [...this.pending.values()];
    if (left.length > 0 || this.active.size > 0) {
      this.o.log.error({ waiting: left.map((r) => `${prKey(r)} ${r.headSha ?? "head"}`), running: [...this.active.keys()] }, "ptrguard: stopped before these runs finished; they run again at the next start");
    }
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => this.o.log.error({ err }, "ptrguard: a queued task failed")).finally(() => {
      this.tasks.delete(t);
      this.report();
    });
    this.tasks.add(t);
  }

  private report(): void {
    const c = this.counts();
    this.o.metrics?.depth(c.waiting, c.active);
  }

  private async prepare(req: RunRequest): Promise<void> {
    try {
      const next = await this.runner.prepare(req);
      if (next) this.enqueue(next);
    } catch (err) {
      this.failed(req, err);
    }
  }

  private enqueue(req: RunRequest): void {
    const key = prKey(req);
    const prev = this.pending.get(key);
    this.pending.set(key, prev ? merge(prev, req) : req);
    this.schedule(key);
  }

  private schedule(key: string): void {
    if (this.scheduled.has(key) || this.active.has(key)) return;
    this.scheduled.add(key);
    this.track(this.limit(() => this.drain(key)));
  }

  private async drain(key: string): Promise<void> {
    this.scheduled.delete(key);
    const req = this.pending.get(key);
    if (!req) return;
    this.pending.delete(key);
    this.active.add(key);
    this.report();
    this.o.metrics?.waited((Date.now() - req.receivedAt) / 1000);
    try {
      const result = await this.runner.run(req, { retry: this.attemptsOf.has(key) });
      if (result === "busy") this.later(req, 250);
      this.attemptsOf.delete(key);
    } catch (err) {
      this.failed(req, err);
    } finally {
      this.active.delete(key);
      if (this.pending.has(key)) this.schedule(key);
    }
  }

  private failed(req: RunRequest, err: unknown): void {
    if (err instanceof RetryLater) {
      void this.runner.pause(req.installationId, err).then((ms) => this.later(req, ms));
      return;
    }
    const key = prKey(req);
    const attempt = (this.attemptsOf.get(key) ?? 0) + 1;
    if (attempt < (this.o.attempts ?? 3)) {
      this.attemptsOf.set(key, attempt);
      this.o.log.warn({ err, pr: key, attempt }, "ptrguard: the run failed before its check run was complete; retrying");
      this.later(req, 2000 * 2 ** (attempt - 1));
    } else {
      this.attemptsOf.delete(key);
      this.o.log.error({ err, pr: key }, "ptrguard: the run failed and was not retried again");
    }
  }

  private later(req: RunRequest, ms: number): void {
    if (this.closing) {
      this.enqueue(req);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(req);
    }, ms);
    this.timers.set(timer, req);
    this.report();
  }
}
