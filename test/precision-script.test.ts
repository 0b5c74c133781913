// scripts/precision.ts keys hand judgments so that they survive line shifts, and the committed
// judgments are well formed (docs/precision.md is computed from them).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findGitDir } from "../scripts/gitdata.js";
import { prKey } from "../scripts/pr-precision.js";
import { enclosingFunc, judgmentKey, locate, normaliseCode, seededSample } from "../scripts/precision.js";
import { ROOT } from "../src/analyzer/testing.js";

const source = `package p

import "time"

func (s *Server) Run(stop <-chan struct{}) {
	t := time.NewTimer(0)
	for {
		select {
		case <-t.C:
			t.Reset(time.Second)
		case <-stop:
			return
		}
	}
}

func poll() {
	q := \`
}\`
	_ = q
	errc := make(chan error)
	_ = errc
	errc = make(chan error)
}
`;

const finding = (line: number, rule = "ticker-not-stopped") => ({ rule, severity: "warning", path: "p/run.go", line, message: "m" });

describe("precision judgments", () => {
  it("names the enclosing declaration, a method by its receiver type; a raw string's closing brace does not end it", () => {
    const lines = source.split("\n");
    expect(enclosingFunc(lines, 6)).toBe("Server.Run");
    expect(enclosingFunc(lines, 21)).toBe("poll"); // after the raw string's "}\`" line
    expect(enclosingFunc(lines, 16)).toBe("");
    expect(enclosingFunc(lines, 3)).toBe("");
  });

  it("keys a finding by repo, path, rule, function and whitespace-collapsed code, so lines above may move", () => {
    const before = locate("o/r", [finding(6)], () => source.split("\n"));
    const shifted = "// a new comment\n\n" + source.replace("t := time.NewTimer(0)", "t  :=  time.NewTimer(0) // comment");
    const after = locate("o/r", [finding(8)], () => shifted.split("\n"));
    expect(before[0]!.key).toBe("o/r|p/run.go|ticker-not-stopped|Server.Run|t := time.NewTimer(0)");
    expect(after[0]!.key).toBe(before[0]!.key);
    expect(normaliseCode("\t\tcase  <-time.After(d): // slow")).toBe("case <-time.After(d):");
  });

  it("numbers identical lines of one function in line order", () => {
    const out = locate("o/r", [finding(23, "goroutine-send-leak"), finding(21, "goroutine-send-leak")], () => source.split("\n"));
    expect(out.map((f) => [f.line, f.n, f.key.endsWith("#2")])).toEqual([
      [21, 1, false],
      [23, 1, false],
    ]);
    const twice = `package p\n\nfunc f() {\n\tch := make(chan int)\n\tch := make(chan int)\n}\n`;
    const dup = locate("o/r", [finding(5, "x"), finding(4, "x")], () => twice.split("\n"));
    expect(dup.map((f) => f.key)).toEqual(["o/r|p/run.go|x|f|ch := make(chan int)", "o/r|p/run.go|x|f|ch := make(chan int)#2"]);
  });

  it("draws the same sample for the same seed", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    expect(seededSample(items, 10, 9)).toEqual(seededSample(items, 10, 9));
    expect(seededSample(items, 10, 9)).not.toEqual(seededSample(items, 10, 10));
    expect(new Set(seededSample(items, 50, 9)).size).toBe(50);
  });

  it.each([
    ["docs/precision-judgments.json", "docs/precision-repos.json", 100],
    ["docs/heldout/judgments.json", "docs/heldout/repos.json", 60],
  ])("the committed judgments in %s are unique, name a repository of %s, give a reason, and name the shape of every false or debatable one", (file, reposFile, least) => {
    const judgments = JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as {
      repo: string; path: string; rule: string; func: string; code: string; n?: number; verdict: string; reason: string; shape?: string;
    }[];
    const repos = (JSON.parse(readFileSync(path.join(ROOT, reposFile), "utf8")) as { repo: string; commit: string }[]);
    expect(judgments.length).toBeGreaterThanOrEqual(least);
    expect(new Set(judgments.map(judgmentKey)).size).toBe(judgments.length);
    for (const j of judgments) {
      expect(repos.map((r) => r.repo)).toContain(j.repo);
      expect(["true", "false", "debatable"]).toContain(j.verdict);
      expect(j.reason.length).toBeGreaterThan(20);
      if (j.verdict !== "true") expect(j.shape, judgmentKey(j)).toBeTruthy();
    }
    for (const r of repos) expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("the pull-request judgments carry the commit they were posted on, in the key, and are otherwise like the whole-tree ones", () => {
    const judgments = JSON.parse(readFileSync(path.join(ROOT, "docs/pr-precision-judgments.json"), "utf8")) as {
      repo: string; commit: string; path: string; rule: string; func: string; code: string; n?: number; verdict: string; reason: string; shape?: string;
    }[];
    const repos = JSON.parse(readFileSync(path.join(ROOT, "docs/precision-repos.json"), "utf8")) as { repo: string }[];
    expect(new Set(judgments.map(prKey)).size).toBe(judgments.length);
    for (const j of judgments) {
      expect(j.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(prKey(j)).toBe(`${judgmentKey(j)}@${j.commit}`);
      expect(repos.map((r) => r.repo)).toContain(j.repo);
      expect(["true", "false", "debatable"]).toContain(j.verdict);
      expect(j.reason.length).toBeGreaterThan(20);
      if (j.verdict !== "true") expect(j.shape, prKey(j)).toBeTruthy();
    }
  });

  it("finds a bare git directory below a mirror folder, and nothing where there is none", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pr-precision-"));
    const bare = path.join(dir, "o+r", "repo");
    for (const d of ["objects", "refs"]) mkdirSync(path.join(bare, d), { recursive: true });
    writeFileSync(path.join(bare, "HEAD"), "ref: refs/heads/main\n");
    expect(findGitDir(path.join(dir, "o+r"))).toBe(bare);
    expect(findGitDir(path.join(dir, "none"))).toBeUndefined();
  });
});
