// afterfunc-untracked: `time.AfterFunc(d, f)` whose *Timer is dropped while f holds a pointer
// of the enclosing function, started in a loop or with a delay that is not a short literal (or a
// constant of the function or the file declared with one).
//
//	func (c *Cache) Set(k string, v []byte) {
//		time.AfterFunc(c.ttl, func() { c.evict(k) })  // c pinned until ttl elapses, uncancellable
//	}
//
//	for _, id := range ids {
//		s := &Session{id: id}
//		time.AfterFunc(d, s.expire)                    // one untracked timer per iteration
//	}
import type { Binding, GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { cfgAt, cfgOf } from "../facts/cfg.js";
import { processEntry } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { argsOf, enclosingFunction, loopAround, spanOf, statementOf, unparen } from "../facts/syntax.js";
import { importsTime, literalDuration, timeCalls } from "../facts/timers.js";
import { isWaitGroup, sameVariable } from "../facts/waitgroups.js";
import { fieldDuration } from "./fields.js";
import { guardedByFlag } from "./guard.js";

const MINUTE_NS = 60e9;

const rule: Rule = {
  meta: {
    id: "afterfunc-untracked",
    title: "time.AfterFunc timer discarded while it holds a pointer",
    severity: "info",
    fixable: false,
    testFilesBounded: true,
    summary: "time.AfterFunc's *Timer is discarded while its callback holds a pointer, in a loop or with a long or computed delay",
    why:
      "Until an AfterFunc timer fires, the runtime's timer heap holds the callback, and through it every pointer the " +
      "callback captured: the object cannot be collected however long the delay is. Without the returned *Timer " +
      "nothing can Stop it when the object is closed, so the memory and the callback's work outlive their owner.",
    docs: docsUrl("afterfunc-untracked"),
    messages: {
      discarded: "the timer from time.AfterFunc is discarded: its callback keeps {{name}} reachable until {{until}}",
      discardedInLoop: "time.AfterFunc can start a discarded timer each time round the loop; each keeps {{name}} reachable until {{until}}",
      stored: "the timer from time.AfterFunc is kept only in {{field}}, which nothing in the package reads: its callback keeps {{name}} reachable until {{until}}",
      storedInLoop: "time.AfterFunc can start a timer each time round the loop, kept only in {{field}}, which nothing reads; each keeps {{name}} reachable until {{until}}",
    },
  },
  kinds: ["func", "method"],
  appliesTo: importsTime,
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  for (const { call, name } of timeCalls(unit)) {
    if (name !== "AfterFunc") continue;
    const kept = untracked(call);
    if (!kept) continue;
    const args = argsOf(call);
    if (args.length !== 2) continue;
    const [delay, f] = args as [GoNode, GoNode];
    const ref = pointerIn(unparen(f), unit);
    if (!ref) continue;
    // Kept where the package can Stop it, or cleared by the callback (the field says "pending").
    // A field: untracked only when nothing in the package reads it, which a file left unread may do.
    if (kept.field && (!ctx.file.packageComplete() || fieldRead(kept.field, unit) || clearedBy(unparen(f), kept.field, unit))) continue;
    if (joined(call, unparen(f), unit)) continue; // the function waits for the callback: nothing outlives the call
    if (guardedByFlag(call, unparen(f), unit)) continue; // `if !x.running { AfterFunc; x.running = true }`: one timer at a time
    const loop = repeatingLoop(call, unit);
    if (!loop) {
      // Outside a loop, one timer per call: reported only when calls can pile them up for long.
      // `_ =` drops it on purpose; main, init and a CLI command run once (asked last: it may read the package's other files).
      if (kept.blank || ["main", "init", "command"].includes(processEntry(unit) ?? "")) continue;
      const ns = literalDuration(unparen(delay), unit) ?? fieldDuration(unparen(delay), unit);
      if (ns !== null && ns < MINUTE_NS) continue; // a short literal delay: the pointer is pinned briefly
      if (retryChain(call, unparen(f), unit)) continue; // one timer pending at a time, until the retry succeeds
    }
    const until = delay.text.length <= 40 && !delay.text.includes("\n") ? `its delay (${delay.text}) elapses` : "it fires";
    ctx.report({
      span: spanOf(call),
      ...(kept.field
        ? { messageId: loop ? "storedInLoop" : "stored", data: { name: ref.binding.name, until, field: kept.field.text } }
        : { messageId: loop ? "discardedInLoop" : "discarded", data: { name: ref.binding.name, until } }),
      related: [
        { ...spanOf(ref.use), message: `the callback holds ${ref.binding.name}` },
        ...(loop ? [{ ...spanOf(loop), message: "the loop that can start a timer each time round" }] : []),
      ],
    });
  }
}

/**
 * How the *Timer is left untracked: dropped by a bare statement, assigned to `_` (`blank`), or
 * stored in a field (`s.t = time.AfterFunc(...)`, `field`: untracked when nothing reads it).
 * Undefined when it is kept some other way (a local, a map element, returned, passed on).
 */
function untracked(call: GoNode): { blank?: boolean; field?: GoNode } | undefined {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const p = node.parent;
  if (p?.type === "expression_statement") return {};
  if (p?.type !== "expression_list" || p.namedChildCount !== 1) return undefined;
  const stmt = p.parent;
  if (stmt?.type !== "assignment_statement" && stmt?.type !== "short_var_declaration") return undefined;
  if (stmt.childForFieldName("right")?.id !== p.id) return undefined;
  const left = stmt.childForFieldName("left")?.namedChildren ?? [];
  if (left.length !== 1 || !left[0]) return undefined;
  if (left[0].text === "_") return { blank: true };
  const target = unparen(left[0]);
  if (stmt.type === "assignment_statement" && stmt.childForFieldName("operator")?.text === "=" && target.type === "selector_expression") return { field: target };
  return undefined;
}

/**
 * Some code of the package reads the field (`s.t.Stop()`, `if s.t != nil`, `t := s.t`): the
 * timer is kept where it can be stopped. Only a field every mention of which is a plain
 * assignment is write-only: each call replaces the timer and nothing can stop the previous one.
 */
function fieldRead(target: GoNode, unit: Unit): boolean {
  const name = target.childForFieldName("field")?.text;
  if (!name) return true;
  const mention = new RegExp(`\\.\\s*${name}\\b`);
  for (const f of [unit.file, ...unit.file.packageFiles()]) {
    if (!mention.test(f.source)) continue;
    for (const sel of f.wholeRoot().descendantsOfType("selector_expression")) {
      if (!sel || sel.childForFieldName("field")?.text !== name) continue;
      const list = sel.parent;
      const assign = list?.type === "expression_list" ? list.parent : null;
      const written = assign?.type === "assignment_statement" && assign.childForFieldName("left")?.id === list!.id && assign.childForFieldName("operator")?.text === "=";
      if (!written) return true;
    }
  }
  return false;
}

/** The callback assigns the field (`n.updateTimer = nil` once it has run): one timer at a time, tracked by the field. */
function clearedBy(f: GoNode, target: GoNode, unit: Unit): boolean {
  if (f.type !== "func_literal") return false;
  const name = target.childForFieldName("field")?.text;
  return unit.nodes("assignment_statement", f).some((a) =>
    (a.childForFieldName("left")?.namedChildren ?? []).some((l) => !!l && unparen(l).type === "selector_expression" && unparen(l).childForFieldName("field")?.text === name),
  );
}

/**
 * The function waits for the callback: the callback calls `wg.Done()` on every path (`defer
 * wg.Done()` first, typically), and every path of the function from the call to its return passes
 * `wg.Wait()` on the same WaitGroup (a local, or a field of the same variable). The function cannot
 * return before the timer has fired and the callback has finished, so the timer holds nothing
 * beyond the call: it is tracked, by the WaitGroup.
 *
 *	wg.Add(1)
 *	time.AfterFunc(d, func() {
 *		defer wg.Done()
 *		c.restart()
 *	})
 *	...
 *	wg.Wait()
 */
function joined(call: GoNode, f: GoNode, unit: Unit): boolean {
  if (f.type !== "func_literal" || !unit.file.source.includes("Wait()")) return false;
  const stmt = statementOf(call);
  const home = enclosingFunction(call);
  if (!stmt || !home) return false;
  const method = (n: GoNode, name: string): GoNode | undefined => {
    const c = n.type === "expression_statement" || n.type === "defer_statement" ? unparen(n.namedChildren[0]!) : null;
    const fn = c?.type === "call_expression" ? unparen(c.childForFieldName("function")!) : null;
    return fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === name ? fn.childForFieldName("operand")! : undefined;
  };
  const dones: GoNode[] = [];
  for (const n of unit.nodes(["expression_statement", "defer_statement"], f)) {
    const wg = n && enclosingFunction(n)?.id === f.id ? method(n, "Done") : undefined;
    if (wg && isWaitGroup(wg, unit)) dones.push(wg);
  }
  return dones.some((wg) => {
    const done = (n: GoNode) => {
      const d = method(n, "Done");
      return !!d && sameVariable(d, wg, unit);
    };
    if (!cfgOf(unit, f).everyPathPasses({ entry: true }, done)) return false;
    const wait = (n: GoNode) => {
      const w = method(n, "Wait");
      return !!w && sameVariable(w, wg, unit);
    };
    return cfgOf(unit, home).everyPathPasses({ after: stmt }, wait);
  });
}

/**
 * A retry that re-arms itself on a condition: the callback runs the function that starts the
 * timer again, directly or through one function of the package that calls it, and some path of
 * that function ends without starting the timer (the retry stops once it succeeds). One such
 * timer is pending at a time, however often the chain runs; the function re-arming itself on
 * every path (a janitor sweeping for ever) pins its pointer for good and stays flagged.
 *
 *	func (o *consumer) checkPeers() {
 *		if !o.peersReady() {
 *			time.AfterFunc(o.interval, o.checkPeers) // checks again later
 *			return
 *		}
 *		o.setReady()
 *	}
 */
function retryChain(call: GoNode, f: GoNode, unit: Unit): boolean {
  const self = unit.node.childForFieldName("name")?.text;
  if (!self) return false;
  const callees = new Set<string>();
  const add = (fn: GoNode | null) => {
    const n = fn && unparen(fn);
    const name = n?.type === "identifier" ? n.text : n?.type === "selector_expression" ? n.childForFieldName("field")?.text : undefined;
    if (name) callees.add(name);
  };
  if (f.type === "func_literal") for (const c of unit.nodes("call_expression", f)) add(c.childForFieldName("function"));
  else add(f);
  const conditional = () => !cfgOf(unit, unit.node).everyPathPasses({ entry: true }, (n) => n.startIndex <= call.startIndex && call.endIndex <= n.endIndex, ["return"]);
  if (callees.has(self)) return conditional();
  const calls = new RegExp(`\\b${self}\\s*\\(`);
  for (const file of [unit.file, ...unit.file.packageFiles()]) {
    if (!calls.test(file.source)) continue;
    for (const d of file.wholeRoot().namedChildren) {
      if ((d?.type !== "function_declaration" && d?.type !== "method_declaration") || !callees.has(d.childForFieldName("name")?.text ?? "")) continue;
      // The other function calls it only on some condition (a failure): the chain can end.
      const body = d.childForFieldName("body");
      const again = body ? body.descendantsOfType("call_expression").filter((c): c is GoNode => !!c && calledName(c) === self) : [];
      if (again.some((c) => underCondition(c, body!))) return true;
    }
  }
  return false;
}

/** `f(...)` or `x.f(...)`: "f". */
function calledName(call: GoNode): string | undefined {
  const fn = unparen(call.childForFieldName("function")!);
  return fn.type === "identifier" ? fn.text : fn.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
}

/** The call sits in a branch (an if, a switch or select case, a loop body) of the block `body`, not on its straight path. */
function underCondition(call: GoNode, body: GoNode): boolean {
  for (let p = call.parent; p && p.id !== body.id; p = p.parent) {
    if (p.type === "func_literal") return false;
    if (/^(if_statement|expression_case|type_case|default_case|communication_case|for_statement)$/.test(p.type)) return true;
  }
  return false;
}

/**
 * The loop that starts the timer again on each iteration. A statement followed, in its own block,
 * by a `return` (or `panic`, `os.Exit`, `log.Fatal`, `t.Fatal`) runs once per call, and one followed by a
 * `break` of its loop once per run of that loop: `for ... { if found { time.AfterFunc(...); return } }`.
 */
function repeatingLoop(call: GoNode, unit: Unit): GoNode | null {
  const stmt = statementOf(call);
  const cfg = stmt && cfgAt(unit, stmt);
  if (!stmt || !cfg) return loopAround(call);
  for (let loop = loopAround(call); loop; loop = loopAround(loop)) if (cfg.repeats(loop, { after: stmt })) return loop;
  return null;
}

/** The first pointer of the enclosing function that the callback holds: `s.expire`, or a literal using `s`. */
function pointerIn(f: GoNode, unit: Unit, seen = new Set<number>()): { binding: Binding; use: GoNode } | undefined {
  if (f.type === "identifier") {
    // `expire := func() { s.close() }; time.AfterFunc(d, expire)`: the literal the local was set from.
    const b = unit.bindings.resolve(f);
    const v = b && b.kind === "var" && !seen.has(b.id.id) && b.uses.every((u) => !assigned(u)) ? initValue(b) : null;
    if (!b || !v) return undefined;
    seen.add(b.id.id);
    return pointerIn(v, unit, seen);
  }
  if (f.type === "selector_expression") {
    const op = unparen(f.childForFieldName("operand")!);
    const b = op.type === "identifier" ? unit.bindings.resolve(op) : undefined;
    const pointee = b && pointeeType(b, unit);
    // `s.onExpire` naming a func-typed field copies the func value: s itself is not held.
    if (!b || !pointee || isField(unit, pointee, f.childForFieldName("field")?.text ?? "")) return undefined;
    return { binding: b, use: op };
  }
  if (f.type !== "func_literal") return undefined;
  for (const id of unit.nodes("identifier", f)) {
    if (!id || isFieldKey(id, unit)) continue;
    const b = unit.bindings.resolve(id);
    if (b && b.id.startIndex < f.startIndex && pointeeType(b, unit)) return { binding: b, use: id! };
  }
  return undefined;
}

/** For a `*T` receiver or parameter, or a local set from `&T{...}` or `new(T)`: the type T; else null. */
function pointeeType(b: Binding, unit: Unit): GoNode | null {
  if (b.kind === "receiver" || b.kind === "param") return b.type?.type === "pointer_type" ? b.type.namedChildren[0] ?? null : null;
  if (b.kind !== "var") return null;
  const v = initValue(b);
  if (!v) return null;
  if (v.type === "unary_expression" && v.childForFieldName("operator")?.type === "&") {
    const lit = unparen(v.childForFieldName("operand")!);
    return lit.type === "composite_literal" ? lit.childForFieldName("type") : null;
  }
  const fn = v.type === "call_expression" ? v.childForFieldName("function") : null;
  if (fn?.type !== "identifier" || fn.text !== "new" || unit.bindings.resolve(fn)) return null;
  return v.childForFieldName("arguments")?.namedChildren[0] ?? null;
}

/** The value a local is declared with (`x := v`, `var x = v`), parentheses stripped. */
function initValue(b: Binding): GoNode | null {
  const left = b.decl.type === "short_var_declaration" ? b.decl.childForFieldName("left") : null;
  const names = left ? left.namedChildren : b.decl.childrenForFieldName("name");
  const values = b.decl.childForFieldName(b.decl.type === "var_spec" ? "value" : "right")?.namedChildren ?? [];
  const i = names.findIndex((n) => n?.id === b.id.id);
  return names.length === values.length && i >= 0 ? unparen(values[i]!) : null;
}

/** An identifier on the left of an assignment (`x = ...`, `x, err = ...`). */
function assigned(id: GoNode): boolean {
  const list = id.parent;
  return list?.type === "expression_list" && list.parent?.type === "assignment_statement" && list.parent.childForFieldName("left")?.id === list.id;
}

/**
 * The key of a keyed element in a struct literal: `event{req: x}` names the field req, not the
 * local req. Keys of map literals (`map[*T]bool{p: true}`, a map type declared in the file) are
 * expressions.
 */
function isFieldKey(id: GoNode, unit: Unit): boolean {
  const el = id.parent;
  const keyed = el?.type === "literal_element" ? el.parent : null;
  if (keyed?.type !== "keyed_element" || keyed.namedChildren[0]?.id !== el!.id) return false;
  const lit = keyed.parent?.parent;
  if (lit?.type !== "composite_literal") return true; // an elided element type: a struct, in practice
  let t = lit.childForFieldName("type");
  if (t?.type === "generic_type") t = t.childForFieldName("type");
  if (t?.type === "map_type") return false;
  if (t?.type === "type_identifier") {
    const decl = unit.file.decls.find((d) => d.kind === "type" && d.names.includes(t!.text));
    if (decl?.type && decl.type.type !== "struct_type") return false;
  }
  return true;
}

/**
 * Whether `x.name` on the struct type `type` names, declared in this file, selects a field: one of
 * its own, or one promoted from an embedded struct of the file (`type conn struct{ lease }`,
 * `*lease` too, at any depth). Go's rule decides between a field and a method: the shallowest
 * depth wins, so a method declared at a shallower depth than the field makes `x.name` a method value.
 */
function isField(unit: Unit, type: GoNode, name: string): boolean {
  const seen = new Set<string>();
  let level = [typeName(type)].filter((t): t is string => !!t);
  while (level.length > 0) {
    const next: string[] = [];
    let field = false;
    let method = false;
    for (const t of level) {
      if (seen.has(t)) continue;
      seen.add(t);
      if (methodsOf(unit).get(t)?.has(name)) method = true;
      const decl = unit.file.decls.find((d) => d.kind === "type" && d.names.includes(t));
      const list = decl?.type?.type === "struct_type" ? decl.type.namedChildren.find((c) => c?.type === "field_declaration_list") : undefined;
      for (const f of list?.namedChildren ?? []) {
        if (f?.type !== "field_declaration") continue;
        const names = f.childrenForFieldName("name");
        if (names.length > 0) {
          if (names.some((n) => n?.text === name)) field = true;
          continue;
        }
        // An embedded field: its name is its type's name, and its fields and methods are promoted.
        const embedded = f.childForFieldName("type");
        const local = embedded ? typeName(embedded) : undefined;
        const own = embedded?.type === "qualified_type" ? embedded.childForFieldName("name")?.text : local;
        if (own === name) field = true;
        if (local) next.push(local);
      }
    }
    if (method) return false;
    if (field) return true;
    level = next;
  }
  return false;
}

/** `T`, `*T`, `T[K]`, `*T[K]` → "T"; undefined for other packages' types and type literals. */
function typeName(t: GoNode): string | undefined {
  let n: GoNode | null = t;
  if (n.type === "pointer_type") n = n.namedChildren[0] ?? null;
  if (n?.type === "generic_type") n = n.childForFieldName("type");
  return n?.type === "type_identifier" ? n.text : undefined;
}

/** The methods the file declares, by receiver type name. */
function methodsOf(unit: Unit): Map<string, Set<string>> {
  return unit.file.memo("afterfunc-untracked:methods", () => {
    const out = new Map<string, Set<string>>();
    for (const d of unit.file.wholeRoot().namedChildren) {
      if (d?.type !== "method_declaration") continue;
      const recv = d.childForFieldName("receiver")?.namedChildren.find((p) => p?.type === "parameter_declaration")?.childForFieldName("type");
      const t = recv ? typeName(recv) : undefined;
      const name = d.childForFieldName("name")?.text;
      if (!t || !name) continue;
      if (!out.has(t)) out.set(t, new Set());
      out.get(t)!.add(name);
    }
    return out;
  });
}
