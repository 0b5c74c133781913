// Re-runs never repeat themselves: open findings are not posted again, fixed ones are resolved,
// threads where a person replied are left alone, and a run for an old head posts nothing.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  changed,
  completeCheck,
  goFixture,
  harness,
  HEAD,
  isQuery,
  NEWER,
  payload,
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

const base = goFixture("rerun/base/svc/jobs.go");
const event = (sha: string) => {
  const e = payload("pull_request.synchronize");
  e.pull_request.head.sha = sha;
  return e;
};
const thread = (id: string, bodies: [string, string][], isResolved = false) => ({
  id,
  path: "svc/jobs.go",
  isResolved,
  resolvedBy: isResolved ? { login: "ptrguard" } : null,
  comments: { nodes: bodies.map(([login, body], i) => ({ databaseId: Number(id.slice(2)) * 10 + i, body, author: { login } })) },
});

describe("re-runs", () => {
  it("keeps an unchanged finding, resolves a fixed one, posts a new one, leaves a thread a person replied in", async () => {
    const app = await harness();
    // First push: Poll (discarded cancel) and Sync (cancel skipped on the error path).
    const first: Calls = {};
    const v1 = changed("svc/jobs.go", base, goFixture("rerun/v1/svc/jobs.go"));
    completeCheck(usualRun(first, [v1.entry], v1.blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(first, "review", 200, { id: 1 })), first);
    await app.receive("pull_request", event(HEAD));
    const [poll, sync] = first.review![0].comments as { body: string; line: number }[];
    expect([poll!.line, sync!.line]).toEqual([9, 14]);

    // Second push: Ping added above (Poll moves down 6 lines, unchanged), Sync fixed with a defer.
    const second: Calls = {};
    const v2 = changed("svc/jobs.go", base, goFixture("rerun/v2/svc/jobs.go"), NEWER);
    const gone = "**[lost-cancel]** error: an older finding\n\n<!-- ptrguard:fp=lost-cancel/00112233445566aa -->";
    const threads = [
      thread("T_1", [["ptrguard", poll!.body]]),
      thread("T_2", [["ptrguard", sync!.body]]),
      thread("T_3", [["ptrguard", gone], ["alice", "This one is cancelled in Close()."]]),
      thread("T_4", [["bob", "Why not a struct here?"]]),
    ];
    const scope = usualRun(second, [v2.entry], v2.blobs, { threads, sha: NEWER, token: false })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(second, "review", 200, { id: 2 }))
      .post(`${REPO}/pulls/7/comments/20/replies`)
      .reply(recorded(second, "reply", 201, { id: 3 }))
      .post("/graphql", isQuery("mutation ResolveThread"))
      .reply(recorded(second, "resolve", 200, { data: { resolveReviewThread: { thread: { id: "T_2", isResolved: true } } } }));
    completeCheck(scope, second);

    await app.receive("pull_request", event(NEWER));

    expect(second.review).toEqual([
      {
        commit_id: NEWER,
        event: "COMMENT",
        body: "**ptrguard** found 1 new issue in this pull request (1 error, 0 warning, 0 info).",
        comments: [
          {
            path: "svc/jobs.go",
            line: 10,
            side: "RIGHT",
            body: expect.stringContaining("**[lost-cancel]** error: the cancel function from context.WithDeadline is discarded"),
          },
        ],
      },
    ]);
    expect(second.reply).toEqual([{ body: `Fixed in ${NEWER}.` }]);
    expect(second.resolve).toEqual([{ query: expect.stringContaining("resolveReviewThread(input: { threadId: $threadId })"), variables: { threadId: "T_2" } }]);
    expect(second.check![0].conclusion).toBe("failure");
    expect(second.check![0].output.summary).toContain(
      "Review: 1 new comment on lines, 0 on files, 1 already open, 1 thread resolved as fixed, 1 left open because someone replied.",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("posts nothing when a newer push became the head during the run", async () => {
    const app = await harness();
    const calls: Calls = {};
    const f = changed("svc/jobs.go", base, goFixture("rerun/v1/svc/jobs.go"));
    // The head check answers with a newer commit: no review, no thread change.
    const scope = usualRun(calls, [f.entry], f.blobs, { sha: NEWER });
    completeCheck(scope, calls);

    await app.receive("pull_request", event(HEAD));

    expect(calls.review).toBeUndefined();
    expect(calls.check).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        completed_at: "2026-11-27T10:00:00.000Z",
        output: {
          title: "Superseded by a newer push",
          summary: `A newer commit (${NEWER}) is the head of this pull request now; this run posted nothing.\n\nTook 0.0 s.`,
        },
        actions: expect.any(Array),
      },
    ]);
    expect(app.outcomes).toEqual(["superseded"]);
    expect(nock.isDone()).toBe(true);
  });

  it("does not post again a finding whose thread a person resolved", async () => {
    const app = await harness();
    const first: Calls = {};
    const v1 = changed("svc/jobs.go", base, goFixture("rerun/v1/svc/jobs.go"));
    completeCheck(usualRun(first, [v1.entry], v1.blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(first, "review", 200, { id: 1 })), first);
    await app.receive("pull_request", event(HEAD));
    const [poll, sync] = first.review![0].comments as { body: string }[];

    const second: Calls = {};
    const dismissed = { ...thread("T_1", [["ptrguard", poll!.body]], true), resolvedBy: { login: "alice" } };
    completeCheck(usualRun(second, [v1.entry], v1.blobs, { threads: [dismissed, thread("T_2", [["ptrguard", sync!.body]])], token: false }), second);
    await app.receive("pull_request", event(HEAD));

    expect(second.review).toBeUndefined();
    expect(second.check![0].output.summary).toContain("Review: 0 new comments on lines, 0 on files, 1 already open, 0 threads resolved as fixed, 1 dismissed earlier and not posted again.");
    expect(nock.isDone()).toBe(true);
  });
});

