// Functions a change moves from one file to another. A diff shows a move as a function removed
// from one file and added to another; with scope `new`, the moved function's findings were there
// before the change, so its old file's version is analysed too (engine.ts, analyzeMoved), and
// only what the change introduced is reported. Found by the `func` lines alone, before parsing.
import { DiffError, rebuildBase, type FileDiff } from "../diff/diff.js";
import { funcChunkName } from "./gofile.js";

/** The old version of a file the change removes a moved function from. */
export interface MovedSource {
  /** The old file's path (at the base). */
  path: string;
  /** Its text at the base. */
  base: string;
}

/** `F` / `T.M` of the top-level `func` lines the diff adds (`add`) or removes (`del`). */
export function funcLines(diff: FileDiff, kind: "add" | "del"): Set<string> {
  const out = new Set<string>();
  for (const h of diff.hunks)
    for (const l of h.lines) {
      if (l.kind !== kind || !l.text.startsWith("func")) continue;
      const name = funcChunkName(l.text);
      if (name !== undefined) out.add(name);
    }
  return out;
}

/**
 * For each file of a change, the other Go files that remove a function it adds, each with its old
 * text: `headOf(diff)` gives the other file's text at the head (not asked for a deleted file;
 * undefined when it cannot be read, and the file is left out). A diff that does not match its file
 * is left out too. Each file's removed names and old text are worked out once, for all the files.
 */
export function movesIn(all: readonly FileDiff[], headOf: (d: FileDiff) => string | undefined): (into: FileDiff) => MovedSource[] {
  const removed = new Map<FileDiff, Set<string>>();
  const bases = new Map<FileDiff, MovedSource | null>();
  const removedBy = (d: FileDiff) => removed.get(d) ?? removed.set(d, funcLines(d, "del")).get(d)!;
  const baseOf = (d: FileDiff): MovedSource | null => {
    if (bases.has(d)) return bases.get(d)!;
    let out: MovedSource | null = null;
    const head = d.status === "deleted" ? "" : headOf(d);
    if (head !== undefined) {
      try {
        out = { path: d.oldPath!, base: rebuildBase(head, d) };
      } catch (err) {
        if (!(err instanceof DiffError)) throw err;
      }
    }
    bases.set(d, out);
    return out;
  };
  return (into) => {
    const added = funcLines(into, "add");
    if (added.size === 0) return [];
    const out: MovedSource[] = [];
    for (const d of all) {
      if (d === into || d.status === "added" || !d.oldPath?.endsWith(".go") || d.oldPath === into.oldPath) continue;
      if (![...removedBy(d)].some((n) => added.has(n))) continue;
      const base = baseOf(d);
      if (base) out.push(base);
    }
    return out;
  };
}
