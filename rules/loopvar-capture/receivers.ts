// loopvar-capture: which `x.Go(f)` / `x.Run(name, f)` calls run f later. Decided by the receiver's
// declared type and the file's imports, never by the method name alone:
//
//	g, ctx := errgroup.WithContext(ctx); g.Go(func() error {...})   // errgroup: later
//	p := pool.New().WithErrors(); p.Go(func() error {...})           // sourcegraph/conc: later
//	t.Run(name, func(t *testing.T) { t.Parallel(); ... })            // *testing.T: later
//	r.Go(func() error {...})   // r's type declared in the file: later only if its Go starts a goroutine
//	func f[G Runner](g G) { g.Go(func() error {...}) }               // a type parameter: not known, silent
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { definitions } from "../facts/definitions.js";
import { unparen } from "../facts/syntax.js";
import { resolveType } from "../facts/types.js";

export type Later = "group" | "subtest";

/** Import paths whose types run functions in goroutines: errgroup (x/sync and forks), sourcegraph/conc and its pools. */
const GROUP_PATH = /(^|\/)errgroup$|(^|\/)sourcegraph\/conc(\/pool|\/stream|\/iter)?$/;

type Found =
  | { kind: "type"; node: GoNode } // a type expression
  | { kind: "pkg"; path: string } // made by a function of an imported package: `errgroup.WithContext(ctx)`
  | { kind: "unknown" };

/**
 * Whether the method call `x.Go(...)` (kind "group") or `x.Run(...)` (kind "subtest") runs on a
 * receiver that starts goroutines or parallel subtests. A receiver whose type is not known falls
 * back on the file's imports (errgroup or conc for Go, testing for Run).
 */
export function runsLater(call: GoNode, kind: Later, unit: Unit): boolean {
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type !== "selector_expression") return false;
  const method = fn.childForFieldName("field")?.text ?? "";
  const found = typeOf(unparen(fn.childForFieldName("operand")!), unit, 0);
  const verdict = found.kind === "unknown" ? undefined : classify(found, method, kind, unit, 0, literalArg(call));
  if (verdict !== undefined) return verdict;
  return kind === "group" ? unit.file.imports.some((i) => GROUP_PATH.test(i.path)) : !!unit.file.importName("testing");
}

/** Only a receiver whose type is declared in the file with a `method` that starts a goroutine. */
export function declaredAsync(call: GoNode, unit: Unit): boolean {
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type !== "selector_expression") return false;
  const found = typeOf(unparen(fn.childForFieldName("operand")!), unit, 0);
  if (found.kind !== "type") return false;
  const name = localName(found.node);
  return !!name && !typeParam(name, call) && fileMethod(unit, name, fn.childForFieldName("field")?.text ?? "", "group", literalArg(call)) === true;
}

function classify(found: Found, method: string, kind: Later, unit: Unit, depth: number, arg: number): boolean | undefined {
  if (found.kind === "pkg") return kind === "group" ? GROUP_PATH.test(found.path) : found.path === "testing";
  if (found.kind !== "type" || depth > 4) return undefined;
  let t: GoNode | null = found.node;
  if (t.type === "pointer_type") t = t.namedChildren[0] ?? null;
  if (t?.type === "generic_type") t = t.childForFieldName("type");
  if (!t) return undefined;
  if (t.type === "qualified_type") {
    const pkg = t.childForFieldName("package")?.text;
    const path = unit.file.imports.find((i) => i.name === pkg)?.path;
    if (!path) return undefined;
    return kind === "group" ? GROUP_PATH.test(path) : path === "testing";
  }
  if (t.type !== "type_identifier") return false; // an interface or struct literal type: nothing known runs later
  if (typeParam(t.text, found.node)) return false;
  const own = fileMethod(unit, t.text, method, kind, arg);
  if (own !== undefined) return own;
  // A struct of the file that embeds a group: `type workers struct{ errgroup.Group }`.
  const decl = unit.file.decls.find((d) => d.kind === "type" && d.names.includes(t!.text));
  const r = decl ? resolveType(decl.type, unit.file) : null;
  if (!decl) return undefined; // declared in another file of the package
  if (r?.type !== "struct_type") return false;
  const list = r.namedChildren.find((c) => c?.type === "field_declaration_list");
  for (const f of list?.namedChildren ?? []) {
    if (f?.type !== "field_declaration" || f.childrenForFieldName("name").length > 0) continue;
    const e = f.childForFieldName("type");
    if (e && classify({ kind: "type", node: e }, method, kind, unit, depth + 1, arg) === true) return true;
  }
  return false;
}

