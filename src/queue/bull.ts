// The queue on Redis (BullMQ), for REDIS_URL: every replica adds to and works from one queue.
// A request is in Redis before the webhook is answered. Jobs for the same PR and head share a
// job id, so a redelivery or a second replica's copy coalesces into the waiting job; a delivery
// id is claimed once across replicas. A worker that dies mid-run stops renewing its job's lock
// and BullMQ's stalled-job check hands the job to another worker; the PR's lock (store) expires
// as well, and the next run completes the dead run's check run. A PR whose lock another worker
// holds, and a RetryLater (the installation paused), put the job back as delayed.
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "probot";
import type { QueueMetrics } from "../metrics.js";
import { RetryLater } from "../review/errors.js";
import { DELIVERY_TTL_MS, type Accepted, type RunQueue } from "./queue.js";
import { keyId, prKey, type RunRequest } from "./request.js";
import type { Runner } from "./runner.js";

export interface BullOptions {
  url: string;
  concurrency: number;
  log: Logger;
  metrics?: QueueMetrics;
  /** Queue name, also the Redis key prefix's second part. */
  name?: string;
  /** BullMQ's job lock: a worker silent this long has died and its job goes to another (default 30 s). */
  jobLockMs?: number;
  /** How long `submit` waits for Redis before the webhook is refused (default 5 s). */
  submitTimeoutMs?: number;
}

type Kind = "prepare" | "run";

export class BullQueue implements RunQueue {
  private readonly queue: Queue<RunRequest, void, Kind>;
  private readonly worker: Worker<RunRequest, void, Kind>;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly runner: Runner,
    private readonly o: BullOptions,
  ) {
    const connection = () => {
      const r = new Redis(o.url, { maxRetriesPerRequest: null });
      r.on("error", (err) => o.log.debug({ err }, "ptrguard: Redis connection error"));
      this.connections.push(r);
      return r;
    };
    const name = o.name ?? "ptrguard-runs";
    this.queue = new Queue(name, {
      connection: connection(),
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: "exponential", delay: 2000 } },
    });
    this.queue.on("error", (err) => o.log.warn({ err }, "ptrguard: the Redis queue reported an error"));
    const lockDuration = o.jobLockMs ?? 30_000;
    this.worker = new Worker(name, (job, token) => this.process(job, token), {
      connection: connection(),
      concurrency: Math.max(1, o.concurrency),
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 3,
    });
    this.worker.on("error", (err) => o.log.warn({ err }, "ptrguard: the Redis worker reported an error"));
    this.worker.on("failed", (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) o.log.error({ err, pr: prKey(job.data) }, "ptrguard: the run failed and was not retried again");
    });
  }

  async submit(req: RunRequest): Promise<Accepted> {
    const timeout = this.o.submitTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not take the request within ${timeout} ms`)), timeout);
    });
    try {
      return await Promise.race([this.add(req), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async add(req: RunRequest): Promise<Accepted> {
    const claim = `delivery:${req.delivery}`;
    if (!(await this.runner.store.claim(claim, DELIVERY_TTL_MS))) return "duplicate";
    try {
      await this.runner.noteHead(req);
      if (req.recheck || req.pullNumber === undefined) await this.queue.add("prepare", req, { jobId: `p-${keyId(req.delivery)}` });
      else await this.queue.add("run", req, { jobId: runJobId(req) });
      return "accepted";
    } catch (err) {
      await this.runner.store.unclaim(claim).catch(() => undefined);
      throw err;
    }
  }

  private async process(job: Job<RunRequest, void, Kind>, token: string | undefined): Promise<void> {
    const req = job.data;
    if (job.name === "prepare") {
      const next = await this.runner.prepare(req);
      if (next) await this.queue.add("run", next, { jobId: runJobId(next) });
      return;
    }
    if (job.attemptsMade === 0 && !job.opts.delay) this.o.metrics?.waited((Date.now() - req.receivedAt) / 1000);
    let wait: number;
    try {
      // A failed attempt, or one whose worker lost the job's lock (Redis away, a stalled process):
      // it may have posted, or be running still.
      const result = await this.runner.run(req, { retry: job.attemptsMade > 0 || job.stalledCounter > 0 });
      if (result !== "busy") return;
      wait = 300 + Math.floor(Math.random() * 300);
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
      wait = await this.runner.pause(req.installationId, err);
    }
    await job.moveToDelayed(Date.now() + wait, token);
    throw new DelayedError();
  }

  async stats(): Promise<{ waiting: number; active: number }> {
    const c = await this.queue.getJobCounts("waiting", "delayed", "prioritized", "active");
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0 };
  }

  /** Finishes the runs in flight; what waits stays in Redis for the other replicas or the next start. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    await this.runner.store.close();
    for (const c of this.connections) c.disconnect();
  }
}

const runJobId = (req: RunRequest) => `r-${keyId(prKey(req))}-${req.headSha ?? "head"}`;
