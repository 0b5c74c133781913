// Syntax: what the tree-sitter-go tree says, with no resolution of names: statements of a block,
// the enclosing function, statement and loop of a node, spans, parentheses, expression lists.
import type { GoNode, Span, Unit } from "../../src/analyzer/types.js";

export const FUNCTION_TYPES = new Set(["function_declaration", "method_declaration", "func_literal"]);

/** The statements of a block (`{ ... }`), comments left out. */
export function statementsOf(block: GoNode | null | undefined): GoNode[] {
  if (!block) return [];
  const list = block.type === "statement_list" ? block : block.namedChildren.find((c) => c?.type === "statement_list");
  if (!list) return [];
  return list.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment");
}

/** Case bodies (expression_case, default_case, type_case, communication_case) hold statements directly or in a statement_list. */
export function caseStatements(clause: GoNode): GoNode[] {
  const list = clause.namedChildren.find((c) => c?.type === "statement_list");
  return list ? statementsOf(list) : [];
}

/** The nearest enclosing function (declaration or literal) of a node, the node itself excluded. */
export function enclosingFunction(node: GoNode): GoNode | null {
  const found = functionsOf(node.tree).around(node);
  if (found !== undefined) return found;
  for (let p = node.parent; p; p = p.parent) if (FUNCTION_TYPES.has(p.type)) return p;
  return null;
}

/**
 * The functions of a tree (declarations and literals) by position, from one walk in WASM: the
 * enclosing function of a node is found by its span, not by climbing its parents (each parent is
 * a call into WASM and a new node object, and rules ask this of most nodes they look at).
 */
class FunctionSpans {
  private readonly nodes: GoNode[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Index of the function around each function, -1 at the top level. */
  private readonly outer: number[] = [];

  constructor(tree: GoNode["tree"]) {
    // Top-level declarations, then the literals inside those whose text can hold one (most
    // functions have no literal: their bodies are not walked).
    for (const d of tree.rootNode.namedChildren) {
      if (!d) continue;
      const fn = d.type === "function_declaration" || d.type === "method_declaration";
      if (fn) this.nodes.push(d);
      if (d.text.indexOf("func", fn ? 4 : 0) < 0) continue;
      for (const n of d.descendantsOfType(fn ? ["func_literal"] : [...FUNCTION_TYPES])) if (n && n.id !== d.id) this.nodes.push(n);
    }
    const open: number[] = [];
    this.nodes.forEach((n, i) => {
      const start = n.startIndex;
      const end = n.endIndex;
      // In source order, an enclosing function comes before the functions it holds.
      while (open.length > 0 && this.ends[open[open.length - 1]!]! <= start) open.pop();
      this.starts.push(start);
      this.ends.push(end);
      this.outer.push(open.length > 0 ? open[open.length - 1]! : -1);
      open.push(i);
    });
  }

  /**
   * The innermost function whose span holds `node`'s, `node` excluded: null when none does;
   * undefined when the span cannot tell (an empty node, or one with a function's very span, which
   * may sit inside that function or around it).
   */
  around(node: GoNode): GoNode | null | undefined {
    const start = node.startIndex;
    const end = node.endIndex;
    if (start === end) return undefined;
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= start) lo = mid + 1;
      else hi = mid;
    }
    let i = lo - 1;
    while (i >= 0 && this.ends[i]! < end) i = this.outer[i]!;
    // Skip the node itself; a function with the same span that is not the node: ambiguous.
    if (i >= 0 && this.starts[i] === start && this.ends[i] === end) {
      if (this.nodes[i]!.id !== node.id) return undefined;
      i = this.outer[i]!;
    }
    return i < 0 ? null : this.nodes[i]!;
  }
}

const functionSpans = new WeakMap<GoNode["tree"], FunctionSpans>();

function functionsOf(tree: GoNode["tree"]): FunctionSpans {
  let f = functionSpans.get(tree);
  if (!f) functionSpans.set(tree, (f = new FunctionSpans(tree)));
  return f;
}

/** The statement of the enclosing statement list that holds `node` (within its function). */
export function statementOf(node: GoNode): GoNode | null {
  for (let n: GoNode | null = node; n; n = n.parent) {
    if (FUNCTION_TYPES.has(n.type)) return null;
    if (n.parent?.type === "statement_list") return n;
  }
  return null;
}

/**
 * The nearest `for` of the same function that evaluates `node` again on every iteration:
 * `node` sits in its body, its condition or its post statement (not its range expression or
 * its init statement, which run once per loop start).
 */
export function loopAround(node: GoNode): GoNode | null {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (FUNCTION_TYPES.has(p.type)) return null;
    if (p.type !== "for_statement" || child.type === "range_clause") continue;
    const init = child.type === "for_clause" ? child.childForFieldName("initializer") : null;
    if (!init || !(init.startIndex <= node.startIndex && node.endIndex <= init.endIndex)) return p;
  }
  return null;
}

/** The nearest for loop between `node` and the function `stop` (exclusive), or null. */
export function loopBetween(node: GoNode, stop: GoNode): GoNode | null {
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) {
    if (p.type === "for_statement") return p;
    if (p.type === "func_literal") return null;
  }
  return null;
}

export function contains(outer: Span | GoNode, inner: Span | GoNode): boolean {
  const os = "startIndex" in outer ? outer.startIndex : outer.start;
  const oe = "endIndex" in outer ? outer.endIndex : outer.end;
  const is = "startIndex" in inner ? inner.startIndex : inner.start;
  const ie = "endIndex" in inner ? inner.endIndex : inner.end;
  return is >= os && ie <= oe;
}

export function spanOf(node: GoNode): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/** The leading whitespace of the line `index` sits on. */
export function indentAt(source: string, index: number): string {
  const lineStart = source.lastIndexOf("\n", index - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

/** String index just past the end of the line `index` sits on (after its newline). */
export function endOfLine(source: string, index: number): number {
  const nl = source.indexOf("\n", index);
  return nl === -1 ? source.length : nl + 1;
}

/** Descendants of the given types, not descending into nested function literals. */
export function descendantsInFunction(root: GoNode, types: string | string[]): GoNode[] {
  const want = new Set(Array.isArray(types) ? types : [types]);
  const out: GoNode[] = [];
  const walk = (n: GoNode) => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (want.has(c.type)) out.push(c);
      if (c.type !== "func_literal") walk(c);
    }
  };
  walk(root);
  return out;
}

/** Whether `name` is free in the unit: no identifier anywhere in it spells it. */
export function nameIsFree(unit: Unit, name: string): boolean {
  return !unit.nodes("identifier").some((id) => id?.text === name);
}

/** Strips parentheses: `(x)` → `x`. */
export function unparen(node: GoNode): GoNode {
  let n = node;
  while (n.type === "parenthesized_expression" && n.namedChildren[0]) n = n.namedChildren[0];
  return n;
}

/** The named elements of an expression_list (or the node itself), comments left out. */
export function listOf(node: GoNode | null | undefined): GoNode[] {
  if (!node) return [];
  if (node.type !== "expression_list") return [node];
  return node.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment");
}

/** The arguments of a call (types included, as in `make([]byte, n)`), comments left out. */
export function argsOf(call: GoNode): GoNode[] {
  const list = call.childForFieldName("arguments");
  return list ? list.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment") : [];
}

/** The operator of a unary, binary or assignment node: "&", "+", "=", ":=" ... */
export const operatorOf = (n: GoNode): string => n.childForFieldName("operator")?.type ?? "";
