// `ptrguard check`: the engine on a local tree or diff, with the repository's .github/ptrguard.yml
// (the App's configuration, the same schema and defaults) and the flags that override it.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { compareFindings, DIRECTIVE_RULE, type Scope, type TestFindings } from "../analyzer/engine.js";
import type { Finding, SkippedFile } from "../analyzer/types.js";
import { atOrAbove, ConfigFileError, DEFAULT_CONFIG, exclusion, readConfigFile, type Config, type FailOn } from "../config.js";
import type { FileDiff } from "../diff/diff.js";
import { findRepoRoot, gitChanges, InputError, loadSources, packageContext, parseDiffOrThrow, readDiffText, type LocalContext, type LocalSource } from "../local.js";
import { boundsOf } from "../review/package.js";
import { toJson } from "../report/json.js";
import { ruleCountLine, summaryLine, toText } from "../report/text.js";
import { DEFAULT_LIMITS, type Limits } from "../review/limits.js";
import { analyse, knownRuleIds } from "../review/analyse.js";
import { rules as allRules } from "../../rules/index.js";
import { VERSION } from "../version.js";
import type { Format, Io } from "../cli.js";
import { ANSI, PLAIN } from "../report/style.js";

/** A local run is the user's own: no per-run budget or file count, only the engine's size cap per file. */
const LOCAL_LIMITS: Limits = { ...DEFAULT_LIMITS, goFiles: Infinity, runBytes: Infinity, runMs: Infinity, fileMs: Infinity };

export interface CheckOptions {
  diff?: string;
  git?: string;
  staged?: boolean;
  scope?: Scope;
  format: Format;
  failOn?: FailOn;
  testFindings?: TestFindings;
  rule?: string[];
  enable?: string[];
  disable?: string[];
  exclude?: string[];
  config?: string;
  verbose?: boolean;
}

/** Files analysed per step between two progress updates (a step is one directory's files, up to this many). */
const STEP = 8;

/**
 * The steps of a run: the files of one directory together (the engine reads a package's files as
 * each other's evidence), at most STEP files a step, or the bounds per package when the files are
 * analysed whole (a tree: every file of the package is there).
 */
export function byPackage(sources: readonly LocalSource[]): LocalSource[][] {
  const dirs = new Map<string, LocalSource[]>();
  for (const s of sources) {
    const dir = path.posix.dirname(s.file.path);
    const files = dirs.get(dir);
    if (files) files.push(s);
    else dirs.set(dir, [s]);
  }
  const out: LocalSource[][] = [];
  for (const files of dirs.values()) {
    const step = files[0]!.file.diff ? STEP : LOCAL_LIMITS.packageFiles;
    // A non-test file's package is the non-test files alone (its tests are not compiled into it, as
    // the App's package context reads it): when they fit one step, that step sees their whole
    // package, and only the test files, analysed in later steps, see a part of theirs.
    const plain = files.filter((s) => !s.file.path.endsWith("_test.go"));
    const whole = !files[0]!.file.diff && files.length > step && plain.length > 0 && plain.length <= step ? plain : [];
    const rest = whole.length ? files.filter((s) => s.file.path.endsWith("_test.go")) : files;
    if (whole.length) out.push(whole);
    // A directory analysed whole in several steps: no step sees the whole package, so no rule may
    // claim what nothing in it does (a diff's files get their whole package as context instead).
    if (!files[0]!.file.diff && files.length > step) for (const s of rest) s.file.partialPackage = true;
    for (let i = 0; i < rest.length; i += step) out.push(rest.slice(i, i + step));
  }
  return out;
}

