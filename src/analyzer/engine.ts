// The diff-scoped analyzer: parse, pick the touched units, run the rules, honour directives,
// validate fixes, and keep only the findings the scope asks for.
import type { Range, Tree } from "web-tree-sitter";
import { addedLines, DiffError, oldLineOf, rebuildBase, removalPositions, type FileDiff } from "../diff/diff.js";
import { DIRECTIVE_META, DIRECTIVE_RULE, directiveProblem, readDirectives, suppressedBy, wouldUse, type Directive } from "./directives.js";
import { suggestionFor } from "./fixes.js";
import { resolveBindings } from "./bindings.js";
import { buildConstraintVersion, compareVersion, goModGodebug, goModVersion, isGenerated, parseGoVersion, topLevelChunks, funcChunkName, type Chunk } from "./gofile.js";
import { loadGo, parseGo, restoreNewExpr } from "./parser.js";
import { renderMessage } from "./messages.js";
import { LineIndex, normaliseCode } from "./source.js";
import type { Bindings, Diagnostic, FileView, Finding, GoNode, Location, Rule, Severity, SkippedFile, Span, Unit } from "./types.js";
import type { MovedSource } from "./moves.js";
import { listUnits, makeUnit, readDecls, readImports, readPackageName, type RawUnit } from "./units.js";
import { fixIsVerified, touchesRange, type FixedVersion, type FixToCheck } from "./verify.js";

export type Scope = "new" | "added" | "function" | "file";
export const SCOPES: readonly Scope[] = ["new", "added", "function", "file"];
/**
 * Which findings in test code are kept (the `test_findings` setting): `bugs` drops those whose harm
 * ends with the test binary (Diagnostic.testBounded, RuleMeta.testFilesBounded); `all` keeps them.
 */
export type TestFindings = "bugs" | "all";
export const TEST_FINDINGS: readonly TestFindings[] = ["bugs", "all"];

export interface SourceFile {
  /** Path as reported (relative to the repository or the current directory). */
  path: string;
  content: string;
  /** Contents of the nearest go.mod, when there is one. */
  goMod?: string | null;
  /** The file's diff; absent means "no diff": every unit is touched. */
  diff?: FileDiff;
  /** The base version, when known; otherwise rebuilt from the diff. */
  baseContent?: string;
  /** The bytes were not valid UTF-8 (`content` is a lossy decoding): the file is skipped. See source.ts decodeUtf8. */
  invalidUtf8?: boolean;
  /**
   * A read-only sibling of the package (same directory, same package clause), given as evidence
   * for the files under analysis: parsed only when a rule asks (FileView.packageFiles()), never
   * analysed itself, never reported on, not counted in filesAnalyzed.
   */
  context?: boolean;
  /**
   * Files of this file's package were left unread (the driver's per-package bounds, a sibling that
   * could not be read): rules must not claim what "nothing in the package" does. See
   * FileView.packageComplete().
   */
  partialPackage?: boolean;
  /**
   * Old versions of other files this change removes functions from that it adds here (moves.ts):
   * with scope `new`, their findings in those functions were there before the change.
   */
  movedFrom?: MovedSource[];
}

export interface AnalyzeOptions {
  rules: readonly Rule[];
  scope?: Scope;
  /** Analyse files under vendor/ (skipped by default). */
  includeVendor?: boolean;
  /** Files larger than this (UTF-8 bytes) are skipped; default MAX_FILE_BYTES. */
  maxFileBytes?: number;
  /**
   * Every rule there is (default: `rules`). Directives are checked against its ids, and a directive
   * that silences a finding of a rule left out of `rules` (--rule, `off` in the config) is in use.
   */
  registry?: readonly Rule[];
  /**
   * `bugs` (default, as in the configuration): findings whose harm ends with the test binary are
   * not reported (a leak reached only after a test has failed; any finding of a rule whose meta says
   * `testFilesBounded` in test code, FileView.isTestCode). A `//ptrguard:ignore` on one still counts as used.
   */
  testFindings?: TestFindings;
}

export interface AnalysisResult {
  findings: Finding[];
  skipped: SkippedFile[];
  /** Files analysed with a caveat (syntax errors: what parsed was analysed; a rule that failed). */
  notes: SkippedFile[];
  /** Paths where a rule failed: their findings are incomplete, so their absence proves nothing. */
  incomplete: string[];
  filesAnalyzed: number;
  unitsAnalyzed: number;
}

