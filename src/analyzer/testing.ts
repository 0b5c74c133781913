// The rule fixture harness, in the style of go/analysis' analysistest. Tests and scripts use it.
//
// A fixture is a Go file under fixtures/rules/<rule-id>/. Each line that must be flagged carries
// a trailing comment listing the findings expected on it:
//
//	ch := make(chan int) // want "ch is unbuffered: if .* blocks forever"
//	x, y := f(), g()     // want "first finding" "second finding"
//	ctx, cancel := context.WithCancel(p) // want "cancel is skipped" related:"line 24: this way out skips"
//
//   - each "..." (or `...`, a raw string) is a regular expression matched against a finding's
//     message on that line (unanchored, like analysistest); each finding consumes one want;
//   - inside "...", \" stands for a quote; every other backslash is passed to the regexp as it is
//     (so "\(" matches a parenthesis); `...` takes everything literally;
//   - related:"re" after a message pattern checks that finding's related locations: each is
//     rendered as "line N: message" (as in the review comment) and must match exactly one
//     related:"..." of the want; when a want lists no related pattern, related locations are not
//     checked;
//   - a finding no want matches is Noisy, a want no finding matches is Missing; every other line
//     must stay silent.
//
// NAME.go.golden holds the file after every suggested fix is applied: the fixes must produce
// exactly that text, and the rule, run again on the golden text, must no longer report the fixed
// findings (each finding that had no fix is reported again, nothing else).
//
// A package fixture is a directory right under a `packages/` folder
// (fixtures/rules/<rule-id>/packages/<name>/*.go): the directory is one Go package, as the CLI and
// the App see it. Each of its files is a fixture of its own, analysed with the other .go files of
// the directory given as read-only context (SourceFile.context), so its findings may rest on
// evidence in a sibling file; a related location in a sibling reads "events.go line 88: ..." to
// a related:"..." pattern. Wants stay in the file whose finding they expect.
//
// A fixture directory may hold a `ptrguard.yml` (the configuration file's syntax): its
// `test_findings` applies to the fixtures of that directory only (not to subdirectories), e.g.
// `test_findings: all` for fixtures that expect leaks reached only after a test has failed. A
// problem in it (an unknown key, a bad value) fails the fixture.
//
// Old-style wants that name the rule (`// want "rule-id"`) are rejected with a pointer to
// scripts/want-messages.ts, which rewrites them into message regexps.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { nearestGoMod } from "../local.js";
import { parse as parseYaml } from "yaml";
import { validateConfig } from "../config.js";
import { analyze, type TestFindings } from "./engine.js";
import { applyEdits } from "./fixes.js";
import { LineIndex } from "./source.js";
import type { Finding, Rule } from "./types.js";

export interface WantPattern {
  /** The pattern as written (after unquoting). */
  source: string;
  regexp: RegExp;
}

export interface Want extends WantPattern {
  /** 1-based line of the comment. */
  line: number;
  related: WantPattern[];
}

export class WantSyntaxError extends Error {}

const WANT = /\/\/ want (.*)$/;
const TOKEN = /^(related:)?(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)\s*/;
/** A want that is only a rule id: the old harness's syntax. */
export const OLD_STYLE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

