// The burst of issue 11, over real HTTP against real app processes and the GitHub stand-in:
// 200 signed deliveries in 10 s across 20 PRs (opened, six pushes, a recheck, a Re-run and a
// Re-run all each), once against two replicas sharing a redis-server and once against one replica with the
// embedded queue. Every webhook is answered with 202 inside GitHub's 10 s delivery timeout (how
// fast is the benchmark's business: `npm run bench` reports p50/p99/max under this burst); afterwards every PR has a completed
// check run on its final head with the verdict, no check run in progress, no two runs of a PR
// in progress at once, and exactly one review comment per finding.
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers.js";
import { burst, cluster, problemsAfter, settled, type Cluster, type Fleet, type Replica, type Sent } from "../../bench/load.js";

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
  // GitHub gives up on a delivery after 10 s and marks it failed: none may come near. The speed
  // itself (answered as soon as the request is kept) is measured by `npm run bench`, not asserted here.
  expect(sent.filter((d) => d.ms >= 10_000).map((d) => `${d.event} #${d.pr} ${d.ms} ms`)).toEqual([]);
}

describe.each([
  { what: "two replicas sharing Redis", replicas: 2, redis: true },
  { what: "one replica with the embedded queue (no Redis)", replicas: 1, redis: false },
])("a burst against $what", ({ replicas, redis }) => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster({ pulls: PRS.length, replicas, redis, env: { WORKER_CONCURRENCY: "4", ANALYSIS_THREADS: "1" } });
  }, 120_000);
  afterAll(() => c?.stop());

  it("answers every delivery at once, then reviews each head once and posts each finding once", async () => {
    const sent = await runBurst(c.fleet, c.replicas);
    expectAnsweredAtOnce(sent);
    expect(problemsAfter(c.fleet.standIn, PRS, sent, FINDINGS)).toEqual([]);
    expect(c.fleet.standIn.unknown).toEqual([]);
    for (const r of c.replicas) expect(r.child.stderr()).not.toMatch(/"level":"(error|fatal)"/);
  }, 240_000);
});
