// A finding's identity across pushes: rule, file, enclosing unit, normalised code of the flagged
// line and its occurrence among identical ones. No line numbers, so moving code keeps it.
// It travels hidden in each review comment as `<!-- ptrguard:fp=<rule>/<hash> -->`.
import { createHash } from "node:crypto";
import type { Finding } from "../analyzer/types.js";

type Identity = Pick<Finding, "rule" | "path" | "unit" | "code">;

export function fingerprint(f: Identity, occurrence: number): string {
  const hash = createHash("sha256").update([f.rule, f.path, f.unit, f.code, String(occurrence)].join("\u0000")).digest("hex");
  return `${f.rule}/${hash.slice(0, 16)}`;
}

/**
 * Fingerprints of `findings`, in order; identical findings are told apart by their order in the file.
 * A renamed file is identified by its base path (`renamedFrom`: new path → old path), so renaming
 * it in a later push keeps its findings' threads.
 */
export function fingerprints(findings: readonly Finding[], renamedFrom: ReadonlyMap<string, string> = new Map()): string[] {
  findings = findings.map((f) => (renamedFrom.has(f.path) ? { ...f, path: renamedFrom.get(f.path)! } : f));
  const sorted = findings.map((f, i) => ({ f, i })).sort((a, b) => a.f.path.localeCompare(b.f.path) || a.f.line - b.f.line || a.f.column - b.f.column);
  const seen = new Map<string, number>();
  const out: string[] = new Array(findings.length);
  for (const { f, i } of sorted) {
    const key = [f.rule, f.path, f.unit, f.code].join("\u0000");
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    out[i] = fingerprint(f, n);
  }
  return out;
}

export const marker = (fp: string): string => `<!-- ptrguard:fp=${fp} -->`;

const MARKER = /<!-- ptrguard:fp=([a-z0-9-]+\/[0-9a-f]{16}) -->/;

/** The fingerprint hidden in a comment body, if ptrguard wrote it. */
export function readFingerprint(body: string): string | undefined {
  return MARKER.exec(body)?.[1];
}

/** The rule id part of a fingerprint. */
export const ruleOf = (fp: string): string => fp.slice(0, fp.indexOf("/"));
