// Runs each request while the webhook waits: what tests and one-off tools want (the answer
// comes after the run). A RetryLater (a secondary rate limit) reaches the caller: one attempt,
// as the tests of the GitHub layer expect; the embedded and Redis queues are the ones that wait
// and retry. A run that finds the PR's lock held by another run waits for it.
import type { Accepted, RunQueue } from "./queue.js";
import type { RunRequest } from "./request.js";
import type { Runner } from "./runner.js";

/** How long, at most, a run waits for another run holding its PR's lock (in 100 ms steps). */
const LOCK_WAITS = 100;

export class InlineQueue implements RunQueue {
  private inFlight = 0;

  constructor(private readonly runner: Runner) {}

  async submit(req: RunRequest): Promise<Accepted> {
    this.inFlight++;
    try {
      await this.runner.noteHead(req);
      const prepared = await this.runner.prepare(req);
      if (!prepared) return "accepted";
      for (let busy = 0; ; ) {
        if ((await this.runner.run(prepared)) !== "busy") return "accepted";
        if (++busy > LOCK_WAITS) throw new Error(`another run holds the lock of ${prepared.owner}/${prepared.repo}#${prepared.pullNumber}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      this.inFlight--;
    }
  }

  async stats(): Promise<{ waiting: number; active: number }> {
    return { waiting: 0, active: this.inFlight };
  }

  async close(): Promise<void> {}
}
