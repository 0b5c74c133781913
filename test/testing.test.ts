// The fixture harness itself (src/analyzer/testing.ts) and the want conversion script: a harness
// that cannot fail proves nothing, so each kind of mismatch is shown to be caught.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import lostCancel from "../rules/lost-cancel/index.js";
import { checkGolden, findingsFor, matchWants, parseWants, runFixture, WantSyntaxError } from "../src/analyzer/testing.js";
import type { Finding } from "../src/analyzer/types.js";
import { patternFor, quote, rewrite } from "../scripts/want-messages.js";

const finding = (line: number, message: string, related: { line: number; message: string }[] = []): Finding =>
  ({ line, message, related: related.map((r) => ({ ...r, column: 1, endLine: r.line, endColumn: 2 })), column: 2 }) as Finding;

describe("want syntax", () => {
  it("reads several patterns per line, raw strings, escaped quotes and related patterns", () => {
    const src = 'a // want "x is (bad)" `raw \\d "q"`\nb\nc // want "say \\"hi\\"" related:"line 9: made here" related:`line 1\\d: other`\n';
    const wants = parseWants(src);
    expect(wants.map((w) => [w.line, w.source, w.related.map((r) => r.source)])).toEqual([
      [1, "x is (bad)", []],
      [1, 'raw \\d "q"', []],
      [3, 'say "hi"', ["line 9: made here", "line 1\\d: other"]],
    ]);
  });

  it("rejects what it cannot read", () => {
    expect(() => parseWants("a // want lost-cancel\n")).toThrow(WantSyntaxError);
    expect(() => parseWants('a // want "("\n')).toThrow(/bad regexp/);
    expect(() => parseWants('a // want related:"x"\n')).toThrow(/must follow a message pattern/);
  });
});

describe("matching", () => {
  const wants = parseWants('l1 // want "alpha" "beta"\nl2 // want "gamma" related:"line 7: made" related:"line 9: exit"\nl3\n');

  it("consumes each want once, per line", () => {
    const out = matchWants([finding(1, "beta here"), finding(1, "alpha here"), finding(2, "gamma", [{ line: 9, message: "exit" }, { line: 7, message: "made here" }])], wants);
    expect(out.problems).toEqual([]);
  });

  it("reports Noisy findings, Missing wants and related mismatches", () => {
    const out = matchWants([finding(1, "alpha"), finding(1, "alpha again"), finding(2, "gamma", [{ line: 8, message: "made" }]), finding(3, "delta")], wants);
    expect(out.problems).toEqual([
      "Noisy line 1: alpha again",
      "Related line 2: no related location matches /line 7: made/ (has: line 8: made)",
      "Noisy line 3: delta",
      "Missing line 1: want /beta/",
    ]);
    expect(matchWants([finding(2, "gamma", [{ line: 7, message: "made" }, { line: 9, message: "exit" }, { line: 11, message: "extra" }])], wants.slice(2)).problems).toEqual([
      "Related line 2: related location(s) not wanted: line 11: extra",
    ]);
  });

  it("rejects old-style wants with the command that converts them", () => {
    expect(matchWants([], parseWants('x // want "lost-cancel"\n')).problems).toEqual([
      'line 1: old-style want "lost-cancel": run npx tsx scripts/want-messages.ts',
      "Missing line 1: want /lost-cancel/",
    ]);
  });
});

const LEAKY = `package p

import (
	"context"
	"time"
)

func use(ctx context.Context) error { return ctx.Err() }

func f(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, time.Second) // want "lost-cancel"
	return use(ctx)
}
`;

describe("golden check", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-harness-"));
  const file = path.join(dir, "leak.go");
  writeFileSync(file, LEAKY);

  it("wants the golden file, then its exact text, then silence at the fixed finding", async () => {
    const findings = await findingsFor(file, LEAKY, lostCancel);
    expect(findings.map((f) => !!f.fix)).toEqual([true]);
    expect(await checkGolden(file, lostCancel, findings)).toEqual(["leak.go has fixes but no leak.go.golden (npx tsx scripts/write-golden.ts lost-cancel)"]);
    writeFileSync(`${file}.golden`, LEAKY);
    expect((await checkGolden(file, lostCancel, findings))[0]).toMatch(/^applying the fixes does not give leak.go.golden:\n {2}line 11\n/);
    // A fix that is not the one offered: the golden text is what the finding's fix makes, so forge
    // a finding whose "fix" changes nothing to show that a still-reported finding is caught.
    const noop = findings.map((f) => ({ ...f, fix: { ...f.fix!, edits: [{ ...f.fix!.edits[0]!, newText: "_" }] } }));
    expect(await checkGolden(file, lostCancel, noop)).toEqual([
      "leak.go.golden line 11: still reported after the fixes: the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline",
    ]);
  });
});

describe("scripts/want-messages.ts", () => {
  it("rewrites old-style wants into message regexps with related patterns, and leaves its own output alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-wants-"));
    const file = path.join(dir, "skip.go");
    const src = LEAKY.replace("\tctx, _ := context.WithTimeout(parent, time.Second) // want \"lost-cancel\"\n\treturn use(ctx)\n", [
      "\tctx, cancel := context.WithCancel(parent) // want \"lost-cancel\"",
      "\tif parent == nil {",
      "\t\treturn nil",
      "\t}",
      "\tdefer cancel()",
      "\treturn use(ctx)\n",
    ].join("\n"));
    writeFileSync(file, src);
    const once = rewrite(src, await findingsFor(file, src, lostCancel), lostCancel);
    expect(once.changed).toBe(1);
    expect(once.text.split("\n")[10]).toBe(
      '\tctx, cancel := context.WithCancel(parent) // want "cancel is skipped on the path to the return on line 13: the context lives until the parent is cancelled" related:"line 13: this way out skips the cancel function"',
    );
    writeFileSync(file, once.text);
    expect((await runFixture(file, lostCancel)).problems).toEqual([]);
    const twice = rewrite(once.text, await findingsFor(file, once.text, lostCancel), lostCancel);
    expect(twice).toEqual({ text: once.text, changed: 0, unresolved: [] });
  });

  it("escapes regexp syntax but keeps dots, and quotes with backticks when the message has quotes", () => {
    expect(patternFor("a.b (x) [y] *p? {z} | ^$ \\")).toBe("a.b \\(x\\) \\[y\\] \\*p\\? \\{z\\} \\| \\^\\$ \\\\");
    expect(quote('say "hi"')).toBe('`say "hi"`');
    expect(quote("plain")).toBe('"plain"');
  });
});
