// The production Octokit settings (src/github/throttle.ts) over HTTP (nock): the per-installation
// budgets (src/github/budget.ts) cap concurrent requests and writes per minute without spacing
// them, and plugin-throttling's rate-limit handling still works through them: a secondary rate
// limit is not retried here (the run becomes RetryLater), a primary one near its reset is retried once.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { BudgetGroup, RetryLimiter } from "../src/github/budget.js";
import { limitedOctokit } from "../src/github/throttle.js";
import { review } from "../bench/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});

const flush = () => new Promise((r) => setImmediate(r));

describe("BudgetGroup", () => {
  it("starts jobs at once while the key's minute budget lasts, then waits for the next minute; keys are apart; retries (weight 0) are free", async () => {
    vi.useFakeTimers();
    let now = 0;
    const g = new BudgetGroup({ perMinute: 2, now: () => now });
    const started: string[] = [];
    const job = (name: string) => async () => void started.push(name);
    const done = [g.key("1").schedule({}, job("a")), g.key("1").schedule({}, job("b")), g.key("1").schedule({}, job("c")), g.key("2").schedule({}, job("other")), g.key("1").schedule({ weight: 0 }, job("retry"))];
    await vi.advanceTimersByTimeAsync(0);
    // c waits at the head of its queue; the free retry queues behind it, in order.
    expect(started).toEqual(["a", "b", "other"]);
    now = 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(done);
    expect(started).toEqual(["a", "b", "other", "c", "retry"]);
  });

  it("caps the jobs of a key running at once, passes results and errors through, and frees the slot after an error", async () => {
    const g = new BudgetGroup({ maxConcurrent: 1 });
    let release!: () => void;
    const first = g.key("k").schedule({}, () => new Promise<string>((r) => (release = () => r("one"))));
    const failing = g.key("k").schedule({}, async () => {
      throw new Error("boom");
    });
    const third = g.key("k").schedule({}, async (x: number) => x * 2, 21);
    await flush();
    release();
    expect(await first).toBe("one");
    await expect(failing).rejects.toThrow("boom");
    expect(await third).toBe(42);
  });
});

describe("RetryLimiter", () => {
  it("runs a failed job again after the delay a 'failed' listener returns, and gives the error to the caller when none does", async () => {
    const seen: string[] = [];
    const limiter = new RetryLimiter().on("failed", (err, info) => {
      seen.push(`${(err as Error).message} ${JSON.stringify(info)}`);
      return info.retryCount < 1 ? 1 : undefined;
    });
    let calls = 0;
    const job = async (a: string, b: number) => {
      calls++;
      throw new Error(`no ${a}${b}`);
    };
    await expect(limiter.schedule(job, "x", 1)).rejects.toThrow("no x1");
    expect(calls).toBe(2);
    expect(seen).toEqual(['no x1 {"args":["x",1],"retryCount":0}', 'no x1 {"args":["x",1],"retryCount":1}']);
    expect(await new RetryLimiter().schedule(async (n: number) => n + 1, 1)).toBe(2);
  });
});

describe("the production Octokit", () => {
  let warned: string[] = [];
  const log = { debug: () => {}, info: () => {}, warn: (m: string) => void warned.push(m), error: () => {} };
  const client = (retryAfterBaseValue = 1) => {
    warned = [];
    return new (limitedOctokit(ProbotOctokit).defaults((o: { throttle?: object }) => ({ ...o, throttle: { ...o.throttle, retryAfterBaseValue } })))({ auth: "token", log }) as InstanceType<typeof ProbotOctokit>;
  };

  it("runs requests of an installation side by side (at most 10 at once), not spaced", async () => {
    let inFlight = 0;
    let most = 0;
    nock("https://api.github.com")
      .get(/\/repos\/o\/r\/pulls\/\d+$/)
      .times(14)
      .reply(function () {
        inFlight++;
        most = Math.max(most, inFlight);
        return new Promise((resolve) =>
          setTimeout(() => {
            inFlight--;
            resolve([200, { number: 1 }]);
          }, 30),
        ) as never;
      });
    const gh = client();
    await Promise.all(Array.from({ length: 14 }, (_, i) => gh.rest.pulls.get({ owner: "o", repo: "r", pull_number: i + 1 })));
    // Side by side, so not spaced. (The HTTP layer under nock runs at most 5 at once by itself;
    // the cap of 10 is BudgetGroup's, tested above.)
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(10);
  });

  it("a secondary rate limit on a write is not retried: the caller gets the 403", async () => {
    const api = nock("https://api.github.com")
      .post("/repos/o/r/check-runs")
      .once()
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, { "retry-after": "30" });
    await expect(client().rest.checks.create({ owner: "o", repo: "r", name: "ptrguard", head_sha: "a".repeat(40) })).rejects.toMatchObject({ status: 403 });
    expect(api.isDone()).toBe(true);
    expect(warned).toEqual(["GitHub's secondary rate limit on POST /repos/{owner}/{repo}/check-runs; the run will be retried in 30 s"]);
  });

  it("a primary rate limit about to reset is waited out once and the request sent again", async () => {
    const reset = String(Math.floor(Date.now() / 1000));
    const api = nock("https://api.github.com")
      .post("/repos/o/r/check-runs")
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset })
      .post("/repos/o/r/check-runs")
      .reply(201, { id: 7 });
    const { data } = await client().rest.checks.create({ owner: "o", repo: "r", name: "ptrguard", head_sha: "a".repeat(40) });
    expect(data.id).toBe(7);
    expect(api.isDone()).toBe(true);
    expect(warned).toEqual([expect.stringMatching(/^GitHub's rate limit on POST \/repos\/\{owner\}\/\{repo\}\/check-runs; retrying in [12] s$/)]);
  });

  it("reviews a one-file pull request against the GitHub stand-in: one review each time, 5 calls (bench/app.ts's review, without its timings)", async () => {
    // The stand-in is a real local server: loopback only.
    nock.enableNetConnect((host) => host.startsWith("127.0.0.1"));
    try {
      const runs = await review(1, limitedOctokit(), 2);
      expect(runs.map((r) => r.calls)).toEqual([5, 5]);
    } finally {
      nock.disableNetConnect();
    }
  }, 60_000);
});
