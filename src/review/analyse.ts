// Step 3: the engine over the sources, with the rules and severities the configuration asks for,
// file by file within the time budgets (limits.ts): files not started when the run's budget is
// spent are skipped and named; a file that ran over its own budget is named in the notes. (The
// engine cannot be stopped inside a file: the bytes limit keeps a single file's time bounded.)
import { performance } from "node:perf_hooks";
import { analyzeSync, compareFindings, DIRECTIVE_RULE } from "../analyzer/engine.js";
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
  for (const s of sources) {
    if (clock() - started >= limits.runMs) {
      unstarted++;
      out.skipped.push({ path: s.file.path, reason: `not analysed: the run's time budget (${seconds(limits.runMs)}) was spent` });
      continue;
    }
    const t0 = clock();
    const r = analyzeSync([s.file], { rules: on, scope: config.scope, maxFileBytes: limits.fileBytes, registry: rules });
    const took = clock() - t0;
    if (took > limits.fileMs) out.notes.push({ path: s.file.path, reason: `took ${seconds(took)} to analyse (the budget per file is ${seconds(limits.fileMs)})` });
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

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
