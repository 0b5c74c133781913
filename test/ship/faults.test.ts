// Faults of issue 11 against real app processes, a real redis-server and the GitHub stand-in:
// the same delivery twice at once, bad signatures, a replica killed mid-run, Redis restarted
// during a burst, Redis away longer than the locks while runs are in flight, a stop with accepted work (drain), and a crash of the embedded queue (the
// next start finds the check runs it left in progress).
import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers.js";
import {
  burst,
  cluster,
  problemsAfter,
  pullRequestEvent,
  reportFor,
  send,
  settled,
  standInWith,
  startRedis,
  startReplica,
  type Cluster,
  type Fleet,
  type RedisServer,
  type Replica,
} from "../../bench/load.js";

const FINDINGS = 3;
/** Short job and PR locks, so a killed replica's work moves on within seconds. */
const LOCK_MS = "3000";

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const drained = (fleet: Fleet, ms = 60_000) => waitFor("all runs to finish", ms, async () => (settled(fleet.standIn) ? true : undefined));
const completedOn = (fleet: Fleet, pr: number) =>
  waitFor(`a completed check run on #${pr}'s head`, 60_000, async () =>
    fleet.standIn.posted.checkRuns.some((r) => r.external_id === String(pr) && r.head_sha === fleet.standIn.headOf(pr) && r.status === "completed" && r.conclusion !== "neutral") ? true : undefined,
  );
const inProgress = (fleet: Fleet, pr: number) => fleet.standIn.posted.checkRuns.some((r) => r.external_id === String(pr) && r.status === "in_progress");

describe("two replicas on Redis", () => {
  let c: Cluster;
  let fleet: Fleet;
  let replicas: Replica[];
  beforeAll(async () => {
    c = await cluster({ pulls: 3, replicas: 2, redis: true, env: { LOCK_MS } });
    ({ fleet, replicas } = c);
  }, 120_000);
  afterAll(() => c?.stop());

  it("the same delivery id at both replicas at the same instant: one run, one review", async () => {
    const id = randomUUID();
    const event = pullRequestEvent(fleet.standIn, 101, "opened");
    const answers = await Promise.all(replicas.map((r) => send(r.webhookUrl, "pull_request", event, 101, id)));
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    await completedOn(fleet, 101);
    await drained(fleet);
    const r = reportFor(fleet.standIn, 101);
    expect(r.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
    expect(fleet.standIn.posted.reviews.filter((x) => x.pr === 101)).toHaveLength(1);
    expect(r.comments).toBe(FINDINGS);
  }, 90_000);

  it("a bad or missing signature: 401, nothing queued, no call to GitHub", async () => {
    const calls = fleet.standIn.calls.length;
    const body = JSON.stringify(pullRequestEvent(fleet.standIn, 102, "opened"));
    const headers = { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": randomUUID() };
    const wrong = await fetch(replicas[0]!.webhookUrl, { method: "POST", body, headers: { ...headers, "x-hub-signature-256": "sha256=" + "0".repeat(64) } });
    const missing = await fetch(replicas[1]!.webhookUrl, { method: "POST", body, headers });
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(fleet.standIn.calls.length).toBe(calls);
    expect(reportFor(fleet.standIn, 102).checkRuns).toEqual([]);
  }, 30_000);
});

describe("a secondary rate limit on Redis", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster({ pulls: 2, replicas: 1, redis: true, env: { LOCK_MS, RETRY_LATER_ONCE_MS: "2000" } });
  }, 120_000);
  afterAll(() => c?.stop());

  it("pauses the installation: its runs wait for retry-after in Redis, then run; none is lost", async () => {
    const { fleet, replicas } = c;
    expect((await send(replicas[0]!.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, 101, "opened"), 101)).status).toBe(202);
    const at = await waitFor("the RetryLater", 20_000, async () => {
      const m = /\{"retryLaterAt":(\d+)\}/.exec(replicas[0]!.child.stdout());
      return m ? Number(m[1]) : undefined;
    });
    // Another PR of the same installation, during the pause.
    expect((await send(replicas[0]!.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, 102, "opened"), 102)).status).toBe(202);
    for (const pr of [101, 102]) await completedOn(fleet, pr);
    await drained(fleet);
    for (const pr of [101, 102]) {
      const r = reportFor(fleet.standIn, pr);
      expect(r.checkRuns.map((x) => [x.status, x.conclusion])).toEqual([["completed", "failure"]]);
      expect(r.checkRuns[0]!.createdAt - at).toBeGreaterThanOrEqual(1900);
      expect(r.comments).toBe(FINDINGS);
    }
  }, 90_000);
});

