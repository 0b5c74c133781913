// Many findings: at most max_comments comments, the rest listed in the review body, and
// annotations sent 50 per request with the last request completing the check run.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeCheck, createdCheck, harness, HEAD, payload, RECHECK_ACTION, recorded, REPO, updateCheck, usualRun, type Calls } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** 60 functions, each discarding the cancel function of context.WithTimeout (line 9 + 5i). */
function manyLeaks(n: number): string {
  let src = 'package svc\n\nimport (\n\t"context"\n\t"time"\n)\n\n';
  for (let i = 0; i < n; i++) src += `func F${i}(parent context.Context) error {\n\tctx, _ := context.WithTimeout(parent, time.Second)\n\treturn use(ctx)\n}\n\n`;
  return src + "func use(ctx context.Context) error { return nil }\n";
}

describe("more than 50 findings", () => {
  it("posts max_comments comments, lists the rest in the review body, and annotates in batches of 50", async () => {
    const app = await harness();
    const calls: Calls = {};
    const content = manyLeaks(60);
    const lines = content.split("\n");
    lines.pop();
    const patch = `@@ -0,0 +1,${lines.length} @@\n` + lines.map((l) => `+${l}`).join("\n");
    const scope = usualRun(calls, [{ filename: "svc/many.go", status: "added", patch }], { [`${HEAD}:svc/many.go`]: content })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    // 60 annotations: the check run is created in progress, then updated with 50, then completed with 10.
    updateCheck(updateCheck(completeCheck(scope, calls), calls), calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const lineOf = (i: number) => 9 + 5 * i;
    const message = "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline";
    const review = calls.review![0];
    expect(review.comments.map((c: { line: number }) => c.line)).toEqual(Array.from({ length: 25 }, (_, i) => lineOf(i)));
    expect(review.body).toBe(
      "**ptrguard** found 60 new issues in this pull request (60 error, 0 warning, 0 info).\n\n" +
        "35 more findings are not posted as comments (`max_comments` is 25):\n" +
        Array.from({ length: 35 }, (_, i) => `- \`svc/many.go\` line ${lineOf(i + 25)}: **[lost-cancel]** error: ${message}`).join("\n"),
    );

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.inProgress).toEqual([{ status: "in_progress" }]);
    const [first, last] = calls.check!;
    const annotation = (i: number) => ({ path: "svc/many.go", start_line: lineOf(i), end_line: lineOf(i), annotation_level: "failure", title: "[lost-cancel] Lost context cancel function", message });
    const output = { title: "60 findings, 60 at or above error", summary: expect.stringMatching(/^60 findings \(60 error, 0 warning, 0 info\) in 1 file analysed\. /) };
    expect(first).toEqual({ output: { ...output, annotations: Array.from({ length: 50 }, (_, i) => annotation(i)) } });
    expect(last).toEqual({
      status: "completed",
      conclusion: "failure",
      completed_at: "2026-11-27T10:00:00.000Z",
      output: { ...output, annotations: Array.from({ length: 10 }, (_, i) => annotation(i + 50)) },
      actions: RECHECK_ACTION,
    });
    expect(last.output.summary).toContain("Review: 25 new comments on lines, 0 on files, 0 already open, 0 threads resolved as fixed, 35 over `max_comments` (listed in the review).");
    expect(nock.isDone()).toBe(true);
  });

  it("a check run an interrupted run left in progress with 50 annotations is completed with the other 10: none sent twice", async () => {
    const app = await harness();
    const calls: Calls = {};
    const content = manyLeaks(60);
    const lines = content.split("\n");
    lines.pop();
    const patch = `@@ -0,0 +1,${lines.length} @@\n` + lines.map((l) => `+${l}`).join("\n");
    const stale = { databaseId: 8000, status: "IN_PROGRESS", conclusion: null, externalId: "7", startedAt: "2026-11-27T09:00:00Z", title: "60 findings", annotations: { totalCount: 50 } };
    const scope = usualRun(calls, [{ filename: "svc/many.go", status: "added", patch }], { [`${HEAD}:svc/many.go`]: content }, { checkRuns: [stale] })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    updateCheck(scope, calls, 8000);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toBeUndefined();
    expect(calls.check).toHaveLength(1);
    expect(calls.check![0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(calls.check![0].output.annotations.map((a: { start_line: number }) => a.start_line)).toEqual(Array.from({ length: 10 }, (_, i) => 9 + 5 * (i + 50)));
    expect(nock.isDone()).toBe(true);
  });
});
