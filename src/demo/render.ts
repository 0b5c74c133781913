// The review as a person sees it on the pull request page, as terminal text: each comment under
// its file and lines, a suggestion as the change it would make, and the check run.
import { diffArrays } from "diff";
import type { CheckRun, ReviewComment } from "./standin.js";

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOR: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39) };
export const PLAIN: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s };

/** One line of a suggestion shown as a diff against the lines it replaces. */
export interface DiffLine {
  kind: " " | "-" | "+";
  text: string;
}

export interface CommentView {
  path: string;
  /** "line 54" or "lines 29-33". */
  lines: string;
  /** The body's prose (markdown, hidden markers removed), without the suggestion block. */
  text: string;
  suggestion?: DiffLine[];
}

const SUGGESTION = /(`{3,})suggestion\n([\s\S]*?)\n?\1/;

/** What a reader sees of a review comment; `file` is the commented file at the head commit. */
export function viewComment(c: ReviewComment, file: string | undefined): CommentView {
  const first = c.start_line ?? c.line;
  const lines = c.line === null ? "the file" : first !== c.line ? `lines ${first}-${c.line}` : `line ${c.line}`;
  // A <details> section shows as GitHub shows it before a click: its summary, collapsed.
  const body = c.body
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<details><summary>([\s\S]*?)<\/summary>[\s\S]*?<\/details>/g, "▸ $1")
    .trim();
  const m = SUGGESTION.exec(body);
  const view: CommentView = { path: c.path, lines, text: body };
  if (m && c.line !== null && file !== undefined) {
    const current = file.split("\n").slice(first! - 1, c.line);
    const proposed = m[2] === "" ? [] : m[2]!.split("\n");
    view.suggestion = diffArrays(current, proposed).flatMap((part) =>
      part.value.map((text): DiffLine => ({ kind: part.added ? "+" : part.removed ? "-" : " ", text })),
    );
    view.text = (body.slice(0, m.index) + SUGGESTION_PLACE + body.slice(m.index + m[0].length)).trim();
  }
  return view;
}

/** Light markdown for a terminal: links as "text <url>", bold as bold, the rest as written. */
export function markdownToText(md: string, style: Style): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, "$1 <$2>")
    .replace(/\*\*([^*]+)\*\*/g, (_, s: string) => style.bold(s))
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const indent = (text: string, pad: string) =>
  text
    .split("\n")
    .map((l) => (l ? pad + l : l))
    .join("\n");

export const SUGGESTION_PLACE = "(suggested change below)";

export function renderComment(v: CommentView, style: Style): string {
  const [before, after] = v.suggestion ? v.text.split(SUGGESTION_PLACE) : [v.text];
  const out = [style.bold(`${v.path}, ${v.lines}`), indent(markdownToText(before!, style), "  ")];
  if (v.suggestion) {
    out.push("", "  " + style.bold("Suggested change"));
    for (const l of v.suggestion) {
      const text = `  ${l.kind} ${l.text.replace(/\t/g, "    ")}`;
      out.push(l.kind === "+" ? style.green(text) : l.kind === "-" ? style.red(text) : style.dim(text));
    }
    if (after?.trim()) out.push("", indent(markdownToText(after, style), "  "));
  }
  return out.join("\n");
}

export function renderCheckRun(run: CheckRun, style: Style): string {
  const state = run.status === "completed" ? `completed, conclusion ${style.bold(run.conclusion ?? "none")}` : run.status;
  const out = [style.bold(`Check run "${run.name}" on ${run.head_sha.slice(0, 7)}: `) + state];
  if (run.output.title) out.push("  " + style.bold(run.output.title));
  if (run.output.summary) out.push(indent(markdownToText(run.output.summary, style), "  "));
  if (run.annotations.length > 0) {
    out.push(`  Annotations (${run.annotations.length}):`);
    for (const a of run.annotations) out.push(`    ${a.path}:${a.start_line} ${a.annotation_level}: ${a.title ?? a.message.split("\n")[0]}`);
  }
  if (run.actions.length > 0) out.push(`  Buttons: ${run.actions.map((a) => `[${a.label}]`).join(" ")}`);
  return out.join("\n");
}