/**
 * The method `name.method` the file declares: true when it hands the function it receives (its
 * parameter at `arg`) to something that runs it later: for a group, a `go` statement that calls
 * it, a channel send, a store in a field or slice, or another `Go`/`TryGo`; for a subtest runner,
 * a `Run` call it is passed to (`s.t.Run(name, f)`, or wrapped in a literal). False when it does
 * neither (it calls the function at once, or ignores it); undefined when the file declares no
 * such method.
 */
function fileMethod(unit: Unit, type: string, method: string, kind: Later, arg: number): boolean | undefined {
  const decl = unit.file.wholeRoot().namedChildren.find((d) => {
    if (d?.type !== "method_declaration" || d.childForFieldName("name")?.text !== method) return false;
    const recv = d.childForFieldName("receiver")?.namedChildren.find((p) => p?.type === "parameter_declaration")?.childForFieldName("type");
    return !!recv && localName(recv) === type;
  });
  const body = decl?.childForFieldName("body");
  if (!decl || !body) return undefined;
  const param = paramName(decl, arg);
  if (!param) return false;
  const refs = body.descendantsOfType("identifier").filter((id): id is GoNode => !!id && id.text === param);
  return refs.some((r) => (kind === "group" ? handedOn(r, body) : passedToRun(r, body)));
}

/** The name of a method's parameter at position `arg` (`Go(f func() error, tags ...int)`: 0 → "f"). */
function paramName(decl: GoNode, arg: number): string | undefined {
  const names: string[] = [];
  for (const p of decl.childForFieldName("parameters")?.namedChildren ?? []) {
    if (p?.type !== "parameter_declaration" && p?.type !== "variadic_parameter_declaration") continue;
    const ids = p.childrenForFieldName("name").filter((x): x is GoNode => !!x);
    if (ids.length === 0) names.push("");
    for (const id of ids) names.push(id.text);
    if (p.type === "variadic_parameter_declaration") while (names.length <= arg) names.push(ids[0]?.text ?? "");
  }
  const name = names[arg];
  return name && name !== "_" ? name : undefined;
}

/** A reference to the group's function that outlives the call: in a go statement, sent, stored, or passed to another Go. */
function handedOn(ref: GoNode, body: GoNode): boolean {
  let called = false; // inside `f()`: only a go statement around the call, or a literal around it handed on, runs it later
  for (let n: GoNode | null = ref; n && n.id !== body.id; n = n.parent) {
    const p = n.parent;
    if (!p) return false;
    if (p.type === "go_statement") return true;
    if (p.type === "call_expression" && p.childForFieldName("function")?.id === n.id) called = true;
    if (p.type === "func_literal") called = false; // `func() { f() }` is a function value again
    if (called) continue;
    if (p.type === "send_statement" && p.childForFieldName("value")?.id === n.id) return true;
    if (p.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("right")?.id === p.id) {
      // q.tasks = append(q.tasks, f), q.next = f: kept for later.
      return (p.parent.childForFieldName("left")?.namedChildren ?? []).some((l) => l?.type === "selector_expression" || l?.type === "index_expression");
    }
    if (p.type === "argument_list" && ["Go", "TryGo"].includes(p.parent?.childForFieldName("function")?.childForFieldName("field")?.text ?? "")) return true;
    if (["function_declaration", "method_declaration"].includes(p.type)) return false;
  }
  return false;
}

/** The subtest function passed to a `Run` call, directly or inside a literal that calls it. */
function passedToRun(ref: GoNode, body: GoNode): boolean {
  for (let n: GoNode | null = ref; n && n.id !== body.id; n = n.parent) {
    const p = n.parent;
    if (p?.type === "argument_list" && p.parent?.childForFieldName("function")?.childForFieldName("field")?.text === "Run") return true;
  }
  return false;
}

