// Output formats other tools read: SARIF (GitHub code scanning) against the official SARIF 2.1.0
// schema, its UTF-16 columns, fingerprints and rule descriptors; rdjsonl (reviewdog) with one
// suggestion per diagnostic that applies the whole fix.
import { readFileSync } from "node:fs";
import path from "node:path";
import AjvDraft04Module from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import { main } from "../src/cli.js";
import { toRdjsonl } from "../src/report/rdjsonl.js";
import { pascalCase, toSarif, utf16Column } from "../src/report/sarif.js";
import { rules } from "../rules/index.js";
import { ROOT } from "../src/analyzer/testing.js";

// The official schema (sarif-2.1.0-rtm.5, JSON Schema draft-04), vendored from @microsoft/jest-sarif
// 1.0.0-beta.0 (Microsoft's sarif-js-sdk, MIT), which ships it as lib/schemas/sarif-2.1.0-rtm.5.json.
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, "test/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
// Both are CommonJS modules whose export is also under `default`.
type AjvInstance = import("ajv-draft-04").default;
const AjvDraft04 = ((AjvDraft04Module as unknown as { default?: unknown }).default ?? AjvDraft04Module) as typeof import("ajv-draft-04").default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvInstance) => AjvInstance;

function validator() {
  // strict: false: the schema has keywords Ajv's strict mode rejects (e.g. `id` beside `$ref`);
  // unicodeRegExp: false: its language pattern has a stray `]`, valid only without the `u` flag.
  const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(SCHEMA);
}

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await main(args, { cwd: ROOT, stdout: (s) => (stdout += s), stderr: () => {} });
  return { code, stdout };
}

const GO_MOD = "module example.com/p\n\ngo 1.22\n";

describe("SARIF", () => {
  it("of every rule fixture validates against the SARIF 2.1.0 schema, with a descriptor, a ruleIndex and a distinct fingerprint per result", async () => {
    const { stdout } = await cli(["check", "--format", "sarif", "--fail-on", "none", "--enable", "context-in-struct", "fixtures/rules"]);
    const log = JSON.parse(stdout) as Log;
    const validate = validator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);

    const run = log.runs[0]!;
    const descriptors = run.tool.driver.rules!;
    const results = run.results!;
    expect(results.length).toBeGreaterThan(100);
    expect([...new Set(results.map((r) => r.ruleId))].sort()).toEqual(rules.map((r) => r.meta.id));
    for (const r of results) {
      expect(descriptors[r.ruleIndex!]!.id).toBe(r.ruleId);
    }
    for (const d of descriptors) {
      expect(d.name).toBe(pascalCase(d.id));
      expect(d.name).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(d.helpUri).toMatch(/^https:\/\/github\.com\/ptrguard\/ptrguard\/blob\/v[0-9.]+\/rules\//);
      expect(d.shortDescription!.text.length).toBeGreaterThan(5);
      expect(d.fullDescription!.text.length).toBeGreaterThan(20);
    }
    expect(descriptors.find((d) => d.id === "ignore-directive")).toMatchObject({ name: "IgnoreDirective", helpUri: expect.stringContaining("#suppressing-a-finding") });
    expect(descriptors.find((d) => d.id === "time-after-in-loop")!.name).toBe("TimeAfterInLoop");
    // Code scanning merges results that share a partial fingerprint: none may.
    const fps = results.map((r) => `${r.locations![0]!.physicalLocation!.artifactLocation!.uri} ${r.partialFingerprints!["ptrguard/v2"]}`);
    expect(new Set(fps).size).toBe(fps.length);
  }, 120_000);

  const twice = `package p

import "context"

func use(ctx context.Context) error { return ctx.Err() }

func f(parent context.Context) error {
	ctx, _ := context.WithCancel(parent) // «ünïcode» 🙂
	_ = use(ctx)
	ctx, _ := context.WithCancel(parent) // «ünïcode» 🙂
	return use(ctx)
}
`;

  it("two identical findings on different lines get different fingerprints, and moving them keeps theirs", async () => {
    const sarif = async (content: string) => {
      const { findings } = await analyze([{ path: "p.go", content, goMod: GO_MOD }], { rules });
      return JSON.parse(toSarif(findings, rules, "0.0.0", new Map([["p.go", content]]))) as Log;
    };
    const before = (await sarif(twice)).runs[0]!.results!;
    expect(before.map((r) => `${r.ruleId}:${r.locations![0]!.physicalLocation!.region!.startLine}`)).toEqual(["lost-cancel:8", "lost-cancel:10"]);
    const [a, b] = before.map((r) => r.partialFingerprints!["ptrguard/v2"]);
    expect(a).not.toBe(b);
    const moved = (await sarif(twice.replace("func use", "// A comment moves everything down.\n\nfunc use"))).runs[0]!.results!;
    expect(moved.map((r) => r.locations![0]!.physicalLocation!.region!.startLine)).toEqual([10, 12]);
    expect(moved.map((r) => r.partialFingerprints!["ptrguard/v2"])).toEqual([a, b]);
  });

  it("columns are UTF-16 code units, as columnKind says; JSON keeps UTF-8 byte columns", async () => {
    const content = `package p

import "context"

func f(parent context.Context) error {
	/* «ü» 🙂 */ ctx, _ := context.WithCancel(parent)
	return ctx.Err()
}
`;
    const { findings } = await analyze([{ path: "p.go", content, goMod: GO_MOD }], { rules });
    const f = findings.find((x) => x.rule === "lost-cancel")!;
    const line = content.split("\n")[f.line - 1]!;
    const at = line.indexOf("ctx, _");
    // UTF-8: « ü » are 2 bytes each and 🙂 4; in UTF-16 they are 1, 1, 1 and 2 code units.
    expect(f.column).toBe(Buffer.byteLength(line.slice(0, at)) + 1);
    const log = JSON.parse(toSarif(findings, rules, "0.0.0", new Map([["p.go", content]]))) as Log;
    expect(log.runs[0]!.columnKind).toBe("utf16CodeUnits");
    const result = log.runs[0]!.results!.find((r) => r.ruleId === "lost-cancel")!;
    const region = result.locations![0]!.physicalLocation!.region!;
    expect(region.startColumn).toBe(at + 1);
    expect(f.column - region.startColumn!).toBe(5); // 3 × (2 − 1) + (4 − 2)
    expect(region.endColumn! - region.startColumn!).toBe(f.endColumn - f.column); // ASCII after it
    const insert = result.fixes![0]!.artifactChanges[0]!.replacements[0]!.deletedRegion!;
    expect(insert.startColumn).toBe(line.indexOf("_ :=") + 1);
  });

  it("utf16Column: ASCII unchanged, multi-byte characters counted in code units, past the end counted on", () => {
    expect(utf16Column("abc", 2)).toBe(2);
    expect(utf16Column("ü=1", 3)).toBe(2);
    expect(utf16Column("🙂x", 5)).toBe(3);
    expect(utf16Column("ab", 3)).toBe(3);
    expect(utf16Column("ab", 5)).toBe(5);
  });

  it("an ignore-directive result has its descriptor and ruleIndex, with --rule narrowing the rules", async () => {
    const content = twice.replace("\t_ = use(ctx)", "\t_ = use(ctx) //ptrguard:ignore lost-cancle -- typo");
    const { findings } = await analyze([{ path: "p.go", content, goMod: GO_MOD }], { rules: rules.filter((r) => r.meta.id === "lost-cancel"), registry: rules });
    const log = JSON.parse(toSarif(findings, rules.filter((r) => r.meta.id === "lost-cancel"), "0.0.0", new Map([["p.go", content]]))) as Log;
    expect(validator()(log)).toBe(true);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((d) => d.name)).toEqual(["LostCancel", "IgnoreDirective"]);
    expect(run.results!.map((r) => `${r.ruleId}:${r.ruleIndex}`)).toEqual(["lost-cancel:0", "ignore-directive:1", "lost-cancel:0"]);
  });

  it("paths are URI references: a space is %20", async () => {
    const content = twice;
    const { findings } = await analyze([{ path: "dir with space/p.go", content, goMod: GO_MOD }], { rules });
    const log = JSON.parse(toSarif(findings, rules, "0.0.0", new Map([["dir with space/p.go", content]]))) as Log;
    expect(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe("dir%20with%20space/p.go");
    expect(validator()(log)).toBe(true);
  });
});

