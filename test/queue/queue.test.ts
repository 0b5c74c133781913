// The embedded queue in this process, with the real server and the GitHub stand-in: a newer
// push calls off the run of an older head before it posts; a RetryLater pauses the
// installation and the run happens after `retry-after`; 20 refused rechecks get one reply.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadGo } from "../../src/analyzer/parser.js";
import { createGitHub } from "../../src/github/octokit.js";
import { createApp, embeddedQueue } from "../../src/index.js";
import { createLogger } from "../../src/log.js";
import type { RunQueue } from "../../src/queue/queue.js";
import { RetryLater } from "../../src/review/errors.js";
import { systemClock } from "../../src/review/deps.js";
import { startServer, type Running } from "../../src/server.js";
import { freePort, waitFor } from "../ship/helpers.js";
import { pullRequestEvent, recheckEvent, reportFor, SECRET, send, settled, standInWith, type Fleet } from "../../bench/load.js";

const noThrottle = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false }, retry: { enabled: false } }));

let fleet: Fleet;
let server: Running;
let queue: RunQueue | undefined;
/** Fault injection: what the GitHub layer does before creating a check run. */
let beforeCheckRun: (() => void) | undefined;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  await loadGo();
  fleet = await standInWith(3);
  const metrics = { webhookReceived() {}, runFinished() {}, findingsReported() {}, githubCall() {} };
  const app = createApp({
    queue: embeddedQueue(2),
    metrics,
    github: (target) => {
      const gh = createGitHub(target, { sleep: (ms) => systemClock.sleep(ms), metrics });
      return { ...gh, createCheckRun: async (...a) => (beforeCheckRun?.(), gh.createCheckRun(...a)) };
    },
    onLoad: (q) => (queue = q),
  });
  server = await startServer({
    settings: { appId: fleet.standIn.repo.meta.appId, privateKey: fleet.key, webhookSecret: SECRET, logLevel: "silent", port: await freePort(), host: "127.0.0.1", concurrency: 2, analysisThreads: 0, runBudgetMs: 60_000 },
    app,
    log: createLogger({ level: "silent" }),
    baseUrl: fleet.standIn.url,
    Octokit: noThrottle,
  });
}, 60_000);

afterEach(() => {
  fleet.standIn.latency = undefined;
  beforeCheckRun = undefined;
});

afterAll(async () => {
  await server?.stop();
  await queue?.close();
  await fleet?.standIn.stop();
  nock.cleanAll();
  nock.enableNetConnect();
});

const idle = () => waitFor("the queue to be empty", 60_000, async () => {
  const s = await queue!.stats();
  return s.waiting + s.active === 0 && settled(fleet.standIn, 500) ? true : undefined;
});

describe("the embedded queue", () => {
  it("a newer push calls off the running run of the older head: it completes as superseded and posts nothing", async () => {
    const s = fleet.standIn;
    let held = false;
    s.latency = (_m, _p, op) => (op?.includes("ReadBlobs") && !held ? ((held = true), 1500) : 0);
    const older = s.headOf(101);
    expect((await send(server.webhookUrl, "pull_request", pullRequestEvent(s, 101, "opened"), 101)).status).toBe(202);
    await waitFor("the first run to read its files", 10_000, async () => (held ? true : undefined));
    const newer = s.push(101);
    expect((await send(server.webhookUrl, "pull_request", pullRequestEvent(s, 101, "synchronize"), 101)).status).toBe(202);
    await idle();
    const r = reportFor(s, 101);
    expect(r.checkRuns.map((c) => [c.head_sha, c.conclusion, c.output.title])).toEqual([
      [older, "neutral", "Superseded by a newer push"],
      [newer, "failure", expect.stringMatching(/^3 findings/)],
    ]);
    expect(s.posted.reviews.filter((x) => x.pr === 101).map((x) => x.commit_id)).toEqual([newer]);
    expect(r.comments).toBe(3);
  }, 60_000);

  it("a RetryLater pauses the installation: its runs wait for retry-after, then run; none is lost", async () => {
    const s = fleet.standIn;
    let thrownAt = 0;
    beforeCheckRun = () => {
      if (thrownAt) return;
      thrownAt = Date.now();
      throw new RetryLater("secondary rate limit", 1500, "GitHub's secondary rate limit was hit");
    };
    expect((await send(server.webhookUrl, "pull_request", pullRequestEvent(s, 102, "opened"), 102)).status).toBe(202);
    await waitFor("the RetryLater", 10_000, async () => (thrownAt ? true : undefined));
    // Another PR of the same installation, during the pause.
    expect((await send(server.webhookUrl, "pull_request", pullRequestEvent(s, 103, "opened"), 103)).status).toBe(202);
    await idle();
    for (const pr of [102, 103]) {
      const r = reportFor(s, pr);
      expect(r.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
      expect(r.checkRuns[0]!.createdAt - thrownAt).toBeGreaterThanOrEqual(1400);
      expect(r.comments).toBe(3);
    }
  }, 60_000);

  it("20 refused rechecks from one user: 20 confused reactions, one reply", async () => {
    const s = fleet.standIn;
    const before = s.posted.issueComments.filter((c) => c.user === s.bot).length;
    const byMallory = () => {
      const e = recheckEvent(s, 101) as { comment: { user: { login: string } }; sender: { login: string } };
      e.comment.user.login = "mallory";
      e.sender.login = "mallory";
      return e;
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(server.webhookUrl, "issue_comment", byMallory(), 101)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await idle();
    expect(s.posted.reactions.filter((r) => r.content === "confused")).toHaveLength(20);
    const replies = s.posted.issueComments.filter((c) => c.user === s.bot).slice(before);
    expect(replies.map((c) => c.body)).toEqual(["@mallory only the author of this pull request and people with write access can ask ptrguard to recheck it."]);
  }, 60_000);
});
