// A retried run never repeats what an earlier attempt of the same request did. The Redis queue
// hands a job to another worker when its lock lapses (Redis restarted, a stalled process) and
// retries a job whose attempt failed after it had posted (its record of the last run could not
// be written): the retry finds the earlier attempt's check run on the head and does nothing;
// an attempt that lost its lock while another took the job over posts nothing and opens no
// check run. GitHub is a small stateful stand-in on nock, so the tests need no timing.
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadGo } from "../../src/analyzer/parser.js";
import type { RunRequest } from "../../src/queue/request.js";
import { Runner } from "../../src/queue/runner.js";
import { MemoryStore } from "../../src/queue/store.js";
import { analyse } from "../../src/review/analyse.js";
import { clearConfigCache } from "../../src/review/config-load.js";
import { defaultDeps, systemClock } from "../../src/review/deps.js";
import { BASE, blobReader, changed, goFixture, HEAD, isQuery, lostCancel, REPO, runStartReply, type Calls } from "../app/harness.js";

const Octokit = ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } }) as typeof ProbotOctokit;
const BOT = "ptrguard[bot]";

interface CheckRun {
  id: number;
  status: string;
  conclusion: string | null;
  external_id: string;
  head_sha: string;
  started_at: string;
  output?: { title?: string };
}

