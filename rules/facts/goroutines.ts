// Goroutines a function starts and the channels it makes for them, computed once per unit and
// shared by goroutine-send-leak, goroutine-recv-leak and goroutine-no-exit.
//
//	ch := make(chan T)              // a Channel: made here, buffer 0
//	go func(out chan<- T) {         // a GoroutineSite; `out` aliases ch
//		out <- v                    // a send op, inside the site
//	}(ch)
//	select {
//	case r := <-ch:                 // a recv op in the function's own flow, in a select
//	case <-ctx.Done():              // that can leave by another case
//	}
import type { Binding, GoNode, Unit } from "../../src/analyzer/types.js";
import { cfgOf, constInt, tripCount } from "./cfg.js";
import { isBuiltinCall } from "./calls.js";
import { deadContext } from "./contexts.js";
import { calleeOf, summarise, type Effect, type FuncDecl } from "./summaries.js";
import { contains, enclosingFunction, loopBetween, unparen } from "./syntax.js";

export interface GoroutineSite {
  /** The statement that starts it: `go func(){...}()` or `g.Go(func() error {...})`. */
  stmt: GoNode;
  /** What to report: the `go` keyword or the `g.Go` selector. */
  head: GoNode;
  lit: GoNode;
  body: GoNode;
  /** The function whose flow starts the goroutine. */
  home: GoNode;
  /** A loop of `home` encloses the statement: it may start many goroutines. */
  inLoop: boolean;
}

export type OpKind = "send" | "recv" | "range" | "close" | "neutral" | "escape";

export interface ChanOp {
  kind: OpKind;
  /** send_statement, the `<-ch` unary_expression, the ranging for_statement, the close call, or the identifier that escapes. */
  node: GoNode;
  /** The identifier of the channel (or of the goroutine parameter that aliases it). */
  id: GoNode;
  /** The innermost function the op runs in. */
  fn: GoNode;
  /** The goroutine site whose literal is `fn`, if any. */
  site: GoroutineSite | undefined;
  /** For a send or receive that is a select's communication: the select. */
  select: GoNode | undefined;
  /** That select has another case or a default (see mayLeave for whether it can fire). */
  canLeave: boolean;
  /**
   * A call statement in a goroutine literal to a package function that sends on (or receives
   * from) the parameter it is given, with no way to give up (`go func() { s.produce(ch) }()`): the
   * op is that statement, read as the helper's operations, which are `effects` (maybe in another file).
   */
  via?: { callee: FuncDecl; effects: Effect[]; count: number };
}

export interface Channel {
  name: string;
  binding: Binding;
  /** The `make(chan T[, n])` call. */
  make: GoNode;
  /** 0 when unbuffered, the size when it is a constant expression (a literal, `chanSize`, `n+1`), else null. */
  buffer: number | null;
  /** The function the channel is made in. */
  home: GoNode;
  ops: ChanOp[];
}

/** Every goroutine site of the unit, nested literals included. */
export function goroutineSites(unit: Unit): GoroutineSite[] {
  return unit.memo("goroutines.sites", () => {
    const out: GoroutineSite[] = [];
    const add = (stmt: GoNode, head: GoNode, lit: GoNode) => {
      const home = enclosingFunction(stmt);
      const body = lit.childForFieldName("body");
      if (!home || !body) return;
      out.push({ stmt, head, lit, body, home, inLoop: loopBetween(stmt, home) !== null });
    };
    for (const stmt of unit.nodes(["go_statement", "expression_statement"])) {
      if (!stmt) continue;
      const call = stmt.namedChildren[0];
      if (call?.type !== "call_expression") continue;
      const fn = unparen(call.childForFieldName("function")!);
      if (stmt.type === "go_statement") {
        if (fn.type === "func_literal") add(stmt, stmt.child(0)!, fn);
        continue;
      }
      // g.Go(func() error { ... }): errgroup, conc pools, sync.WaitGroup.Go all run it in a goroutine.
      const args = call.childForFieldName("arguments")?.namedChildren ?? [];
      if (fn.type === "selector_expression" && fn.childForFieldName("field")?.text === "Go" && args.length === 1 && args[0]?.type === "func_literal") {
        add(stmt, fn, args[0]);
      }
    }
    return out;
  });
}

/** The site whose func literal is exactly `fn`. */
function siteOf(unit: Unit, fn: GoNode | null): GoroutineSite | undefined {
  return fn ? goroutineSites(unit).find((s) => s.lit.id === fn.id) : undefined;
}

