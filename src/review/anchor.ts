// Step 4a: where each finding can go. GitHub rejects a whole review (422) when one comment sits
// outside the diff, so every line comment is checked here against GitHub's own hunks: RIGHT
// side, inside a hunk, `start_line` in the same hunk as `line`, and a suggestion replacing
// exactly the commented lines. What cannot sit on a line goes on the file, else the check run.
import type { Finding } from "../analyzer/types.js";
import { commentableLines, type FileDiff } from "../diff/diff.js";
import type { LineComment } from "../github/types.js";
import { commentBody } from "../report/comment.js";

export type Placed =
  | { kind: "line"; finding: Finding; fp: string; comment: LineComment }
  | { kind: "file"; finding: Finding; fp: string; body: string }
  | { kind: "check"; finding: Finding; fp: string; reason: string };

export interface FileForAnchoring {
  /** GitHub's diff of the file; undefined when GitHub sent no patch. */
  githubDiff: FileDiff | undefined;
  content: string;
}

export const NO_PATCH = "GitHub sent no diff for this file (too large), so no comment can sit on its lines";

export function place(finding: Finding, fp: string, file: FileForAnchoring, lines = file.githubDiff && commentableLines(file.githubDiff)): Placed {
  if (!file.githubDiff || !lines) return { kind: "check", finding, fp, reason: NO_PATCH };
  const hunk = lines.get(finding.line);
  if (hunk === undefined) return fileLevel(finding, fp, `line ${finding.line} is outside this pull request's diff, so this comment sits on the file`);

  const s = finding.fix?.suggestion;
  if (s) {
    const inHunk = lines.get(s.startLine) === hunk && lines.get(s.endLine) === hunk;
    const current = sliceLines(file.content, s.startLine, s.endLine);
    if (inHunk && current !== s.replacement) {
      const comment: LineComment = { path: finding.path, body: commentBody({ finding, fp, level: "line", suggestion: s.replacement }), line: s.endLine, side: "RIGHT" };
      if (s.startLine < s.endLine) Object.assign(comment, { start_line: s.startLine, start_side: "RIGHT" });
      return { kind: "line", finding, fp, comment };
    }
    const note = inHunk ? undefined : "the fix reaches lines outside this diff hunk, so it is shown as code rather than as a suggestion";
    return { kind: "line", finding, fp, comment: { path: finding.path, body: commentBody({ finding: inHunk ? withoutFix(finding) : finding, fp, level: "line", note }), line: finding.line, side: "RIGHT" } };
  }
  return { kind: "line", finding, fp, comment: { path: finding.path, body: commentBody({ finding, fp, level: "line" }), line: finding.line, side: "RIGHT" } };
}

/** A file-level comment (no suggestion: GitHub applies suggestions to lines only). */
export function fileLevel(finding: Finding, fp: string, note: string): Placed {
  return { kind: "file", finding, fp, body: commentBody({ finding, fp, level: "file", note }) };
}

/** A suggestion identical to the current code suggests nothing: drop it. */
function withoutFix(f: Finding): Finding {
  const { fix: _fix, ...rest } = f;
  return rest;
}

function sliceLines(content: string, start: number, end: number): string {
  return content.split(/\r?\n/).slice(start - 1, end).join("\n");
}
