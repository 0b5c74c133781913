// `//ptrguard:ignore <rule-id> <reason>` (or `... -- <reason>`) and `//nolint[:...ptrguard...]`,
// on the flagged line or the line above it.
import type { LineIndex } from "./source.js";

export interface Directive {
  line: number;
  start: number;
  end: number;
  /** Rule ids it silences; `*` for a bare //nolint, `ptrguard` for //nolint:ptrguard. */
  rules: string[];
  reason: string;
  kind: "ignore" | "nolint";
  used: boolean;
}

const IGNORE = /\/\/\s*ptrguard:ignore\b[ \t]*([^\n]*)/g;
const NOLINT = /\/\/\s*nolint(?::([\w,-]+))?/g;

export function readDirectives(source: string, lines: LineIndex): Directive[] {
  const out: Directive[] = [];
  for (const m of source.matchAll(IGNORE)) {
    const rest = m[1]!.replace(/\r$/, "").trim();
    const [ids = "", ...words] = rest.split(/\s+/);
    const reason = words.join(" ").replace(/^--\s*/, "").trim();
    out.push({ line: lines.lineOf(m.index!), start: m.index!, end: m.index! + m[0].length, rules: ids ? ids.split(",") : [], reason, kind: "ignore", used: false });
  }
  for (const m of source.matchAll(NOLINT)) {
    const list = m[1]?.split(",");
    if (list && !list.includes("ptrguard")) continue;
    out.push({ line: lines.lineOf(m.index!), start: m.index!, end: m.index! + m[0].length, rules: list ? ["ptrguard"] : ["*"], reason: "nolint", kind: "nolint", used: false });
  }
  return out;
}

/** Marks and returns the directive that silences `rule` at `line`, if any. */
export function suppressedBy(directives: Directive[], rule: string, line: number): Directive | undefined {
  const d = directives.find((d) => (d.line === line || d.line === line - 1) && (d.rules.includes(rule) || d.rules.includes("*") || (d.kind === "nolint" && d.rules.includes("ptrguard"))));
  if (d) d.used = true;
  return d;
}
