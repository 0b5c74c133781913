// Local name resolution for one function (or package-level declaration), nested literals included.
// Go's block scoping over tree-sitter-go's syntax: parameters and results, `:=` (which only
// declares names new to its scope), `var`/`const`, range and type-switch variables, and the
// implicit scopes of if/for/switch/select headers and cases.
import type { Binding, Bindings, GoNode } from "./types.js";

type Scope = { vars: Map<string, Binding>; parent: Scope | undefined };

/** The bindings both resolvers record: declarations by scope, uses by identifier. */
class BindingTable implements Bindings {
  readonly all: Binding[] = [];
  private readonly byUse = new Map<number, Binding>();
  private readonly byDecl = new Map<number, Binding>();

  lookup(scope: Scope | undefined, name: string): Binding | undefined {
    for (let s = scope; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  declare(scope: Scope, id: GoNode, kind: Binding["kind"], decl: GoNode, type: GoNode | null): void {
    if (id.type !== "identifier" || id.text === "_") return;
    const b: Binding = { name: id.text, id, kind, decl, type, uses: [] };
    scope.vars.set(b.name, b);
    this.all.push(b);
    this.byDecl.set(id.id, b);
  }

  use(scope: Scope, id: GoNode, name = id.text): void {
    const b = this.lookup(scope, name);
    if (b) {
      b.uses.push(id);
      this.byUse.set(id.id, b);
    }
  }

  declareParams(scope: Scope, list: GoNode | null, kind: Binding["kind"]): void {
    if (!list || list.type !== "parameter_list") return;
    for (const p of list.namedChildren) {
      if (!p || (p.type !== "parameter_declaration" && p.type !== "variadic_parameter_declaration")) continue;
      for (const name of p.childrenForFieldName("name")) if (name) this.declare(scope, name, kind, p, p.childForFieldName("type"));
    }
  }

  resolve = (id: GoNode): Binding | undefined => this.byUse.get(id.id) ?? this.byDecl.get(id.id);
  declaredBy = (id: GoNode): Binding | undefined => this.byDecl.get(id.id);
}

export function resolveBindings(root: GoNode): Bindings {
  const t = new BindingTable();
  const [lookup, declare, use, declareParams] = [t.lookup.bind(t), t.declare.bind(t), t.use.bind(t), t.declareParams.bind(t)];
  const child = (parent: Scope): Scope => ({ vars: new Map(), parent });

  const visitChildren = (node: GoNode, scope: Scope): void => {
    for (const c of node.namedChildren) if (c) visit(c, scope);
  };

  const declareLeft = (scope: Scope, left: GoNode | null, kind: Binding["kind"], decl: GoNode): void => {
    for (const id of left?.namedChildren ?? []) {
      if (!id) continue;
      if (id.type === "identifier" && !scope.vars.has(id.text)) declare(scope, id, kind, decl, null);
      else visit(id, scope);
    }
  };

  const visitFunction = (node: GoNode, scope: Scope): void => {
    const fn = child(scope);
    declareParams(fn, node.childForFieldName("receiver"), "receiver");
    declareParams(fn, node.childForFieldName("parameters"), "param");
    declareParams(fn, node.childForFieldName("result"), "result");
    const body = node.childForFieldName("body");
    if (body) visitChildren(body, fn);
  };

  function visit(node: GoNode, scope: Scope): void {
    switch (node.type) {
      case "identifier":
        use(scope, node);
        return;
      case "function_declaration":
      case "method_declaration":
      case "func_literal":
        visitFunction(node, scope);
        return;
      case "block":
      case "expression_case":
      case "default_case":
      case "communication_case":
        visitChildren(node, child(scope));
        return;
      case "short_var_declaration": {
        const right = node.childForFieldName("right");
        if (right) visit(right, scope);
        declareLeft(scope, node.childForFieldName("left"), "var", node);
        return;
      }
      case "receive_statement": {
        const right = node.childForFieldName("right");
        if (right) visit(right, scope);
        const isDecl = node.children.some((c) => c?.type === ":=");
        if (isDecl) declareLeft(scope, node.childForFieldName("left"), "var", node);
        else {
          const left = node.childForFieldName("left");
          if (left) visit(left, scope);
        }
        return;
      }
      case "var_spec":
      case "const_spec": {
        const value = node.childForFieldName("value");
        if (value) visit(value, scope);
        const kind = node.type === "var_spec" ? "var" : "const";
        const type = node.childForFieldName("type");
        for (const id of node.childrenForFieldName("name")) if (id) declare(scope, id, kind, node, type);
        return;
      }
      case "for_statement": {
        const loop = child(scope);
        for (const c of node.namedChildren) {
          if (!c) continue;
          if (c.type === "range_clause") {
            const right = c.childForFieldName("right");
            if (right) visit(right, scope);
            if (c.children.some((t) => t?.type === ":=")) declareLeft(loop, c.childForFieldName("left"), "range", c);
            else {
              const left = c.childForFieldName("left");
              if (left) visit(left, loop);
            }
          } else visit(c, loop);
        }
        return;
      }
      case "if_statement":
      case "expression_switch_statement":
      case "select_statement":
        visitChildren(node, child(scope));
        return;
      case "type_switch_statement": {
        const sw = child(scope);
        const init = node.childForFieldName("initializer");
        if (init) visit(init, sw);
        const value = node.childForFieldName("value");
        if (value) visit(value, sw);
        const alias = node.childForFieldName("alias")?.namedChildren.find((c) => c?.type === "identifier") ?? null;
        for (const c of node.namedChildren) {
          if (!c || (c.type !== "type_case" && c.type !== "default_case")) continue;
          const cs = child(sw);
          if (alias) declare(cs, alias, "typeswitch", node, null);
          visitChildren(c, cs);
        }
        return;
      }
      case "labeled_statement": {
        for (const c of node.namedChildren) if (c && c.type !== "label_name") visit(c, scope);
        return;
      }
      case "selector_expression": {
        // Only the operand can name a local; the field is a member name.
        const operand = node.childForFieldName("operand");
        if (operand) visit(operand, scope);
        return;
      }
      case "type_parameter_list":
      case "type_declaration":
      case "comment":
        return;
      default:
        visitChildren(node, scope);
    }
  }

  visit(root, { vars: new Map(), parent: undefined });
  return t;
}

/** The statements and specs that can declare a local (what resolveBindings declares from). */
export const DECLARING_TYPES = [
  "parameter_declaration",
  "variadic_parameter_declaration",
  "short_var_declaration",
  "receive_statement",
  "var_spec",
  "const_spec",
  "range_clause",
  "type_switch_statement",
] as const;

/**
 * Every name a local of the unit may have (a superset, scopes ignored), read from its declaring
 * nodes alone: a name not in it never resolves to a local, so that answer needs no resolution.
 */
export function declaredNames(declaring: readonly GoNode[]): Set<string> {
  const out = new Set<string>();
  const add = (n: GoNode | null | undefined) => {
    if (n?.type === "identifier") out.add(n.text);
  };
  for (const d of declaring) {
    switch (d.type) {
      case "parameter_declaration":
      case "variadic_parameter_declaration":
      case "var_spec":
      case "const_spec":
        for (const n of d.childrenForFieldName("name")) add(n);
        break;
      case "type_switch_statement":
        for (const n of d.childForFieldName("alias")?.namedChildren ?? []) add(n);
        break;
      default:
        for (const n of d.childForFieldName("left")?.namedChildren ?? []) add(n);
    }
  }
  return out;
}

/**
 * Bindings that resolve only when asked about a name the unit declares somewhere: most
 * questions ("is `time` here the package?") are answered without resolving the unit's scopes.
 */
export function lazyBindings(resolve: () => Bindings, names: () => Set<string>): Bindings {
  return {
    get all() {
      return resolve().all;
    },
    resolve: (id) => (names().has(id.text) ? resolve().resolve(id) : undefined),
    declaredBy: (id) => (names().has(id.text) ? resolve().declaredBy(id) : undefined),
  };
}

/**
 * The node types resolveFlat reads from a unit's one walk (./nodeindex.ts): identifiers, the
 * nodes that open a scope, the nodes that declare, and type declarations (skipped).
 */
export const BINDING_TYPES = [
  "identifier",
  "func_literal",
  "block",
  "expression_case",
  "default_case",
  "communication_case",
  "type_case",
  "if_statement",
  "expression_switch_statement",
  "select_statement",
  "for_statement",
  "type_switch_statement",
  "short_var_declaration",
  "receive_statement",
  "range_clause",
  "var_spec",
  "const_spec",
  "type_declaration",
] as const;

const SCOPES = new Set(["func_literal", "block", "expression_case", "default_case", "communication_case", "type_case", "if_statement", "expression_switch_statement", "select_statement", "for_statement", "type_switch_statement"]);
const DEFERRED_LEFT = new Set(["short_var_declaration", "receive_statement", "range_clause"]);

/**
 * resolveBindings for a function or method declaration, read from the flat, source-ordered list
 * of its descendants of BINDING_TYPES (the unit's one walk) instead of a walk of every node: the
 * same bindings, uses in the same order. Scopes and pending declarations are intervals on a
 * stack; a declaration takes effect where its statement ends (`x := x` reads the outer x), and
 * the left side of `:=`, `<-` and `range` is read after the right side, as resolveBindings does.
 * Returns undefined for shapes it does not model (the caller falls back to resolveBindings).
 */
export function resolveFlat(root: GoNode, nodes: readonly GoNode[]): Bindings | undefined {
  if (root.type !== "function_declaration" && root.type !== "method_declaration") return undefined;
  const t = new BindingTable();
  const [lookup, declare, use, declareParams] = [t.lookup.bind(t), t.declare.bind(t), t.use.bind(t), t.declareParams.bind(t)];

  interface Open {
    end: number;
    /** A scope (its variables), or a declaration waiting for its end. */
    scope?: Scope;
    /** The scope a type switch declares its alias into per case. */
    alias?: GoNode | null;
    node: GoNode;
    /** Declaration: what to do at its end. */
    fire?: (scope: Scope) => void;
    /** Left-side identifiers held back until the end (in source order). */
    held?: GoNode[];
  }
  const top: Scope = { vars: new Map(), parent: undefined };
  let scope: Scope = { vars: new Map(), parent: top };
  declareParams(scope, root.childForFieldName("receiver"), "receiver");
  declareParams(scope, root.childForFieldName("parameters"), "param");
  declareParams(scope, root.childForFieldName("result"), "result");
  const body = root.childForFieldName("body");
  if (!body) return t;
  const stack: Open[] = [{ end: root.endIndex, scope, node: root }];
  /** Function bodies: their block is the function's scope, not a new one. */
  const bodies = new Set<number>([body.id]);
  /** Ranges whose identifiers are not uses: headers of functions, types of var specs, type declarations, names declared at a statement's end. */
  const skip: { start: number; end: number }[] = [];
  skip.push({ start: root.startIndex, end: body.startIndex });
  const skipIds = new Set<number>();
  let held: Open | undefined;
  const scopeOf = (): Scope => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.scope) return stack[i]!.scope!;
    return scope;
  };
  const close = (upTo: number): void => {
    while (stack.length > 1 && stack[stack.length - 1]!.end <= upTo) {
      const o = stack.pop()!;
      if (o.fire) o.fire(scopeOf());
      if (held === o) held = undefined;
    }
    scope = scopeOf();
    while (skip.length > 0 && skip[skip.length - 1]!.end <= upTo) skip.pop();
  };
  const skipped = (start: number): boolean => skip.some((r) => r.start <= start && start < r.end);