/** Channels made with `make(chan T...)` and bound to a local variable of the unit. */
export function channels(unit: Unit): Channel[] {
  return unit.memo("goroutines.channels", () => {
    const out: Channel[] = [];
    for (const call of unit.nodes("call_expression")) {
      if (!call || !isBuiltinCall(call, "make", unit)) continue;
      const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
      if (args[0]?.type !== "channel_type") continue;
      const made = boundTo(call, unit);
      const home = enclosingFunction(call);
      if (!made || !home) continue;
      const size = args[1];
      const buffer = !size ? 0 : constInt(size);
      const ops: ChanOp[] = [];
      collectOps(unit, made.binding, made.skip, ops, new Set());
      out.push({ name: made.binding.name, binding: made.binding, make: call, buffer: Number.isFinite(buffer) ? buffer : null, home, ops });
    }
    return out;
  });
}

/** The local the make call is bound to: `ch := make(...)`, `var ch = make(...)`, or `ch = make(...)` after `var ch chan T`. */
function boundTo(call: GoNode, unit: Unit): { binding: Binding; skip: GoNode | undefined } | undefined {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const list = node.parent;
  const stmt = list?.parent;
  if (list?.type !== "expression_list" || !stmt) return undefined;
  const index = list.namedChildren.findIndex((c) => c?.id === node.id);
  if (stmt.type === "short_var_declaration" && stmt.childForFieldName("right")?.id === list.id) {
    const id = stmt.childForFieldName("left")?.namedChildren[index];
    const b = id ? unit.bindings.declaredBy(id) : undefined;
    // `ch, err := make(...), f()` may re-assign an existing ch: then it is not a fresh declaration.
    return b && b.decl.id === stmt.id ? { binding: b, skip: undefined } : undefined;
  }
  if (stmt.type === "var_spec" && stmt.childForFieldName("value")?.id === list.id) {
    const id = stmt.childrenForFieldName("name").filter((n) => n && n.type === "identifier")[index];
    const b = id ? unit.bindings.declaredBy(id) : undefined;
    return b ? { binding: b, skip: undefined } : undefined;
  }
  if (stmt.type === "assignment_statement" && stmt.childForFieldName("right")?.id === list.id && stmt.childForFieldName("operator")?.text === "=") {
    const id = stmt.childForFieldName("left")?.namedChildren[index];
    const b = id?.type === "identifier" ? unit.bindings.resolve(id) : undefined;
    if (!b || b.kind !== "var" || b.decl.type !== "var_spec" || b.decl.childForFieldName("value")) return undefined;
    // Declared bare, assigned here once.
    const assigned = b.uses.filter((u) => u.parent?.type === "expression_list" && u.parent.parent?.type === "assignment_statement" && u.parent.parent.childForFieldName("left")?.id === u.parent.id);
    return assigned.length === 1 && assigned[0]!.id === id!.id && b.decl.startIndex < stmt.startIndex ? { binding: b, skip: id! } : undefined;
  }
  return undefined;
}

/** Classifies every use of `binding` (and of goroutine parameters it is passed to). */
function collectOps(unit: Unit, binding: Binding, skip: GoNode | undefined, ops: ChanOp[], seen: Set<number>): void {
  if (seen.has(binding.id.id)) return;
  seen.add(binding.id.id);
  for (const use of binding.uses) {
    if (skip && use.id === skip.id) continue;
    const fn = enclosingFunction(use)!;
    const op = (kind: OpKind, node: GoNode, select?: GoNode): void => {
      const cases = select?.namedChildren.filter((c) => c?.type === "communication_case" || c?.type === "default_case").length ?? 0;
      ops.push({ kind, node, id: use, fn, site: siteOf(unit, fn), select, canLeave: cases > 1 });
    };
    let n = use;
    while (n.parent?.type === "parenthesized_expression") n = n.parent;
    const p = n.parent;
    if (!p) continue;
    if (p.type === "send_statement" && p.childForFieldName("channel")?.id === n.id) {
      op("send", p, p.parent?.type === "communication_case" ? p.parent.parent! : undefined);
    } else if (p.type === "unary_expression" && p.childForFieldName("operator")?.text === "<-") {
      const recv = p.parent?.type === "receive_statement" && p.parent.childForFieldName("right")?.id === p.id ? p.parent : undefined;
      op("recv", p, recv?.parent?.type === "communication_case" ? recv.parent.parent! : undefined);
    } else if (p.type === "range_clause" && p.childForFieldName("right")?.id === n.id) {
      op("range", p.parent!);
    } else if (p.type === "binary_expression" && ["==", "!="].includes(p.childForFieldName("operator")?.text ?? "")) {
      op("neutral", n);
    } else if (p.type === "argument_list") {
      const call = p.parent!;
      const site = goroutineSites(unit).find((s) => s.stmt.type === "go_statement" && s.stmt.namedChildren[0]?.id === call.id);
      const param = site ? paramAt(site.lit, p.namedChildren.filter((a) => a && a.type !== "comment").findIndex((a) => a?.id === n.id)) : undefined;
      const alias = param ? unit.bindings.declaredBy(param) : undefined;
      const helper = !site && !alias ? helperOp(unit, call, p.namedChildren.filter((a) => a && a.type !== "comment").findIndex((a) => a?.id === n.id), fn) : undefined;
      if (alias) collectOps(unit, alias, undefined, ops, seen);
      else if (site) op("escape", n);
      else if (helper) ops.push({ kind: helper.kind, node: call.parent!, id: use, fn, site: siteOf(unit, fn), select: undefined, canLeave: false, via: helper.via });
      else if (isBuiltinCall(call, "close", unit)) op("close", call);
      else if (isBuiltinCall(call, "len", unit) || isBuiltinCall(call, "cap", unit)) op("neutral", n);
      else op("escape", n);
    } else {
      // Returned, stored, assigned, sent, captured in a composite literal, re-assigned: out of our sight.
      op("escape", n);
    }
  }
}

