// Faults: writes GitHub performed although the answer was lost (502, a reset) are read back and
// never repeated; a check run left in progress is found again and completed; secondary rate
// limits and an unreadable config end the attempt with RetryLater (the queue runs it again) and
// never leave a check run in progress; reads are retried through GitHub's bad minutes.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RetryLater } from "../../src/review/errors.js";
import {
  blobReader,
  changed,
  checkCreator,
  completeCheck,
  createdCheck,
  github,
  goFixture,
  harness,
  HEAD,
  isQuery,
  noConfig,
  payload,
  recorded,
  REPO,
  runStartReply,
  START,
  updateCheck,
  usualRun,
  type Calls,
} from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const fetchPR = () => {
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  return [[f.entry], { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") }] as const;
};
const rateLimited = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };
const reset = { code: "ECONNRESET", message: "read ECONNRESET" };
const ourRuns = (runs: object[]) => ({ total_count: runs.length, check_runs: runs });
const listOurRuns = (scope: nock.Scope) => scope.get(`${REPO}/commits/${HEAD}/check-runs`).query({ check_name: "ptrguard", filter: "all", per_page: "100" });
/** A check run a killed run left in progress on the head (RunStart's GraphQL shape). */
const stale = { databaseId: 8000, status: "IN_PROGRESS", conclusion: null, externalId: "7", startedAt: "2026-11-27T09:00:00Z", title: null };

describe("writes whose answer is lost", () => {
  it("a check run GitHub created although it answered 502 is found by head SHA, name and external_id: not created twice", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...fetchPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }))
      .post(`${REPO}/check-runs`)
      .reply(checkCreator(calls, 502));
    listOurRuns(scope).reply(200, ourRuns([{ id: 9001, status: "completed", conclusion: "failure", external_id: "7", started_at: "2026-11-27T10:00:00Z", output: { title: "2 findings", annotations_count: 2 } }]));

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.check).toHaveLength(1);
    expect(calls.review).toHaveLength(1);
    expect(app.outcomes).toEqual(["failure"]);
    expect(nock.isDone()).toBe(true);
  });

  it("a reset on creating the check run when GitHub did not act: the read-back finds nothing and it is created once more", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...fetchPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }))
      .post(`${REPO}/check-runs`)
      .replyWithError(reset);
    listOurRuns(scope).reply(200, ourRuns([]));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(nock.isDone()).toBe(true);
  });

  it("a killed run's check run left in progress is reused and completed; a 502 on completing it is read back, not repeated", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...fetchPR(), { checkRuns: [stale] })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }))
      .patch(`${REPO}/check-runs/8000`)
      .reply(recorded(calls, "check", 502, { message: "Server Error" }))
      .get(`${REPO}/check-runs/8000`)
      .reply(200, { id: 8000, status: "completed", conclusion: "failure", external_id: "7", started_at: "2026-11-27T09:00:00Z", output: { title: "2 findings", annotations_count: 2 } });

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toBeUndefined();
    expect(calls.check).toHaveLength(1);
    expect(calls.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(nock.isDone()).toBe(true);
  });

  it("a review posted although the connection reset is found by the read-back: one review", async () => {
    const app = await harness();
    const calls: Calls = {};
    let body = "";
    const scope = usualRun(calls, ...fetchPR())
      .post(`${REPO}/pulls/7/reviews`, (b: { body: string }) => ((body = b.body), true))
      .replyWithError(reset)
      .get(`${REPO}/pulls/7/reviews`)
      .query({ per_page: "100" })
      .reply(() => [200, [{ id: 31, state: "COMMENTED", commit_id: HEAD, body, user: { login: "ptrguard[bot]", type: "Bot" } }]]);
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(body).toBe("**ptrguard** found 2 new issues in this pull request (2 error, 0 warning, 0 info).");
    expect(calls.check![0].output.summary).toContain("Review: 2 new comments on lines");
    expect(calls.check![0].output.summary).not.toContain("### Problems");
    expect(nock.isDone()).toBe(true);
  });
});

