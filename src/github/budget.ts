// The limiters @octokit/plugin-throttling asks for, without Bottleneck's hops: Bottleneck runs
// every job through several zero-delay timers, and a request passes three of its limiters (the
// retry limiter, the write budget, the global group), which cost a one-file review about 100 ms
// of wall time for its 25-40 ms of CPU (bench/app.ts). BudgetGroup is a per-installation budget
// with a limiter group's face (`group.key(id).schedule(options, fn, ...args)`): a job starts at once
// while its key has budget left for the current minute and is under its concurrency cap; else it
// waits, in order, for the next minute or a free slot. In one process only: budgets shared by
// replicas through Redis stay on Bottleneck (src/github/throttle.ts).

interface Job {
  weight: number;
  start: () => void;
}

export interface BudgetOptions {
  /** Jobs per key and minute (each of weight 1; retries, weight 0, are free). */
  perMinute?: number;
  /** Jobs of one key running at once. */
  maxConcurrent?: number;
  now?: () => number;
}

class KeyBudget {
  private left: number;
  private windowStart: number;
  private running = 0;
  private readonly queue: Job[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: Required<BudgetOptions>) {
    this.left = o.perMinute;
    this.windowStart = o.now();
  }

  schedule<T>(options: { weight?: number } | undefined, fn: (...args: any[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        weight: options?.weight ?? 1,
        start: () => {
          this.running++;
          new Promise<T>((r) => r(fn(...args)))
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              this.drain();
            });
        },
      });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.running < this.o.maxConcurrent) {
      const now = this.o.now();
      if (now - this.windowStart >= 60_000) {
        this.windowStart = now;
        this.left = this.o.perMinute;
      }
      const job = this.queue[0]!;
      if (job.weight > this.left) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, Math.max(1, this.windowStart + 60_000 - now));
        this.timer.unref?.();
        return;
      }
      this.left -= job.weight;
      this.queue.shift();
      job.start();
    }
  }
}

/** A Bottleneck.Group stand-in for plugin-throttling: one budget per key (installation). */
export class BudgetGroup {
  private readonly keys = new Map<string, KeyBudget>();
  private readonly o: Required<BudgetOptions>;

  constructor(options: BudgetOptions = {}) {
    this.o = { perMinute: options.perMinute ?? Infinity, maxConcurrent: options.maxConcurrent ?? Infinity, now: options.now ?? Date.now };
  }

  key(id = ""): KeyBudget {
    let k = this.keys.get(id);
    if (!k) this.keys.set(id, (k = new KeyBudget(this.o)));
    return k;
  }
}

type Failed = (error: unknown, info: { args: unknown[]; retryCount: number }) => unknown;

/**
 * plugin-throttling's retry limiter (a Bottleneck it only schedules every request on and listens
 * to for "failed"), without Bottleneck's hops: a job that fails is run again after the delay (ms)
 * a "failed" listener returns, as Bottleneck does; none: the error goes to the caller. Its
 * listeners close over their client, so each client gets its own.
 */
export class RetryLimiter {
  private readonly failed: Failed[] = [];

  on(event: string, fn: Failed): this {
    if (event === "failed") this.failed.push(fn);
    return this;
  }

  async schedule<T>(fn: (...args: any[]) => T | Promise<T>, ...args: unknown[]): Promise<T> {
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(...args);
      } catch (error) {
        let wait: unknown;
        for (const listener of this.failed) {
          const w = await listener(error, { args, retryCount });
          if (wait === undefined && w !== undefined && w !== null) wait = w;
        }
        if (typeof wait !== "number" || !Number.isFinite(wait)) throw error;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