describe("a replica killed with SIGKILL mid-run (Redis)", () => {
  let redis: RedisServer;
  let fleet: Fleet;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    fleet = await standInWith(1);
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.child.kill();
    await fleet?.standIn.stop();
    await redis?.stop();
  });

  it("the other replica finishes the job: one review, no comment twice, no check run left in progress", async () => {
    // The first replica's reading of the files hangs: it is killed before its review. With Redis a
    // small PR's check run is created with its verdict, so the dead run leaves none behind.
    let held = false;
    fleet.standIn.latency = (_m, _p, op) => (op?.includes("ReadBlobs") && !held ? ((held = true), 30_000) : 0);
    const a = await startReplica({ ...fleet.env, REDIS_URL: redis.url, LOCK_MS });
    replicas.push(a);
    expect((await send(a.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, 101, "opened"), 101)).status).toBe(202);
    await waitFor("the run to be reading its files", 30_000, async () => (held ? true : undefined));
    // The second replica starts while the first one runs; then the first one dies.
    replicas.push(await startReplica({ ...fleet.env, REDIS_URL: redis.url, LOCK_MS }));
    a.child.proc.kill("SIGKILL");
    await a.child.exited;
    await completedOn(fleet, 101);
    await drained(fleet);
    const r = reportFor(fleet.standIn, 101);
    expect(r.checkRuns.map((c) => [c.status, c.conclusion, c.head_sha])).toEqual([["completed", "failure", fleet.standIn.headOf(101)]]);
    expect(fleet.standIn.posted.reviews.filter((x) => x.pr === 101)).toHaveLength(1);
    expect([r.comments, r.fingerprints.size]).toEqual([FINDINGS, FINDINGS]);
  }, 120_000);
});

/** Eight PRs and two replicas on a fresh Redis, for the describe block that calls it. */
function redisPair(prs: number[]): () => Cluster {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster({ pulls: prs.length, replicas: 2, redis: true, env: { LOCK_MS } });
  }, 120_000);
  afterAll(() => c?.stop());
  return () => c;
}

const PRS = Array.from({ length: 8 }, (_, i) => 101 + i);

describe("Redis restarted during a burst", () => {
  const c = redisPair(PRS);

  it("runs resume; what was accepted is reviewed, nothing twice", async () => {
    const { fleet, replicas, redis } = c();
    const sent = await burst(
      fleet.standIn,
      replicas.map((r) => r.webhookUrl),
      PRS,
      50,
      async (round) => {
        if (round === 4) await redis!.restart(500);
      },
    );
    // Accepted (202), or refused while Redis was away (503): never left hanging.
    expect(sent.filter((d) => d.status !== 202 && d.status !== 503).map((d) => `${d.event} #${d.pr} ${d.status}`)).toEqual([]);
    await drained(fleet, 90_000);
    const finalAccepted = PRS.filter((pr) => sent.filter((d) => d.pr === pr).at(-1)!.status === 202);
    expect(finalAccepted.length).toBeGreaterThan(0);
    expect(problemsAfter(fleet.standIn, finalAccepted, sent, FINDINGS)).toEqual([]);
  }, 180_000);
});

