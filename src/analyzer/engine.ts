// The diff-scoped analyzer: parse, pick the touched units, run the rules, honour directives,
// validate fixes, and keep only the findings the scope asks for.
import type { Range, Tree } from "web-tree-sitter";
import { addedLines, DiffError, rebuildBase, removalPositions, type FileDiff } from "../diff/diff.js";
import { readDirectives, suppressedBy, type Directive } from "./directives.js";
import { applyEdits, OverlappingEditsError, suggestionFor } from "./fixes.js";
import { buildConstraintVersion, goModGodebug, goModVersion, isGenerated, topLevelChunks, type Chunk } from "./gofile.js";
import { loadGo, parseGo } from "./parser.js";
import { LineIndex, normaliseCode } from "./source.js";
import type { Diagnostic, FileView, Finding, GoNode, Location, Rule, Severity, SkippedFile, Span, TextEdit, Unit } from "./types.js";
import { listUnits, makeUnit, readDecls, readImports, type RawUnit } from "./units.js";

export type Scope = "new" | "added" | "function" | "file";
export const SCOPES: readonly Scope[] = ["new", "added", "function", "file"];

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
}

export interface AnalyzeOptions {
  rules: readonly Rule[];
  scope?: Scope;
  /** Analyse files under vendor/ (skipped by default). */
  includeVendor?: boolean;
  /** Files larger than this are skipped (bytes). */
  maxFileBytes?: number;
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

export const DIRECTIVE_RULE = "ignore-directive";
const DIRECTIVE_DOCS = "https://github.com/ptrguard/ptrguard/blob/main/rules/README.md#suppressing-a-finding";
const MAX_FILE_BYTES = 1 << 20;
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
  for (const file of files) {
    const skip = skipReason(file, options);
    if (skip) {
      result.skipped.push({ path: file.path, reason: skip });
      continue;
    }
    try {
      const { findings, units, syntaxErrorLine, ruleErrors } = analyzeFile(file, scope, options.rules);
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
  result.findings.sort(compareFindings);
  return result;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

function skipReason(file: SourceFile, options: AnalyzeOptions): string | undefined {
  if (file.diff?.status === "deleted") return "deleted";
  if (!options.includeVendor && /(^|\/)vendor\//.test(file.path)) return "vendored";
  if (file.content.length > (options.maxFileBytes ?? MAX_FILE_BYTES)) return `too large (${file.content.length} bytes)`;
  if (file.content.includes("\u0000") || file.content.includes("\uFFFD")) return "binary or not UTF-8";
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

function analyzeFile(file: SourceFile, scope: Scope, rules: readonly Rule[]): FileResult {
  const touch = touchOf(file.diff, scope);
  const touched = (r: { startLine: number; endLine: number }) => touches(touch, r.startLine, r.endLine);
  const head = analyzeVersion(file.path, file.content, file.goMod ?? null, rules, touch ? { unit: touched, chunk: touched } : { unit: () => true });
  let findings = head.findings;
  if (file.diff && scope === "new" && file.diff.status !== "added") {
    const base = file.baseContent ?? rebuildBase(file.content, file.diff);
    // The same units in the base version; its functions are found by name before parsing.
    const names = new Set(head.unitNames);
    const old = analyzeVersion(file.path, base, file.goMod ?? null, rules, {
      unit: (u) => names.has(u.name),
      chunk: (c) => {
        const name = funcChunkName(base.slice(c.start, Math.min(c.end, c.start + 300)));
        return name === undefined || names.has(name);
      },
    });
    findings = subtract(findings, old.findings);
  } else if (file.diff && scope === "added") {
    const added = addedLines(file.diff);
    findings = findings.filter((f) => isAdded(f, added) || f.related.some((r) => isAdded(r, added)));
  }
  return { findings, units: head.unitNames.length, syntaxErrorLine: head.syntaxErrorLine, ruleErrors: head.ruleErrors };
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

/** `F` or `T.M` from the first line of a `func` chunk; undefined when the line is unusual. */
function funcChunkName(head: string): string | undefined {
  const m = /^func\s*(?:\(\s*(?:\w+\s+)?\*?\s*(\w+)[^)]*\)\s*)?(\w+)/.exec(head);
  if (!m) return undefined;
  return m[1] ? `${m[1]}.${m[2]}` : m[2];
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
  select: Selection,
): VersionResult {
  const lines = new LineIndex(source);
  const { tree, partial } = parseFor(source, select.chunk);
  const extra: Tree[] = [];
  try {
    const root = tree.rootNode;
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
    const view = fileView(path, source, goMod, root, lines, wholeRoot);
    const units: Unit[] = [];
    const raws = root.hasError ? recoverUnits(source, root, extra) : listUnits(root);
    for (const raw of raws) {
      const range: UnitRange = { name: raw.name, startLine: lines.lineOf(raw.node.startIndex), endLine: lines.lineOf(raw.node.endIndex) };
      if (select.unit(range)) units.push(makeUnit(raw, view));
    }
    const directives = readDirectives(source, lines);
    const findings: Finding[] = [];
    const ruleErrors: string[] = [];
    const applicable = rules.filter((r) => !r.appliesTo || r.appliesTo(view));
    for (const unit of units) {
      for (const rule of applicable) {
        if (!rule.kinds.includes(unit.kind)) continue;
        const report = (d: Diagnostic) => {
          const f = toFinding(rule, unit, d, source, lines);
          if (!suppressedBy(directives, f.rule, f.line)) findings.push(f);
        };
        try {
          rule.check({ unit, file: view, report });
        } catch (err) {
          ruleErrors.push(`rule ${rule.meta.id} failed on ${unit.name} (${err instanceof Error ? err.message : String(err)}); its findings there are missing`);
        }
      }
    }
    findings.push(...directiveFindings(directives, units, view, source, lines));
    const syntaxErrorLine = root.hasError ? firstErrorLine(root, lines) : undefined;
    return { findings, unitNames: units.map((u) => u.name), syntaxErrorLine, ruleErrors };
  } finally {
    tree.delete();
    for (const t of extra) t.delete();
  }
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

function fileView(path: string, source: string, goMod: string | null, root: GoNode, lines: LineIndex, wholeRoot: () => GoNode): FileView {
  const imports = readImports(root);
  const memo = new Map<string, unknown>();
  return {
    path,
    source,
    packageName: root.descendantsOfType("package_clause")[0]?.namedChildren[0]?.text ?? "",
    goVersion: buildConstraintVersion(source) ?? (goMod ? goModVersion(goMod) : null),
    moduleGoVersion: goMod ? goModVersion(goMod) : null,
    moduleGodebug: goMod ? goModGodebug(goMod) : {},
    imports,
    importName: (p) => {
      const i = imports.find((i) => i.path === p && i.kind !== "blank");
      return i?.name;
    },
    decls: readDecls(root),
    isTest: path.endsWith("_test.go"),
    lineOf: (i) => lines.lineOf(i),
    wholeRoot,
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as T;
    },
  };
}

function location(lines: LineIndex, span: Span): Location {
  const s = lines.position(span.start);
  const e = lines.position(Math.max(span.end, span.start));
  return { line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
}

function toFinding(rule: Rule, unit: Unit, d: Diagnostic, source: string, lines: LineIndex): Finding {
  const loc = location(lines, d.span);
  const finding: Finding = {
    rule: rule.meta.id,
    severity: d.severity ?? rule.meta.severity,
    path: unit.file.path,
    ...loc,
    message: d.message,
    related: (d.related ?? []).map((r) => ({ ...location(lines, r), message: r.message })),
    unit: unit.name,
    code: normaliseCode(lines.lineText(loc.line)),
    docs: rule.meta.docs,
    title: rule.meta.title,
    why: rule.meta.why,
  };
  if (d.fix && d.fix.edits.length > 0) {
    if (!rule.meta.fixable) throw new Error(`rule ${rule.meta.id} reported a fix but does not declare fixable`);
    const fixed = validFix(d.fix.edits, unit, source);
    if (fixed) {
      finding.fix = {
        description: d.fix.description,
        edits: d.fix.edits.map((e) => ({ ...location(lines, e), newText: e.text })),
        suggestion: suggestionFor(source, lines, d.fix.edits, loc.line),
      };
    }
  }
  return finding;
}

/** A fix is kept only when its edits do not overlap and the fixed unit still parses. */
function validFix(edits: readonly TextEdit[], unit: Unit, source: string): boolean {
  try {
    const start = unit.node.startIndex;
    const end = unit.node.endIndex;
    const inside = edits.every((e) => e.start >= start && e.end <= end);
    const text = inside
      ? applyEdits(source.slice(start, end), edits.map((e) => ({ ...e, start: e.start - start, end: e.end - start })))
      : applyEdits(source, edits);
    const header = inside ? "package p\n" : "";
    const tree = parseGo(header + text);
    const ok = !tree.rootNode.hasError;
    tree.delete();
    return ok;
  } catch (err) {
    if (err instanceof OverlappingEditsError) return false;
    throw err;
  }
}

function directiveFindings(directives: Directive[], units: Unit[], view: FileView, source: string, lines: LineIndex): Finding[] {
  const out: Finding[] = [];
  for (const d of directives) {
    const unit = units.find((u) => d.start >= u.node.startIndex && d.start <= u.node.endIndex) ??
      units.find((u) => lines.lineOf(u.node.startIndex) === d.line + 1);
    if (!unit) continue;
    let message: string | undefined;
    let severity: Severity = "info";
    if (d.kind === "ignore" && d.rules.length === 0) message = "//ptrguard:ignore names no rule: write //ptrguard:ignore <rule-id> <reason>";
    else if (d.kind === "ignore" && !d.reason) message = `//ptrguard:ignore ${d.rules.join(",")} gives no reason: say why the finding is wrong here`;
    else if (!d.used && d.rules[0] !== "*") message = `this ${d.kind === "ignore" ? "//ptrguard:ignore" : "//nolint"} directive suppresses nothing: remove it`;
    if (!message) continue;
    const loc = location(lines, d);
    out.push({
      rule: DIRECTIVE_RULE,
      severity,
      path: view.path,
      ...loc,
      message,
      related: [],
      unit: unit.name,
      code: normaliseCode(lines.lineText(loc.line)),
      docs: DIRECTIVE_DOCS,
      title: "Suppression directive",
      why: "A suppression should name the rule it silences and say why; one that silences nothing hides the next real finding.",
    });
  }
  return out;
}