describe("rate limits and an unreadable config", () => {
  it("a secondary rate limit on completing the check run: RetryLater; the next attempt finds the check run by external_id, posts nothing twice and completes it", async () => {
    const app = await harness();
    const first: Calls = {};
    usualRun(first, ...fetchPR(), { checkRuns: [stale] })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(first, "review", 200, { id: 1 }))
      .patch(`${REPO}/check-runs/8000`)
      .reply(recorded(first, "check", 403, rateLimited, { "retry-after": "60" }));

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ retryAfterMs: 60_000, message: "completing the check run: GitHub's rate limit refused the request (HTTP 403, retry after 60 s)" });
    expect(nock.isDone()).toBe(true);

    // The next attempt: the review's threads are read back, so nothing is posted again.
    const second: Calls = {};
    const posted = (first.review![0].comments as { path: string; body: string }[]).map((c, i) => ({
      id: `T_${i}`,
      path: c.path,
      isResolved: false,
      resolvedBy: null,
      comments: { nodes: [{ databaseId: 100 + i, body: c.body, author: { login: "ptrguard" } }] },
    }));
    updateCheck(usualRun(second, ...fetchPR(), { checkRuns: [stale], threads: posted, token: false }), second, 8000);
    await app.receive("pull_request", payload("pull_request.opened"));

    expect(second.review).toBeUndefined();
    expect(second.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(second.check![0].output.summary).toContain("Review: 0 new comments on lines, 0 on files, 2 already open, 0 threads resolved as fixed.");
    expect(nock.isDone()).toBe(true);
  });

  it("a secondary rate limit (403) on creating the check run: RetryLater, and no check run exists, so none is left in progress", async () => {
    const app = await harness();
    const calls: Calls = {};
    usualRun(calls, ...fetchPR()).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 })).post(`${REPO}/check-runs`).reply(403, rateLimited, { "retry-after": "45" });

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ retryAfterMs: 45_000 });
    expect(nock.isDone()).toBe(true);
  });

  it("a secondary rate limit on a read during the run (the blobs): RetryLater, no check run, nothing posted", async () => {
    const app = await harness();
    const [files] = fetchPR();
    noConfig(github(), {}, { changedFiles: 1 })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files)
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(403, rateLimited, { "retry-after": "20" });

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ retryAfterMs: 20_000, message: "reading from GitHub: GitHub's rate limit refused the request (HTTP 403, retry after 20 s)" });
    expect(nock.isDone()).toBe(true);
  });

  it("429 with retry-after on the run's first query: RetryLater with that wait, before any write", async () => {
    const app = await harness();
    github().post("/graphql", isQuery("query RunStart")).reply(429, { message: "Too many requests" }, { "retry-after": "7" });

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ retryAfterMs: 7_000, reason: "GitHub's rate limit; retrying" });
    expect(nock.isDone()).toBe(true);
  });

  it("an unreadable config (502 for a while): a neutral check run says it will retry, nothing is posted with the defaults; the next attempt uses the repository's config", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = github();
    for (let i = 0; i < 3; i++) scope.post("/graphql", isQuery("query RunStart")).reply(recorded(calls, "start", 502, { message: "Server Error" }));
    completeCheck(scope, calls);

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ reason: "config could not be read; retrying" });
    expect(calls.start).toHaveLength(3);
    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.check).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        completed_at: START,
        output: {
          title: "Configuration could not be read",
          summary: "ptrguard's config could not be read; retrying: GitHub had a server error (HTTP 502). Nothing was posted; the review runs again by itself.",
        },
        actions: expect.any(Array),
      },
    ]);
    expect(nock.isDone()).toBe(true);

    // The retry: the repository turned lost-cancel off, and no comment is posted for it.
    const again: Calls = {};
    completeCheck(usualRun(again, ...fetchPR(), { config: "rules:\n  lost-cancel: off\n", token: false }), again);
    await app.receive("pull_request", payload("pull_request.opened"));
    expect(again.review).toBeUndefined();
    expect(again.check![0]).toMatchObject({ conclusion: "success", output: { title: "No findings" } });
    expect(nock.isDone()).toBe(true);
  });

  it("GitHub failing reads for a while (502, a reset): they are retried and the run finishes with one review", async () => {
    const app = await harness();
    const calls: Calls = {};
    const [files, blobs] = fetchPR();
    const scope = noConfig(github(), calls, { changedFiles: 1 })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .replyWithError(reset)
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files)
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(502, { message: "Server Error" })
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(500, { message: "Internal Server Error" })
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review).toHaveLength(1);
    expect(calls.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(nock.isDone()).toBe(true);
  });
});

