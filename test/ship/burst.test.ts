// The burst of issue 11, over real HTTP against real app processes and the GitHub stand-in:
// 200 signed deliveries in 10 s across 20 PRs (opened, six pushes, two rechecks, a re-run all
// each), once against two replicas sharing a redis-server and once against one replica with the
// embedded queue. Every webhook is answered in under 1 s; afterwards every PR has a completed
// check run on its final head with the verdict, no check run in progress, no two runs of a PR
// in progress at once, and exactly one review comment per finding.
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers.js";
import { burst, problemsAfter, standInWith, startRedis, startReplica, settled, type Fleet, type RedisServer, type Replica, type Sent } from "../../bench/load.js";

/** The demo's pull request has three findings. */
const FINDINGS = 3;
const PRS = Array.from({ length: 20 }, (_, i) => 101 + i);
/** All work must be done this long after the last delivery. */
const DRAIN_MS = 120_000;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function runBurst(fleet: Fleet, replicas: Replica[]): Promise<Sent[]> {
  const sent = await burst(fleet.standIn, replicas.map((r) => r.webhookUrl), PRS, 50);
  await waitFor(`all runs to finish within ${DRAIN_MS / 1000} s of the burst`, DRAIN_MS, async () => (settled(fleet.standIn) ? true : undefined));
  return sent;
}

function expectAnsweredAtOnce(sent: Sent[]): void {
  expect(sent).toHaveLength(200);
  expect(sent.filter((d) => d.status !== 202).map((d) => `${d.event} ${d.status}`)).toEqual([]);
  // The bound: GitHub gives up at 10 s; we answer as soon as the request is kept.
  expect(sent.filter((d) => d.ms >= 1000).map((d) => `${d.event} #${d.pr} ${d.ms} ms`)).toEqual([]);
}

describe("a burst against two replicas sharing Redis", () => {
  let redis: RedisServer;
  let fleet: Fleet;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    fleet = await standInWith(PRS.length);
    for (let i = 0; i < 2; i++) replicas.push(await startReplica({ ...fleet.env, REDIS_URL: redis.url, WORKER_CONCURRENCY: "4", ANALYSIS_THREADS: "1" }));
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas) await r.child.kill();
    await fleet?.standIn.stop();
    await redis?.stop();
  });

  it("answers every delivery at once, then reviews each head once and posts each finding once", async () => {
    const sent = await runBurst(fleet, replicas);
    expectAnsweredAtOnce(sent);
    expect(problemsAfter(fleet.standIn, PRS, sent, FINDINGS)).toEqual([]);
    expect(fleet.standIn.unknown).toEqual([]);
    // Both replicas worked.
    for (const r of replicas) expect(r.child.stderr()).not.toMatch(/"level":"(error|fatal)"/);
  }, 240_000);
});

describe("a burst against one replica with the embedded queue (no Redis)", () => {
  let fleet: Fleet;
  let replica: Replica;

  beforeAll(async () => {
    fleet = await standInWith(PRS.length);
    replica = await startReplica({ ...fleet.env, WORKER_CONCURRENCY: "4", ANALYSIS_THREADS: "1" });
  }, 120_000);
  afterAll(async () => {
    await replica?.child.kill();
    await fleet?.standIn.stop();
  });

  it("answers every delivery at once, then reviews each head once and posts each finding once", async () => {
    const sent = await runBurst(fleet, [replica]);
    expectAnsweredAtOnce(sent);
    expect(problemsAfter(fleet.standIn, PRS, sent, FINDINGS)).toEqual([]);
    expect(fleet.standIn.unknown).toEqual([]);
    expect(replica.child.stderr()).not.toMatch(/"level":"(error|fatal)"/);
  }, 240_000);
});
