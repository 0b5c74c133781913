// The rule fixture harness, in the style of go/analysis' analysistest: every line that must be
// flagged ends in `// want "rule-id"`; every other line must stay silent; NAME.go.golden holds
// the file after all suggested fixes, and re-analysing it shows the fixed findings are gone.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { analyze } from "../../src/analyzer/engine.js";
import { applyEdits } from "../../src/analyzer/fixes.js";
import { LineIndex } from "../../src/analyzer/source.js";
import type { Finding, Rule } from "../../src/analyzer/types.js";
import { nearestGoMod } from "../../src/local.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export function goFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...goFilesIn(full));
    else if (name.endsWith(".go")) out.push(full);
  }
  return out;
}

/** Lines (1-based) with `// want "id"` for this rule id. */
export function wantedLines(source: string, id: string): number[] {
  const out: number[] = [];
  source.split("\n").forEach((line, i) => {
    const m = /\/\/ want (.*)$/.exec(line);
    if (m && [...m[1]!.matchAll(/"([^"]+)"/g)].some((w) => w[1] === id)) out.push(i + 1);
  });
  return out;
}

export interface FixtureOutcome {
  findings: Finding[];
  /** Lines wanted but not reported (ast-grep's "Missing"). */
  missing: number[];
  /** Lines reported but not wanted ("Noisy"). */
  noisy: number[];
}

export async function runFixture(file: string, rule: Rule): Promise<FixtureOutcome> {
  const source = readFileSync(file, "utf8");
  const rel = path.relative(ROOT, file);
  const result = await analyze([{ path: rel, content: source, goMod: nearestGoMod(file) }], { rules: [rule] });
  const findings = result.findings.filter((f) => f.rule === rule.meta.id);
  const want = new Set(wantedLines(source, rule.meta.id));
  const got = new Set(findings.map((f) => f.line));
  return {
    findings,
    missing: [...want].filter((l) => !got.has(l)),
    noisy: [...got].filter((l) => !want.has(l)),
  };
}

/** The file with every finding's fix applied (all edits at once; overlapping fixes throw). */
export function applyAllFixes(source: string, findings: readonly Finding[]): string {
  const lines = new LineIndex(source);
  const edits = findings.flatMap((f) =>
    (f.fix?.edits ?? []).map((e) => ({ start: indexOf(source, lines, e.line, e.column), end: indexOf(source, lines, e.endLine, e.endColumn), text: e.newText })),
  );
  return applyEdits(source, edits);
}

/** String index of a 1-based line and UTF-8 byte column. */
export function indexOf(source: string, lines: LineIndex, line: number, column: number): number {
  const start = lines.startOf(line);
  const bytes = Buffer.from(source.slice(start, lines.endOf(line) + 1), "utf8");
  return start + bytes.subarray(0, column - 1).toString("utf8").length;
}

export async function findingsFor(file: string, content: string, rule: Rule): Promise<Finding[]> {
  const result = await analyze([{ path: path.relative(ROOT, file), content, goMod: nearestGoMod(file) }], { rules: [rule] });
  return result.findings.filter((f) => f.rule === rule.meta.id);
}
