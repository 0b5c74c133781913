// GitHub saying no: a review whose answer is lost is read back, never blindly repeated; a
// secondary rate limit stops the run with RetryLater; a 422 never sinks the review; reads are
// retried; any error still completes the check run in plain words.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RetryLater } from "../../src/review/errors.js";
import { changed, completeCheck, github, goFixture, harness, HEAD, noConfig, payload, recorded, REPO, usualRun, type Calls } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const suggestionPR = () => {
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  return [[f.entry], { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") }] as const;
};
const moveDeferPR = () => {
  const f = changed("svc/store.go", goFixture("move-defer/base/svc/store.go"), goFixture("move-defer/head/svc/store.go"));
  return [[f.entry], f.blobs] as const;
};
const rateLimited = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };

describe("GitHub refusals", () => {
  it("a review whose answer is lost (502) is read back; when GitHub did not post it, it is sent once more", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...suggestionPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 502, { message: "Server Error" }))
      .get(`${REPO}/pulls/7/reviews`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review).toHaveLength(2);
    expect(calls.review![1]).toEqual(calls.review![0]);
    expect(calls.check![0].output.summary).not.toContain("### Problems");
    expect(nock.isDone()).toBe(true);
  });

  it("a review GitHub posted although it answered 502 is found by the read-back and not posted twice", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...suggestionPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 502, { message: "Server Error" }))
      .get(`${REPO}/pulls/7/reviews`)
      .query({ per_page: "100" })
      .reply((_uri) => [200, [{ id: 31, state: "COMMENTED", commit_id: HEAD, body: calls.review![0].body, user: { login: "ptrguard[bot]", type: "Bot" } }]]);
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review).toHaveLength(1);
    expect(calls.check![0]).toMatchObject({ conclusion: "failure" });
    expect(calls.check![0].output.summary).toContain("Review: 2 new comments on lines, 0 on files, 0 already open, 0 threads resolved as fixed.");
    expect(app.outcomes).toEqual(["failure"]);
    expect(nock.isDone()).toBe(true);
  });

  it("a secondary rate limit on the review stops the run with RetryLater (no check run left in progress); the next attempt posts once", async () => {
    const app = await harness();
    const calls: Calls = {};
    usualRun(calls, ...suggestionPR()).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 403, rateLimited, { "retry-after": "30" }));

    const err = await app.receive("pull_request", payload("pull_request.opened")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ retryAfterMs: 30_000, reason: "GitHub's rate limit; retrying" });
    expect((err as Error).message).toBe("posting the review: GitHub's rate limit refused the request (HTTP 403, retry after 30 s)");
    // A one-file run creates its check run with the verdict: nothing was left in progress.
    expect(calls.createCheck).toBeUndefined();
    expect(nock.isDone()).toBe(true);

    // The queue's next attempt: the threads read back show nothing posted; the review goes once.
    const again: Calls = {};
    completeCheck(usualRun(again, ...suggestionPR(), { token: false }).post(`${REPO}/pulls/7/reviews`).reply(recorded(again, "review", 200, { id: 1 })), again);
    await app.receive("pull_request", payload("pull_request.opened"));
    expect(again.review).toHaveLength(1);
    expect(again.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(nock.isDone()).toBe(true);
  });

  it("a review that keeps failing with 5xx: the findings stay in the check run, which says why", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...suggestionPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 502, { message: "Server Error" }))
      .get(`${REPO}/pulls/7/reviews`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 503, { message: "Service Unavailable" }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review).toHaveLength(2);
    const check = calls.check![0];
    expect(check.conclusion).toBe("failure");
    expect(check.output.annotations).toHaveLength(2);
    expect(check.output.summary).toContain("### Problems\n- the review was not posted: GitHub had a server error (HTTP 503)");
    expect(check.output.summary).toContain(
      "### Findings not posted as review comments\n" +
        "- `svc/fetch.go` line 10: **[lost-cancel]** error: the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline (the review could not be posted)\n" +
        "- `svc/fetch.go` line 16: **[lost-cancel]** error: cancel is skipped on the path to the return on line 18: the context lives until the parent is cancelled (the review could not be posted)",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("a 422 that blames start_line: the review goes again without the multi-line comment, which moves to its file", async () => {
    const app = await harness();
    const calls: Calls = {};
    const refusal = { message: "Unprocessable Entity", errors: ["Pull request review thread start line must be part of the same hunk as the line."] };
    const scope = usualRun(calls, ...moveDeferPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 422, refusal))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }))
      .post(`${REPO}/pulls/7/comments`)
      .reply(recorded(calls, "fileComment", 201, { id: 2 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const [first, second] = calls.review!;
    expect(first.comments.map((c: object) => ({ ...c, body: "..." }))).toEqual([
      { path: "svc/store.go", start_line: 7, start_side: "RIGHT", line: 11, side: "RIGHT", body: "..." },
      { path: "svc/store.go", line: 17, side: "RIGHT", body: "..." },
    ]);
    expect(first.comments[0].body).toContain(
      "```suggestion\n\tctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n\tif err := use(ctx); err != nil {\n\t\treturn err\n\t}\n```",
    );
    expect(second.comments).toEqual([first.comments[1]]);
    expect(calls.fileComment).toEqual([
      {
        commit_id: HEAD,
        path: "svc/store.go",
        subject_type: "file",
        body: expect.stringMatching(/^\*\*\[lost-cancel\]\*\* error on line 7: .*\n\n_GitHub refused this comment on its line, so it sits on the file_\n\n/),
      },
    ]);
    expect(calls.check![0].output.summary).toContain(
      '- GitHub refused 1 of 2 review comments (GitHub answered HTTP 422: Unprocessable Entity: "Pull request review thread start line must be part of the same hunk as the line."); they were posted on their files',
    );
    expect(nock.isDone()).toBe(true);
  });

  it("a 422 that names no culprit: a review without line comments, the findings on their files, and what GitHub still refuses in the check run", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = usualRun(calls, ...moveDeferPR())
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"] }))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }))
      .post(`${REPO}/pulls/7/comments`)
      .reply(recorded(calls, "fileComment", 201, { id: 2 }))
      .post(`${REPO}/pulls/7/comments`)
      .reply(recorded(calls, "fileComment", 422, { message: "Unprocessable Entity", errors: ["path is invalid"] }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review![1]).toEqual({
      commit_id: HEAD,
      event: "COMMENT",
      body:
        "**ptrguard** found 2 new issues in this pull request (2 error, 0 warning, 0 info).\n\n" +
        'GitHub refused the line comments of this review (GitHub answered HTTP 422: Unprocessable Entity: "Line could not be resolved"); they are posted on their files instead.',
      comments: [],
    });
    expect(calls.fileComment!.map((c) => c.subject_type)).toEqual(["file", "file"]);
    const summary: string = calls.check![0].output.summary;
    expect(summary).toContain("Review: 0 new comments on lines, 1 on files, 0 already open, 0 threads resolved as fixed.");
    expect(summary).toContain(
      "### Findings not posted as review comments\n- `svc/store.go` line 17: **[lost-cancel]** error: the cancel function from context.WithCancel is discarded: the context lives until the parent is cancelled (GitHub refused the file comment: GitHub answered HTTP 422: Unprocessable Entity: \"path is invalid\")",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("a read that fails is retried (2 retries); when it keeps failing the check run completes as failure in plain words", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = noConfig(github());
    for (let i = 0; i < 3; i++) scope.get(`${REPO}/pulls/7/files`).query({ per_page: "100" }).reply(recorded(calls, "files", 500, { message: "Internal Server Error" }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.files).toHaveLength(3);
    expect(calls.check).toEqual([
      {
        status: "completed",
        conclusion: "failure",
        completed_at: "2026-11-27T10:00:00.000Z",
        output: {
          title: "ptrguard could not finish",
          summary: '**ptrguard could not finish this review:** GitHub had a server error (HTTP 500). Press "Recheck" to try again.\n\nTook 0.0 s.',
        },
        actions: [{ label: "Recheck", description: "Run ptrguard again on this commit", identifier: "recheck" }],
      },
    ]);
    expect(app.outcomes).toEqual(["error"]);
    expect(nock.isDone()).toBe(true);
  });
});