  for (const n of nodes) {
    const start = n.startIndex;
    close(start);
    const type = n.type;
    if (type === "identifier") {
      if (skipIds.has(n.id) || skipped(start)) continue;
      if (held) {
        held.held!.push(n);
        continue;
      }
      use(scope, n);
      continue;
    }
    if (held) return undefined; // a scope or declaration inside a held-back left side: not modelled
    if (skipped(start)) continue;
    const end = n.endIndex;
    if (type === "type_declaration") {
      skip.push({ start, end });
      continue;
    }
    if (SCOPES.has(type)) {
      if (type === "block" && bodies.has(n.id)) continue;
      const s: Scope = { vars: new Map(), parent: scope };
      const open: Open = { end, scope: s, node: n };
      if (type === "func_literal") {
        declareParams(s, n.childForFieldName("parameters"), "param");
        declareParams(s, n.childForFieldName("result"), "result");
        const b = n.childForFieldName("body");
        if (b) {
          bodies.add(b.id);
          skip.push({ start, end: b.startIndex });
        } else skip.push({ start, end });
      } else if (type === "type_switch_statement") {
        open.alias = n.childForFieldName("alias")?.namedChildren.find((c) => c?.type === "identifier") ?? null;
        const aliasList = n.childForFieldName("alias");
        if (aliasList) skip.push({ start: aliasList.startIndex, end: aliasList.endIndex });
      } else if (type === "type_case" || type === "default_case") {
        // A case of a type switch: the switch is the innermost open interval.
        const sw = stack[stack.length - 1]!;
        if (sw.node.type === "type_switch_statement") {
          if (sw.alias) declare(s, sw.alias, "typeswitch", sw.node, null);
        } else if (type === "type_case") return undefined;
      }
      stack.push(open);
      scope = s;
      continue;
    }
    if (type === "var_spec" || type === "const_spec") {
      const names = n.childrenForFieldName("name").filter((x): x is GoNode => !!x);
      const t = n.childForFieldName("type");
      for (const id of names) skipIds.add(id.id);
      if (t) skip.push({ start: t.startIndex, end: t.endIndex });
      const kind = type === "var_spec" ? "var" : "const";
      stack.push({ end, node: n, fire: (s) => names.forEach((id) => declare(s, id, kind, n, t)) });
      continue;
    }
    if (DEFERRED_LEFT.has(type)) {
      const left = n.childForFieldName("left");
      if (!left) continue;
      const isDecl = type === "short_var_declaration" || n.children.some((c) => c?.type === ":=");
      const kind: Binding["kind"] = type === "range_clause" ? "range" : "var";
      const elements = left.namedChildren.filter((c): c is GoNode => !!c);
      const direct = new Set(elements.map((e) => e.id));
      const open: Open = {
        end,
        node: n,
        held: [],
        fire: (s) => {
          for (const id of open.held!) {
            if (isDecl && direct.has(id.id) && !s.vars.has(id.text)) declare(s, id, kind, n, null);
            else use(s, id);
          }
        },
      };
      // The left side comes first in the source: its identifiers are held until the right side is read.
      const leftEnd = left.endIndex;
      stack.push(open);
      held = open;
      stack.push({ end: leftEnd, node: left, fire: () => (held = undefined) });
      continue;
    }
  }
  close(Number.MAX_SAFE_INTEGER);
  return t;
}
