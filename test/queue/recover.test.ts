// Crash recovery at start (embedded queue): the app's check runs left in progress on open PRs'
// heads are found through the GitHub layer (src/github/stale.ts) and handed to the queue as
// restart requests; other apps' runs, other PRs' runs and stale repositories are left alone.
import nock from "nock";
import pino from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { recoverInProgress } from "../../src/queue/recover.js";
import type { RunRequest } from "../../src/queue/request.js";

const Octokit = ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } }) as typeof ProbotOctokit;
const client = () => Promise.resolve(new Octokit({ auth: "token" }) as InstanceType<typeof ProbotOctokit>);
const HEAD = "c".repeat(40);
const OTHER = "d".repeat(40);
const now = new Date().toISOString();
const old = new Date(Date.now() - 3 * 24 * 3600_000).toISOString();

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("recoverInProgress", () => {
  it("hands each of the app's in-progress check runs on an open PR's head to the queue, once", async () => {
    const api = nock("https://api.github.com")
      .get("/app/installations").query(true).reply(200, [{ id: 42 }])
      .get("/installation/repositories").query(true)
      .reply(200, {
        total_count: 2,
        repositories: [
          { name: "shop", owner: { login: "acme" }, archived: false, pushed_at: now },
          { name: "attic", owner: { login: "acme" }, archived: false, pushed_at: old },
        ],
      })
      .get("/repos/acme/shop/pulls").query(true)
      .reply(200, [
        { number: 7, updated_at: now, head: { sha: HEAD } },
        { number: 8, updated_at: old, head: { sha: OTHER } },
      ])
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`).query((q) => q.status === "in_progress" && q.app_id === "5" && q.check_name === "ptrguard")
      .reply(200, {
        total_count: 3,
        check_runs: [
          { id: 100, external_id: "7", app: { id: 5 } },
          // The same commit is the head of another PR too: that PR's run is its own.
          { id: 101, external_id: "9", app: { id: 5 } },
          { id: 102, external_id: "7", app: { id: 6 } },
        ],
      });
    const submitted: RunRequest[] = [];
    const found = await recoverInProgress({
      appId: 5,
      appOctokit: client,
      octokit: client,
      submit: async (r) => void submitted.push(r),
      log: pino({ level: "silent" }),
    });
    expect(found).toBe(1);
    expect(submitted).toEqual([
      expect.objectContaining({ installationId: 42, owner: "acme", repo: "shop", pullNumber: 7, headSha: HEAD, trigger: "restart", delivery: "restart-100", explicit: true, staleCheckRunId: 100 }),
    ]);
    expect(api.isDone()).toBe(true);
  });
});
