// The review body and the check run's title and summary. GitHub caps a check run summary at
// 65,535 characters: lists are cut with a count of what was left out, and the whole is cut
// at a line boundary as a last resort.
import type { Finding, Severity, SkippedFile } from "../analyzer/types.js";
import { SEVERITIES } from "../analyzer/types.js";

export const SUMMARY_LIMIT = 65_535;
const LIST_LIMIT = 50;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function severityCounts(findings: readonly Finding[]): string {
  return SEVERITIES.map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`).join(", ");
}

const findingLine = (f: Finding) => `- \`${f.path}\` line ${f.line}: **[${f.rule}]** ${f.severity}: ${f.message}`;

function capped<T>(items: readonly T[], render: (x: T) => string, limit = LIST_LIMIT, rest = "see the check run"): string {
  const lines = items.slice(0, limit).map(render);
  if (items.length > limit) lines.push(`- ... and ${items.length - limit} more (${rest})`);
  return lines.join("\n");
}

export function reviewBody(posted: readonly Finding[], overflow: readonly Finding[], maxComments: number): string {
  const all = [...posted, ...overflow];
  let body = `**ptrguard** found ${plural(all.length, "new issue")} in this pull request (${severityCounts(all)}).`;
  if (overflow.length > 0) {
    body += `\n\n${plural(overflow.length, "more finding is", "more findings are")} not posted as comments (\`max_comments\` is ${maxComments}):\n`;
    body += capped(overflow, findingLine);
  }
  return body;
}

/** One line on what the run did to the review threads. */
export function reviewLine(r: { lineComments: number; fileComments: number; alreadyOpen: number; resolved: number; keptForHumans: number; dismissed: number; overflow: number }): string {
  const parts = [
    `Review: ${plural(r.lineComments, "new comment")} on lines`,
    `${r.fileComments} on files`,
    `${r.alreadyOpen} already open`,
    `${plural(r.resolved, "thread")} resolved as fixed`,
  ];
  if (r.keptForHumans > 0) parts.push(`${r.keptForHumans} left open because someone replied`);
  if (r.dismissed > 0) parts.push(`${r.dismissed} dismissed earlier and not posted again`);
  if (r.overflow > 0) parts.push(`${r.overflow} over \`max_comments\` (listed in the review)`);
  return parts.join(", ") + ".";
}

export interface SummaryInput {
  findings: readonly Finding[];
  filesAnalyzed: number;
  skipped: readonly SkippedFile[];
  notes: readonly SkippedFile[];
  durationMs: number;
  configProblems: readonly string[];
  /** One line on the review: comments posted, already open, threads resolved. */
  review?: string | undefined;
  checkOnly: readonly { finding: Finding; reason: string }[];
  problems: readonly string[];
  /** Shown first: why the run ended as it did (errors, superseded, nothing to analyse). */
  headline?: string | undefined;
  /** What the per-run limits cut (files GitHub did not list, files over the limits). */
  limits?: readonly string[] | undefined;
  annotationsLeftOut: number;
}

export function checkSummary(s: SummaryInput): string {
  const parts: string[] = [];
  if (s.headline) parts.push(s.headline);
  const took = `Took ${(s.durationMs / 1000).toFixed(1)} s.`;
  if (s.headline && s.filesAnalyzed === 0 && s.findings.length === 0) parts.push(took);
  else {
    const skipped = s.skipped.length > 0 ? `, ${s.skipped.length} skipped` : "";
    parts.push(`${plural(s.findings.length, "finding")} (${severityCounts(s.findings)}) in ${plural(s.filesAnalyzed, "file")} analysed${skipped}. ${took}`);
  }
  if (s.limits && s.limits.length > 0) parts.push(`### Limits\n${s.limits.map((l) => `- ${l}`).join("\n")}`);
  if (s.findings.length > 0) parts.push(ruleTable(s.findings));
  if (s.review) parts.push(s.review);
  if (s.problems.length > 0) parts.push(`### Problems\n${capped(s.problems, (p) => `- ${p}`)}`);
  if (s.configProblems.length > 0) {
    parts.push(`### Configuration problems in \`.github/ptrguard.yml\`\n${capped(s.configProblems, (p) => `- ${p}`)}`);
  }
  if (s.checkOnly.length > 0) {
    parts.push(`### Findings not posted as review comments\n${capped(s.checkOnly, (c) => `${findingLine(c.finding)} (${c.reason})`, LIST_LIMIT, "see the annotations")}`);
  }
  if (s.skipped.length > 0) parts.push(`### Files skipped\n${capped(s.skipped, (f) => `- \`${f.path}\`: ${f.reason}`, 100, "not listed")}`);
  if (s.notes.length > 0) parts.push(`### Notes\n${capped(s.notes, (f) => `- \`${f.path}\`: ${f.reason}`, LIST_LIMIT, "not listed")}`);
  if (s.annotationsLeftOut > 0) parts.push(`${plural(s.annotationsLeftOut, "finding")} beyond the annotation limit are not annotated.`);
  return fit(parts.join("\n\n"));
}

function ruleTable(findings: readonly Finding[]): string {
  const rules = [...new Set(findings.map((f) => f.rule))].sort();
  const count = (r: string, s: Severity) => findings.filter((f) => f.rule === r && f.severity === s).length;
  const rows = rules.map((r) => `| \`${r}\` | ${SEVERITIES.map((s) => count(r, s)).join(" | ")} |`);
  return [`| Rule | ${SEVERITIES.join(" | ")} |`, `|---|${SEVERITIES.map(() => "---:").join("|")}|`, ...rows].join("\n");
}

/** Cuts `text` at a line boundary so that it fits GitHub's limit, saying so. */
export function fit(text: string, limit = SUMMARY_LIMIT): string {
  if (text.length <= limit) return text;
  const note = "\n\n(summary cut to fit GitHub's limit)";
  const cut = text.lastIndexOf("\n", limit - note.length);
  return text.slice(0, cut > 0 ? cut : limit - note.length) + note;
}