describe("bad input", () => {
  it("a 17 MB Go file (over the engine's 16 MiB), a binary file named .go and a file deleted between listing and reading: skipped, each with its reason", async () => {
    const app = await harness();
    const calls: Calls = {};
    const [files, blobs] = fetchPR();
    const added = (name: string) => ({ filename: name, status: "added", patch: "@@ -0,0 +1 @@\n+package svc" });
    const scope = usualRun(
      calls,
      [...files, added("svc/big.go"), added("svc/blob.go"), added("svc/gone.go")],
      {
        ...blobs,
        [`${HEAD}:svc/big.go`]: { large: 17_000_000 },
        [`${HEAD}:svc/blob.go`]: { binary: true },
        // GraphQL truncates it; by the time it is read as raw text it is gone.
        [`${HEAD}:svc/gone.go`]: { truncated: "package svc\n" + "var x = 1\n".repeat(100_000) },
      },
    )
      .get(`${REPO}/contents/svc%2Fgone.go`)
      .query({ ref: HEAD })
      .reply(404, { message: "Not Found" })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const summary: string = calls.check![0].output.summary;
    expect(summary).toMatch(/^2 findings \(2 error, 0 warning, 0 info\) in 1 file analysed, 3 skipped\. /);
    expect(summary).toContain(
      "### Files skipped\n" +
        "- `svc/big.go`: too large: 16.2 MiB, over the 16 MiB limit\n" +
        "- `svc/blob.go`: binary file\n" +
        "- `svc/gone.go`: not found at the head commit (deleted or moved since the pull request was listed)",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("a 3,304-file pull request (GitHub lists 3,000) with every patch missing: a completed check run names the 304 unseen files and the files over the per-run limit", async () => {
    const app = await harness();
    const calls: Calls = {};
    const n = 3000;
    const files = Array.from({ length: n }, (_, i) => ({ filename: `pkg/f${i}.go`, status: "modified" }));
    const blobs: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      blobs[`${HEAD}:pkg/f${i}.go`] = `package pkg\n\nfunc F${i}() int { return 2 }\n`;
      blobs[`${"e5bd3914e2e596debea16f433f57875b5b90bcd6"}:pkg/f${i}.go`] = `package pkg\n\nfunc F${i}() int { return 1 }\n`;
    }
    blobs[`${HEAD}:go.mod`] = goFixture("go.mod");
    const scope = github().post("/graphql", isQuery("query RunStart")).reply(runStartReply(calls, { changedFiles: 3304 }));
    const link = (p: number) => `<https://api.github.com/repos/acme/shop/pulls/7/files?per_page=100&page=${p}>; rel="next"`;
    for (let p = 1; p <= 30; p++) {
      scope
        .get(`${REPO}/pulls/7/files`)
        .query(p === 1 ? { per_page: "100" } : { per_page: "100", page: String(p) })
        .reply(200, files.slice((p - 1) * 100, p * 100), p < 30 ? { link: link(p + 1) } : {});
    }
    // 500 Go files read: heads and bases (no patches) and two go.mod candidates, 150 a query.
    for (let q = 0; q < Math.ceil(1002 / 150); q++) scope.post("/graphql", isQuery("query ReadBlobs")).reply(blobReader(calls, blobs));
    // The package context: 60 of the 2,500 other files of pkg/ (the listing came with the first query).
    scope.post("/graphql", isQuery("query ReadBlobs")).reply(blobReader(calls, blobs));
    updateCheck(completeCheck(scope, calls), calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.inProgress).toEqual([{ status: "in_progress" }]);
    const check = calls.check![0];
    expect(check).toMatchObject({ status: "completed", conclusion: "success", output: { title: "No findings" } });
    expect(check.output.summary).toMatch(/^0 findings \(0 error, 0 warning, 0 info\) in 500 files analysed, 2500 skipped\. /);
    expect(check.output.summary).toContain(
      "### Limits\n" +
        "- This pull request changes 3,304 files; GitHub lists only the first 3,000, so 304 files were not seen (and not analysed).\n" +
        "- 2,500 Go files were not analysed: a run analyses at most 500 (listed under Files skipped).\n" +
        "- Package context: 2,440 files of pkg/ (",
    );
    expect(check.output.summary).toContain("- `pkg/f500.go`: over the limit of 500 Go files per run");
    expect(nock.isDone()).toBe(true);
  }, 60_000);
});