/** GitHub for PR acme/shop#7 at HEAD, as far as a run sees it: check runs and review threads are kept. */
function stateful() {
  const calls: Calls = {};
  const checkRuns: CheckRun[] = [];
  const reviews: { comments: { path: string; body: string }[] }[] = [];
  const threads: unknown[] = [];
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  const blobs = { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") };
  const graphRuns = () =>
    checkRuns.map((r) => ({
      databaseId: r.id,
      status: r.status.toUpperCase(),
      conclusion: r.conclusion?.toUpperCase() ?? null,
      externalId: r.external_id,
      startedAt: r.started_at,
      title: r.output?.title ?? null,
      annotations: { totalCount: 0 },
    }));
  const scope = nock("https://api.github.com")
    .persist()
    .post("/graphql", isQuery("query RunStart"))
    .reply((uri, body) => runStartReply(calls, { checkRuns: graphRuns() })(uri, body))
    .get(`${REPO}/pulls/7/files`)
    .query(true)
    .reply(200, [f.entry])
    .post("/graphql", isQuery("query ReadBlobs"))
    .reply((uri, body) => blobReader(calls, blobs, { head: HEAD, threads })(uri, body))
    .post(`${REPO}/pulls/7/reviews`)
    .reply((_uri, body) => {
      const review = body as { comments: { path: string; body: string }[] };
      reviews.push(review);
      for (const c of review.comments) {
        const id = 500 + threads.length;
        threads.push({ id: `T${id}`, path: c.path, isResolved: false, resolvedBy: null, comments: { nodes: [{ databaseId: id, body: c.body, author: { login: BOT } }] } });
      }
      return [200, { id: reviews.length }];
    })
    .post(`${REPO}/check-runs`)
    .reply((_uri, body) => {
      const b = body as Omit<CheckRun, "id">;
      // GitHub keeps whole seconds.
      const run = { ...b, id: 9000 + checkRuns.length, conclusion: b.conclusion ?? null, started_at: b.started_at.replace(/\.\d+Z$/, "Z") };
      checkRuns.push(run);
      return [201, { id: run.id }];
    })
    .patch(/\/repos\/acme\/shop\/check-runs\/\d+$/)
    .reply((uri, body) => {
      const run = checkRuns.find((r) => uri.endsWith(`/${r.id}`))!;
      Object.assign(run, body);
      return [200, {}];
    })
    .get(`${REPO}/commits/${HEAD}/check-runs`)
    .query(true)
    .reply(() => {
      (calls.listCheckRuns ??= []).push(1);
      return [200, { total_count: checkRuns.length, check_runs: checkRuns }];
    });
  return { scope, calls, checkRuns, reviews };
}

const request = (): RunRequest => ({
  installationId: 42,
  owner: "acme",
  repo: "shop",
  pullNumber: 7,
  headSha: HEAD,
  pull: { number: 7, state: "open", draft: false, headSha: HEAD, baseSha: BASE, author: "alice" },
  trigger: "push",
  delivery: "d-1",
  explicit: false,
  // A second ago: GitHub keeps a check run's start to the second.
  receivedAt: Date.now() - 1000,
});

function runner(store: MemoryStore, gate?: Promise<void>) {
  let gated = gate;
  const metrics = { webhookReceived() {}, runFinished() {}, findingsReported() {}, githubCall() {} };
  return new Runner({
    octokit: async () => new Octokit({ auth: "token" }) as InstanceType<typeof ProbotOctokit>,
    deps: defaultDeps({
      rules: lostCancel,
      clock: systemClock,
      metrics,
      // The first analysis waits for `gate`: the attempt is still running when the job is taken over.
      analyse: async (...a) => {
        const g = gated;
        gated = undefined;
        if (g) await g;
        return analyse(...a);
      },
    }),
    store,
    log: pino({ level: "silent" }),
    lockTtlMs: 3000,
  });
}

beforeAll(() => loadGo());
beforeEach(() => {
  nock.disableNetConnect();
  clearConfigCache();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("a retried run", () => {
  it("an attempt that posted and created its check run, then failed (its record of the run was lost), is retried: one check run, one review", async () => {
    const gh = stateful();
    const store = new MemoryStore();
    // Redis went away just as the attempt was recording its run.
    const real = store.set.bind(store);
    let down = true;
    store.set = async (key, value, ttl) => {
      if (key.startsWith("last:") && down) {
        down = false;
        throw new Error("Connection is closed.");
      }
      return real(key, value, ttl);
    };
    const r = runner(store);
    const req = request();

    await expect(r.run(req)).rejects.toThrow("Connection is closed.");
    expect(gh.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
    expect(gh.reviews).toHaveLength(1);

    // The same job again (BullMQ: attemptsMade 1), same delivery.
    expect(await r.run(req, { retry: true })).toBe("covered");
    expect(gh.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviews[0]!.comments).toHaveLength(2);
    // Found through the run's first query: no read of its own, no files read again.
    expect(gh.calls.start).toHaveLength(2);
    expect(gh.calls.blobs).toHaveLength(1);
    expect(gh.calls.listCheckRuns).toBeUndefined();
    // And a later request for the same head is answered by the record written this time.
    expect(await r.run({ ...req, delivery: "d-2" })).toBe("covered");
    expect(gh.calls.start).toHaveLength(2);
  }, 30_000);

  it("a request whose run answered before the retry read GitHub is covered even without the queue's record", async () => {
    const gh = stateful();
    const req = request();
    expect(await runner(new MemoryStore()).run(req)).toBe("done");
    // Another replica, its store empty (Redis lost the record): the check run answers.
    expect(await runner(new MemoryStore()).run(req, { retry: true })).toBe("covered");
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.reviews).toHaveLength(1);
  }, 30_000);

  it("without the queue's record, a new request is answered by a check run that began after it came, not by one of the same second (it may have finished before)", async () => {
    const gh = stateful();
    expect(await runner(new MemoryStore()).run(request())).toBe("done");
    const began = Date.parse(gh.checkRuns[0]!.started_at);
    // Another replica, no record: a request two seconds older than the run is answered by it.
    expect(await runner(new MemoryStore()).run({ ...request(), delivery: "d-2", receivedAt: began - 2000 })).toBe("covered");
    expect(gh.checkRuns).toHaveLength(1);
    // A recheck that came in the same second as the run began (after it finished, as far as GitHub's seconds tell): a new run.
    expect(await runner(new MemoryStore()).run({ ...request(), delivery: "d-3", trigger: "recheck", explicit: true, receivedAt: began + 900 })).toBe("done");
    expect(gh.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([
      ["completed", "failure"],
      ["completed", "failure"],
    ]);
    expect(gh.reviews).toHaveLength(1);
  }, 30_000);

  it("the Re-run button after the run finished is a new request: a new check run, no comment twice", async () => {
    const gh = stateful();
    const store = new MemoryStore();
    const r = runner(store);
    const first = request();
    expect(await r.run(first)).toBe("done");
    // Two seconds later (whole seconds apart, as GitHub keeps them).
    const later = Date.parse(gh.checkRuns[0]!.started_at) + 2000;
    expect(await r.run({ ...first, delivery: "d-rerun", trigger: "rerun", explicit: true, receivedAt: later })).toBe("done");
    expect(gh.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([
      ["completed", "failure"],
      ["completed", "failure"],
    ]);
    expect(gh.reviews).toHaveLength(1);
  }, 30_000);

  it("an attempt still running when its lock lapsed and a retry took the job: the retry posts, the first posts nothing and opens no check run", async () => {
    const gh = stateful();
    let now = Date.now();
    const store = new MemoryStore(50_000, () => now);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const r = runner(store, gate);
    const req = request();

    const first = r.run(req);
    await waitUntil(() => (gh.calls.blobs?.length ?? 0) === 1);
    // Redis was away longer than the lock lives: the lock is free, a retry of the job takes it.
    now += 10_000;
    expect(await r.run(req, { retry: true })).toBe("done");
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns).toHaveLength(1);
    // The retry read the head's check runs again before posting (there were none yet).
    expect(gh.calls.listCheckRuns).toHaveLength(1);

    release();
    expect(await first).toBe("busy");
    expect(gh.reviews).toHaveLength(1);
    expect(gh.checkRuns.map((c) => [c.status, c.conclusion])).toEqual([["completed", "failure"]]);
    // Tried again later (it was "busy"), the job finds the run recorded.
    expect(await r.run(req)).toBe("covered");
  }, 30_000);
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error("timed out");
}
