// Text edits: applying them (refusing overlaps) and rendering them as a GitHub suggestion,
// i.e. the replacement text for an exact range of whole lines of the new file.
import type { LineIndex } from "./source.js";
import type { TextEdit } from "./types.js";

export class OverlappingEditsError extends Error {}

export function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) throw new OverlappingEditsError(`edits overlap at index ${e.start}`);
    out += source.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + source.slice(cursor);
}

/** Whole lines `startLine..endLine` of `source` and what they become once `edits` are applied. */
export function suggestionFor(
  source: string,
  lines: LineIndex,
  edits: readonly TextEdit[],
  anchorLine: number,
): { startLine: number; endLine: number; replacement: string } {
  let startLine = anchorLine;
  let endLine = anchorLine;
  for (const e of edits) {
    startLine = Math.min(startLine, lines.lineOf(e.start));
    const endIsLineStart = e.end > e.start && lines.startOf(lines.lineOf(e.end)) === e.end;
    endLine = Math.max(endLine, lines.lineOf(e.end) - (endIsLineStart ? 1 : 0));
  }
  const from = lines.startOf(startLine);
  const to = lines.endOf(endLine);
  const local = edits.map((e) => ({ start: e.start - from, end: e.end - from, text: e.text }));
  return { startLine, endLine, replacement: applyEdits(source.slice(from, to), local) };
}