describe("rdjsonl", () => {
  it("a multi-edit fix is one linewise suggestion; applying it gives the fixed file (waitgroup-add-in-goroutine)", async () => {
    const file = "fixtures/rules/waitgroup-add-in-goroutine/flagged.go";
    const content = readFileSync(path.join(ROOT, file), "utf8");
    const { findings } = await analyze([{ path: file, content }], { rules });
    const multi = findings.filter((f) => f.rule === "waitgroup-add-in-goroutine" && f.fix && f.fix.edits.length > 1);
    expect(multi.length).toBeGreaterThanOrEqual(1);
    const lines = toRdjsonl(findings).trim().split("\n").map((l) => JSON.parse(l) as { location: { range: { start: { line: number } } }; suggestions?: { range: { start: { line: number; column?: number }; end: { line: number; column?: number } }; text: string }[] });
    expect(lines).toHaveLength(findings.length);
    for (const f of multi) {
      const d = lines.find((l) => l.location.range.start.line === f.line)!;
      expect(d.suggestions).toHaveLength(1);
      const s = d.suggestions![0]!;
      expect(s.range.start.column).toBeUndefined();
      expect(s.range.end.column).toBeUndefined();
      // reviewdog replaces lines start..end (inclusive) with the text: that is the engine's whole fix.
      // reviewdog posts "```suggestion\n" + text + "\n```" (an empty text: no lines); GitHub puts those lines in place of start..end.
      const old = content.split("\n");
      const applied = [...old.slice(0, s.range.start.line - 1), ...(s.text === "" ? [] : s.text.split("\n")), ...old.slice(s.range.end.line)].join("\n");
      const { applyEdits } = await import("../src/analyzer/fixes.js");
      const { LineIndex } = await import("../src/analyzer/source.js");
      const index = new LineIndex(content);
      const byteToIndex = (line: number, column: number) => index.startOf(line) + Buffer.from(index.lineText(line)).subarray(0, column - 1).toString().length;
      const whole = applyEdits(content, f.fix!.edits.map((e) => ({ start: byteToIndex(e.line, e.column), end: byteToIndex(e.endLine, e.endColumn), text: e.newText })));
      expect(applied).toBe(whole);
    }
  });

  it("positions are 1-based UTF-8 byte columns with exclusive ends (rdf)", async () => {
    const { stdout } = await cli(["check", "--format", "rdjsonl", "fixtures/rules/lost-cancel/aliased.go"]);
    const d = JSON.parse(stdout.trim().split("\n")[0]!) as { location: unknown; source: unknown };
    expect(d.location).toEqual({ path: "fixtures/rules/lost-cancel/aliased.go", range: { start: { line: 10, column: 2 }, end: { line: 10, column: 51 } } });
    expect(d.source).toEqual({ name: "ptrguard", url: "https://github.com/ptrguard/ptrguard" });
  });
});
