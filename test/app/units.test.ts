// The pure parts, without GitHub: fingerprints, fences, anchoring, config validation, the
// summary limit, retry decisions.
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/analyzer/types.js";
import { DEFAULT_CONFIG, validateConfig } from "../../src/config.js";
import { lostCancel } from "./harness.js";
import { parsePatch } from "../../src/diff/diff.js";
import { explain, isRateLimited, isUncertain, retryAfterMs } from "../../src/github/retry.js";
import { analyse } from "../../src/review/analyse.js";
import { DEFAULT_LIMITS } from "../../src/review/limits.js";
import { fenced } from "../../src/report/comment.js";
import type { GitHub, NewCheckRun, ReviewThread } from "../../src/github/types.js";
import { loadConfig } from "../../src/review/config-load.js";
import { RetryLater } from "../../src/review/errors.js";
import { fingerprint, fingerprints, marker, readFingerprint } from "../../src/report/fingerprint.js";
import { checkSummary, fit, SUMMARY_LIMIT } from "../../src/report/summary.js";
import { place } from "../../src/review/anchor.js";
import { goModCandidates, selectFiles } from "../../src/review/files.js";
import { reconcile } from "../../src/review/reconcile.js";

const finding = (over: Partial<Finding> = {}): Finding => ({
  rule: "lost-cancel",
  severity: "error",
  path: "svc/a.go",
  line: 3,
  column: 2,
  endLine: 3,
  endColumn: 10,
  message: "m",
  related: [],
  unit: "F",
  code: "ctx, _ := context.WithCancel(p)",
  docs: "https://example.com/lost-cancel",
  title: "Lost context cancel function",
  why: "why",
  ...over,
});

const suggestion = (startLine: number, endLine: number, replacement: string): Finding["fix"] => ({ description: "d", edits: [], suggestion: { startLine, endLine, replacement } });

describe("fingerprint", () => {
  it("does not depend on line numbers and tells identical findings apart by order", () => {
    const a = finding({ line: 3 });
    const moved = finding({ line: 40 });
    expect(fingerprints([a])).toEqual(fingerprints([moved]));
    const [first, second] = fingerprints([finding({ line: 9 }), finding({ line: 5 })]);
    expect(second).toBe(fingerprint(a, 0));
    expect(first).toBe(fingerprint(a, 1));
    expect(fingerprint(finding({ unit: "G" }), 0)).not.toBe(fingerprint(a, 0));
  });

  it("is read back from a comment body", () => {
    const fp = fingerprint(finding(), 0);
    expect(readFingerprint(`text\n<!-- ptrguard:fp=${fp} -->`)).toBe(fp);
    expect(readFingerprint("no marker")).toBeUndefined();
  });
});

describe("fingerprints of a renamed file", () => {
  it("use the base path, so renaming the file in a later push keeps the thread", () => {
    const f = { rule: "lost-cancel", path: "svc/fetch.go", unit: "Fetch", code: "ctx, cancel := context.WithCancel(parent)", line: 3, column: 2 } as Finding;
    const moved = { ...f, path: "svc/get.go" };
    expect(fingerprints([moved], new Map([["svc/get.go", "svc/fetch.go"]]))).toEqual(fingerprints([f]));
    expect(fingerprints([moved])).not.toEqual(fingerprints([f]));
  });
});

describe("fenced", () => {
  it("uses a fence longer than any run of backticks in the text", () => {
    expect(fenced("suggestion", "x := 1 // see ```go```")).toBe("````suggestion\nx := 1 // see ```go```\n````");
    expect(fenced("suggestion", "a")).toBe("```suggestion\na\n```");
    expect(fenced("suggestion", "")).toBe("```suggestion\n```");
  });
});