describe("Redis away longer than the locks, with the final heads' runs in flight", () => {
  const c = redisPair(PRS);

  // Each run reads its files for 3 s; a second after the last delivery, Redis stops for 3.5 s, so
  // the job and PR locks of the runs in flight lapse: their jobs go to the other replica while the
  // first attempts still run. Before the fix this gave two check runs on a final head (a neutral
  // "Superseded" one from the attempt that lost its lock, or a second verdict from the retry), or
  // no verdict at all on it.
  it("each final head gets one check run with its verdict and one review: a run that lost its lock posts nothing", async () => {
    const { fleet, replicas, redis } = c();
    fleet.standIn.latency = (_m, _p, op) => (op?.includes("ReadBlobs") ? 3000 : 0);
    const sent = await burst(fleet.standIn, replicas.map((r) => r.webhookUrl), PRS, 50);
    expect(sent.filter((d) => d.status !== 202).map((d) => `${d.event} #${d.pr} ${d.status}`)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000));
    await redis!.restart(3500);
    // Runs wait quietly for the locks to lapse: a quiet stand-in is not yet a drained queue.
    for (const pr of PRS) await completedOn(fleet, pr);
    await waitFor("all runs to finish", 120_000, async () => (settled(fleet.standIn, 5000) ? true : undefined));
    fleet.standIn.latency = undefined;
    expect(problemsAfter(fleet.standIn, PRS, sent, FINDINGS)).toEqual([]);
  }, 240_000);
});

describe("the embedded queue (no Redis)", () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await standInWith(6);
  }, 60_000);
  afterAll(async () => {
    await fleet?.standIn.stop();
  });

  it("SIGTERM drains the accepted runs before the process exits", async () => {
    const replica = await startReplica({ ...fleet.env });
    const prs = [101, 102, 103];
    const answers = await Promise.all(prs.map((pr) => send(replica.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, pr, "opened"), pr)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    // Each run is still ahead (reading the files takes a second) when the stop comes.
    fleet.standIn.latency = (_m, _p, op) => (op?.includes("ReadBlobs") ? 1000 : 0);
    replica.child.proc.kill("SIGTERM");
    expect(await replica.child.exited).toBe(0);
    fleet.standIn.latency = undefined;
    for (const pr of prs) {
      const r = reportFor(fleet.standIn, pr);
      expect(r.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
      expect(r.comments).toBe(FINDINGS);
    }
  }, 90_000);

  it("after a crash, the next start completes the check runs left in progress and reviews those heads again", async () => {
    let held = 0;
    fleet.standIn.latency = (_m, _p, op) => (op?.includes("ReadBlobs") && held < 3 ? (held++, 30_000) : 0);
    const first = await startReplica({ ...fleet.env });
    const prs = [104, 105, 106];
    for (const pr of prs) expect((await send(first.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, pr, "opened"), pr)).status).toBe(202);
    await waitFor("the three runs to be reading their files", 30_000, async () => (held === 3 && prs.every((pr) => inProgress(fleet, pr)) ? true : undefined));
    first.child.proc.kill("SIGKILL");
    await first.child.exited;
    expect(prs.every((pr) => inProgress(fleet, pr))).toBe(true);
    const second = await startReplica({ ...fleet.env });
    try {
      for (const pr of prs) await completedOn(fleet, pr);
      await drained(fleet);
      for (const pr of prs) {
        const r = reportFor(fleet.standIn, pr);
        expect(r.checkRuns.map((c) => [c.status, c.conclusion, c.output.title])).toEqual([
          ["completed", "neutral", "Interrupted; run again"],
          ["completed", "failure", expect.stringMatching(/^3 findings/)],
        ]);
        expect([r.comments, r.fingerprints.size]).toEqual([FINDINGS, FINDINGS]);
      }
    } finally {
      await second.child.kill();
    }
  }, 120_000);
});
