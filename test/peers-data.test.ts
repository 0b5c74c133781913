// scripts/peers.json classifies the peers' labelled lines for scripts/peers.ts (the suites
// themselves are not in the repository): every bug line names one of our rules or says why it is
// outside the catalog, every suite is pinned to a commit, and nothing is listed twice.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { ROOT } from "../src/analyzer/testing.js";

interface Entry {
  bugs: { line: number; rule?: string; out?: string; site?: number; name?: string }[];
  negatives: { line: number; note: string }[];
}
const data = JSON.parse(readFileSync(path.join(ROOT, "scripts/peers.json"), "utf8")) as {
  suites: { id: string; repo: string; commit: string; dir: string; files: Record<string, Entry> }[];
};
const ids = new Set(rules.map((r) => r.meta.id));

describe("scripts/peers.json", () => {
  it("pins every suite to a repository commit", () => {
    expect(data.suites.map((s) => s.id)).toEqual([
      "govet-lostcancel",
      "govet-loopclosure",
      "govet-copylock",
      "govet-unsafeptr",
      "staticcheck-SA2000",
      "staticcheck-SA1015",
      "revive",
      "containedctx",
      "tickeryzer",
      "exportloopref",
    ]);
    for (const s of data.suites) expect(s.commit, s.id).toMatch(/^[0-9a-f]{40}$/);
  });

  it("gives each bug line either one of our rule ids or the reason it is outside the catalog", () => {
    for (const s of data.suites)
      for (const [file, e] of Object.entries(s.files))
        for (const b of e.bugs) {
          const where = `${s.id} ${file}:${b.line}`;
          expect(!!b.rule !== !!b.out, where).toBe(true);
          if (b.rule) expect(ids.has(b.rule), where).toBe(true);
          if (b.out) expect(b.out.length, where).toBeGreaterThan(20);
          if (b.site !== undefined) expect(b.site, where).toBeLessThan(b.line);
        }
  });

  it("lists no line twice and no line both as a bug and as a negative", () => {
    for (const s of data.suites)
      for (const [file, e] of Object.entries(s.files)) {
        const bugs = e.bugs.map((b) => b.line);
        const negs = e.negatives.map((n) => n.line);
        expect(new Set(bugs).size, `${s.id} ${file}`).toBe(bugs.length);
        expect(new Set(negs).size, `${s.id} ${file}`).toBe(negs.length);
        expect(negs.filter((l) => bugs.includes(l)), `${s.id} ${file}`).toEqual([]);
      }
  });
});
