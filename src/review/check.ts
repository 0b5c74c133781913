// Step 6: the check run's verdict. `failure` when a finding is at or above `fail_on`, else
// `success`; `neutral` when nothing could be analysed or a newer push made the run moot.
import type { Finding } from "../analyzer/types.js";
import { atOrAbove, type FailOn } from "../config.js";
import type { Annotation, AnnotationLevel, CheckCompletion, Conclusion } from "../github/types.js";
import { checkSummary, type SummaryInput } from "../report/summary.js";

/** Beyond this, annotations cost more requests than they help (50 per request). */
export const MAX_ANNOTATIONS = 1000;

const LEVEL: Record<Finding["severity"], AnnotationLevel> = { error: "failure", warning: "warning", info: "notice" };

export function toAnnotation(f: Finding): Annotation {
  return { path: f.path, start_line: f.line, end_line: Math.max(f.line, f.endLine), annotation_level: LEVEL[f.severity], title: `[${f.rule}] ${f.title}`, message: f.message };
}

export function conclusionOf(findings: readonly Finding[], failOn: FailOn): Conclusion {
  return findings.some((f) => atOrAbove(f.severity, failOn)) ? "failure" : "success";
}

export function titleOf(conclusion: Conclusion, findings: readonly Finding[], failOn: FailOn): string {
  const n = findings.length;
  if (n === 0) return "No findings";
  const blocking = findings.filter((f) => atOrAbove(f.severity, failOn)).length;
  const what = `${n} finding${n === 1 ? "" : "s"}`;
  return conclusion === "failure" ? `${what}, ${blocking} at or above ${failOn}` : `${what}, none at or above ${failOn}`;
}

export interface Verdict {
  conclusion: Conclusion;
  title: string;
  findings: readonly Finding[];
}

export function completion(v: Verdict, summary: Omit<SummaryInput, "annotationsLeftOut" | "findings">, completedAt: Date): CheckCompletion {
  const annotations = v.findings.slice(0, MAX_ANNOTATIONS).map(toAnnotation);
  return {
    conclusion: v.conclusion,
    output: { title: v.title, summary: checkSummary({ ...summary, findings: v.findings, annotationsLeftOut: v.findings.length - annotations.length }) },
    annotations,
    completedAt: completedAt.toISOString(),
  };
}
