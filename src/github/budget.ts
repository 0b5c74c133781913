// A per-installation budget with the face @octokit/plugin-throttling asks of its limiter groups
// (`group.key(id).schedule(options, fn, ...args)`), without Bottleneck's hops: Bottleneck runs
// every job through several zero-delay timers, which cost a one-file review about 15 ms per
// request (70-80 ms of a 40 ms CPU review, measured by bench/app.ts). Here a job starts at once
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
