// Suppression directives, as golangci-lint users write them:
//   //ptrguard:ignore <rule-id>[,<rule-id>...] [--] <reason>   the flagged line, or what follows
//   //ptrguard:ignore-file <rule-id>[,...] [--] <reason>       every finding of those rules in the file
//   //nolint, //nolint:all, //nolint:ptrguard[,other-linters]  every ptrguard rule
// A directive at the end of a line of code covers that line and the next. A directive on a line of
// its own covers the line below it, and when the code below starts a declaration or a statement (a
// `func`, a `go func() {...}()`, a `for` loop), the whole of it, as golangci-lint's //nolint does.
import { docsLink } from "../docs.js";
import type { LineIndex } from "./source.js";
import type { GoNode, Severity } from "./types.js";

export const DIRECTIVE_RULE = "ignore-directive";

/** The `ignore-directive` pseudo-rule's metadata, for the reports' rule lists (SARIF descriptors). */
export const DIRECTIVE_META = {
  id: DIRECTIVE_RULE,
  title: "Suppression directive",
  severity: "info" as Severity,
  summary: "A //ptrguard:ignore, //ptrguard:ignore-file or //nolint directive that names an unknown rule, gives no reason, or suppresses nothing.",
  why: "A suppression should name the rule it silences and say why; one that silences nothing hides the next real finding.",
  docs: docsLink("rules/README.md#suppressing-a-finding"),
};

export interface Directive {
  line: number;
  start: number;
  end: number;
  /** Rule ids it silences; `*` for every rule (//nolint, //nolint:all, //nolint:ptrguard). */
  rules: string[];
  reason: string;
  kind: "ignore" | "ignore-file" | "nolint";
  /** Lines it covers (the whole file for ignore-file). */
  from: number;
  to: number;
  /** Whether "suppresses nothing" may be said of it: not of a bare //nolint or //nolint:all, which are for every linter. */
  reportUnused: boolean;
  used: boolean;
}

const IGNORE = /\/\/[ \t]*ptrguard:(ignore-file|ignore)(?![\w-])[ \t]*([^\n]*)/g;
const NOLINT = /\/\/[ \t]*nolint(?![\w-])(?::([\w,.-]+))?/g;

export function readDirectives(source: string, lines: LineIndex, root?: GoNode): Directive[] {
  const out: Directive[] = [];
  const place = (start: number) => {
    const line = lines.lineOf(start);
    if (source.slice(lines.startOf(line), start).trim() !== "") return { line, from: line, to: line + 1 };
    return { line, from: line, to: Math.max(line + 1, root ? coveredTo(source, lines, root, line) : line + 1) };
  };
  for (const m of source.matchAll(IGNORE)) {
    const rest = m[2]!.replace(/\r$/, "").trim();
    const [ids = "", ...words] = rest.split(/\s+/);
    const reason = words.join(" ").replace(/^--\s*/, "").trim();
    const start = m.index!;
    const where = m[1] === "ignore-file" ? { line: lines.lineOf(start), from: 1, to: lines.lineCount } : place(start);
    const rules = ids && ids !== "--" ? ids.split(",").filter(Boolean) : [];
    out.push({ ...where, start, end: start + m[0].replace(/\s+$/, "").length, rules, reason, kind: m[1] as Directive["kind"], reportUnused: true, used: false });
  }
  for (const m of source.matchAll(NOLINT)) {
    const list = m[1]?.split(",");
    if (list && !list.includes("ptrguard") && !list.includes("all")) continue;
    const start = m.index!;
    const reportUnused = !!list && !list.includes("all");
    out.push({ ...place(start), start, end: start + m[0].length, rules: ["*"], reason: "nolint", kind: "nolint", reportUnused, used: false });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The last line of the declaration or statement that starts on the first line of code below
 * `line` (comment lines in between are skipped), or `line + 1` when there is none.
 */
function coveredTo(source: string, lines: LineIndex, root: GoNode, line: number): number {
  let next = line + 1;
  while (next <= lines.lineCount && /^\s*(\/\/.*)?$/.test(lines.lineText(next))) next++;
  if (next > lines.lineCount) return line + 1;
  const text = lines.lineText(next);
  const index = lines.startOf(next) + (text.length - text.trimStart().length);
  let node: GoNode | null = root.descendantForIndex(index);
  if (!node || node.startIndex !== index) return next;
  while (node.parent && node.parent.startIndex === index && !CONTAINERS.has(node.parent.type)) node = node.parent;
  // A bare identifier or keyword token says nothing about a range; a statement or declaration does.
  if (node.endIndex <= index || node.type === "source_file") return next;
  return Math.max(next, lines.lineOf(Math.max(node.startIndex, node.endIndex - 1)));
}

/** Nodes that hold a list of statements or declarations: climbing stops below them. */
const CONTAINERS = new Set(["source_file", "statement_list", "block", "expression_case", "default_case", "communication_case", "type_case"]);

const covers = (d: Directive, rule: string, line: number) => line >= d.from && line <= d.to && (d.rules.includes("*") || d.rules.includes(rule));

/** Marks and returns the directive that silences `rule` at `line`, if any. */
export function suppressedBy(directives: Directive[], rule: string, line: number): Directive | undefined {
  const hits = directives.filter((d) => covers(d, rule, line));
  for (const d of hits) d.used = true;
  return hits[0];
}

/** True when some directive that has not been used yet would silence `rule` at `line`. */
export const wouldUse = (directives: readonly Directive[], rule: string, line: number): boolean => directives.some((d) => !d.used && covers(d, rule, line));

/**
 * What is wrong with a directive, once every finding has been matched against it; `known` are the
 * rule ids ptrguard has. Undefined when nothing is. `wholeFile`: every function of the file was
 * analysed, so an unused //ptrguard:ignore-file really suppresses nothing.
 */
export function directiveProblem(d: Directive, known: ReadonlySet<string>, wholeFile: boolean): string | undefined {
  const name = d.kind === "nolint" ? "//nolint" : `//ptrguard:${d.kind}`;
  if (d.kind !== "nolint" && d.rules.length === 0) return `${name} names no rule: write ${name} <rule-id> -- <reason>`;
  const unknown = d.rules.filter((r) => r !== "*" && !known.has(r));
  if (unknown.length > 0) {
    const hints = unknown.map((u) => {
      const near = closest(u, [...known]);
      return near ? `\`${u}\` (did you mean \`${near}\`?)` : `\`${u}\``;
    });
    return `${name} names an unknown rule id: ${hints.join(", ")}; \`ptrguard rules\` lists the ids`;
  }
  if (d.kind !== "nolint" && !d.reason) return `${name} ${d.rules.join(",")} gives no reason: say why the finding is wrong here`;
  if (!d.used && d.reportUnused && (d.kind !== "ignore-file" || wholeFile)) return `this ${name} directive suppresses nothing: remove it`;
  return undefined;
}

/** The known id nearest to a typo (edit distance at most a third of its length), if any. */
function closest(typo: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(typo.length / 3)) + 1;
  for (const id of ids) {
    const d = distance(typo, id);
    if (d < bestDistance) [best, bestDistance] = [id, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
