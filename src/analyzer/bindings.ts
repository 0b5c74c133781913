// Local name resolution for one function (or package-level declaration), nested literals included.
// Go's block scoping over tree-sitter-go's syntax: parameters and results, `:=` (which only
// declares names new to its scope), `var`/`const`, range and type-switch variables, and the
// implicit scopes of if/for/switch/select headers and cases.
import type { Binding, Bindings, GoNode } from "./types.js";

type Scope = { vars: Map<string, Binding>; parent: Scope | undefined };

export function resolveBindings(root: GoNode): Bindings {
  const all: Binding[] = [];
  const byUse = new Map<number, Binding>();
  const byDecl = new Map<number, Binding>();

  const lookup = (scope: Scope | undefined, name: string): Binding | undefined => {
    for (let s = scope; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  };
  const child = (parent: Scope): Scope => ({ vars: new Map(), parent });
  const declare = (scope: Scope, id: GoNode, kind: Binding["kind"], decl: GoNode, type: GoNode | null): void => {
    if (id.type !== "identifier" || id.text === "_") return;
    const b: Binding = { name: id.text, id, kind, decl, type, uses: [] };
    scope.vars.set(b.name, b);
    all.push(b);
    byDecl.set(id.id, b);
  };
  const use = (scope: Scope, id: GoNode): void => {
    const b = lookup(scope, id.text);
    if (b) {
      b.uses.push(id);
      byUse.set(id.id, b);
    }
  };

  const declareParams = (scope: Scope, list: GoNode | null, kind: Binding["kind"]): void => {
    if (!list || list.type !== "parameter_list") return;
    for (const p of list.namedChildren) {
      if (!p || (p.type !== "parameter_declaration" && p.type !== "variadic_parameter_declaration")) continue;
      for (const name of p.childrenForFieldName("name")) if (name) declare(scope, name, kind, p, p.childForFieldName("type"));
    }
  };

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
  return {
    all,
    resolve: (id) => byUse.get(id.id) ?? byDecl.get(id.id),
    declaredBy: (id) => byDecl.get(id.id),
  };
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
