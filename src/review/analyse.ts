// Step 3: the engine over the sources, with the rules and severities the configuration asks for,
// file by file within the time budgets (limits.ts): files not started when the run's budget is
// spent are skipped and named; a file that ran over its own budget is named in the notes. (The
// engine cannot be stopped inside a file: the bytes limit keeps a single file's time bounded.)
// Changed files of one package go to the engine together with their package context (issue 10).
import { performance } from "node:perf_hooks";
import path from "node:path";
import { analyzeSync, compareFindings, DIRECTIVE_RULE, type SourceFile } from "../analyzer/engine.js";
import { loadGo } from "../analyzer/parser.js";
import type { Finding, Rule, SkippedFile } from "../analyzer/types.js";
import { ruleIsOn, type Config } from "../config.js";
import type { Source } from "./files.js";
import { count, DEFAULT_LIMITS, type Limits } from "./limits.js";

export interface Analysis {
  findings: Finding[];
  skipped: SkippedFile[];
  /** Files analysed with a caveat (e.g. a syntax error). */
  notes: SkippedFile[];
  /** Files where a rule failed: a finding missing there is not a fixed finding. */
  incomplete: Set<string>;
  filesAnalyzed: number;
  /** Rule ids that ran (a thread of a rule that did not run is never called fixed). */
  enabled: Set<string>;
  /** What the time budgets cut, in plain words. */
  limits: string[];
}

/** Rule ids a configuration may name. */
export const knownRuleIds = (rules: readonly Rule[]): string[] => [...rules.map((r) => r.meta.id), DIRECTIVE_RULE];

export async function analyse(sources: readonly Source[], rules: readonly Rule[], config: Config, limits: Limits = DEFAULT_LIMITS, clock: () => number = () => performance.now()): Promise<Analysis> {
  const on = rules.filter((r) => ruleIsOn(config.rules[r.meta.id], r.meta));
  const enabled = new Set(on.map((r) => r.meta.id));
  if (config.rules[DIRECTIVE_RULE] !== "off") enabled.add(DIRECTIVE_RULE);
  await loadGo();
  const out: Analysis = { findings: [], skipped: [], notes: [], incomplete: new Set(), filesAnalyzed: 0, enabled, limits: [] };
  const started = clock();
  let unstarted = 0;
  // A run without a time budget (the CLI) gives the engine a whole package (up to its bounds) at
  // once, files analysed whole included; a timed run keeps those apart, checking its budget between them.
  const timed = Number.isFinite(limits.runMs);
  for (const batch of packageBatches(sources, timed ? PACKAGE_STEP : limits.packageFiles, !timed)) {
    if (clock() - started >= limits.runMs) {
      for (const s of batch) {
        unstarted++;
        out.skipped.push({ path: s.file.path, reason: `not analysed: the run's time budget (${seconds(limits.runMs)}) was spent` });
      }
      continue;
    }
    const t0 = clock();
    const r = analyzeSync(withContext(batch), { rules: on, scope: config.scope, maxFileBytes: limits.fileBytes, registry: rules, testFindings: config.test_findings });
    const took = clock() - t0;
    const others = batch.length - 1;
    if (took > limits.fileMs * batch.length) {
      const what = others === 0 ? "" : `, with the ${others} other changed ${others === 1 ? "file" : "files"} of its package,`;
      out.notes.push({ path: batch[0]!.file.path, reason: `took ${seconds(took)} to analyse${what} (the budget per file is ${seconds(limits.fileMs)})` });
    }
    out.findings.push(...r.findings);
    out.skipped.push(...r.skipped);
    out.notes.push(...r.notes);
    for (const p of r.incomplete) out.incomplete.add(p);
    out.filesAnalyzed += r.filesAnalyzed;
  }
  if (unstarted > 0) out.limits.push(`Analysis stopped after ${seconds(limits.runMs)} (the budget per run): ${count(unstarted)} ${unstarted === 1 ? "file was" : "files were"} not analysed (listed under Files skipped).`);
  out.findings = out.findings
    .filter((f) => enabled.has(f.rule))
    .map((f) => {
      const setting = config.rules[f.rule];
      return setting && setting !== "on" && setting !== "off" ? { ...f, severity: setting } : f;
    })
    .sort(compareFindings);
  return out;
}

/** Changed files of one package analysed in one engine call, so that their context is parsed once. */
export const PACKAGE_STEP = 16;

/**
 * The engine calls. Files with package context, and with `wholeFiles` the files analysed whole (no
 * diff: the CLI on a tree, where every file of a package is analysed and each is the others'
 * evidence), grouped by directory (the engine keeps each package's files apart by their package
 * clause), at most `step` per call so that the run's time budget is still checked between calls;
 * any other file alone.
 */
export function packageBatches(sources: readonly Source[], step = PACKAGE_STEP, wholeFiles = false): Source[][] {
  const out: Source[][] = [];
  const open = new Map<string, Source[]>();
  for (const s of sources) {
    if (!s.context?.length && (s.file.diff || !wholeFiles)) {
      out.push([s]);
      continue;
    }
    const dir = path.posix.dirname(s.file.path);
    let batch = open.get(dir);
    if (!batch || batch.length >= step) {
      open.set(dir, (batch = []));
      out.push(batch);
    }
    batch.push(s);
  }
  return out;
}

/** The batch's files and, once each, the context files that are not among them. */
function withContext(batch: readonly Source[]): SourceFile[] {
  const files = batch.map((s) => s.file);
  const seen = new Set(files.map((f) => f.path));
  for (const s of batch) {
    for (const c of s.context ?? []) {
      if (seen.has(c.path)) continue;
      seen.add(c.path);
      files.push(c);
    }
  }
  return files;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
