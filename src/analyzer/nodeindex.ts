// One walk per unit: the nodes of the types rules look for, found by a single descendantsOfType
// call (one pass in WASM), bucketed by type and shared by every rule. Every node access through
// web-tree-sitter crosses into WASM and allocates, so rules that each walked the whole function
// (about 13 walks per function) cost more than parsing it; here they filter an array instead.
import { BINDING_TYPES } from "./bindings.js";
import type { GoNode } from "./types.js";

/**
 * The types indexed by the one walk. Other types (selector expressions: many, and rarely asked
 * for) are found by their own walk, once per unit and query, on first request.
 */
export const INDEXED_TYPES: readonly string[] = [...new Set([
  // What local names resolve from (./bindings.ts resolveFlat): identifiers, scopes, declarations.
  ...BINDING_TYPES,
  "assignment_statement",
  "break_statement",
  "call_expression",
  "const_spec",
  "continue_statement",
  "defer_statement",
  "expression_statement",
  "for_statement",
  "func_literal",
  "go_statement",
  "goto_statement",
  "keyed_element",
  "labeled_statement",
  "literal_value",
  "parameter_declaration",
  "range_clause",
  "receive_statement",
  "return_statement",
  "select_statement",
  "send_statement",
  "short_var_declaration",
  "slice_expression",
  "type_alias",
  "type_spec",
  "type_switch_statement",
  "unary_expression",
  "var_spec",
  "variadic_parameter_declaration",
])];
const INDEXED = new Set(INDEXED_TYPES);

/** How many unit walks the process has done (for tests and the benchmark: one per analysed function). */
export const indexStats = { walks: 0 };

interface Entry {
  node: GoNode;
  type: string;
  start: number;
  /** endIndex, read from WASM on first need. */
  end: number | undefined;
}

export class NodeIndex {
  private entries: Entry[] | undefined;
  private readonly byType = new Map<string, Entry[]>();
  private readonly queries = new Map<string, GoNode[]>();

  constructor(private readonly root: GoNode) {}

  /** Nodes of the given types under `within` (default: the unit; `within` itself included when it matches), in source order. */
  nodes(types: string | readonly string[], within?: GoNode): GoNode[] {
    const list = typeof types === "string" ? [types] : types;
    if (within && !this.covers(within)) return within.descendantsOfType(list as string[]).filter((n): n is GoNode => !!n);
    if (!list.every((t) => INDEXED.has(t))) {
      // Not in the one walk: a walk of `within` alone, or one of the unit kept for the next rule.
      if (within && within.id !== this.root.id) return within.descendantsOfType(list as string[]).filter((n): n is GoNode => !!n);
      const key = list.join(",");
      let all = this.queries.get(key);
      if (!all) this.queries.set(key, (all = this.root.descendantsOfType(list as string[]).filter((n): n is GoNode => !!n)));
      return all;
    }
    const entries = this.select(list);
    if (!within || within.id === this.root.id) return entries.map((e) => e.node);
    return this.inside(entries, within).map((e) => e.node);
  }

  /**
   * Nodes of the given types in the body of function `fn` (the unit's node or a func literal in
   * it), not inside the function literals nested in it; those literals themselves are included.
   * `fn` itself is not.
   */
  nodesInFunction(types: string | readonly string[], fn: GoNode): GoNode[] {
    const lits = this.nodes("func_literal", fn).filter((l) => l.id !== fn.id);
    const ends = lits.map((l) => l.endIndex);
    // Syntax nodes nest or are disjoint: one that starts inside a literal lies inside it.
    return this.nodes(types, fn).filter((n) => n.id !== fn.id && !lits.some((l, i) => l.startIndex < n.startIndex && n.startIndex < ends[i]!));
  }

  private covers(n: GoNode): boolean {
    return n.tree === this.root.tree && n.startIndex >= this.root.startIndex && n.endIndex <= this.root.endIndex;
  }

  private all(): Entry[] {
    if (!this.entries) {
      indexStats.walks++;
      this.entries = [];
      for (const node of this.root.descendantsOfType(INDEXED_TYPES as string[])) {
        if (!node) continue;
        const e: Entry = { node, type: node.type, start: node.startIndex, end: undefined };
        this.entries.push(e);
        let bucket = this.byType.get(e.type);
        if (!bucket) this.byType.set(e.type, (bucket = []));
        bucket.push(e);
      }
    }
    return this.entries;
  }

  private select(types: readonly string[]): Entry[] {
    const all = this.all();
    if (types.length === 1) return this.byType.get(types[0]!) ?? [];
    // Several types: filtered once per unit and kept (rules ask the same lists again and again).
    const key = types.join(",");
    let out = this.byType.get(key);
    if (!out) {
      const want = new Set(types);
      this.byType.set(key, (out = all.filter((e) => want.has(e.type))));
    }
    return out;
  }

  private endOf(e: Entry): number {
    return (e.end ??= e.node.endIndex);
  }

  /** Entries (sorted by start) inside `within`, `within` itself included. */
  private inside(entries: Entry[], within: GoNode): Entry[] {
    const ws = within.startIndex;
    const we = within.endIndex;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid]!.start < ws) lo = mid + 1;
      else hi = mid;
    }
    const out: Entry[] = [];
    for (let i = lo; i < entries.length && entries[i]!.start <= we; i++) {
      const e = entries[i]!;
      if (this.endOf(e) <= we && (e.start !== ws || this.isInside(e.node, within))) out.push(e);
    }
    return out;
  }

  /** `n` (with a span inside `within`'s) is `within` or a descendant, not an ancestor of the same span. */
  private isInside(n: GoNode, within: GoNode): boolean {
    if (n.id === within.id || n.startIndex !== within.startIndex || n.endIndex !== within.endIndex) return true;
    for (let p = within.parent; p && p.startIndex === within.startIndex && p.endIndex === within.endIndex; p = p.parent) if (p.id === n.id) return false;
    return true;
  }
}
