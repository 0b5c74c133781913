// Calls: which package function a call invokes, through the file's import names (aliases and dot
// imports included) and without being fooled by a local variable that shadows a package name;
// builtin calls; method calls by name.
import type { FileView, GoNode, ImportName, Unit } from "../../src/analyzer/types.js";
import { unparen } from "./syntax.js";

export interface Callee {
  /** Import path, e.g. "context". */
  pkg: string;
  name: string;
}

/**
 * `pkg.Name(...)` or, under a dot import, `Name(...)`: the package function called, if any.
 * With `only`, calls into other packages are not resolved (cheaper: no local names looked up).
 */
export function packageCallee(call: GoNode, unit: Unit, only?: readonly string[]): Callee | undefined {
  if (call.type !== "call_expression" || !mayNamePackage(call, unit.file, only)) return undefined;
  const fn = call.childForFieldName("function");
  if (!fn) return undefined;
  return packageRef(unparen(fn), unit, only);
}

/**
 * Read from the source text alone (no node is made): whether the expression starting at `node`
 * can be `pkg.Name` of one of the wanted imports, or a dot-imported name. A selector's operand
 * starts the expression, so it must begin with an import name, or with `(` when parenthesized.
 */
function mayNamePackage(node: GoNode, file: FileView, only: readonly string[] | undefined): boolean {
  const names = file.memo(`calls.importNames:${only?.join(",") ?? ""}`, () => {
    const wanted = file.imports.filter((i) => i.kind !== "blank" && (!only || only.includes(i.path)));
    return wanted.some((i) => i.kind === "dot") ? null : wanted.map((i) => i.name);
  });
  if (names === null) return true;
  return names.some((n) => startsWithName(node, file, n));
}

/** The source at `node` can begin the name (or a parenthesis or comment before it): a cheap pre-check, no node made. */
function startsWithName(node: GoNode, file: FileView, name: string): boolean {
  const at = node.startIndex;
  const c = file.source.charCodeAt(at);
  return c === 40 /* ( */ || c === 47 /* / */ || file.source.startsWith(name, at);
}

/** `pkg.Name` or a dot-imported `Name`, as a reference to a package-level member. */
export function packageRef(node: GoNode, unit: Pick<Unit, "file" | "bindings">, only?: readonly string[]): Callee | undefined {
  const file = unit.file;
  const wanted = (i: ImportName) => !only || only.includes(i.path);
  if (node.type === "selector_expression") {
    const operand = node.childForFieldName("operand");
    const field = node.childForFieldName("field");
    if (!operand || !field || operand.type !== "identifier") return undefined;
    // The import is looked up first: resolving the unit's locals is the costly part.
    const imp = file.imports.find((i) => i.name === operand.text && (i.kind === "default" || i.kind === "alias"));
    if (!imp || !wanted(imp) || unit.bindings.resolve(operand)) return undefined;
    return { pkg: imp.path, name: field.text };
  }
  if (node.type === "identifier") {
    const dots = file.imports.filter((i) => i.kind === "dot");
    if (dots.length === 1 && wanted(dots[0]!) && !declaredInFile(file, node.text) && !unit.bindings.resolve(node)) return { pkg: dots[0]!.path, name: node.text };
  }
  return undefined;
}

/** A top-level declaration of the file names `name`. */
export function declaredInFile(file: FileView, name: string): boolean {
  return file.decls.some((d) => d.names.includes(name));
}

/** `name(...)` where `name` is the predeclared identifier (not a local, not declared in the file). */
export function isBuiltinCall(node: GoNode, name: string, unit: Unit): boolean {
  if (!startsWithName(node, unit.file, name) || node.type !== "call_expression") return false;
  const fn = unparen(node.childForFieldName("function")!);
  return fn.type === "identifier" && fn.text === name && !unit.bindings.resolve(fn) && !declaredInFile(unit.file, name);
}

/** True when the file imports any of these paths (for a rule's cheap exit). */
export function importsAny(file: FileView, paths: readonly string[]): boolean {
  return file.imports.some((i) => paths.includes(i.path) && i.kind !== "blank");
}

/** The method name of `x.M(...)`, whatever x is. */
export function methodName(call: GoNode): string | undefined {
  const fn = call.childForFieldName("function");
  return fn?.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
}

/** Calls `x.M(...)` under `root`, not inside nested func literals unless asked. */
export function methodCalls(root: GoNode, names: readonly string[], intoLiterals = false): GoNode[] {
  const out: GoNode[] = [];
  const walk = (n: GoNode) => {
    for (const c of n.namedChildren) {
      if (!c || (c.type === "func_literal" && !intoLiterals)) continue;
      if (c.type === "call_expression" && names.includes(methodName(c) ?? "")) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/**
 * The calls that run a func literal when the function only calls it: `[call]` for
 * `func() { ... }()` (deferred too), every call of the local it is bound to
 * (`commit := func() { ... }` or `var commit = func() { ... }`, each use `commit()`), or null when
 * it is started as a goroutine, returned, stored, passed on or reassigned. Such a closure's code
 * runs on behalf of the function, at those calls.
 */
export function closureCalls(lit: GoNode, unit: Unit): GoNode[] | null {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const direct = callOfCallee(n);
  if (direct) return [direct];
  const list = n.parent;
  const holder = list?.type === "expression_list" && list.namedChildCount === 1 ? list.parent : null;
  const names =
    holder?.type === "short_var_declaration" && holder.childForFieldName("right")?.id === list!.id
      ? holder.childForFieldName("left")!.namedChildren
      : holder?.type === "var_spec" && holder.childForFieldName("value")?.id === list!.id
        ? holder.childrenForFieldName("name")
        : [];
  const b = names.length === 1 && names[0]?.type === "identifier" ? unit.bindings.declaredBy(names[0]) : undefined;
  if (!b || b.uses.length === 0) return null;
  const calls = b.uses.map(callOfCallee);
  return calls.every((c): c is GoNode => !!c) ? calls : null;
}

/** The call `n(...)` (or `defer n(...)`) whose callee is `n`, not `go n(...)`, which runs it elsewhere. */
function callOfCallee(n: GoNode): GoNode | null {
  let x = n;
  while (x.parent?.type === "parenthesized_expression") x = x.parent;
  const call = x.parent;
  return call?.type === "call_expression" && call.childForFieldName("function")?.id === x.id && call.parent?.type !== "go_statement" ? call : null;
}
