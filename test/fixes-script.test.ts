// scripts/fixes.ts (recall on real bug-fix commits): the changed lines it reads from `git diff
// -U0`, and the committed hand verdicts in docs/fixes-judgments.json are well formed.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hunks, KEYWORDS, type FixJudgment } from "../scripts/fixes.js";
import { rules } from "../rules/index.js";
import { ROOT } from "../src/analyzer/testing.js";

describe("fixes script", () => {
  it("reads each file's changed line ranges on both sides; an empty side is the point between two lines", () => {
    const diff = [
      "diff --git a/server/a.go b/server/a.go",
      "index 1111111..2222222 100644",
      "--- a/server/a.go",
      "+++ b/server/a.go",
      "@@ -10,2 +10,3 @@ func (s *Server) run() {",
      "-\tcase <-time.After(d):",
      "-\t\treturn",
      "+\tcase <-t.C:",
      "+\t\tt.Stop()",
      "+\t\treturn",
      "@@ -40,0 +42 @@ func stop() {",
      "+\tdefer cancel()",
      "diff --git a/b.go b/b.go",
      "--- a/b.go",
      "+++ b/b.go",
      "@@ -7 +6,0 @@ func f() {",
      "-\tgo g()",
    ].join("\n");
    const h = hunks(diff);
    expect([...h.keys()]).toEqual(["server/a.go", "b.go"]);
    expect(h.get("server/a.go")).toEqual({ a: [[10, 11], [40, 41]], b: [[10, 12], [42, 42]] });
    expect(h.get("b.go")).toEqual({ a: [[7, 7]], b: [[6, 7]] });
  });

  it("has a case-insensitive extended regular expression per keyword, each compiling in JavaScript too", () => {
    for (const k of KEYWORDS) expect(() => new RegExp(k.re, "i")).not.toThrow();
    expect(KEYWORDS.filter((k) => new RegExp(k.re, "i").test("Fix goroutine leak in Run")).map((k) => k.name)).toEqual(["goroutine leak"]);
    expect(KEYWORDS.filter((k) => new RegExp(k.re, "i").test("MQTT: retained message body possibly corrupt")).map((k) => k.name)).toEqual([]);
  });

  it("keeps its hand verdicts well formed: one per commit, an in-catalog fix names a rule of the catalog", () => {
    const js = JSON.parse(readFileSync(path.join(ROOT, "docs/fixes-judgments.json"), "utf8")) as FixJudgment[];
    const ids = new Set(rules.map((r) => r.meta.id));
    const seen = new Set<string>();
    for (const j of js) {
      const key = `${j.repo}@${j.commit}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      expect(j.commit).toMatch(/^[0-9a-f]{12}$/);
      expect(["in-catalog", "out-of-catalog", "not-a-fix"]).toContain(j.verdict);
      expect(j.why.length, key).toBeGreaterThan(0);
      if (j.verdict === "in-catalog") expect(ids.has(j.rule ?? ""), key).toBe(true);
      else expect(j.rule, key).toBeUndefined();
    }
  });
});
