// pull_request events: one review whose comments GitHub accepts, and a completed check run.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  changed,
  completeCheck,
  config,
  createdCheck,
  github,
  goFixture,
  harness,
  HEAD,
  LOST_CANCEL_DOCS,
  LOST_CANCEL_WHY,
  noConfig,
  payload,
  RECHECK_ACTION,
  recorded,
  REPO,
  usualRun,
  type Calls,
} from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const suggestionPR = () => {
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  return { files: [f.entry], blobs: { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") } };
};

const WHY_DETAILS = `<details><summary>Why it matters</summary>\n\n${LOST_CANCEL_WHY}\n\n</details>`;

export const FETCH_COMMENT = [
  "**[lost-cancel]** error: the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline",
  "Suggested fix: name the cancel function and defer it.\n_Checked: the fixed function parses and this rule no longer reports it._\n\n```suggestion\n\tctx, cancel := context.WithTimeout(parent, time.Second)\n\tdefer cancel()\n```",
  WHY_DETAILS,
  `Docs: [Lost context cancel function](${LOST_CANCEL_DOCS})\n<!-- ptrguard:fp=lost-cancel/7de771d741aa1a39 -->`,
].join("\n\n");

export const LOAD_COMMENT = [
  "**[lost-cancel]** error: cancel is skipped on the path to the return on line 18: the context lives until the parent is cancelled",
  "- line 18: this way out skips the cancel function",
  "Suggested fix: add defer cancel() right after the context is made.\n_Checked: the fixed function parses and this rule no longer reports it._\n\n```suggestion\n\tctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n```",
  WHY_DETAILS,
  `Docs: [Lost context cancel function](${LOST_CANCEL_DOCS})\n<!-- ptrguard:fp=lost-cancel/ca1c5c11ebdf70bd -->`,
].join("\n\n");

const FETCH_MESSAGE = "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline";
const LOAD_MESSAGE = "cancel is skipped on the path to the return on line 18: the context lives until the parent is cancelled";

describe("pull_request", () => {
  it("opened: posts one COMMENT review with a suggestion per finding and fails the check run", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = suggestionPR();
    const scope = usualRun(calls, files, blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.blobs).toEqual([[`${HEAD}:svc/fetch.go`, `${HEAD}:svc/go.mod`, `${HEAD}:go.mod`]]);
    expect(calls.review).toEqual([
      {
        commit_id: HEAD,
        event: "COMMENT",
        body: "**ptrguard** found 2 new issues in this pull request (2 error, 0 warning, 0 info).",
        comments: [
          { path: "svc/fetch.go", line: 10, side: "RIGHT", body: FETCH_COMMENT },
          { path: "svc/fetch.go", line: 16, side: "RIGHT", body: LOAD_COMMENT },
        ],
      },
    ]);
    expect(calls.check).toEqual([
      {
        status: "completed",
        conclusion: "failure",
        completed_at: "2026-11-27T10:00:00.000Z",
        output: {
          title: "2 findings, 2 at or above error",
          summary: [
            "2 findings (2 error, 0 warning, 0 info) in 1 file analysed. Took 0.0 s.",
            "| Rule | error | warning | info |\n|---|---:|---:|---:|\n| `lost-cancel` | 2 | 0 | 0 |",
            "Review: 2 new comments on lines, 0 on files, 0 already open, 0 threads resolved as fixed.",
          ].join("\n\n"),
          annotations: [
            { path: "svc/fetch.go", start_line: 10, end_line: 10, annotation_level: "failure", title: "[lost-cancel] Lost context cancel function", message: FETCH_MESSAGE },
            { path: "svc/fetch.go", start_line: 16, end_line: 16, annotation_level: "failure", title: "[lost-cancel] Lost context cancel function", message: LOAD_MESSAGE },
          ],
        },
        actions: RECHECK_ACTION,
      },
    ]);
    expect(app.outcomes).toEqual(["failure"]);
    expect(app.events).toEqual(["pull_request.opened"]);
    expect(app.apiCalls).toEqual([
      "POST /app/installations/{installation_id}/access_tokens 201",
      "POST /graphql RunStart 200",
      "GET /repos/{owner}/{repo}/pulls/{id}/files 200",
      "POST /graphql ReadBlobs 200",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
      "POST /repos/{owner}/{repo}/check-runs 201",
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it.each(["synchronize", "reopened", "ready_for_review"])("%s starts the same run", async (action) => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = suggestionPR();
    completeCheck(usualRun(calls, files, blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 })), calls);

    await app.receive("pull_request", payload(`pull_request.${action}`));

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.review?.[0].comments.map((c: { line: number }) => c.line)).toEqual([10, 16]);
    expect(calls.check?.[0].conclusion).toBe("failure");
    expect(nock.isDone()).toBe(true);
  });

  it("reviews a draft by default", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = suggestionPR();
    completeCheck(usualRun(calls, files, blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 })), calls);
    const event = payload("pull_request.opened");
    event.pull_request.draft = true;

    await app.receive("pull_request", event);

    expect(calls.review).toHaveLength(1);
    expect(nock.isDone()).toBe(true);
  });

  it("skips a draft when draft_prs is false: no check run, a log line", async () => {
    const app = await harness();
    config(github(), "draft_prs: false\n");
    const event = payload("pull_request.opened");
    event.pull_request.draft = true;

    await app.receive("pull_request", event);

    expect(app.logs.map((l) => l.msg)).toContain("ptrguard: draft pull request and draft_prs is false; not reviewing");
    expect(nock.isDone()).toBe(true);
  });

  it("completes neutral with the reason when the PR changes no Go file", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = noConfig(github())
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, [{ filename: "README.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }]);
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.check).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        completed_at: "2026-11-27T10:00:00.000Z",
        output: { title: "Nothing to analyse", summary: "This pull request changes no Go files.\n\nTook 0.0 s." },
        actions: RECHECK_ACTION,
      },
    ]);
    expect(app.outcomes).toEqual(["neutral"]);
    expect(nock.isDone()).toBe(true);
  });

  it("ignores a malformed payload with a log line and no call to GitHub", async () => {
    const app = await harness();
    const event = payload("pull_request.opened");
    delete event.pull_request.head;

    await app.receive("pull_request", event);

    expect(app.logs.map((l) => l.msg)).toContain("ptrguard: ignoring a malformed payload (no pull_request.head.sha)");
    expect(nock.pendingMocks()).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it("puts a finding outside the diff hunks in a file-level comment", async () => {
    const app = await harness();
    const calls: Calls = {};
    const f = changed("svc/load.go", goFixture("outside-hunk/base/svc/load.go"), goFixture("outside-hunk/head/svc/load.go"));
    const scope = usualRun(calls, [f.entry], f.blobs).post(`${REPO}/pulls/7/comments`).reply(recorded(calls, "fileComment", 201, { id: 2 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    // The hunk covers new lines 12-17; the finding is on line 7, outside it: no review, one file comment.
    expect(f.entry.patch).toBe("@@ -12,7 +12,6 @@\n \t}\n \t_ = total\n \tif err := use(ctx); err != nil {\n-\t\tcancel()\n \t\treturn err\n \t}\n \tcancel()\n");
    expect(calls.fileComment).toEqual([
      {
        commit_id: HEAD,
        path: "svc/load.go",
        subject_type: "file",
        body: [
          "**[lost-cancel]** error on line 7: cancel is skipped on the path to the return on line 15: the context lives until the parent is cancelled",
          "_line 7 is outside this pull request's diff, so this comment sits on the file_",
          "- line 15: this way out skips the cancel function",
          "Suggested fix: add defer cancel() right after the context is made (replaces line 7):\n_Checked: the fixed function parses and this rule no longer reports it._\n\n```go\n\tctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n```",
          WHY_DETAILS,
          `Docs: [Lost context cancel function](${LOST_CANCEL_DOCS})\n<!-- ptrguard:fp=lost-cancel/1cc662fa9b904c3c -->`,
        ].join("\n\n"),
      },
    ]);
    expect(calls.check?.[0].output.summary).toContain("Review: 0 new comments on lines, 1 on files, 0 already open, 0 threads resolved as fixed.");
    expect(nock.isDone()).toBe(true);
  });
});
