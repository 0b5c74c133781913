// A suggested fix is offered only when it is checked: its edits apply without overlapping, the
// fixed function re-parses without errors, and the rule that reported the finding no longer
// fires there when it runs again on the fixed code (it reports fewer findings of that message at
// that place than before). Otherwise the fix is dropped and the finding kept. The engine supplies
// the re-analysis (`FixedVersion`); this module decides.
import { applyEdits, OverlappingEditsError } from "./fixes.js";
import type { Diagnostic, GoNode, Span, TextEdit } from "./types.js";

/** The fixed source, parsed, with the rule ready to run again on the fixed unit. */
export interface FixedVersion {
  root: GoNode;
  /** The rule's diagnostics on the fixed unit (spans in the fixed source); undefined when the unit is gone. */
  run(): Diagnostic[] | undefined;
  dispose(): void;
}

export interface FixToCheck {
  source: string;
  edits: readonly TextEdit[];
  /** The finding the fix is for. */
  diagnostic: Diagnostic;
  /** Everything the rule reported on the unit (the finding included). */
  siblings: readonly Diagnostic[];
  /** The reported unit's span in `source`. */
  unit: Span;
  /**
   * Parses `fixed` (at least the top-level declarations overlapping `keep`) and prepares the
   * rule's re-run on the unit at `unit` (its span in `fixed`).
   */
  open(fixed: string, keep: readonly Span[], unit: Span): FixedVersion;
}

/** True when the fix may be offered. */
export function fixIsVerified(c: FixToCheck): boolean {
  let fixed: string;
  try {
    fixed = applyEdits(c.source, c.edits);
  } catch (err) {
    if (err instanceof OverlappingEditsError) return false;
    throw err;
  }
  const sorted = [...c.edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const changed = sorted.map((e) => ({ start: mapIndex(sorted, e.start, "start"), end: mapIndex(sorted, e.start, "start") + e.text.length }));
  const unit = { start: mapIndex(sorted, c.unit.start, "start"), end: mapIndex(sorted, c.unit.end, "end") };
  const span = c.diagnostic.span;
  const at = { start: mapIndex(sorted, span.start, "start"), end: mapIndex(sorted, span.end, "end") };
  // Findings of the same kind at the same place: the fix must leave one fewer of them. (Two
  // re-slices stored by one statement are two findings with one span; fixing one leaves the other.)
  const same = (d: Diagnostic, where: Span) => d.messageId === c.diagnostic.messageId && overlaps(d.span, where);
  const before = c.siblings.filter((d) => same(d, span)).length;
  const version = c.open(fixed, [unit, ...changed], unit);
  try {
    // Every top-level declaration the fix touches (the fixed function first of all) parses cleanly.
    const touched = version.root.children.filter((n): n is GoNode => !!n && [unit, ...changed].some((s) => touchesRange(s, n.startIndex, n.endIndex)));
    if (touched.length === 0 || touched.some((n) => n.hasError || n.type === "ERROR")) return false;
    let again: Diagnostic[] | undefined;
    try {
      again = version.run();
    } catch {
      return false; // the rule fails on the fixed code: offer nothing we could not check
    }
    return !!again && again.filter((d) => same(d, at)).length < before;
  } finally {
    version.dispose();
  }
}

/** Where index `i` of the original source lands once `edits` (sorted, disjoint) are applied. */
export function mapIndex(edits: readonly TextEdit[], i: number, side: "start" | "end"): number {
  let delta = 0;
  for (const e of edits) {
    if (e.end <= i && !(e.end === i && e.start === i && side === "start")) {
      delta += e.text.length - (e.end - e.start);
      continue;
    }
    // Inside a replaced range: the start of the replacement, or its end for the end of a span.
    if (e.start < i) return e.start + delta + (side === "end" ? e.text.length : 0);
    break;
  }
  return i + delta;
}

/** Whether span `s` lies partly in [start, end): an empty span (an insertion) counts at its position. */
export function touchesRange(s: Span, start: number, end: number): boolean {
  return s.start === s.end ? start <= s.start && s.start < end : s.start < end && start < s.end;
}

/** Closed-interval overlap, so an empty span at a boundary still counts. */
function overlaps(a: { startIndex: number; endIndex: number } | Span, b: Span): boolean {
  const s = "startIndex" in a ? a.startIndex : a.start;
  const e = "endIndex" in a ? a.endIndex : a.end;
  return s <= b.end && b.start <= e;
}
