// loopvar-capture: before Go 1.22 a `for` loop has one variable for all its iterations, so a
// closure that runs after its iteration, or a pointer kept past it, sees what the loop wrote last.
//
//	for _, v := range items {
//		go func() { handle(v) }()        // also defer func(){...}(), g.Go(func() error {...}),
//	}                                    // t.Run(name, func(t *testing.T) { t.Parallel(); ... })
//
//	for _, v := range items {
//		ptrs = append(ptrs, &v)          // every pointer points at the same v
//	}
import type { Binding, FileView, GoNode, RelatedLocation, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { methodName } from "../facts/calls.js";
import { cfgAt } from "../facts/cfg.js";
import { definitions, isWrite } from "../facts/definitions.js";
import { docsUrl } from "../facts/meta.js";
import { contains, indentAt, listOf, spanOf, statementsOf, unparen } from "../facts/syntax.js";
import { resolveType } from "../facts/types.js";
import { type ClosureSite, closureSites, inLoop, joinAfter, type Loop, loopsOf } from "./closures.js";
import { declaredAsync, runsLater } from "./receivers.js";

const rule: Rule = {
  meta: {
    id: "loopvar-capture",
    title: "Loop variable captured by a goroutine or deferred closure",
    severity: "error",
    fixable: true,
    summary: "before Go 1.22, a goroutine, deferred closure, g.Go or parallel subtest reads the loop variable, or &v is kept past the iteration",
    why:
      "Before Go 1.22 the loop variable is one variable that every iteration overwrites, and a closure holds a reference to it, not a copy. " +
      "A goroutine, a deferred call or a parallel subtest runs after the loop has moved on, so it reads a later value (a data race), " +
      "and every pointer taken with &v points at the same variable, which ends up holding the last element.",
    docs: docsUrl("loopvar-capture"),
    messages: {
      goroutine: "{{subject}} reads {{vars}}, shared by all iterations before Go 1.22: it may see a later value{{version}}",
      defer: "the deferred closure reads {{vars}}, shared by all iterations before Go 1.22: every deferred call sees the last value{{version}}",
      subtest: "after {{parallel}}, when the loop is over, the subtest reads {{vars}}: before Go 1.22 every subtest sees the last value{{version}}",
      store: "&{{name}} {{stored}} {{target}} points at loop variable {{name}}, which every iteration overwrites before Go 1.22{{version}}",
      fieldStore: "{{field}} {{stored}} {{target}} points into loop variable {{name}}, which every iteration overwrites before Go 1.22{{version}}",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => beforeGo122(file) && /\bfor\b/.test(file.source),
  check,
};
export default rule;

const beforeGo122 = (file: FileView) => file.goAtLeast("1.22") !== true;


function check(ctx: RuleContext): void {
  const { unit, file } = ctx;
  if (!mayCapture(unit)) return;
  const loops = loopsOf(unit);
  if (loops.length === 0) return;
  const severity = file.goVersion ? undefined : ("warning" as const);
  const version = file.goVersion ? "" : " (Go version unknown)";
  const copied = new Map<number, Set<string>>(); // statement list → names an earlier fix already copies

  for (const site of sitesOf(unit)) {
    const hits: { loop: Loop; vars: Binding[] }[] = [];
    for (const loop of loops) {
      if (!inLoop(site, loop)) continue;
      const vars = loop.vars.filter((b) => b.uses.some((u) => readsLater(site, u)));
      // The iteration ends right after the site (return, break, panic): the variable never changes again.
      if (vars.length === 0 || !cfgAt(unit, site.stmt)?.repeats(loop.node, { after: site.stmt })) continue;
      if (site.kind !== "defer" && joinAfter(site, loop, unit)) continue;
      hits.push({ loop, vars });
    }
    if (hits.length === 0) continue;
    const vars = hits.flatMap((h) => h.vars);
    const firstUse = vars.flatMap((b) => b.uses).filter((u) => readsLater(site, u)).sort((a, b) => a.startIndex - b.startIndex)[0]!;
    const subject = site.kind === "group" ? `the goroutine started by ${callee(site)}` : "the goroutine";
    const messageId = site.parallel ? "subtest" : site.kind === "defer" ? "defer" : "goroutine";
    const related: RelatedLocation[] = [
      ...hits.map((h) => ({ ...headerSpan(h.loop), message: "this loop reuses one variable for all its iterations" })),
      { ...spanOf(firstUse), message: `${firstUse.text} is read here` },
    ];
    if (site.parallel) related.push({ ...spanOf(site.parallel), message: `${site.parallel.text} pauses the subtest until the parent test function returns` });
    ctx.report({
      span: firstLine(site.anchor, file),
      messageId,
      data: { subject, vars: varNames(vars), parallel: site.parallel?.text ?? "", version },
      related,
      severity,
      fix: site.copyAt || !isLocalClosureCall(site) ? copyFix(unit, site.copyAt ?? site.stmt, hits, copied) : undefined,
    });
  }

  for (const loop of loops) {
    for (const b of loop.vars) {
      for (const use of b.uses) {
        const store = storeOf(use, loop, unit);
        if (!store || !cfgAt(unit, store.at)?.repeats(loop.node, { after: store.at }) || caseLeaves(store, loop, unit) || currentOnly(store, loop, unit)) continue;
        const hits = [{ loop, vars: [b] }];
        const local = store.via?.childForFieldName("left")?.text;
        const verb = `${local ? `held by ${local} and ` : ""}${store.stmt.type === "send_statement" ? "sent on" : "stored in"}`;
        const related: RelatedLocation[] = [{ ...headerSpan(loop), message: "this loop reuses one variable for all its iterations" }];
        if (store.via) related.push({ ...firstLine(store.via, file), message: `${local} takes the address here` });
        ctx.report({
          span: firstLine(store.stmt, file),
          messageId: store.field ? "fieldStore" : "store",
          data: { name: b.name, field: store.field?.text ?? "", stored: verb, target: store.target.text, version },
          related,
          severity,
          fix: copyFix(unit, store.via ?? store.at, hits, copied, use),
        });
      }
    }
  }
}

/**
 * The closure reads `u` when it runs later: after `t.Parallel()` for a subtest, unless a label
 * stands between the two (a goto may jump past `t.Parallel()` to it, as go vet reads it).
 */
function readsLater(site: ClosureSite, u: GoNode): boolean {
  if (!contains(site.lit, u) || u.startIndex < site.from) return false;
  if (!site.parallel) return true;
  const labels = site.lit.descendantsOfType("labeled_statement").filter((l): l is GoNode => !!l);
  const parallels = site.lit.descendantsOfType("call_expression").filter((c): c is GoNode => !!c && c.text === site.parallel!.text && c.endIndex <= u.startIndex);
  return parallels.some((p) => !labels.some((l) => l.startIndex > p.endIndex && l.startIndex < u.startIndex && !contains(l, p)));
}

/**
 * Cheap exit before any variable is resolved: inside a loop that declares variables, something
 * that could outlive an iteration (a go or defer statement, a g.Go/t.Run literal, `&v` of one of
 * the loop's variables).
 */
function mayCapture(unit: Unit): boolean {
  const loops = unit.nodes("for_statement").flatMap((loop) => {
    const names = headerNames(loop);
    return names.length > 0 ? [{ start: loop.startIndex, end: loop.endIndex, names }] : [];
  });
  if (loops.length === 0) return false;
  const around = (n: GoNode) => loops.filter((l) => l.start < n.startIndex && n.startIndex < l.end);
  if (unit.nodes(["go_statement", "defer_statement"]).some((n) => around(n).length > 0)) return true;
  const source = unit.file.source;
  const address = unit.nodes("unary_expression").some((u) => {
    if (source[u.startIndex] !== "&") return false;
    // `&v`, or the address of a field of v at any depth (`&p.Inner.Number`).
    const root = targetRoot(u.childForFieldName("operand")!);
    return !!root && around(u).some((l) => l.names.includes(root.text));
  });
  if (address) return true;
  return unit.nodes("func_literal").some((lit) => {
    const call = lit.parent?.type === "argument_list" ? lit.parent.parent : null;
    return call?.type === "call_expression" && around(lit).length > 0 && ["Go", "TryGo", "Run"].includes(methodName(call) ?? "");
  });
}

/** Names a loop header declares: `for k, v := range ...`, `for i := 0; ...`. */
function headerNames(loop: GoNode): string[] {
  for (const c of loop.namedChildren) {
    const left =
      c?.type === "range_clause" && c.children.some((t) => t?.type === ":=") ? c.childForFieldName("left")
      : c?.type === "for_clause" && c.childForFieldName("initializer")?.type === "short_var_declaration" ? c.childForFieldName("initializer")!.childForFieldName("left")
      : null;
    if (left) return left.namedChildren.flatMap((id) => (id?.type === "identifier" ? [id.text] : []));
  }
  return [];
}

/**
 * The closure sites that run later. `x.Go(f)` and `x.Run(name, f)` count by the receiver's type
 * (errgroup, conc, *testing.T, a type of the file whose method starts a goroutine), not by the
 * method name; and a group-like type of the file may take more arguments: `g.Go(func() error {...}, i)`.
 */
function sitesOf(unit: Unit): ClosureSite[] {
  const sites = closureSites(unit).filter((s) => (s.kind !== "group" && s.kind !== "subtest") || runsLater(s.anchor, s.kind, unit));
  const known = new Set(sites.map((s) => s.anchor.id));
  for (const call of unit.nodes("call_expression")) {
    if (!call || known.has(call.id)) continue;
    const fn = call.childForFieldName("function");
    const method = fn?.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
    if (method !== "Go" && method !== "TryGo") continue;
    const args = call.childForFieldName("arguments")?.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment") ?? [];
    const lit = args[0] && unparen(args[0]);
    if (args.length < 2 || lit?.type !== "func_literal" || (lit.childForFieldName("parameters")?.namedChildCount ?? 0) > 0) continue;
    const stmt = statementIn(call);
    if (stmt && declaredAsync(call, unit)) sites.push({ kind: "group", stmt, anchor: call, lit, from: lit.startIndex });
  }
  return sites.sort((a, b) => a.anchor.startIndex - b.anchor.startIndex);
}

/** The statement of a statement list an expression belongs to, within its function. */
function statementIn(node: GoNode): GoNode | undefined {
  for (let n: GoNode | null = node; n; n = n.parent) {
    if (n.parent?.type === "statement_list") return n;
    if (n.type === "func_literal" && n.id !== node.id) return undefined;
  }
  return undefined;
}

/**
 * `&v` kept past the iteration, reported at the store:
 *
 *	ptrs = append(ptrs, &v)     m[k] = &v     s.cur = &Item{Ref: &v}     ch <- &v
 */
interface Store {
  /** The storing statement: an assignment or send (a send may be a select case). */
  stmt: GoNode;
  /** The statement of the loop's statement lists that holds it: the select of a `case ch <- &v:`. */
  at: GoNode;
  target: GoNode;
  /** A single slot (`x = &v`, `s.cur = &v`), not a collection that keeps every pointer. */
  slot: boolean;
  /** `&v.Inner.Number`: the address of a field of the loop variable, not of the variable. */
  field?: GoNode;
  /** `a := &v` in the loop body, the local that carries the pointer to the store. */
  via?: GoNode;
}

function storeOf(use: GoNode, loop: Loop, unit: Unit): Store | undefined {
  let n = up(use);
  // &v.Inner.Number: the address of a field of v, at any depth, is inside v when v and the
  // fields on the way are values, not pointers.
  const path: GoNode[] = [];
  while (n.parent?.type === "selector_expression" && n.parent.childForFieldName("operand")?.id === n.id && n.parent.parent?.type !== "call_expression") {
    path.push(n.parent.childForFieldName("field")!);
    n = up(n.parent);
  }
  if (n.parent?.type !== "unary_expression" || n.parent.childForFieldName("operator")?.type !== "&") return undefined;
  if (path.length > 0 && !insideVariable(use, path, unit)) return undefined;
  const field = path.length > 0 ? n.parent : undefined;
  const store = placeOf(up(n.parent), loop, unit, 0);
  return store && { ...store, field };
}

/**
 * Where a value holding the pointer goes: through composite literals and `append` (also nested,
 * `append(out, append([]T{{&v}}, x)...)`), into an assignment or send whose target outlives the
 * iteration; or into a local of the iteration that is itself stored so (`a := &v; m[k] = a`,
 * `a := T{ref: &v}; out = append(out, a)`), reported at that store.
 */
function placeOf(value: GoNode, loop: Loop, unit: Unit, depth: number): Omit<Store, "field"> | undefined {
  let n = value;
  let appended = false;
  for (;;) {
    const p = n.parent;
    if (!p) return undefined;
    if (["literal_element", "keyed_element", "literal_value", "composite_literal", "variadic_argument"].includes(p.type)) n = up(p);
    else if (p.type === "unary_expression" && n.type === "composite_literal") n = up(p);
    else if (p.type === "argument_list" && isAppend(p.parent, unit)) {
      n = up(p.parent!);
      appended = true;
    } else if (p.type === "argument_list" && p.namedChildCount === 1 && isPointerConversion(p.parent)) n = up(p.parent!);
    else break;
  }
  let p = n.parent;
  let target: GoNode | null | undefined;
  let stmt: GoNode | undefined;
  let keyed = false;
  if (p?.type === "index_expression" && p.childForFieldName("index")?.id === n.id) {
    // m[&v] = x: the pointer is a key the map keeps.
    target = p;
    n = up(p);
    p = n.parent;
    keyed = true;
  }
  if (!keyed && p?.type === "send_statement" && p.childForFieldName("value")?.id === n.id) {
    stmt = p;
    target = p.childForFieldName("channel");
  } else if (p?.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("operator")?.type === "=") {
    stmt = p.parent;
    const right = p.namedChildren;
    const left = stmt.childForFieldName("left")?.namedChildren ?? [];
    if (keyed) {
      if (stmt.childForFieldName("left")?.id !== p.id) return undefined;
    } else {
      if (left.length !== right.length) return undefined;
      target = left[right.findIndex((r) => r?.id === n.id)];
    }
  } else if (!keyed && depth === 0 && p?.type === "expression_list" && p.parent?.type === "short_var_declaration" && p.parent.childForFieldName("right")?.id === p.id) {
    return throughLocal(p.parent, n, loop, unit);
  }
  // `case ch <- &v:` sends when the select picks it: the select is the loop's statement.
  const at = stmt?.parent?.type === "communication_case" ? stmt.parent.parent : stmt;
  if (!stmt || !at || !target || at.parent?.type !== "statement_list" || !inLoop(at, loop)) return undefined;
  const root = targetRoot(target);
  if (!root || root.text === "_") return undefined;
  const b = unit.bindings.resolve(root);
  if (b && contains(loop.node, b.id)) return undefined;
  const slot = !appended && !keyed && stmt.type === "assignment_statement" && ["identifier", "selector_expression"].includes(unparen(target).type);
  return { stmt, at, target, slot };
}

/** `a := &v` (or a literal holding it) in the loop body, then `a` stored where it outlives the iteration. */
function throughLocal(decl: GoNode, value: GoNode, loop: Loop, unit: Unit): Omit<Store, "field"> | undefined {
  const right = listOf(decl.childForFieldName("right"));
  const left = listOf(decl.childForFieldName("left"));
  const name = left.length === right.length ? left[right.findIndex((r) => r.id === value.id)] : undefined;
  const b = name?.type === "identifier" ? unit.bindings.declaredBy(name) : undefined;
  if (!b || decl.parent?.type !== "statement_list" || !contains(loop.body, decl)) return undefined;
  for (const u of b.uses) {
    if (u.startIndex < decl.endIndex || isWrite(u)) continue;
    const store = placeOf(up(u), loop, unit, 1);
    if (store) return { ...store, via: decl };
  }
  return undefined;
}

/**
 * `&v.a.b` points into the loop variable v: v's type is known not to be a pointer (from the range
 * expression's declared type or literal), and no field on the way (`a`) is declared as a pointer
 * in the file's structs. Unknown types stay silent.
 */
function insideVariable(use: GoNode, path: GoNode[], unit: Unit): boolean {
  const b = unit.bindings.resolve(use);
  const range = b?.decl.type === "range_clause" ? b.decl : undefined;
  if (!b || !range) return false;
  const vars = range.childForFieldName("left")?.namedChildren.filter((x) => x?.type === "identifier") ?? [];
  const index = vars.findIndex((x) => x?.id === b.id.id);
  const container = resolveType(typeOfExpr(unparen(range.childForFieldName("right")!), unit), unit.file);
  let elem: GoNode | null | undefined;
  if (container?.type === "slice_type" || container?.type === "array_type") elem = index === 1 ? container.childForFieldName("element") : null;
  else if (container?.type === "map_type") elem = container.childForFieldName(index === 1 ? "value" : "key");
  else if (container?.type === "channel_type") elem = index === 0 ? container.childForFieldName("value") ?? container.namedChildren[0] : null;
  if (!elem || isPointerType(elem, unit)) return false;
  // Every field but the last is dereferenced on the way: none may be a pointer.
  return path.slice(0, -1).every((f) => !fieldTypes(unit, f.text).some((t) => isPointerType(t, unit)));
}

const isPointerType = (t: GoNode, unit: Unit) => {
  const r = resolveType(t, unit.file);
  return r?.type === "pointer_type" || r?.type === "interface_type" || t.type === "pointer_type";
};

/** The declared types of the struct fields the file names `name`. */
function fieldTypes(unit: Unit, name: string): GoNode[] {
  const out: GoNode[] = [];
  for (const f of unit.file.wholeRoot().descendantsOfType("field_declaration")) {
    const t = f?.childForFieldName("type");
    if (t && f!.childrenForFieldName("name").some((n) => n?.text === name)) out.push(t);
  }
  return out;
}

/** The type of a ranged expression as the syntax gives it: a declared local, parameter or field, a literal, a make. */
function typeOfExpr(e: GoNode, unit: Unit): GoNode | null {
  if (e.type === "composite_literal") return e.childForFieldName("type");
  if (e.type === "call_expression") {
    const fn = unparen(e.childForFieldName("function")!);
    return fn.type === "identifier" && fn.text === "make" && !unit.bindings.resolve(fn) ? (e.childForFieldName("arguments")?.namedChildren[0] ?? null) : null;
  }
  if (e.type === "selector_expression") {
    const types = fieldTypes(unit, e.childForFieldName("field")!.text);
    return types.length > 0 && types.every((t) => t.text === types[0]!.text) ? types[0]! : null;
  }
  if (e.type !== "identifier") return null;
  const b = unit.bindings.resolve(e);
  if (!b) {
    const d = unit.file.decls.find((x) => x.kind === "var" && x.names.includes(e.text));
    const v = d?.node.childForFieldName("value")?.namedChildren[0];
    return d?.type ?? (v ? typeOfExpr(unparen(v), unit) : null);
  }
  if (b.type) return b.type;
  const v = b.kind === "var" ? definitions(b, unit)[0]?.value : null;
  return v ? typeOfExpr(unparen(v), unit) : null;
}

/** `case ch <- &v: return`: the case that sends also leaves the loop, so it sends once. */
function caseLeaves(store: Store, loop: Loop, unit: Unit): boolean {
  if (store.at.id === store.stmt.id) return false;
  const body = store.stmt.parent?.namedChildren.find((c) => c?.type === "statement_list");
  const first = body ? statementsOf(body)[0] : undefined;
  if (!first) return false;
  // The case's body cannot go round the loop again: it returns, jumps out or ends the goroutine.
  const cfg = cfgAt(unit, first);
  return !!cfg && !cfg.repeats(loop.node, { at: first });
}

/**
 * A single slot that only serves the current iteration: set on every iteration (it always points
 * at the current value, with or without per-iteration variables), or a local that only the iteration
 * setting it reads (after the store; not before it in the body, not after the loop).
 *
 *	for _, p := range passes {
 *		f.pass = &p               // no continue before it; or f.pass read only after it in the body
 */
function currentOnly(store: Store, loop: Loop, unit: Unit): boolean {
  if (!store.slot) return false;
  // Every iteration that goes round passes the store.
  const cfg = cfgAt(unit, loop.node);
  if (cfg && !cfg.repeats(loop.node, { at: loop.body }, { avoid: (n: GoNode) => n.id === store.at.id })) return true;
  const text = unparen(store.target).text;
  // A field of a pointer receiver or parameter, or a package-level variable, outlives the call:
  // it serves the current iteration only when the iteration itself uses it, or the object that
  // holds it, after the store (`c.pass = &p; run(c.pass)`, `f.pass = &p; p.fn(f)`); set and left
  // for later (`d.best = &p.Score`), it is a result.
  const root = targetRoot(store.target);
  const b = root ? unit.bindings.resolve(root) : undefined;
  if (!b || ((b.kind === "receiver" || b.kind === "param") && b.type?.type === "pointer_type")) {
    const name = root?.text ?? text;
    return loop.body.descendantsOfType(["identifier", "selector_expression"]).some((n) => n && n.startIndex >= store.stmt.endIndex && (n.text === text || (n.type === "identifier" && n.text === name && (!b || unit.bindings.resolve(n) === b))));
  }
  // A local: it serves the iteration when the iteration reads it after the store and nothing reads
  // it after the loop or before the store (a later iteration would see the overwritten variable).
  // Never read at all, it is still a pointer kept past the iteration: flagged.
  const reads = unit.nodes(["identifier", "selector_expression"]).filter((n) => n && n.text === text && !isWrite(n) && !contains(store.target, n));
  if (reads.some((n) => n.startIndex >= loop.node.endIndex)) return false;
  const inBody = reads.filter((n) => contains(loop.body, n));
  return inBody.some((n) => n.startIndex >= store.stmt.endIndex) && !inBody.some((n) => n.startIndex < store.stmt.startIndex);
}

function up(node: GoNode): GoNode {
  let n = node;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  return n;
}

/**
 * `(*T)(x)` or `unsafe.Pointer(x)`: a conversion that keeps the address it is given (the
 * grammar reads both as calls).
 */
function isPointerConversion(call: GoNode | null): boolean {
  const fn = call?.type === "call_expression" ? call.childForFieldName("function") : undefined;
  if (!fn) return false;
  if (fn.type === "selector_expression") return fn.text === "unsafe.Pointer";
  const inner = fn.type === "parenthesized_expression" ? fn.namedChildren[0] : undefined;
  return (inner?.type === "unary_expression" && inner.childForFieldName("operator")?.type === "*") || inner?.type === "pointer_type";
}

function isAppend(call: GoNode | null, unit: Unit): boolean {
  const fn = call?.childForFieldName("function");
  return call?.type === "call_expression" && fn?.type === "identifier" && fn.text === "append" && !unit.bindings.resolve(fn);
}

/** `x`, `x.f`, `x[k]`, `*x` → `x`. */
function targetRoot(target: GoNode): GoNode | undefined {
  let t = unparen(target);
  for (;;) {
    if (t.type === "selector_expression" || t.type === "index_expression" || t.type === "unary_expression") t = unparen(t.childForFieldName("operand")!);
    else return t.type === "identifier" ? t : undefined;
  }
}

/**
 * Inserts `v := v` (or `k, v := k, v`) on its own line before the statement, when that is a
 * plain copy: the statement starts its line, the block declares no such name, the loop body never
 * writes the variable, and no earlier fix in the same block copies it already.
 */
function copyFix(unit: Unit, stmt: GoNode, hits: { loop: Loop; vars: Binding[] }[], copied: Map<number, Set<string>>, stored?: GoNode) {
  const source = unit.file.source;
  const list = stmt.parent;
  const lineStart = source.lastIndexOf("\n", stmt.startIndex - 1) + 1;
  if (list?.type !== "statement_list" || source.slice(lineStart, stmt.startIndex).trim() !== "") return undefined;
  const copies = hits.flatMap((h) => h.vars.map((b) => b.name));
  const done = copied.get(list.id) ?? new Set<string>();
  if (copies.some((n) => done.has(n))) return undefined;
  const writes = (h: { loop: Loop; vars: Binding[] }) => h.vars.some((b) => b.uses.some((u) => u.id !== stored?.id && contains(h.loop.body, u) && isWrite(u)));
  if (hits.some(writes)) return undefined;
  if (unit.bindings.all.some((b) => copies.includes(b.name) && declaredIn(b, list))) return undefined;
  copies.forEach((n) => done.add(n));
  copied.set(list.id, done);
  const eol = source[source.indexOf("\n", stmt.startIndex) - 1] === "\r" ? "\r\n" : "\n";
  const edit: TextEdit = { start: lineStart, end: lineStart, text: `${indentAt(source, stmt.startIndex)}${copies.join(", ")} := ${copies.join(", ")}${eol}` };
  return { description: `copy ${copies.join(", ")} into a per-iteration variable before the statement`, edits: [edit] };
}

/** Declared by a statement of the list itself: `v := ...`, `var v ...`, `const v ...`. */
function declaredIn(b: Binding, list: GoNode): boolean {
  const stmt = b.decl.type === "var_spec" || b.decl.type === "const_spec" ? b.decl.parent : b.decl;
  return (stmt?.parent?.type === "var_spec_list" ? stmt.parent.parent : stmt)?.parent?.id === list.id;
}

/** `go run()` / `defer undo()` of a closure kept in a local. */
function isLocalClosureCall(site: ClosureSite): boolean {
  return (site.kind === "go" || site.kind === "defer") && !contains(site.anchor, site.lit);
}

function callee(site: ClosureSite): string {
  const fn = site.anchor.childForFieldName("function");
  return fn ? fn.text : "Go";
}

function names(vars: Binding[]): string {
  const all = [...new Set(vars.map((b) => b.name))];
  return all.length === 1 ? all[0]! : `${all.slice(0, -1).join(", ")} and ${all[all.length - 1]}`;
}

const varNames = (vars: Binding[]) => `loop variable${new Set(vars.map((b) => b.name)).size > 1 ? "s" : ""} ${names(vars)}`;

function headerSpan(loop: Loop) {
  return { start: loop.node.startIndex, end: loop.body.startIndex };
}

/** The node's span cut at the end of its first line. */
function firstLine(node: GoNode, file: FileView) {
  const nl = file.source.indexOf("\n", node.startIndex);
  return { start: node.startIndex, end: nl === -1 || nl > node.endIndex ? node.endIndex : nl };
}