export { DIRECTIVE_RULE };
/**
 * Larger files are skipped. Up to this size only the touched declarations of a file are parsed
 * (see parseFor), so the cost follows the diff, not the file.
 */
export const MAX_FILE_BYTES = 16 << 20;

/** Counters for tests and the benchmark: which versions of which files the engine analysed. */
export const engineStats = { versionsAnalyzed: 0, baseVersionsAnalyzed: 0, unitsChecked: 0 };

/** Why a file of `bytes` UTF-8 bytes is skipped: "too large: 17.2 MiB, over the 16 MiB limit". */
export function tooLargeReason(bytes: number, limit = MAX_FILE_BYTES): string {
  return `too large: ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit`;
}

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} bytes`;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
/** Below this size a file is parsed whole; above it only the touched declarations are parsed. */
const PARTIAL_PARSE_CHARS = 16 * 1024;

export async function analyze(files: readonly SourceFile[], options: AnalyzeOptions): Promise<AnalysisResult> {
  await loadGo();
  return analyzeSync(files, options);
}

/** Same as `analyze`, once `loadGo()` has resolved. */
export function analyzeSync(files: readonly SourceFile[], options: AnalyzeOptions): AnalysisResult {
  const result: AnalysisResult = { findings: [], skipped: [], notes: [], incomplete: [], filesAnalyzed: 0, unitsAnalyzed: 0 };
  const scope = options.scope ?? "new";
  const pkg = new PackageFiles(files, options);
  try {
    analyzeAll(files, options, scope, pkg, result);
  } finally {
    pkg.dispose();
  }
  result.findings.sort(compareFindings);
  return result;
}

/**
 * The files of each directory, parsed whole on first demand and kept for the whole run: the
 * read-only package view rules get through FileView.packageFiles().
 */
class PackageFiles {
  private readonly views = new Map<string, FileView | null>();
  private readonly trees: Tree[] = [];
  private readonly byPath = new Map<string, Tree>();
  constructor(
    private readonly files: readonly SourceFile[],
    private readonly options: AnalyzeOptions,
  ) {}

  /** The driver left files of `path`'s package unread for some file of its directory (SourceFile.partialPackage). */
  partial(path: string): boolean {
    const dir = dirOf(path);
    return this.files.some((x) => x.partialPackage === true && dirOf(x.path) === dir);
  }

  /** The other files of `path`'s directory whose package clause is `packageName`. */
  siblings(path: string, packageName: string): FileView[] {
    const dir = dirOf(path);
    const out: FileView[] = [];
    for (const f of this.files) {
      if (f.path === path || dirOf(f.path) !== dir || f.diff?.status === "deleted") continue;
      const v = this.view(f);
      if (v && v.packageName === packageName) out.push(v);
    }
    return out;
  }

  private view(f: SourceFile): FileView | null {
    let v = this.views.get(f.path);
    if (v !== undefined) return v;
    v = null;
    const skip = skipReason({ ...f, diff: undefined }, { ...this.options, includeVendor: true });
    if (!skip || skip.startsWith("generated")) {
      const tree = parseGo(f.content);
      this.trees.push(tree);
      this.byPath.set(f.path, tree);
      const root = tree.rootNode;
      // Partial when the driver left files of this directory unread for any file it analyses.
      v = fileView(f.path, f.content, f.goMod ?? null, root, new LineIndex(f.content), () => root, Object.assign((name: string) => this.siblings(f.path, name), { partial: this.partial(f.path) }));
    }
    this.views.set(f.path, v);
    return v;
  }

  /**
   * The package's view of `path` when its text is `source`: the one every other file of the
   * package sees as a sibling, its tree parsed whole. With `create`, parsed now if no rule has
   * asked for it yet; without, only when it already is. An analysed file takes this view as its
   * own, so it is parsed once, and the facts rules keep in its memo (its functions, its field
   * index) serve both its own analysis and its siblings'.
   */
  viewOf(path: string, source: string, create: boolean): FileView | undefined {
    const f = this.files.find((x) => x.path === path);
    if (!f || f.content !== source || f.diff?.status === "deleted") return undefined;
    if (!create && !this.views.has(path)) return undefined;
    return this.view(f) ?? undefined;
  }

  /** Frees the trees of directory `dir` once none of its files is analysed any more (memory stays bounded by one package). */
  release(dir: string): void {
    for (const p of [...this.views.keys()]) {
      if (dirOf(p) !== dir) continue;
      const t = this.byPath.get(p);
      if (t) {
        t.delete();
        this.trees.splice(this.trees.indexOf(t), 1);
      }
      this.byPath.delete(p);
      this.views.delete(p);
    }
  }

  dispose(): void {
    for (const t of this.trees) t.delete();
    this.trees.length = 0;
    this.views.clear();
    this.byPath.clear();
  }
}

const dirOf = (p: string): string => {
  const i = p.lastIndexOf("/");
  return i < 0 ? "" : p.slice(0, i);
};

function analyzeAll(files: readonly SourceFile[], options: AnalyzeOptions, scope: Scope, pkg: PackageFiles, result: AnalysisResult): void {
  // The last analysed file of each directory: after it, that package's trees are freed.
  const last = new Map<string, SourceFile>();
  for (const file of files) if (!file.context) last.set(dirOf(file.path), file);
  for (const file of files) {
    if (file.context) continue;
    try {
      analyzeOne(file, options, scope, pkg, result);
    } finally {
      if (last.get(dirOf(file.path)) === file) pkg.release(dirOf(file.path));
    }
  }
}

function analyzeOne(file: SourceFile, options: AnalyzeOptions, scope: Scope, pkg: PackageFiles, result: AnalysisResult): void {
  {
    const skip = skipReason(file, options);
    if (skip) {
      result.skipped.push({ path: file.path, reason: skip });
      return;
    }
    try {
      const { findings, units, syntaxErrorLine, ruleErrors } = analyzeFile(file, scope, options.rules, options.registry ?? options.rules, pkg, options.testFindings ?? "bugs");
      result.findings.push(...findings);
      if (syntaxErrorLine) result.notes.push({ path: file.path, reason: `syntax error near line ${syntaxErrorLine}; the declarations that parsed were analysed` });
      for (const reason of ruleErrors) result.notes.push({ path: file.path, reason });
      if (ruleErrors.length) result.incomplete.push(file.path);
      result.unitsAnalyzed += units;
      result.filesAnalyzed++;
    } catch (err) {
      if (!(err instanceof DiffError)) throw err;
      result.skipped.push({ path: file.path, reason: `the diff does not match the file (${err.message})` });
    }
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

function skipReason(file: SourceFile, options: AnalyzeOptions): string | undefined {
  if (file.diff?.status === "deleted") return "deleted";
  if (!options.includeVendor && /(^|\/)vendor\//.test(file.path)) return "vendored";
  const limit = options.maxFileBytes ?? MAX_FILE_BYTES;
  // A string's length counts UTF-16 units; the limit is in bytes. Cheap test first: a UTF-8 byte
  // count is at most three times the UTF-16 length, and at least that length.
  if (file.content.length * 3 > limit) {
    const bytes = Buffer.byteLength(file.content, "utf8");
    if (bytes > limit) return tooLargeReason(bytes, limit);
  }
  // Not U+FFFD: a valid file may contain it; the loader that had the bytes says (invalidUtf8).
  if (file.invalidUtf8 || file.content.includes("\u0000")) return "binary or not UTF-8";
  if (isGenerated(file.content)) return "generated (Code generated ... DO NOT EDIT)";
  return undefined;
}

/** Which lines of the new file the diff touches: added lines and removal positions. */
interface Touch {
  lines: Set<number>;
  removals: number[];
}

function touchOf(diff: FileDiff | undefined, scope: Scope): Touch | undefined {
  if (!diff || scope === "file") return undefined;
  return { lines: addedLines(diff), removals: removalPositions(diff) };
}

function touches(touch: Touch | undefined, startLine: number, endLine: number): boolean {
  if (!touch) return true;
  for (const l of touch.lines) if (l >= startLine && l <= endLine) return true;
  return touch.removals.some((r) => r > startLine && r <= endLine);
}

interface FileResult {
  findings: Finding[];
  units: number;
  syntaxErrorLine?: number | undefined;
  ruleErrors: string[];
}

function analyzeFile(file: SourceFile, scope: Scope, rules: readonly Rule[], registry: readonly Rule[], pkg: PackageFiles, testFindings: TestFindings): FileResult {
  const siblings: Siblings = Object.assign((name: string) => pkg.siblings(file.path, name), { viewOf: (p: string, source: string, create: boolean) => pkg.viewOf(p, source, create), partial: pkg.partial(file.path) });
  const touch = touchOf(file.diff, scope);
  const touched = (r: { startLine: number; endLine: number }) => touches(touch, r.startLine, r.endLine);
  const head = analyzeVersion(file.path, file.content, file.goMod ?? null, rules, registry, touch ? { unit: touched, chunk: touched } : { unit: () => true }, siblings, testFindings);
  let findings = head.findings;
  if (file.diff && scope === "new") {
    if (file.diff.status !== "added") {
      // Rebuilt even when not analysed: it checks that the diff matches the file.
      const base = file.baseContent ?? rebuildBase(file.content, file.diff);
      // Subtracting the base's findings can only remove: the base is analysed only when the head
      // has findings, and only in the units they are in (a finding is matched within its unit).
      if (findings.length > 0) findings = subtract(findings, analyzeBase(file, file.diff, base, findings, rules, registry, siblings, testFindings));
    }
    // A function the change moved here from another file brings that file's findings in it along.
    for (const from of file.movedFrom ?? []) {
      if (findings.length === 0) break;
      findings = subtract(findings, analyzeMoved(file, from, findings, rules, registry, siblings, testFindings));
    }
  } else if (file.diff && scope === "added") {
    const added = addedLines(file.diff);
    findings = findings.filter((f) => isAdded(f, added) || f.related.some((r) => !r.path && isAdded(r, added)));
  }
  return { findings, units: head.unitNames.length, syntaxErrorLine: head.syntaxErrorLine, ruleErrors: head.ruleErrors };
}

/**
 * The findings of the base version in the units the head's findings are in: by name, and, for a
 * unit the diff renamed (`TestLinearizability` became `TestRobustness`, its body unchanged), the
 * base unit that holds the finding's unchanged line. A renamed unit's base findings carry the
 * head's name, so that subtracting them leaves what the diff introduced, not what it renamed.
 */
function analyzeBase(file: SourceFile, diff: FileDiff, base: string, head: Finding[], rules: readonly Rule[], registry: readonly Rule[], siblings: Siblings, testFindings: TestFindings): Finding[] {
  // Base lines of the head's findings on unchanged lines, with the head unit each is in.
  const moved = new Map<number, string>();
  for (const f of head) {
    const line = oldLineOf(diff, f.line);
    if (line !== undefined) moved.set(line, f.unit);
  }
  const headUnitAt = (startLine: number, endLine: number): string | undefined => {
    for (const [line, unit] of moved) if (startLine <= line && line <= endLine) return unit;
    return undefined;
  };
  return analyzeOlder(file, file.path, base, head, rules, registry, siblings, testFindings, headUnitAt);
}

/**
 * The findings that the old version of another file had in the functions the head's findings are
 * in (by name), reported as if they were this file's: subtracting them leaves what the change
 * introduced, not what it moved (a test moved into its package's directory, a file split in two).
 */
function analyzeMoved(file: SourceFile, from: MovedSource, head: Finding[], rules: readonly Rule[], registry: readonly Rule[], siblings: Siblings, testFindings: TestFindings): Finding[] {
  return analyzeOlder(file, from.path, from.base, head, rules, registry, siblings, testFindings, () => undefined);
}

/**
 * An older version (`path`, `source`) analysed in the units named like the head's findings',
 * their functions found by name before parsing, and in the units `headUnitAt` maps to a head unit
 * by their lines: those units' findings take the head unit's name.
 */
function analyzeOlder(
  file: SourceFile,
  path: string,
  source: string,
  head: Finding[],
  rules: readonly Rule[],
  registry: readonly Rule[],
  siblings: Siblings,
  testFindings: TestFindings,
  headUnitAt: (startLine: number, endLine: number) => string | undefined,
): Finding[] {
  engineStats.baseVersionsAnalyzed++;
  const names = new Set(head.map((f) => f.unit));
  const renamed = new Map<string, string>();
  const findings = analyzeVersion(path, source, file.goMod ?? null, rules, registry, {
    // A package's own `new` is NEW_EXPR_CALLEE in the tree, `new` in findings and in the text.
    unit: (u) => {
      const name = restoreNewExpr(u.name);
      if (names.has(name)) return true;
      const as = headUnitAt(u.startLine, u.endLine);
      if (as !== undefined) renamed.set(name, as);
      return as !== undefined;
    },
    chunk: (c) => {
      const name = funcChunkName(source.slice(c.start, Math.min(c.end, c.start + 300)));
      return name === undefined || names.has(name) || headUnitAt(c.startLine, c.endLine) !== undefined;
    },
  }, siblings, testFindings).findings;
  return findings.map((f) => (renamed.has(f.unit) ? { ...f, unit: renamed.get(f.unit)! } : f));
}

const isAdded = (loc: Location, added: Set<number>): boolean => {
  for (let l = loc.line; l <= Math.max(loc.line, loc.endLine); l++) if (added.has(l)) return true;
  return false;
};

/** Findings of `head` that `base` does not have: same rule, unit and code, counted as a multiset. */
function subtract(head: Finding[], base: Finding[]): Finding[] {
  const key = (f: Finding) => `${f.rule}\u0000${f.unit}\u0000${f.code}`;
  const counts = new Map<string, number>();
  for (const f of base) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
  return head.filter((f) => {
    const n = counts.get(key(f)) ?? 0;
    if (n > 0) counts.set(key(f), n - 1);
    return n === 0;
  });
}

interface UnitRange {
  name: string;
  startLine: number;
  endLine: number;
}

/** Which units of one version to analyse. */
interface Selection {
  unit(u: UnitRange): boolean;
  /** Which top-level `func` chunks a partial parse keeps; absent: parse the whole file. */
  chunk?: (c: Chunk) => boolean;
}

/** The tree of a version; `partial` when only the header, declarations and kept functions were parsed. */
function parseFor(source: string, keepFunc: Selection["chunk"]): { tree: Tree; partial: boolean } {
  if (keepFunc && source.length > PARTIAL_PARSE_CHARS) {
    // Parse the header, the package-level declarations and only the functions that may be selected.
    const chunks = topLevelChunks(source);
    const keep = chunks.filter((c) => c.kind !== "func" || keepFunc(c));
    if (keep.length < chunks.length) {
      const ranges: Range[] = keep.map((c) => ({
        startIndex: c.start,
        endIndex: c.end,
        startPosition: { row: c.startLine - 1, column: 0 },
        endPosition: { row: c.endLine, column: 0 },
      }));
      const partial = parseGo(source, ranges);
      if (!partial.rootNode.hasError) return { tree: partial, partial: true };
      partial.delete();
    }
  }
  return { tree: parseGo(source), partial: false };
}

interface VersionResult {
  findings: Finding[];
  unitNames: string[];
  syntaxErrorLine?: number | undefined;
  /** A rule that threw on a unit: its findings there are missing, the rest of the run goes on. */
  ruleErrors: string[];
}

function analyzeVersion(
  path: string,
  source: string,
  goMod: string | null,
  rules: readonly Rule[],
  registry: readonly Rule[],
  select: Selection,
  siblings: Siblings,
  testFindings: TestFindings,
): VersionResult {
  engineStats.versionsAnalyzed++;
  // The package's view of this very text (parsed whole: the one its siblings see) serves as is,
  // when the file is parsed whole anyway or another file's rules already had it parsed.
  const shared = siblings.viewOf?.(path, source, !select.chunk || source.length <= PARTIAL_PARSE_CHARS);
  const lines = new LineIndex(source);
  const { tree, partial } = shared ? { tree: undefined, partial: false } : parseFor(source, select.chunk);
  const extra: Tree[] = [];
  try {
    const root = shared ? shared.wholeRoot() : tree!.rootNode;
    let whole: GoNode | undefined;
    const wholeRoot = () => {
      if (!partial) return root;
      if (!whole) {
        const full = parseGo(source);
        extra.push(full);
        whole = full.rootNode;
      }
      return whole;
    };
    const view = shared ?? fileView(path, source, goMod, root, lines, wholeRoot, siblings);
    const units: Unit[] = [];
    const raws = root.hasError ? recoverUnits(source, root, extra) : listUnits(root);
    for (const raw of raws) {
      const range: UnitRange = { name: raw.name, startLine: lines.lineOf(raw.node.startIndex), endLine: lines.lineOf(raw.node.endIndex) };
      if (select.unit(range)) units.push(makeUnit(raw, view));
    }
    engineStats.unitsChecked += units.length;
    const directives = readDirectives(source, lines, root);
    const findings: Finding[] = [];
    const ruleErrors: string[] = [];
    const applicable = rules.filter((r) => !r.appliesTo || r.appliesTo(view));
    for (const unit of units) {
      for (const rule of applicable) {
        if (!rule.kinds.includes(unit.kind)) continue;
        const failed = (err: unknown) =>
          ruleErrors.push(`rule ${rule.meta.id} failed on ${unit.name} (${err instanceof Error ? err.message : String(err)}); its findings there are missing`);
        // All of the unit's diagnostics first: a fix is verified against its siblings (./verify.ts).
        const reported: Diagnostic[] = [];
        try {
          rule.check({ unit, file: view, report: (d) => reported.push(restoreNewExpr(d)) });
        } catch (err) {
          failed(err);
        }
        const open = reopen(path, goMod, rule, unit.name, siblings);
        try {
          for (const d of reported) {
            const f = toFinding(rule, unit, d, source, lines, { open, siblings: reported });
            for (const r of f.related) if (r.path && !relatedOk(r.path, view)) throw new Error(`a related location names ${r.path}, which is not a file of the package`);
            // A directive on a finding that test_findings leaves out still counts as used.
            if (!suppressedBy(directives, f.rule, f.line) && !(testFindings === "bugs" && testBounded(rule, d, view))) findings.push(f);
          }
        } catch (err) {
          failed(err);
        }
      }
    }
    // A directive is in use if it would silence a finding with every rule enabled: run the rules
    // left out on the units where a directive is still unused (rarely any, so this costs nothing).
    const others = registry.filter((r) => !rules.includes(r) && (!r.appliesTo || r.appliesTo(view)));
    const idle = directives.filter((d) => !d.used && d.reportUnused);
    if (others.length > 0 && idle.length > 0) {
      for (const unit of units.filter((u) => idle.some((d) => d.from <= lines.lineOf(u.node.endIndex) && d.to >= lines.lineOf(u.node.startIndex)))) {
        for (const rule of others) {
          if (!rule.kinds.includes(unit.kind)) continue;
          const report = (d: Diagnostic) => {
            const line = location(lines, d.span).line;
            if (wouldUse(directives, rule.meta.id, line)) suppressedBy(directives, rule.meta.id, line);
          };
          try {
            rule.check({ unit, file: view, report });
          } catch {
            // A rule that is not enabled does not report its failures either.
          }
        }
      }
    }
    const known = new Set([...registry.map((r) => r.meta.id), DIRECTIVE_RULE]);
    findings.push(...directiveFindings(directives, units, view, lines, known, select));
    const syntaxErrorLine = root.hasError ? firstErrorLine(root, lines) : undefined;
    return { findings, unitNames: units.map((u) => u.name), syntaxErrorLine, ruleErrors };
  } finally {
    tree?.delete();
    for (const t of extra) t.delete();
  }
}

/** The finding's harm ends with the test binary: a leak only a failing test reaches, or a rule's finding in test code (FileView.isTestCode) that its meta says is bounded there. */
function testBounded(rule: Rule, d: Diagnostic, view: FileView): boolean {
  return d.testBounded === true || (rule.meta.testFilesBounded === true && view.isTestCode());
}

/** The testing types whose values only a test binary has (see FileView.isTestCode). */
const TEST_TYPES = new Set(["T", "TB", "B", "F", "M"]);
/** Package names that say "test support": `testutil`, `testhelpers`, `testing`, `httptest`, `e2etest`. */
const TEST_PACKAGE = /^test|test(?:s|ing|utils?)?$/;

/**
 * The file declares a function, method, interface method or struct field of a testing type
 * (`func WaitLeader(t testing.TB)`, `type suite struct{ t *testing.T }`); a function literal's
 * parameter does not count (`testing.Benchmark(func(b *testing.B) {...})` runs anywhere).
 */
function declaresTestHelpers(f: FileView): boolean {
  return f.memo("engine.declaresTestHelpers", () => {
    const name = f.importName("testing");
    if (name === undefined || name === "." || !f.source.includes(`${name}.`)) return false;
    for (const q of f.wholeRoot().descendantsOfType("qualified_type")) {
      if (q?.childForFieldName("package")?.text !== name || !TEST_TYPES.has(q.childForFieldName("name")?.text ?? "")) continue;
      for (let p = q.parent; p; p = p.parent) {
        if (p.type === "field_declaration") return true;
        if (p.type === "parameter_list") {
          const owner = p.parent?.type;
          if (owner === "function_declaration" || owner === "method_declaration" || owner === "method_elem" || owner === "method_spec") return true;
          break;
        }
        if (p.type === "func_literal" || p.type === "block") break;
      }
    }
    return false;
  });
}

/**
 * Broken Go is normal input (a PR can be mid-edit). tree-sitter's recovery can swallow the
 * declarations after an error into one ERROR node, so each top-level declaration that did not
 * come out clean is parsed again on its own: an error stays inside the declaration that has it.
 */
function recoverUnits(source: string, root: GoNode, trees: Tree[]): RawUnit[] {
  const clean = new Map<number, RawUnit>();
  for (const u of listUnits(root)) if (!u.node.hasError) clean.set(u.node.startPosition.row, u);
  const out: RawUnit[] = [];
  for (const c of topLevelChunks(source)) {
    if (c.kind === "header") continue;
    const ok = clean.get(c.startLine - 1);
    if (ok) {
      out.push(ok);
      continue;
    }
    const t = parseGo(source, [{ startIndex: c.start, endIndex: c.end, startPosition: { row: c.startLine - 1, column: 0 }, endPosition: { row: c.endLine, column: 0 } }]);
    trees.push(t);
    out.push(...listUnits(t.rootNode));
  }
  return out;
}

function firstErrorLine(root: GoNode, lines: LineIndex): number {
  const err = root.descendantsOfType("ERROR")[0] ?? root.descendantsOfType("MISSING")[0];
  if (err) return lines.lineOf(err.startIndex);
  let n: GoNode | null = root;
  while (n && n.hasError) n = n.namedChildren.find((c) => c?.hasError) ?? null;
  return n ? lines.lineOf(n.startIndex) : 1;
}

/**
 * The other files of the package of a file whose package clause is the argument; `treeOf` gives
 * the whole tree of a file already parsed as a sibling, when its text is `source`.
 */
type Siblings = ((packageName: string) => FileView[]) & { viewOf?: (path: string, source: string, create: boolean) => FileView | undefined; partial?: boolean };

const relatedOk = (p: string, view: FileView): boolean => view.packageFiles().some((f) => f.path === p);

function fileView(path: string, source: string, goMod: string | null, root: GoNode, lines: LineIndex, wholeRoot: () => GoNode, siblings: Siblings): FileView {
  const imports = readImports(root);
  const memo = new Map<string, unknown>();
  const bindings = new Map<number, Bindings>();
  const goVersion = buildConstraintVersion(source) ?? (goMod ? goModVersion(goMod) : null);
  const moduleGoVersion = goMod ? goModVersion(goMod) : null;
  const packageName = readPackageName(root);
  let pkgFiles: FileView[] | undefined;
  const view: FileView = {
    path,
    source,
    packageName,
    goVersion,
    moduleGoVersion,
    moduleGodebug: goMod ? goModGodebug(goMod) : {},
    imports,
    importName: (p) => {
      const i = imports.find((i) => i.path === p && i.kind !== "blank");
      return i?.name;
    },
    decls: readDecls(root),
    isTest: path.endsWith("_test.go"),
    isTestCode(): boolean {
      if (view.isTest) return true;
      if (packageName === "main") return false;
      if (declaresTestHelpers(view)) return true;
      return TEST_PACKAGE.test(packageName) && view.memo("engine.testSupport", () => view.packageFiles().some((f) => !f.isTest && declaresTestHelpers(f)));
    },
    lineOf: (i) => lines.lineOf(i),
    wholeRoot,
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as T;
    },
    goAtLeast(version: string, of: "file" | "module" = "file"): boolean | null {
      const have = of === "file" ? goVersion : moduleGoVersion;
      const want = parseGoVersion(version);
      if (!want) throw new Error(`goAtLeast: not a Go version: ${version}`);
      return have ? compareVersion(have, want) >= 0 : null;
    },
    bindingsOf(fn: GoNode): Bindings {
      let b = bindings.get(fn.id);
      if (!b) bindings.set(fn.id, (b = resolveBindings(fn)));
      return b;
    },
    packageFiles(): readonly FileView[] {
      return (pkgFiles ??= siblings(packageName));
    },
    packageComplete(): boolean {
      return siblings.partial !== true;
    },
  };
  return view;
}

function location(lines: LineIndex, span: Span): Location {
  const s = lines.position(span.start);
  const e = lines.position(Math.max(span.end, span.start));
  return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
}

function toFinding(rule: Rule, unit: Unit, d: Diagnostic, source: string, lines: LineIndex, check: Pick<FixToCheck, "open" | "siblings">): Finding {
  const loc = location(lines, d.span);
  const finding: Finding = {
    rule: rule.meta.id,
    severity: d.severity ?? rule.meta.severity,
    path: unit.file.path,
    ...loc,
    message: renderMessage(rule.meta, d.messageId, d.data),
    related: (d.related ?? []).map((r) =>
      r.file && r.file.path !== unit.file.path
        ? { ...location(new LineIndex(r.file.source), r), message: r.message, path: r.file.path }
        : { ...location(lines, r), message: r.message },
    ),
    unit: restoreNewExpr(unit.name),
    code: normaliseCode(lines.lineText(loc.line)),
    docs: rule.meta.docs,
    title: rule.meta.title,
    why: rule.meta.why,
  };
  if (d.fix && d.fix.edits.length > 0) {
    if (!rule.meta.fixable) throw new Error(`rule ${rule.meta.id} reported a fix but does not declare fixable`);
    const unitSpan = { start: unit.node.startIndex, end: unit.node.endIndex };
    if (fixIsVerified({ ...check, source, edits: d.fix.edits, diagnostic: d, unit: unitSpan })) {
      finding.fix = {
        description: d.fix.description,
        edits: d.fix.edits.map((e) => ({ ...location(lines, e), newText: e.text })),
        suggestion: suggestionFor(source, lines, d.fix.edits, loc.line),
      };
    }
  }
  return finding;
}

/**
 * The hook of fix verification (./verify.ts): the fixed version of the file, its header,
 * package-level declarations and the functions the fix touches parsed (the whole file when that
 * partial parse has errors: the chunking is only a hint), with `rule` ready to run again on the
 * unit named `unitName`.
 */
function reopen(path: string, goMod: string | null, rule: Rule, unitName: string, siblings: Siblings): FixToCheck["open"] {
  return (fixed: string, keep: readonly Span[], unitSpan: Span): FixedVersion => {
    // The header, the package-level declarations and the functions the fix touches, parsed
    // together: a syntax error in another function (a PR mid-edit) cannot swallow the fixed one.
    const chunks = topLevelChunks(fixed);
    const kept = chunks.filter((c) => c.kind !== "func" || keep.some((k) => touchesRange(k, c.start, c.end)));
    let partial = kept.length < chunks.length;
    let tree = partial
      ? parseGo(fixed, kept.map((c) => ({ startIndex: c.start, endIndex: c.end, startPosition: { row: c.startLine - 1, column: 0 }, endPosition: { row: c.endLine, column: 0 } })))
      : parseGo(fixed);
    if (partial && tree.rootNode.hasError) {
      tree.delete();
      tree = parseGo(fixed);
      partial = false;
    }
    const extra: Tree[] = [];
    const root = tree.rootNode;
    const wholeRoot = () => {
      if (!partial) return root;
      if (!extra[0]) extra.push(parseGo(fixed));
      return extra[0]!.rootNode;
    };
    return {
      root,
      run() {
        const raw = listUnits(root).find((u) => u.name === unitName && u.node.startIndex <= unitSpan.end && unitSpan.start <= u.node.endIndex);
        if (!raw) return undefined;
        const view = fileView(path, fixed, goMod, root, new LineIndex(fixed), wholeRoot, siblings);
        const out: Diagnostic[] = [];
        rule.check({ unit: makeUnit(raw, view), file: view, report: (d) => out.push(d) });
        return out;
      },
      dispose() {
        tree.delete();
        for (const t of extra) t.delete();
      },
    };
  };
}

/** The unit name of findings about a file-wide directive. */
const FILE_UNIT = "(file)";

function directiveFindings(directives: Directive[], units: Unit[], view: FileView, lines: LineIndex, known: ReadonlySet<string>, select: Selection): Finding[] {
  const out: Finding[] = [];
  // Every function was analysed: an unused //ptrguard:ignore-file really suppresses nothing.
  const wholeFile = select.chunk === undefined;
  for (const d of directives) {
    // A file-wide directive counts where the diff touches its line; others belong to their unit.
    const unitName =
      d.kind === "ignore-file"
        ? select.unit({ name: FILE_UNIT, startLine: d.line, endLine: d.line }) ? FILE_UNIT : undefined
        : (units.find((u) => d.start >= u.node.startIndex && d.start <= u.node.endIndex) ??
            units.find((u) => { const l = lines.lineOf(u.node.startIndex); return l > d.line && l <= d.to; }))?.name;
    if (!unitName) continue;
    const message = directiveProblem(d, known, wholeFile);
    if (!message) continue;
    const loc = location(lines, d);
    out.push({
      rule: DIRECTIVE_RULE,
      severity: DIRECTIVE_META.severity,
      path: view.path,
      ...loc,
      message,
      related: [],
      unit: restoreNewExpr(unitName),
      code: normaliseCode(lines.lineText(loc.line)),
      docs: DIRECTIVE_META.docs,
      title: DIRECTIVE_META.title,
      why: DIRECTIVE_META.why,
    });
  }
  return out;
}
