// Facts shared by waitgroup-by-value, waitgroup-add-in-goroutine and loopvar-capture: sync types
// named through the file's import names, struct types of the file that hold a lock by value, the
// declared type of a local expression, the loop variables of `for` statements, and the closures
// that run after the iteration that made them (go/defer func literals, g.Go, parallel subtests).
import type { Binding, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { cfgAt } from "./cfg.js";
import { methodName } from "./calls.js";
import { caseStatements, contains, enclosingFunction, unparen } from "./syntax.js";

const SYNC_TYPES = new Set(["WaitGroup", "Mutex", "RWMutex", "Once", "Cond"]);

// ---------------------------------------------------------------------------------------------
// Sync types and the types of the file that hold one by value.

/** `sync.Mutex` under any import name of "sync", or `Mutex` under `import . "sync"`: "sync.Mutex". */
export function syncType(type: GoNode, file: FileView): string | undefined {
  const t = unparenType(type);
  if (t.type === "qualified_type") {
    const pkg = t.childForFieldName("package")?.text;
    const name = t.childForFieldName("name")?.text ?? "";
    const named = file.imports.some((i) => i.path === "sync" && i.name === pkg && (i.kind === "default" || i.kind === "alias"));
    return named && SYNC_TYPES.has(name) ? `sync.${name}` : undefined;
  }
  if (t.type === "type_identifier" && SYNC_TYPES.has(t.text) && file.imports.some((i) => i.path === "sync" && i.kind === "dot")) {
    return localTypes(file).has(t.text) ? undefined : `sync.${t.text}`;
  }
  return undefined;
}

/** A lock held by value: which sync type, and the field path to it ("" when the type is the lock). */
export interface Lock {
  lock: string;
  path: string;
}

/** The lock a type expression holds by value: directly, in a struct field (named or embedded), an array element, or a type of the file. */
export function lockHeld(type: GoNode | null | undefined, file: FileView): Lock | undefined {
  return type ? lockIn(type, file, (name) => lockedTypes(file).get(name)) : undefined;
}

function lockIn(type: GoNode, file: FileView, named: (name: string) => Lock | undefined): Lock | undefined {
  const t = unparenType(type);
  const sync = syncType(t, file);
  if (sync) return { lock: sync, path: "" };
  switch (t.type) {
    case "type_identifier":
      return named(t.text);
    case "generic_type": {
      const base = t.childForFieldName("type");
      return base?.type === "type_identifier" ? named(base.text) : undefined;
    }
    case "array_type":
    case "implicit_length_array_type": {
      const el = t.childForFieldName("element");
      const l = el ? lockIn(el, file, named) : undefined;
      return l && { lock: l.lock, path: join("[i]", l.path) };
    }
    case "struct_type":
      for (const field of t.descendantsOfType("field_declaration")) {
        if (!field || field.parent?.parent?.id !== t.id) continue;
        if (field.children.some((c) => c?.type === "*")) continue; // embedded *T: a pointer
        const ft = field.childForFieldName("type");
        const l = ft ? lockIn(ft, file, named) : undefined;
        if (!l) continue;
        const name = field.childForFieldName("name")?.text ?? embeddedName(ft!);
        return { lock: l.lock, path: join(name, l.path) };
      }
      return undefined;
    default:
      return undefined;
  }
}

const join = (a: string, b: string) => (b === "" ? a : b.startsWith("[") ? `${a}${b}` : `${a}.${b}`);

function embeddedName(type: GoNode): string {
  const t = unparenType(type);
  if (t.type === "qualified_type") return t.childForFieldName("name")?.text ?? t.text;
  if (t.type === "generic_type") return t.childForFieldName("type")?.text ?? t.text;
  return t.text;
}

/** Type declarations of the file: name → declared type expression. */
function localTypes(file: FileView): Map<string, GoNode> {
  return file.memo("sync.localTypes", () => {
    const out = new Map<string, GoNode>();
    for (const d of file.decls) if (d.kind === "type" && d.type) for (const n of d.names) out.set(n, d.type);
    return out;
  });
}

/** Which types of the file hold a lock by value (through other types of the file too). */
function lockedTypes(file: FileView): Map<string, Lock | undefined> {
  return file.memo("sync.lockedTypes", () => {
    const types = localTypes(file);
    const out = new Map<string, Lock | undefined>();
    const visit = (name: string): Lock | undefined => {
      if (out.has(name)) return out.get(name);
      out.set(name, undefined); // a recursive type holds nothing through itself
      const t = types.get(name);
      const l = t ? lockIn(t, file, visit) : undefined;
      out.set(name, l);
      return l;
    };
    for (const name of types.keys()) visit(name);
    return out;
  });
}

/** The struct type declared in the file for a named type expression (`T`, `T[K]`). */
export function localStruct(type: GoNode, file: FileView): GoNode | undefined {
  let t = unparenType(type);
  if (t.type === "generic_type") t = t.childForFieldName("type") ?? t;
  if (t.type !== "type_identifier") return undefined;
  const decl = localTypes(file).get(t.text);
  return decl && unparenType(decl).type === "struct_type" ? unparenType(decl) : undefined;
}

export function unparenType(type: GoNode): GoNode {
  let t = type;
  while (t.type === "parenthesized_type" && t.namedChildren[0]) t = t.namedChildren[0];
  return t;
}

// ---------------------------------------------------------------------------------------------
// What the syntax says about the type of an expression.

/** A type expression, and whether the value is its address (`&T{}`, `new(T)`, `&x`). */
export interface Ty {
  node: GoNode;
  addr: boolean;
}

/** The declared type of an expression, as far as declarations in the unit and the file say. */
export function typeOf(expr: GoNode, unit: Unit, depth = 0): Ty | undefined {
  if (depth > 5) return undefined;
  const e = unparen(expr);
  switch (e.type) {
    case "identifier": {
      const b = unit.bindings.resolve(e);
      if (b) return typeOfBinding(b, unit, depth + 1);
      const decl = unit.file.decls.find((d) => d.kind === "var" && d.names.includes(e.text));
      if (!decl) return undefined;
      if (decl.type) return { node: decl.type, addr: false };
      return valueAt(decl.node.childForFieldName("value"), decl.names.indexOf(e.text), decl.names.length, unit, depth);
    }
    case "selector_expression": {
      const base = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      const struct = base && localStruct(pointee(base)?.node ?? base.node, unit.file);
      const name = e.childForFieldName("field")?.text;
      if (!struct || !name) return undefined;
      for (const f of struct.descendantsOfType("field_declaration")) {
        if (!f || f.parent?.parent?.id !== struct.id) continue;
        const ft = f.childForFieldName("type");
        if (ft && f.childrenForFieldName("name").some((n) => n?.text === name)) return { node: ft, addr: false };
      }
      return undefined;
    }
    case "index_expression": {
      const base = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      return base && elementOf(base, 1);
    }
    case "unary_expression": {
      const op = e.childForFieldName("operator")?.type;
      const inner = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      if (!inner) return undefined;
      if (op === "*") return pointee(inner);
      if (op === "&") return inner.addr ? undefined : { node: inner.node, addr: true };
      if (op === "<-") return elementOf(inner, 1);
      return undefined;
    }
    case "composite_literal": {
      const t = e.childForFieldName("type");
      return t ? { node: t, addr: false } : undefined;
    }
    case "call_expression": {
      const fn = e.childForFieldName("function");
      const arg = e.childForFieldName("arguments")?.namedChildren[0];
      if (!fn || fn.type !== "identifier" || !arg || unit.bindings.resolve(fn)) return undefined;
      if (fn.text === "new") return { node: arg, addr: true };
      if (fn.text === "make") return { node: arg, addr: false };
      return undefined;
    }
    default:
      return undefined;
  }
}

function typeOfBinding(b: Binding, unit: Unit, depth: number): Ty | undefined {
  if (b.decl.type === "variadic_parameter_declaration") return undefined;
  if (b.type) return { node: b.type, addr: false };
  if (b.decl.type === "short_var_declaration") {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    return valueAt(b.decl.childForFieldName("right"), left.findIndex((l) => l?.id === b.id.id), left.length, unit, depth);
  }
  if (b.decl.type === "var_spec") {
    const names = b.decl.childrenForFieldName("name").filter((n) => n?.type === "identifier");
    return valueAt(b.decl.childForFieldName("value"), names.findIndex((n) => n?.id === b.id.id), names.length, unit, depth);
  }
  if (b.kind === "range") {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    const i = left.findIndex((l) => l?.id === b.id.id);
    const over = typeOf(b.decl.childForFieldName("right")!, unit, depth + 1);
    return over && i >= 0 ? elementOf(over, i) : undefined;
  }
  return undefined;
}

/** The value assigned to the i-th of n names, when there is one value per name. */
function valueAt(values: GoNode | null, i: number, n: number, unit: Unit, depth: number): Ty | undefined {
  const list = values?.namedChildren.filter((v) => v && v.type !== "comment") ?? [];
  return i >= 0 && list.length === n && list[i] ? typeOf(list[i]!, unit, depth + 1) : undefined;
}

/** `*T` → `T`; `&x` → type of x. */
export function pointee(t: Ty): Ty | undefined {
  if (t.addr) return { node: t.node, addr: false };
  const n = unparenType(t.node);
  return n.type === "pointer_type" && n.namedChildren[0] ? { node: n.namedChildren[0], addr: false } : undefined;
}

/** What ranging or indexing yields: position 0 is the key (the element for channels), 1 the element or map value. */
function elementOf(t: Ty, position: number): Ty | undefined {
  let n = unparenType(t.node);
  if (!t.addr && n.type === "pointer_type" && n.namedChildren[0]) n = unparenType(n.namedChildren[0]); // *[N]T
  const field =
    n.type === "map_type" ? (position === 0 ? "key" : "value")
    : n.type === "channel_type" ? (position === 0 ? "value" : undefined)
    : ["slice_type", "array_type", "implicit_length_array_type"].includes(n.type) && position === 1 ? "element"
    : undefined;
  const el = field ? n.childForFieldName(field) : null;
  return el ? { node: el, addr: false } : undefined;
}

// ---------------------------------------------------------------------------------------------
// WaitGroups and goroutines.

/** The func literal a `go` statement starts: `go func() { ... }()`. */
export function goLiteral(goStmt: GoNode): GoNode | undefined {
  const call = goStmt.namedChildren.find((c) => c?.type === "call_expression");
  const fn = call?.childForFieldName("function");
  const lit = fn ? unparen(fn) : undefined;
  return lit?.type === "func_literal" ? lit : undefined;
}

/** The `go` statement whose func literal is `lit`, if any. */
export function goStatementOf(lit: GoNode): GoNode | undefined {
  let n: GoNode = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const call = n.parent;
  if (call?.type !== "call_expression" || call.childForFieldName("function")?.id !== n.id) return undefined;
  return call.parent?.type === "go_statement" ? call.parent : undefined;
}

const WG_NAME = /^wg([A-Z0-9_]|$)|(wg|Wg|WG)$|[wW]ait[gG]roup/;

/**
 * Whether `x` in `x.Add(n)` is a sync.WaitGroup: by its declared type when the file shows it,
 * else by a WaitGroup-like name (`wg`, `s.wg`, `workersWG`, `waitGroup`).
 */
export function isWaitGroup(expr: GoNode, unit: Unit): boolean {
  const t = typeOf(expr, unit);
  if (t) {
    const v = t.addr ? t : pointee(t) ?? t;
    return syncType(v.node, unit.file) === "sync.WaitGroup" || embedsWaitGroup(v.node, unit);
  }
  const e = unparen(expr);
  const name = e.type === "selector_expression" ? e.childForFieldName("field")?.text : e.type === "identifier" ? e.text : undefined;
  return !!name && WG_NAME.test(name);
}

/**
 * A struct of the file that embeds a WaitGroup (`struct { sync.WaitGroup; ... }`, or `*sync.WaitGroup`),
 * so `x.Add` is the WaitGroup's, unless the file declares an `Add` method on the struct itself.
 */
function embedsWaitGroup(type: GoNode, unit: Unit): boolean {
  const struct = localStruct(type, unit.file);
  if (!struct) return false;
  const embedded = struct.descendantsOfType("field_declaration").some((f) => {
    if (!f || f.parent?.parent?.id !== struct.id || f.childForFieldName("name")) return false;
    const ft = f.childForFieldName("type");
    return !!ft && syncType(ft, unit.file) === "sync.WaitGroup";
  });
  if (!embedded) return false;
  let t = unparenType(type);
  if (t.type === "generic_type") t = t.childForFieldName("type") ?? t;
  return !declaresMethod(unit, t.text, "Add");
}

/** The file declares method `name` on type `typeName` (value or pointer receiver). */
function declaresMethod(unit: Unit, typeName: string, name: string): boolean {
  return unit.file.wholeRoot().namedChildren.some((d) => {
    if (d?.type !== "method_declaration" || d.childForFieldName("name")?.text !== name) return false;
    const recv = d.childForFieldName("receiver")?.namedChildren.find((p) => p?.type === "parameter_declaration");
    const rt = recv?.childForFieldName("type");
    return !!rt && rt.descendantsOfType("type_identifier").concat(rt.type === "type_identifier" ? [rt] : []).some((id) => id?.text === typeName);
  });
}

/** The identifier an expression like `wg`, `s.wg`, `s.pool.wg` starts from. */
export function rootIdentifier(expr: GoNode): GoNode | undefined {
  let e = unparen(expr);
  while (e.type === "selector_expression") e = unparen(e.childForFieldName("operand")!);
  return e.type === "identifier" ? e : undefined;
}

/** Two expressions that name the same variable: same text, and the same binding at the root. */
export function sameVariable(a: GoNode, b: GoNode, unit: Unit): boolean {
  if (unparen(a).text.replace(/\s+/g, "") !== unparen(b).text.replace(/\s+/g, "")) return false;
  const ra = rootIdentifier(a);
  const rb = rootIdentifier(b);
  if (!ra || !rb) return false;
  return unit.bindings.resolve(ra)?.id.id === unit.bindings.resolve(rb)?.id.id;
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

// ---------------------------------------------------------------------------------------------
// Loop variables and the closures that outlive an iteration.

export interface Loop {
  node: GoNode;
  body: GoNode;
  label: string | undefined;
  /** Variables the header declares: `for i := ...`, `for k, v := range ...`. */
  vars: Binding[];
}

/** The `for` statements of the unit that declare loop variables. */
export function loopsOf(unit: Unit): Loop[] {
  return unit.memo("sync.loops", () => {
    const out: Loop[] = [];
    for (const loop of unit.nodes("for_statement")) {
      const body = loop?.childForFieldName("body");
      if (!loop || !body) continue;
      const range = loop.namedChildren.find((c) => c?.type === "range_clause");
      const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
      const init = clause?.childForFieldName("initializer");
      const left =
        range && range.children.some((t) => t?.type === ":=") ? range.childForFieldName("left")
        : init?.type === "short_var_declaration" ? init.childForFieldName("left")
        : null;
      // A three-clause loop shares only what it changes: `for i, n := 0, len(xs); i < n; i++` shares i, not n.
      const vars = (left?.namedChildren ?? []).flatMap((id) => {
        const b = id ? unit.bindings.declaredBy(id) : undefined;
        return b && (range || b.uses.some((u) => isWrite(u))) ? [b] : [];
      });
      const label = loop.parent?.type === "labeled_statement" ? loop.parent.childForFieldName("label")?.text : undefined;
      if (vars.length > 0) out.push({ node: loop, body, label, vars });
    }
    return out;
  });
}

export type ClosureKind = "go" | "defer" | "group" | "subtest";

/** A func literal that runs after the statement that creates it has finished. */
export interface ClosureSite {
  kind: ClosureKind;
  /** The statement of a statement list that holds the site (where a `v := v` would go). */
  stmt: GoNode;
  /** The `go`/`defer` statement, or the `g.Go(...)`/`t.Run(...)` call: where a finding goes. */
  anchor: GoNode;
  lit: GoNode;
  /** Uses of a variable count from here on: after `t.Parallel()` in a subtest, else the literal's start. */
  from: number;
  /** The `t.Parallel()` call of a subtest. */
  parallel?: GoNode;
  /** Where a `v := v` must go when that is not before `stmt`: before `run := func() {...}` for `go run()`. */
  copyAt?: GoNode;
}

/**
 * Closures that run later than the statement creating them:
 *
 *	go func() { ... }()                  defer func() { ... }()
 *	g.Go(func() error { ... })           t.Run(name, func(t *testing.T) { t.Parallel(); ... })
 */
export function closureSites(unit: Unit): ClosureSite[] {
  return unit.memo("sync.closureSites", () => {
    const out: ClosureSite[] = [];
    for (const stmt of unit.nodes(["go_statement", "defer_statement"])) {
      if (!stmt || stmt.parent?.type !== "statement_list") continue;
      const kind = stmt.type === "go_statement" ? "go" : "defer";
      for (const { lit, copyAt } of deferredLiterals(stmt, unit)) out.push({ kind, stmt, anchor: stmt, lit, from: lit.startIndex, copyAt });
    }
    for (const call of unit.nodes("call_expression")) {
      if (!call) continue;
      const m = methodName(call);
      const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
      const stmt = statementOf(call);
      if (!stmt) continue;
      if ((m === "Go" || m === "TryGo") && args.length === 1 && args[0]!.type === "func_literal") {
        const lit = args[0]!;
        if (paramNames(lit).length === 0) out.push({ kind: "group", stmt, anchor: call, lit, from: lit.startIndex });
      } else if (m === "Run" && args.length === 2 && args[1]!.type === "func_literal") {
        const lit = args[1]!;
        const parallel = parallelCall(lit, unit);
        if (parallel) out.push({ kind: "subtest", stmt, anchor: call, lit, from: parallel.endIndex, parallel });
      }
    }
    return out.sort((a, b) => a.anchor.startIndex - b.anchor.startIndex);
  });
}

/**
 * The func literals a `go` or `defer` statement runs later: the called literal itself, a literal
 * passed straight to the called function, or a local variable set once to a literal.
 *
 *	go func() { ... }()        go safely(func() { ... })        run := func() { ... }; go run()
 */
function deferredLiterals(stmt: GoNode, unit: Unit): { lit: GoNode; copyAt?: GoNode }[] {
  const lit = goLiteral(stmt);
  if (lit) return [{ lit }];
  const call = stmt.namedChildren.find((c) => c?.type === "call_expression");
  if (!call) return [];
  const out: { lit: GoNode; copyAt?: GoNode }[] = (call.childForFieldName("arguments")?.namedChildren ?? []).flatMap((a) => (a && unparen(a).type === "func_literal" ? [{ lit: unparen(a) }] : []));
  const fn = unparen(call.childForFieldName("function")!);
  const b = fn.type === "identifier" ? unit.bindings.resolve(fn) : undefined;
  if (b && b.kind === "var" && b.decl.type === "short_var_declaration" && !b.uses.some(isWrite)) {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    const right = b.decl.childForFieldName("right")?.namedChildren.filter((v) => v && v.type !== "comment") ?? [];
    const value = left.length === right.length ? right[left.findIndex((l) => l?.id === b.id.id)] : undefined;
    if (value && unparen(value).type === "func_literal" && enclosingFunction(b.decl)?.id === enclosingFunction(stmt)?.id) {
      out.push({ lit: unparen(value), copyAt: b.decl.parent?.type === "statement_list" ? b.decl : undefined });
    }
  }
  return out;
}

/** The statement (a child of a statement list) an expression belongs to, within its function. */
function statementOf(node: GoNode): GoNode | undefined {
  for (let n: GoNode | null = node; n; n = n.parent) {
    if (n.parent?.type === "statement_list") return n;
    if (n.type === "func_literal" && n.id !== node.id) return undefined;
  }
  return undefined;
}

function paramNames(lit: GoNode): GoNode[] {
  const params = lit.childForFieldName("parameters");
  return (params?.namedChildren ?? []).filter((p): p is GoNode => !!p && p.type !== "comment");
}

/** `func(t *testing.T) { ...; t.Parallel(); ... }`: the `t.Parallel()` call on the literal's own T. */
function parallelCall(lit: GoNode, unit: Unit): GoNode | undefined {
  const params = paramNames(lit);
  const testing = unit.file.importName("testing");
  const type = params[0]?.childForFieldName("type");
  const name = params[0]?.childForFieldName("name");
  if (params.length !== 1 || !testing || !name || type?.type !== "pointer_type") return undefined;
  const target = type.namedChildren[0];
  if (target?.type !== "qualified_type" || target.text.replace(/\s+/g, "") !== `${testing}.T`) return undefined;
  const t = unit.bindings.declaredBy(name);
  return methodCalls(lit.childForFieldName("body")!, ["Parallel"]).find((c) => {
    const operand = c.childForFieldName("function")?.childForFieldName("operand");
    return operand?.type === "identifier" && !!t && unit.bindings.resolve(operand) === t;
  });
}

/** The site sits in the loop's body, in the same function as the loop (no func literal between). */
export function inLoop(site: ClosureSite | GoNode, loop: Loop): boolean {
  const node = "anchor" in site ? site.anchor : site;
  return contains(loop.body, node) && enclosingFunction(node)?.id === enclosingFunction(loop.node)?.id;
}

/**
 * A join later in the same iteration, after which the closure has finished:
 *
 *	go func() { defer wg.Done(); use(v) }()      go func() { use(v); close(done) }()
 *	wg.Wait()                                    <-done
 *
 * Looked for in what some path runs after the site before the iteration ends (the graph's nodes
 * on paths from the site, within the loop body).
 */
export function joinAfter(site: ClosureSite, loop: Loop, unit: Unit): GoNode | undefined {
  const paired = pairedWithClosed(site, loop, unit);
  const cfg = cfgAt(unit, site.stmt);
  const scope = loop.body.namedChildren.find((c) => c?.type === "statement_list");
  if (!cfg || !scope || cfg.fn.id !== enclosingFunction(loop.node)?.id) return undefined;
  const join = (s: GoNode): GoNode | undefined => {
    const use = s.descendantsOfType("identifier").find((id) => id && paired.has(unit.bindings.resolve(id)!) && !insideLiteral(id, s));
    if (use) return use;
    const wait = methodCalls(s, ["Wait"]).find((c) => (c.childForFieldName("arguments")?.namedChildCount ?? 0) === 0);
    if (wait) return wait;
    for (const recv of s.descendantsOfType("unary_expression").concat(s.type === "unary_expression" ? [s] : [])) {
      if (!recv || recv.childForFieldName("operator")?.type !== "<-") continue;
      const ch = unparen(recv.childForFieldName("operand")!);
      const b = ch.type === "identifier" ? unit.bindings.resolve(ch) : undefined;
      if (b && b.uses.some((u) => contains(site.lit, u)) && !insideLiteral(recv, s) && !selectMovesOn(recv, b, loop.body, loop, unit)) return recv;
    }
    return undefined;
  };
  for (const s of cfg.nodesOnPaths({ after: site.stmt }, (n) => !!join(n), { scope })) return join(s);
  return undefined;
}

/**
 * What the goroutine closes when it is done, with the variables declared alongside, all made in
 * this iteration: using them later in the iteration waits for the goroutine.
 *
 *	pr, pw := io.Pipe()
 *	go func() { write(pw, v); pw.Close() }()
 *	io.ReadAll(pr)
 */
function pairedWithClosed(site: ClosureSite, loop: Loop, unit: Unit): Set<Binding> {
  const out = new Set<Binding>();
  for (const call of unit.nodes("call_expression", site.lit)) {
    const fn = call?.childForFieldName("function");
    const args = call?.childForFieldName("arguments")?.namedChildren ?? [];
    const target =
      fn?.type === "identifier" && fn.text === "close" && !unit.bindings.resolve(fn) ? args[0]
      : fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "Close" ? fn.childForFieldName("operand")
      : undefined;
    const b = target?.type === "identifier" ? unit.bindings.resolve(target) : undefined;
    if (!b || !contains(loop.body, b.id) || contains(site.lit, b.id)) continue;
    for (const other of unit.bindings.all) if (other.decl.id === b.decl.id) out.add(other);
  }
  return out;
}

/**
 * A receive that is one case of a `select` whose other case (a timeout, `default`) can go on to
 * the next iteration without it: not a join.
 *
 *	select {
 *	case r := <-done:            // the join
 *	case <-time.After(d):        // ... or not: the loop moves on, the goroutine still runs
 *	}
 *
 * A select inside a loop of its own (a wait loop) is left alone: it usually ends on the receive.
 */
function selectMovesOn(recv: GoNode, ch: Binding, stop: GoNode, loop: Loop, unit: Unit): boolean {
  let clause: GoNode | undefined;
  for (let p = recv.parent; p && p.id !== stop.parent?.id; p = p.parent) {
    if (p.type === "for_statement" || p.type === "func_literal") return false;
    if (p.type === "communication_case" && !clause) {
      const comm = p.childForFieldName("communication");
      if (!comm || !contains(comm, recv)) return false;
      clause = p;
    }
    if (p.type === "select_statement" && clause) {
      const others = p.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case") && c.id !== clause!.id);
      // A case after which the iteration goes on (the loop can run again) moves on without the receive.
      const cfg = cfgAt(unit, p);
      return others.some((c) => !!cfg?.repeats(loop.node, { at: c }) && !caseReceives(c, ch, unit));
    }
  }
  return false;
}

/** A case that receives from the channel after all: `case <-time.After(d): log.Print("slow"); <-done`. */
function caseReceives(clause: GoNode, ch: Binding, unit: Unit): boolean {
  return caseStatements(clause).some((s) =>
    unit.nodes("unary_expression", s).some((u) => {
      if (!u || u.childForFieldName("operator")?.type !== "<-" || insideLiteral(u, s)) return false;
      const operand = unparen(u.childForFieldName("operand")!);
      return operand.type === "identifier" && unit.bindings.resolve(operand) === ch;
    }),
  );
}

function insideLiteral(node: GoNode, stop: GoNode): boolean {
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) if (p.type === "func_literal") return true;
  return false;
}

/** True when a use of a variable writes it: `v = ...`, `v++`, `v += ...`, `&v`. */
export function isWrite(use: GoNode): boolean {
  let n: GoNode = use;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "inc_statement" || p.type === "dec_statement") return true;
  if (p.type === "unary_expression" && p.childForFieldName("operator")?.type === "&") return true;
  if (p.type === "expression_list" && p.parent?.type === "assignment_statement") return p.parent.childForFieldName("left")?.id === p.id;
  return false;
}