describe("place", () => {
  const content = "package p\n\nfunc F() {\n\tctx, _ := context.WithCancel(p)\n\tuse(ctx)\n}\n\nfunc G() {}\n";
  // Lines 3-6 are in one hunk (4 and 5 added), line 8 is outside.
  const diff = parsePatch("@@ -1,4 +1,6 @@\n package p\n \n func F() {\n+\tctx, _ := context.WithCancel(p)\n+\tuse(ctx)\n }", "svc/a.go");

  it("drops a suggestion identical to the current code", () => {
    const f = finding({ line: 4, fix: suggestion(4, 4, "\tctx, _ := context.WithCancel(p)") });
    const p = place(f, "lost-cancel/0000000000000000", { githubDiff: diff, content });
    expect(p.kind).toBe("line");
    expect(p.kind === "line" && p.comment.body).not.toContain("suggestion");
    expect(p.kind === "line" && p.comment.body).not.toContain("Suggested fix");
  });

  it("uses start_line and line for a suggestion over several lines of one hunk", () => {
    const f = finding({ line: 4, fix: suggestion(4, 5, "\tctx, cancel := context.WithCancel(p)\n\tdefer cancel()\n\tuse(ctx)") });
    const p = place(f, "lost-cancel/0000000000000000", { githubDiff: diff, content });
    expect(p.kind === "line" && { ...p.comment, body: undefined }).toEqual({ path: "svc/a.go", start_line: 4, start_side: "RIGHT", line: 5, side: "RIGHT", body: undefined });
  });

  it("shows a fix reaching outside the hunk as code, not as a suggestion", () => {
    const f = finding({ line: 6, fix: suggestion(6, 8, "}\n\nfunc G() { }") });
    const p = place(f, "lost-cancel/0000000000000000", { githubDiff: diff, content });
    expect(p.kind === "line" && p.comment).toMatchObject({ line: 6, side: "RIGHT" });
    expect(p.kind === "line" && p.comment.body).toContain("```go\n}\n\nfunc G() { }\n```");
    expect(p.kind === "line" && p.comment.body).toContain("_the fix reaches lines outside this diff hunk");
  });

  it("falls back to the file outside the hunks, and to the check run without a patch", () => {
    expect(place(finding({ line: 8 }), "lost-cancel/0000000000000000", { githubDiff: diff, content }).kind).toBe("file");
    expect(place(finding({ line: 4 }), "lost-cancel/0000000000000000", { githubDiff: undefined, content }).kind).toBe("check");
  });
});

describe("config", () => {
  const ids = ["lost-cancel"];

  it("accepts every key with a valid value", () => {
    const raw = { rules: { "lost-cancel": "warning" }, paths_ignore: ["gen/**"], scope: "added", fail_on: "warning", review_event: "REQUEST_CHANGES", max_comments: 5, include_tests: false, test_findings: "all", draft_prs: false };
    expect(validateConfig(raw, ids)).toEqual({ config: raw, problems: [] });
  });

  it("turns true/false rule settings into on/off and rejects a non-mapping", () => {
    expect(validateConfig({ rules: { "lost-cancel": false } }, ids).config.rules).toEqual({ "lost-cancel": "off" });
    expect(validateConfig(["a"], ids).problems).toEqual(["the configuration is not a mapping of keys to values; the defaults are used"]);
    expect(validateConfig({ paths_ignore: "gen/**" }, ids).problems).toEqual(['`paths_ignore` must be a list of glob patterns; got `"gen/**"`, so the default `[]` is used']);
  });
});

describe("files", () => {
  it("lists go.mod candidates nearest first", () => {
    expect(goModCandidates("a/b/c.go")).toEqual(["a/b/go.mod", "a/go.mod", "go.mod"]);
    expect(goModCandidates("main.go")).toEqual(["go.mod"]);
  });

  it("keeps added, modified and renamed Go files", () => {
    const files = ["added", "modified", "renamed", "removed", "copied"].map((status, i) => ({ path: `f${i}.go`, status: status as "added" }));
    const s = selectFiles([...files, { path: "README.md", status: "added" }], validateConfig({}, []).config);
    expect(s.wanted.map((f) => f.path)).toEqual(["f0.go", "f1.go", "f2.go"]);
    expect([...s.goPaths]).toEqual(["f0.go", "f1.go", "f2.go", "f3.go", "f4.go"]);
  });
});