/** Runs the check and returns the exit code: 0 clean, 1 findings at or above fail_on, 2 bad input. */
export async function runCheck(paths: string[], opts: CheckOptions, io: Io): Promise<number> {
  if (opts.diff !== undefined && (opts.git !== undefined || opts.staged)) throw new InputError("use either --diff or --git/--staged, not both");
  const ids = knownRuleIds(allRules);
  for (const id of [...(opts.rule ?? []), ...(opts.enable ?? []), ...(opts.disable ?? [])]) {
    if (!ids.includes(id)) throw new InputError(`unknown rule: ${id} (known: ${ids.join(", ")}; \`ptrguard rules\` lists them)`);
  }

  // Input first (git finds the repository root), then the configuration at that root.
  let input: { diffs: FileDiff[]; root: string; staged?: Map<string, Buffer> } | undefined;
  let root = findRepoRoot(io.cwd) ?? io.cwd;
  if (opts.git !== undefined || opts.staged) {
    const changes = await gitChanges(opts.git, opts.staged === true, io.cwd);
    root = changes.root;
    input = changes;
  } else if (opts.diff !== undefined) {
    input = { diffs: parseDiffOrThrow(await readDiffText(opts.diff, io.stdin, io.cwd)), root };
  }

  const config = await loadConfig(opts, root, ids, io);
  const sources = await loadSources(paths, input, io.cwd, root);
  const excluded = exclusion(config);
  const wanted: LocalSource[] = [];
  const left: SkippedFile[] = [];
  for (const s of sources) {
    const reason = excluded(s.repoPath);
    if (reason) left.push({ path: s.file.path, reason });
    else wanted.push(s);
  }
  if (sources.length === 0) {
    const where = paths.length ? paths.join(" ") : ".";
    // A diff that only deletes Go files changes some, but leaves nothing to analyse.
    const deletes = input !== undefined && input.diffs.some((d) => d.status === "deleted" && d.oldPath?.endsWith(".go"));
    const why = deletes ? "the diff only deletes Go files" : "the diff changes none";
    io.stderr(`ptrguard: no Go files to analyse${input ? ` (${why}` + (paths.length ? ` under ${where})` : ")") : ` in ${where}`}\n`);
  }

  // A diff's files, and files named one by one, get the rest of their package as read-only
  // context; a directory's files are all analysed, each the others' evidence (byPackage).
  const named = new Set(paths.map((p) => path.resolve(io.cwd, p)).filter((p) => existsSync(p) && statSync(p).isFile()));
  const needContext = input ? wanted : wanted.filter((s) => named.has(path.resolve(io.cwd, s.file.path)));
  const context: LocalContext = needContext.length ? await packageContext(needContext, io.cwd, root, excluded, boundsOf(LOCAL_LIMITS)) : { of: new Map(), notes: [], unread: 0 };

  preferQuickStart(wanted);

  // File by file, so a long run can show progress (stderr, on a terminal, after a second).
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [...left];
  const notes: SkippedFile[] = [];
  let filesAnalyzed = 0;
  const started = Date.now();
  const progress = io.progress === true;
  let shown = false;
  const batches = byPackage(wanted);
  let done = 0;
  for (const [i, batch] of batches.entries()) {
    const r = await analyse(batch.map((s) => ({ file: s.file, githubDiff: undefined, context: context.of.get(s) })), allRules, config, LOCAL_LIMITS);
    done += batch.length;
    findings.push(...r.findings);
    skipped.push(...r.skipped);
    notes.push(...r.notes);
    filesAnalyzed += r.filesAnalyzed;
    if (progress && Date.now() - started >= (io.progressAfterMs ?? 1000) && i + 1 < batches.length) {
      io.stderr(`\rptrguard: ${done}/${wanted.length} files analysed\x1b[K`);
      shown = true;
    }
  }
  if (shown) io.stderr("\r\x1b[K");
  findings.sort(compareFindings);

  reportSkipped(skipped, opts.verbose === true, io);
  for (const n of notes) io.stderr(`ptrguard: ${n.path}: ${n.reason}\n`);
  if (opts.verbose) for (const n of context.notes) io.stderr(`ptrguard: ${n}\n`);
  // Related locations may sit in a context file (another file of the package): SARIF needs its text too.
  const texts = new Map([...context.of.values()].flat().map((f) => [f.path, f.content]));
  for (const s of wanted) texts.set(s.file.path, s.file.content);
  io.stdout(await render(findings, opts.format, texts, io));
  if (opts.format === "text") {
    io.stderr(summaryLine(findings, filesAnalyzed) + contextLine(context) + "\n");
    const byRule = ruleCountLine(findings);
    if (byRule) io.stderr(byRule + "\n");
  }
  return findings.some((f) => atOrAbove(f.severity, config.fail_on)) ? 1 : 0;
}

/** What the bounds per package left out of the context, for the summary line. */
function contextLine(c: LocalContext): string {
  if (c.unread === 0) return "";
  const packages = c.notes.length;
  return `; ${plural(c.unread, "sibling file", "sibling files")} of ${plural(packages, "package", "packages")} not read as context (over ${LOCAL_LIMITS.packageFiles} files / ${LOCAL_LIMITS.packageBytes >> 20} MiB per package; --verbose names them)`;
}