/** The position of the first func literal among a call's arguments. */
function literalArg(call: GoNode): number {
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment") ?? [];
  const i = args.findIndex((a) => unparen(a).type === "func_literal");
  return i < 0 ? 0 : i;
}

/** `T`, `*T`, `T[K]` → "T". */
function localName(t: GoNode): string | undefined {
  let n: GoNode | null = t;
  if (n.type === "pointer_type") n = n.namedChildren[0] ?? null;
  if (n?.type === "generic_type") n = n.childForFieldName("type");
  return n?.type === "type_identifier" ? n.text : undefined;
}

/** A type parameter of the function or method around `at` (a method's are named in its receiver). */
function typeParam(name: string, at: GoNode): boolean {
  for (let p: GoNode | null = at; p; p = p.parent) {
    if (p.type !== "function_declaration" && p.type !== "method_declaration") continue;
    const params = p.childForFieldName("type_parameters");
    if (params?.descendantsOfType("identifier").some((id) => id?.text === name)) return true;
    const recv = p.childForFieldName("receiver");
    if (recv?.descendantsOfType("type_arguments").some((a) => a?.namedChildren.some((x) => x?.text === name))) return true;
    return false;
  }
  return false;
}

/** What the syntax says about the type of a receiver expression. */
function typeOf(e: GoNode, unit: Unit, depth: number): Found {
  if (depth > 4) return { kind: "unknown" };
  if (e.type === "identifier") {
    const b = unit.bindings.resolve(e);
    if (!b) {
      const d = unit.file.decls.find((x) => x.kind === "var" && x.names.includes(e.text));
      if (d?.type) return { kind: "type", node: d.type };
      const v = d?.node.childForFieldName("value")?.namedChildren[0];
      return v ? valueType(unparen(v), unit, depth + 1) : { kind: "unknown" };
    }
    if (b.type) return { kind: "type", node: b.type };
    const first = definitions(b, unit)[0];
    return first?.value ? valueType(unparen(first.value), unit, depth + 1) : { kind: "unknown" };
  }
  if (e.type === "selector_expression") {
    // s.group: the field's declared type, when the file's structs agree on it.
    const name = e.childForFieldName("field")?.text;
    const types = new Map<string, GoNode>();
    for (const d of unit.file.decls) {
      if (d.type?.type !== "struct_type") continue;
      for (const f of d.type.descendantsOfType("field_declaration")) {
        const t = f?.childForFieldName("type");
        if (t && f!.childrenForFieldName("name").some((n) => n?.text === name)) types.set(t.text, t);
      }
    }
    return types.size === 1 ? { kind: "type", node: [...types.values()][0]! } : { kind: "unknown" };
  }
  return valueType(e, unit, depth + 1);
}

/** The type a value has: `&T{}`, `T{}`, `new(T)`, `pkg.New(...)` (and calls chained on it: `pool.New().WithErrors()`). */
function valueType(v: GoNode, unit: Unit, depth: number): Found {
  if (v.type === "unary_expression" && v.childForFieldName("operator")?.type === "&") return valueType(unparen(v.childForFieldName("operand")!), unit, depth);
  if (v.type === "composite_literal") {
    const t = v.childForFieldName("type");
    return t ? { kind: "type", node: t } : { kind: "unknown" };
  }
  if (v.type !== "call_expression") return { kind: "unknown" };
  const fn = unparen(v.childForFieldName("function")!);
  if (fn.type === "identifier" && fn.text === "new" && !unit.bindings.resolve(fn)) {
    const t = v.childForFieldName("arguments")?.namedChildren[0];
    return t ? { kind: "type", node: t } : { kind: "unknown" };
  }
  if (fn.type !== "selector_expression") return { kind: "unknown" };
  const op = unparen(fn.childForFieldName("operand")!);
  if (op.type === "identifier" && !unit.bindings.resolve(op)) {
    const path = unit.file.imports.find((i) => i.name === op.text)?.path;
    if (path) return { kind: "pkg", path };
  }
  // A builder chain: the package of its first call decides.
  return op.type === "call_expression" && depth < 6 ? valueType(op, unit, depth + 1) : { kind: "unknown" };
}