describe("summary", () => {
  it("stays within GitHub's 65,535 characters", () => {
    const skipped = Array.from({ length: 3000 }, (_, i) => ({ path: `gen/${"deep/".repeat(20)}file${i}.go`, reason: "generated (Code generated ... DO NOT EDIT)" }));
    const findings = Array.from({ length: 3000 }, (_, i) => finding({ line: i + 1, message: "x".repeat(300) }));
    const summary = checkSummary({
      findings,
      filesAnalyzed: 1,
      skipped,
      notes: skipped,
      durationMs: 1234,
      configProblems: Array.from({ length: 500 }, () => "p".repeat(200)),
      checkOnly: findings.map((f) => ({ finding: f, reason: "r".repeat(200) })),
      problems: Array.from({ length: 500 }, () => "q".repeat(500)),
      annotationsLeftOut: 2000,
    });
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(summary).toContain("- ... and 2950 more (see the annotations)");
    expect(summary).toMatch(/\(summary cut to fit GitHub's limit\)$/);
    expect(fit("a\n".repeat(40_000)).length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(fit("a\n".repeat(40_000))).toMatch(/\(summary cut to fit GitHub's limit\)$/);
  });
});

describe("GitHub errors", () => {
  const error = (status: number, headers: Record<string, string> = {}, message = "x") => Object.assign(new Error(message), { status, response: { headers } });

  it("tells a secondary rate limit, with the wait GitHub asks for", () => {
    const limited = error(403, { "retry-after": "120" }, "You have exceeded a secondary rate limit.");
    expect(isRateLimited(limited)).toBe(true);
    expect(retryAfterMs(limited)).toBe(120_000);
    expect(isRateLimited(error(403, {}, "You have exceeded a secondary rate limit."))).toBe(true);
    expect(retryAfterMs(error(403, {}, "You have exceeded a secondary rate limit."))).toBe(60_000);
    expect(retryAfterMs(error(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000" }), 990_000)).toBe(10_000);
    expect(isRateLimited(error(403, {}, "Resource not accessible by integration"))).toBe(false);
  });

  it("a write whose answer is a 5xx or lost is uncertain; a 4xx is a refusal", () => {
    expect(isUncertain(error(502))).toBe(true);
    expect(isUncertain(new Error("socket hang up"))).toBe(true);
    expect(isUncertain(error(422))).toBe(false);
    expect(isUncertain(error(403, { "retry-after": "1" }))).toBe(false);
  });

  it("explains errors in plain words", () => {
    expect(explain(error(503))).toBe("GitHub had a server error (HTTP 503)");
    expect(explain(Object.assign(new Error("read ECONNRESET"), { status: 500 }))).toBe("the connection to GitHub failed (read ECONNRESET)");
    expect(explain(error(404, {}, "Not Found"))).toBe("GitHub answered HTTP 404: Not Found");
    expect(explain(error(429, { "retry-after": "120" }))).toBe("GitHub's rate limit refused the request (HTTP 429, retry after 120 s)");
    expect(explain(new Error("socket hang up\nat ..."))).toBe("socket hang up");
  });
});

describe("reconcile", () => {
  const thread = (path: string, fp: string): ReviewThread => ({
    id: `T_${path}`,
    path,
    isResolved: false,
    resolvedBy: null,
    comments: [{ id: 7, author: "ptrguard[bot]", body: `**[lost-cancel]** …\n${marker(fp)}` }],
  });
  it("resolves the thread of a finding that is gone, but not in a file this run could not analyse fully", () => {
    const scope = { current: new Set<string>(), enabled: new Set(["lost-cancel"]), changed: new Set(["a.go", "b.go"]) };
    const threads = [thread("a.go", "lost-cancel/0000000000000001"), thread("b.go", "lost-cancel/0000000000000002")];
    const plan = reconcile([], threads, { ...scope, analysed: new Set(["a.go"]) });
    expect(plan.resolve).toEqual([{ threadId: "T_a.go", commentId: 7, path: "a.go" }]);
  });
});

describe("time budgets", () => {
  it("names a file over its budget and skips the files not started once the run's budget is spent", async () => {
    const source = (path: string) => ({ file: { path, content: "package p\n\nfunc F() {}\n", goMod: null }, githubDiff: undefined });
    let t = -40_000;
    const clock = () => (t += 40_000);
    const limits = { ...DEFAULT_LIMITS, runMs: 100_000, fileMs: 30_000 };
    const a = await analyse([source("a.go"), source("b.go"), source("c.go")], lostCancel, DEFAULT_CONFIG, limits, clock);

    expect(a.filesAnalyzed).toBe(1);
    expect(a.notes).toEqual([{ path: "a.go", reason: "took 40 s to analyse (the budget per file is 30 s)" }]);
    expect(a.skipped).toEqual([
      { path: "b.go", reason: "not analysed: the run's time budget (100 s) was spent" },
      { path: "c.go", reason: "not analysed: the run's time budget (100 s) was spent" },
    ]);
    expect(a.limits).toEqual(["Analysis stopped after 100 s (the budget per run): 2 files were not analysed (listed under Files skipped)."]);
  });
});

describe("a configuration the host reads (the Action)", () => {
  const at = { sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e", pullNumber: 7, startedAt: new Date(0), now: () => 0 };
  const host = (fail: unknown, created: NewCheckRun[]) =>
    ({
      repo: { owner: "acme", repo: "shop" },
      loadConfig: async () => {
        throw fail;
      },
      createCheckRun: async (r: NewCheckRun) => (created.push(r), 1),
    }) as unknown as GitHub;

  it("a server error is an unreadable config: a neutral check run and RetryLater, never the defaults", async () => {
    const created: NewCheckRun[] = [];
    const err = await loadConfig(host(Object.assign(new Error("Bad Gateway"), { status: 502, response: {} }), created), lostCancel, at).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect(created.map((c) => [c.completion?.conclusion, c.completion?.output.title])).toEqual([["neutral", "Configuration could not be read"]]);
  });

  it("a file the host cannot parse is a configuration problem; the run goes on with the defaults", async () => {
    const created: NewCheckRun[] = [];
    const result = await loadConfig(host(new Error("invalid YAML"), created), lostCancel, at);
    expect(result.problems).toEqual(["the file could not be read (invalid YAML); the defaults are used"]);
    expect(created).toEqual([]);
  });
});
