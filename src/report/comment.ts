// The text of one review comment: the rule and severity, the rule's one-line message, related
// lines, the fix (a ```suggestion block on a line comment) with a line saying how it was checked,
// why it leaks (a collapsed section), the doc link, and the hidden fingerprint that lets a re-run
// recognise it.
import type { Finding } from "../analyzer/types.js";
import { marker } from "./fingerprint.js";

export interface CommentInput {
  finding: Finding;
  fp: string;
  /** Replacement text for the comment's lines, when the fix can be offered as a suggestion. */
  suggestion?: string | undefined;
  /** A file-level comment names its line and shows the fix as code, not as a suggestion. */
  level: "line" | "file";
  /** One sentence on where the comment sits and why (file-level fallbacks). */
  note?: string | undefined;
}

/** Every offered fix passed src/analyzer/verify.ts. */
export const FIX_CHECKED = "_Checked: the fixed function parses and this rule no longer reports it._";

export function commentBody(c: CommentInput): string {
  const f = c.finding;
  const where = c.level === "file" ? ` on line ${f.line}` : "";
  const parts = [`**[${f.rule}]** ${f.severity}${where}: ${f.message}`];
  if (c.note) parts.push(`_${c.note}_`);
  // A related location in another file of the package names that file: "- events.go line 88: ...".
  if (f.related.length > 0) parts.push(f.related.map((r) => `- ${r.path ? `\`${r.path}\` ` : ""}line ${r.line}: ${r.message}`).join("\n"));
  if (f.fix && c.level === "line" && c.suggestion !== undefined) {
    parts.push(`Suggested fix: ${f.fix.description}.\n${FIX_CHECKED}\n\n${fenced("suggestion", c.suggestion)}`);
  } else if (f.fix) {
    const s = f.fix.suggestion;
    const lines = s.startLine === s.endLine ? `line ${s.startLine}` : `lines ${s.startLine}-${s.endLine}`;
    parts.push(`Suggested fix: ${f.fix.description} (replaces ${lines}):\n${FIX_CHECKED}\n\n${fenced("go", s.replacement)}`);
  }
  parts.push(`<details><summary>Why it matters</summary>\n\n${f.why}\n\n</details>`);
  parts.push(`Docs: [${f.title}](${f.docs})\n${marker(c.fp)}`);
  return parts.join("\n\n");
}

/** A fenced block whose fence is longer than any run of backticks in `text`. */
export function fenced(info: string, text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${fence}`;
}
