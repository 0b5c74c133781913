// Runs each request while the webhook waits: what tests and one-off tools want (the answer
// comes after the run). By default a RetryLater reaches the caller (one attempt, as the tests of
// the GitHub layer expect); with `attempts` > 1 it is retried here after the clock's sleep.
import type { Clock } from "../review/deps.js";
import { RetryLater } from "../review/errors.js";
import type { Accepted, RunQueue } from "./queue.js";
import type { RunRequest } from "./request.js";
import type { Runner } from "./runner.js";

export class InlineQueue implements RunQueue {
  private inFlight = 0;

  constructor(
    private readonly runner: Runner,
    private readonly clock: Clock,
    private readonly attempts = 1,
  ) {}

  async submit(req: RunRequest): Promise<Accepted> {
    this.inFlight++;
    try {
      await this.runner.noteHead(req);
      const prepared = await this.runner.prepare(req);
      if (!prepared) return "accepted";
      for (let attempt = 1, busy = 0; ; attempt++) {
        try {
          const result = await this.runner.run(prepared);
          if (result !== "busy") return "accepted";
          if (++busy > 100) throw new Error(`another run holds the lock of ${prepared.owner}/${prepared.repo}#${prepared.pullNumber}`);
          attempt--;
          await new Promise((r) => setTimeout(r, 100));
        } catch (err) {
          if (!(err instanceof RetryLater) || attempt >= this.attempts) throw err;
          await this.clock.sleep(await this.runner.pause(req.installationId, err));
          await this.runner.store.unclaim(`pause:${req.installationId}`);
        }
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
