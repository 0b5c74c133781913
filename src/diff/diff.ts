// Unified diffs: whole `git diff` output or GitHub's per-file `patch` fragments (hunks only).
// From them: the added lines, where removals happened, the lines a review comment may sit on,
// and the base version of a file rebuilt by reversing the diff on the new file.
import parseDiff from "parse-diff";

export interface DiffLine {
  kind: "add" | "del" | "ctx";
  text: string;
  /** Line in the old file (del, ctx). */
  oldLine?: number;
  /** Line in the new file (add, ctx). */
  newLine?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  status: "added" | "modified" | "renamed" | "deleted";
  hunks: Hunk[];
  /** The old file has no newline at its end ("\ No newline at end of file" after a removed line). */
  oldNoNewlineAtEnd: boolean;
  newNoNewlineAtEnd: boolean;
}

export class DiffError extends Error {}

const stripPrefix = (p: string | undefined): string | null => {
  if (!p || p === "/dev/null") return null;
  return p.replace(/^"|"$/g, "");
};

/** Parses a whole unified diff (as `git diff` prints it). Throws DiffError on text that is not a diff. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const normalised = text.replace(/\r\n/g, "\n");
  if (normalised.trim() === "") return [];
  if (!/^(diff --git |--- |@@ )/m.test(normalised)) throw new DiffError("not a unified diff");
  const files = parseDiff(normalised);
  if (files.length === 0) throw new DiffError("not a unified diff");
  return files.map(fromParsed);
}

/** Parses GitHub's `patch` of one file: hunks with no file header. */
export function parsePatch(patch: string, path: string, status: FileDiff["status"] = "modified", previousPath?: string): FileDiff {
  const normalised = patch.replace(/\r\n/g, "\n");
  const parsed = normalised.trim() === "" ? [] : parseDiff(normalised);
  const file = parsed[0] ? fromParsed(parsed[0]) : emptyDiff();
  file.newPath = status === "deleted" ? null : path;
  file.oldPath = status === "added" ? null : previousPath ?? path;
  file.status = status;
  return file;
}

function emptyDiff(): FileDiff {
  return { oldPath: null, newPath: null, status: "modified", hunks: [], oldNoNewlineAtEnd: false, newNoNewlineAtEnd: false };
}

function fromParsed(f: parseDiff.File): FileDiff {
  const out = emptyDiff();
  out.oldPath = stripPrefix(f.from);
  out.newPath = stripPrefix(f.to);
  out.status = f.new || !out.oldPath ? "added" : f.deleted || !out.newPath ? "deleted" : out.oldPath !== out.newPath ? "renamed" : "modified";
  for (const chunk of f.chunks) {
    const hunk: Hunk = { oldStart: chunk.oldStart, oldLines: chunk.oldLines, newStart: chunk.newStart, newLines: chunk.newLines, lines: [] };
    let oldLine = chunk.oldStart;
    let newLine = chunk.newStart;
    for (const change of chunk.changes) {
      if (change.content.startsWith("\\")) {
        // "\ No newline at end of file" applies to the line before it.
        const prev = hunk.lines[hunk.lines.length - 1];
        if (prev?.kind !== "add") out.oldNoNewlineAtEnd = true;
        if (prev?.kind !== "del") out.newNoNewlineAtEnd = true;
        continue;
      }
      const text = change.content.slice(1);
      if (change.type === "add") hunk.lines.push({ kind: "add", text, newLine: newLine++ });
      else if (change.type === "del") hunk.lines.push({ kind: "del", text, oldLine: oldLine++ });
      else hunk.lines.push({ kind: "ctx", text, oldLine: oldLine++, newLine: newLine++ });
    }
    out.hunks.push(hunk);
  }
  return out;
}

/** Lines of the new file that the diff adds. */
export function addedLines(diff: FileDiff): Set<number> {
  const out = new Set<number>();
  for (const h of diff.hunks) for (const l of h.lines) if (l.kind === "add") out.add(l.newLine!);
  return out;
}

/**
 * Where removals happened, as new-file line numbers: a removal before new line L is reported as L
 * (the first new line after the removed block).
 */
export function removalPositions(diff: FileDiff): number[] {
  const out: number[] = [];
  for (const h of diff.hunks) {
    // A hunk that only removes lines has newStart = the line before the removal (as git writes it).
    let next = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    let pending = false;
    for (const l of h.lines) {
      if (l.kind === "del") pending = true;
      else {
        if (pending) out.push(l.newLine!);
        pending = false;
        next = l.newLine! + 1;
      }
    }
    if (pending) out.push(next);
  }
  return out;
}

/**
 * The old file's line for an unchanged line of the new file (a context line, or one outside every
 * hunk); undefined for a line the diff adds.
 */
export function oldLineOf(diff: FileDiff, newLine: number): number | undefined {
  // The first line after a hunk, in each file (a hunk of no lines sits after its start line).
  const after = (start: number, lines: number) => (lines > 0 ? start + lines : start + 1);
  let shift = 0;
  for (const h of diff.hunks) {
    if (newLine < (h.newLines > 0 ? h.newStart : h.newStart + 1)) break;
    if (newLine < after(h.newStart, h.newLines)) return h.lines.find((l) => l.kind === "ctx" && l.newLine === newLine)?.oldLine;
    shift = after(h.oldStart, h.oldLines) - after(h.newStart, h.newLines);
  }
  return newLine + shift;
}

/** RIGHT-side lines a review comment may sit on, mapped to the index of their hunk. */
export function commentableLines(diff: FileDiff): Map<number, number> {
  const out = new Map<number, number>();
  diff.hunks.forEach((h, i) => {
    for (const l of h.lines) if (l.kind !== "del") out.set(l.newLine!, i);
  });
  return out;
}

/**
 * Rebuilds the old file from the new one by reversing the diff. Every context and added line of
 * the diff must match the new file, else the diff is not this file's (DiffError).
 */
export function rebuildBase(newSource: string, diff: FileDiff): string {
  if (diff.status === "added") return "";
  const eol = newSource.includes("\r\n") ? "\r\n" : "\n";
  const newLines = newSource.split(/\r?\n/);
  if (newLines.length > 0 && newLines[newLines.length - 1] === "") newLines.pop();
  const out: string[] = [];
  let cursor = 1; // next new-file line to copy
  for (const h of diff.hunks) {
    const first = h.lines.find((l) => l.kind !== "del")?.newLine ?? h.newStart + (h.newLines === 0 ? 1 : 0);
    for (; cursor < first && cursor <= newLines.length; cursor++) out.push(newLines[cursor - 1]!);
    for (const l of h.lines) {
      if (l.kind !== "del") {
        const actual = newLines[l.newLine! - 1];
        if (actual === undefined || actual.replace(/\r$/, "") !== l.text.replace(/\r$/, "")) {
          throw new DiffError(`line ${l.newLine} does not match the diff`);
        }
        cursor = l.newLine! + 1;
      }
      if (l.kind !== "add") out.push(l.text.replace(/\r$/, ""));
    }
  }
  for (; cursor <= newLines.length; cursor++) out.push(newLines[cursor - 1]!);
  if (out.length === 0) return "";
  return out.join(eol) + (diff.oldNoNewlineAtEnd ? "" : eol);
}
