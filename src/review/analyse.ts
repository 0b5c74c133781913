// Step 3: the engine over the sources, with the rules and severities the configuration asks for.
import { analyze, DIRECTIVE_RULE } from "../analyzer/engine.js";
import type { Finding, Rule, SkippedFile } from "../analyzer/types.js";
import type { Config } from "../config.js";
import type { Source } from "./files.js";

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
}

/** Rule ids a configuration may name. */
export const knownRuleIds = (rules: readonly Rule[]): string[] => [...rules.map((r) => r.meta.id), DIRECTIVE_RULE];

export async function analyse(sources: readonly Source[], rules: readonly Rule[], config: Config): Promise<Analysis> {
  const on = rules.filter((r) => config.rules[r.meta.id] !== "off");
  const enabled = new Set(on.map((r) => r.meta.id));
  if (config.rules[DIRECTIVE_RULE] !== "off") enabled.add(DIRECTIVE_RULE);
  const result = await analyze(
    sources.map((s) => s.file),
    { rules: on, scope: config.scope, registry: rules },
  );
  const findings = result.findings
    .filter((f) => enabled.has(f.rule))
    .map((f) => {
      const setting = config.rules[f.rule];
      return setting && setting !== "on" && setting !== "off" ? { ...f, severity: setting } : f;
    });
  return { findings, skipped: result.skipped, notes: result.notes, incomplete: new Set(result.incomplete), filesAnalyzed: result.filesAnalyzed, enabled };
}