/** The wants of a fixture, in source order. Throws WantSyntaxError on a malformed want comment. */
export function parseWants(source: string): Want[] {
  const out: Want[] = [];
  source.split("\n").forEach((text, i) => {
    const m = WANT.exec(text.replace(/\r$/, ""));
    if (!m) return;
    let rest = m[1]!.trim();
    while (rest.length > 0) {
      const t = TOKEN.exec(rest);
      if (!t) throw new WantSyntaxError(`line ${i + 1}: cannot read the want at ${JSON.stringify(rest.slice(0, 40))}`);
      const raw = t[2] !== undefined ? t[2].replace(/\\"/g, '"') : t[3]!;
      const pattern = { source: raw, regexp: compile(raw, i + 1) };
      if (t[1]) {
        const last = out[out.length - 1];
        if (!last || last.line !== i + 1) throw new WantSyntaxError(`line ${i + 1}: related:"..." must follow a message pattern`);
        last.related.push(pattern);
      } else out.push({ line: i + 1, ...pattern, related: [] });
      rest = rest.slice(t[0].length);
    }
  });
  return out;
}

function compile(re: string, line: number): RegExp {
  try {
    return new RegExp(re);
  } catch (err) {
    throw new WantSyntaxError(`line ${line}: bad regexp ${JSON.stringify(re)}: ${(err as Error).message}`);
  }
}

/** How a related location is shown to a related:"..." pattern (and in the review comment). */
export const relatedText = (r: { line: number; message: string; path?: string }) => `${r.path ? `${path.basename(r.path)} ` : ""}line ${r.line}: ${r.message}`;

export interface MatchOutcome {
  /** Wants no finding matched ("Missing"). */
  missing: Want[];
  /** Findings no want matched ("Noisy"). */
  noisy: Finding[];
  /** One line per problem, for a test's failure message; empty when the fixture passes. */
  problems: string[];
}

/** analysistest's check: every finding consumes one want of its line whose pattern matches its message. */
export function matchWants(findings: readonly Finding[], wants: readonly Want[]): MatchOutcome {
  const open = [...wants];
  const noisy: Finding[] = [];
  const problems: string[] = [];
  for (const w of wants) if (OLD_STYLE.test(w.source)) problems.push(`line ${w.line}: old-style want "${w.source}": run npx tsx scripts/want-messages.ts`);
  const sorted = [...findings].sort((a, b) => a.line - b.line || a.column - b.column);
  for (const f of sorted) {
    const candidates = open.filter((w) => w.line === f.line && w.regexp.test(f.message));
    const exact = candidates.find((w) => relatedProblem(f, w) === undefined);
    const w = exact ?? candidates[0];
    if (!w) {
      noisy.push(f);
      problems.push(`Noisy line ${f.line}: ${f.message}${f.related.map((r) => `\n    related ${relatedText(r)}`).join("")}`);
      continue;
    }
    open.splice(open.indexOf(w), 1);
    const bad = exact ? undefined : relatedProblem(f, w);
    if (bad) problems.push(`Related line ${f.line}: ${bad}`);
  }
  for (const w of open) problems.push(`Missing line ${w.line}: want /${w.source}/`);
  return { missing: open, noisy, problems };
}

/** Why the finding's related locations do not fit the want's related patterns (one each, all used). */
function relatedProblem(f: Finding, w: Want): string | undefined {
  if (w.related.length === 0) return undefined;
  const left = f.related.map(relatedText);
  for (const p of w.related) {
    const i = left.findIndex((t) => p.regexp.test(t));
    if (i < 0) return `no related location matches /${p.source}/ (has: ${f.related.map(relatedText).join("; ") || "none"})`;
    left.splice(i, 1);
  }
  return left.length ? `related location(s) not wanted: ${left.join("; ")}` : undefined;
}

export const ROOT = path.resolve(import.meta.dirname, "../..").replace(/\/dist$/, "");

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

/** Whether `file` belongs to a package fixture (a directory right under a `packages/` folder). */
export const inPackageFixture = (file: string): boolean => path.basename(path.dirname(path.dirname(file))) === "packages";

/**
 * The rule's findings on `content`, analysed as the file `file` (its go.mod applies); in a package
 * fixture, with the directory's other .go files as context.
 */
export async function findingsFor(file: string, content: string, rule: Rule): Promise<Finding[]> {
  const goMod = nearestGoMod(file);
  const context = inPackageFixture(file)
    ? readdirSync(path.dirname(file))
        .filter((n) => n.endsWith(".go") && n !== path.basename(file))
        .sort()
        .map((n) => ({ path: path.relative(ROOT, path.join(path.dirname(file), n)), content: readFileSync(path.join(path.dirname(file), n), "utf8"), goMod, context: true }))
    : [];
  const testFindings = fixtureConfig(file, rule)?.test_findings;
  const result = await analyze([{ path: path.relative(ROOT, file), content, goMod }, ...context], { rules: [rule], ...(testFindings ? { testFindings } : {}) });
  return result.findings.filter((f) => f.rule === rule.meta.id);
}

/** The fixture directory's `ptrguard.yml`, if any (see the top of this file). Throws on a problem in it. */
export function fixtureConfig(file: string, rule: Rule): { test_findings: TestFindings } | undefined {
  const at = path.join(path.dirname(file), "ptrguard.yml");
  if (!existsSync(at)) return undefined;
  const { config, problems } = validateConfig(parseYaml(readFileSync(at, "utf8")), [rule.meta.id]);
  if (problems.length) throw new Error(`${path.relative(ROOT, at)}: ${problems.join("; ")}`);
  return config;
}

export interface FixtureOutcome extends MatchOutcome {
  findings: Finding[];
}

/** Runs `rule` on a fixture and matches its findings against the fixture's wants. */
export async function runFixture(file: string, rule: Rule): Promise<FixtureOutcome> {
  const source = readFileSync(file, "utf8");
  const findings = await findingsFor(file, source, rule);
  return { findings, ...matchWants(findings, parseWants(source)) };
}

/**
 * The golden check: the fixes of `findings` applied to the fixture give NAME.go.golden exactly,
 * and the rule run on the golden text reports the findings that had no fix and nothing else.
 * Returns the problems (empty when all is well).
 */
export async function checkGolden(file: string, rule: Rule, findings: readonly Finding[]): Promise<string[]> {
  const name = path.basename(file);
  const golden = `${file}.golden`;
  const fixed = findings.filter((f) => f.fix);
  if (fixed.length === 0) return existsSync(golden) ? [`${name}.golden exists but no finding has a fix`] : [];
  if (!existsSync(golden)) return [`${name} has fixes but no ${name}.golden (npx tsx scripts/write-golden.ts ${rule.meta.id})`];
  const want = readFileSync(golden, "utf8");
  const got = applyAllFixes(readFileSync(file, "utf8"), fixed);
  if (got !== want) return [`applying the fixes does not give ${name}.golden:\n${firstDifference(got, want)}`];
  const again = await findingsFor(file, want, rule);
  const kept = findings.filter((f) => !f.fix);
  const problems: string[] = [];
  const keys: ((f: Finding) => string)[] = [(f) => `${f.unit}\0${f.code}\0${f.message}`, (f) => `${f.unit}\0${f.message}`, (f) => `${f.unit}\0${f.code}`];
  let left = [...again];
  let wanted = [...kept];
  for (const key of keys) {
    const pool = new Map<string, number>();
    for (const f of wanted) pool.set(key(f), (pool.get(key(f)) ?? 0) + 1);
    const matched = new Set<Finding>();
    left = left.filter((f) => {
      const n = pool.get(key(f)) ?? 0;
      if (n === 0) return true;
      pool.set(key(f), n - 1);
      matched.add(f);
      return false;
    });
    // Drop from `wanted` as many of each key as were matched.
    const used = new Map<string, number>();
    for (const f of matched) used.set(key(f), (used.get(key(f)) ?? 0) + 1);
    wanted = wanted.filter((f) => {
      const n = used.get(key(f)) ?? 0;
      if (n === 0) return true;
      used.set(key(f), n - 1);
      return false;
    });
  }
  for (const f of left) problems.push(`${name}.golden line ${f.line}: still reported after the fixes: ${f.message}`);
  for (const f of wanted) problems.push(`${name}.golden: the unfixed finding of line ${f.line} is gone: ${f.message}`);
  return problems;
}

function firstDifference(got: string, want: string): string {
  const g = got.split("\n");
  const w = want.split("\n");
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) return `  line ${i + 1}\n  fixed:  ${JSON.stringify(g[i] ?? "<end>")}\n  golden: ${JSON.stringify(w[i] ?? "<end>")}`;
  }
  return "  (line endings differ)";
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
