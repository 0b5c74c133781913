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
import { cfgAt } from "../facts/cfg.js";
import { docsUrl } from "../facts/meta.js";
import { loopAround, spanOf, statementOf, unparen } from "../facts/syntax.js";
import { importsTime, literalDuration, timeCalls } from "../facts/timers.js";

const MINUTE_NS = 60e9;

const rule: Rule = {
  meta: {
    id: "afterfunc-untracked",
    title: "time.AfterFunc timer discarded while it holds a pointer",
    severity: "info",
    fixable: false,
    summary: "time.AfterFunc's *Timer is discarded while its callback holds a pointer, in a loop or with a long or computed delay",
    why:
      "Until an AfterFunc timer fires, the runtime's timer heap holds the callback, and through it every pointer the " +
      "callback captured: the object cannot be collected however long the delay is. Without the returned *Timer " +
      "nothing can Stop it when the object is closed, so the memory and the callback's work outlive their owner.",
    docs: docsUrl("afterfunc-untracked"),
    messages: {
      discarded: "the timer from time.AfterFunc is discarded: its callback keeps {{name}} reachable until {{until}}",
      discardedInLoop: "time.AfterFunc can start a discarded timer each time round the loop; each keeps {{name}} reachable until {{until}}",
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
    if (name !== "AfterFunc" || !discarded(call)) continue;
    const args = call.childForFieldName("arguments")?.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment") ?? [];
    if (args.length !== 2) continue;
    const [delay, f] = args as [GoNode, GoNode];
    const ref = pointerIn(unparen(f), unit);
    if (!ref) continue;
    const loop = repeatingLoop(call, unit);
    const ns = literalDuration(unparen(delay), unit);
    if (!loop && ns !== null && ns < MINUTE_NS) continue; // a short literal delay: the pointer is pinned briefly
    const until = delay.text.length <= 40 && !delay.text.includes("\n") ? `its delay (${delay.text}) elapses` : "it fires";
    ctx.report({
      span: spanOf(call),
      messageId: loop ? "discardedInLoop" : "discarded",
      data: { name: ref.binding.name, until },
      related: [
        { ...spanOf(ref.use), message: `the callback holds ${ref.binding.name}` },
        ...(loop ? [{ ...spanOf(loop), message: "the loop that can start a timer each time round" }] : []),
      ],
    });
  }
}

/** `time.AfterFunc(...)` as a statement, or assigned to `_`. */
function discarded(call: GoNode): boolean {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const p = node.parent;
  if (p?.type === "expression_statement") return true;
  if (p?.type !== "expression_list" || p.namedChildCount !== 1) return false;
  const stmt = p.parent;
  if (stmt?.type !== "assignment_statement" && stmt?.type !== "short_var_declaration") return false;
  const left = stmt.childForFieldName("left")?.namedChildren ?? [];
  return left.length === 1 && left[0]?.text === "_";
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