//	go func() {
//		defer wg.Done()
//		s.produce(ch)                  // produce sends on its parameter, with no select: a send op
//	}()
/**
 * A call statement, directly in a goroutine literal, to a package function whose summary only
 * sends on parameter `i` (once, or in a loop) or only receives from it once, never in a goroutine
 * of its own nor in a select that can give up: the statement stands for those operations.
 */
function helperOp(unit: Unit, call: GoNode, i: number, fn: GoNode): { kind: "send" | "recv"; via: NonNullable<ChanOp["via"]> } | undefined {
  if (i < 0 || call.parent?.type !== "expression_statement" || !siteOf(unit, fn)) return undefined;
  const callee = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn });
  if (!callee) return undefined;
  const s = summarise(callee);
  if (i >= s.params.length || s.params[i] === undefined) return undefined;
  const effects = s.effects.filter((e) => e.target.kind === "param" && e.target.index === i);
  if (effects.length === 0 || effects.some((e) => e.guarded || e.inGoroutine)) return undefined;
  // One send (maybe in counted loops: `for i := 0; i < chanSize+2; i++`), or sends in a loop
  // (unbounded): several sends on different branches have no count we know.
  if (effects.every((e) => e.op === "send") && (effects.length === 1 || effects.some((e) => e.inLoop))) {
    const count = effects.length === 1 ? rounds(effects[0]!, callee) : Infinity;
    return { kind: "send", via: { callee, effects, count } };
  }
  if (effects.length === 1 && effects[0]!.op === "recv" && !effects[0]!.inLoop) return { kind: "recv", via: { callee, effects, count: 1 } };
  return undefined;
}

/** How many times one call of `callee` runs the effect: the product of its loops' trip counts, Infinity when one is unknown. */
function rounds(e: Effect, callee: FuncDecl): number {
  if (!e.inLoop) return 1;
  if (e.in !== callee.key) return Infinity;
  let n = 1;
  for (let loop = loopBetween(e.node, callee.node); loop; loop = loopBetween(loop, callee.node)) n *= tripCount(loop)?.count ?? Infinity;
  return n;
}

/** The parameter identifier at argument position `i` of a func literal (none for variadic). */
function paramAt(lit: GoNode, i: number): GoNode | undefined {
  if (i < 0) return undefined;
  const names: GoNode[] = [];
  for (const p of lit.childForFieldName("parameters")?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === "variadic_parameter_declaration") return undefined;
    if (p.type === "parameter_declaration") {
      const ids = p.childrenForFieldName("name").filter((x): x is GoNode => !!x && x.type === "identifier");
      if (ids.length === 0) names.push(p); // unnamed parameter: a placeholder that binds nothing
      else names.push(...ids);
    }
  }
  const id = names[i];
  return id?.type === "identifier" ? id : undefined;
}

/**
 * The op sits in a select with another way out that can actually fire: a default, or a case on
 * anything but a channel of this unit that nothing closes, sends on or hands out, or the Done()
 * of a context that is never cancelled (facts/contexts.ts: `context.Background()` where the
 * caller's ctx was at hand).
 */
export function mayLeave(op: ChanOp, unit: Unit): boolean {
  if (!op.canLeave || !op.select) return false;
  return op.select.namedChildren.some((c) => !!c && (c.type === "default_case" || (c.type === "communication_case" && !contains(c, op.id) && !deadCase(c, unit) && !deadContext(c, unit))));
}

//	quit := make(chan struct{})        // never closed, sent on or handed out
//	select {
//	case <-quit:                       // can never fire
/** The channel a select case receives from, when that channel can never deliver. */
export function deadCase(clause: GoNode, unit: Unit): Channel | undefined {
  const comm = clause.childForFieldName("communication");
  const right = comm?.type === "receive_statement" ? comm.childForFieldName("right") : null;
  const recv = right ? unparen(right) : null;
  const ch = recv ? channels(unit).find((c) => c.ops.some((o) => o.kind === "recv" && o.node.id === recv.id)) : undefined;
  return ch && !ch.ops.some((o) => o.kind === "send" || o.kind === "close" || o.kind === "escape") ? ch : undefined;
}