/** Below this much Go source, a run is too short for optimised WebAssembly code to pay for itself. */
const QUICK_RUN_BYTES = 4 << 20;

/**
 * For a short run (a diff, a small tree), keeps the Go grammar's WebAssembly on V8's baseline
 * compiler: optimising its hot functions in the background cost about 100 ms of CPU, a third of a
 * one-line check, and the run is over before the optimised code helps (measured: 0.34 s of CPU
 * down to 0.23 s; a 163-file tree takes the same time either way). Must run before the grammar
 * is compiled; later it changes nothing. Long runs keep V8's default tiering.
 */
function preferQuickStart(sources: readonly LocalSource[]): void {
  const bytes = sources.reduce((n, s) => n + s.file.content.length, 0);
  if (bytes < QUICK_RUN_BYTES) v8.setFlagsFromString("--liftoff-only");
}

/** The repository's configuration, then the flags over it. Problems go to stderr, as warnings. */
async function loadConfig(opts: CheckOptions, root: string, ids: string[], io: Io): Promise<Config> {
  let config: Config = { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] };
  try {
    const target = opts.config !== undefined ? path.resolve(io.cwd, opts.config) : root;
    const read = await readConfigFile(target, ids);
    config = read.config;
    const shown = read.file ? path.relative(io.cwd, read.file) || read.file : "";
    for (const p of read.problems) io.stderr(`ptrguard: ${shown}: ${p}\n`);
  } catch (err) {
    if (err instanceof ConfigFileError) throw new InputError(err.message);
    throw err;
  }
  const rules = { ...config.rules };
  // --rule runs exactly the rules it names (an opt-in rule too).
  if (opts.rule) for (const id of ids) if (id !== DIRECTIVE_RULE) rules[id] = !opts.rule.includes(id) ? "off" : rules[id] === undefined || rules[id] === "off" ? "on" : rules[id]!;
  for (const id of opts.enable ?? []) if (rules[id] === "off" || rules[id] === undefined) rules[id] = "on";
  for (const id of opts.disable ?? []) rules[id] = "off";
  return {
    ...config,
    rules,
    paths_ignore: [...config.paths_ignore, ...(opts.exclude ?? [])],
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.failOn ? { fail_on: opts.failOn } : {}),
    ...(opts.testFindings ? { test_findings: opts.testFindings } : {}),
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const SUMMARISED = [
  { test: (r: string) => r === "vendored", say: (n: number) => plural(n, "vendored file", "vendored files") },
  { test: (r: string) => r.startsWith("generated"), say: (n: number) => plural(n, "generated file", "generated files") },
  { test: (r: string) => r === "matches `paths_ignore`", say: (n: number) => plural(n, "file", "files") + " matching paths_ignore or --exclude" },
  { test: (r: string) => r.startsWith("test file"), say: (n: number) => plural(n, "test file", "test files") + " (include_tests: false)" },
];

/** Vendored, generated and excluded files: one summary line (each with --verbose); others one line each. */
function reportSkipped(skipped: SkippedFile[], verbose: boolean, io: Io): void {
  const counts: string[] = [];
  for (const kind of SUMMARISED) {
    const n = skipped.filter((s) => kind.test(s.reason)).length;
    if (n) counts.push(kind.say(n));
  }
  for (const s of skipped) {
    const summarised = SUMMARISED.some((k) => k.test(s.reason));
    if (verbose || !summarised) io.stderr(`ptrguard: skipped ${s.path}: ${s.reason}\n`);
  }
  if (counts.length && !verbose) io.stderr(`ptrguard: skipped ${counts.join(", ")} (--verbose lists them)\n`);
}

/** `texts`: the contents of the analysed files and of their package context, by path. */
async function render(findings: Finding[], format: Format, texts: ReadonlyMap<string, string>, io: Io): Promise<string> {
  switch (format) {
    case "json":
      return toJson(findings) + "\n";
    case "sarif":
      return (await import("../report/sarif.js")).toSarif(findings, allRules, VERSION, texts);
    case "rdjsonl":
      return (await import("../report/rdjsonl.js")).toRdjsonl(findings);
    default: {
      const patch = findings.some((f) => f.fix) ? (await import("diff")).structuredPatch : undefined;
      return toText(findings, { style: io.color ? ANSI : PLAIN, source: (p) => texts.get(p), ...(patch ? { patch: patch as never } : {}) });
    }
  }
}
