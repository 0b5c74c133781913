// time-after-in-loop: `time.After` in a select that a loop runs again after leaving through
// another case, on a Go version whose runtime keeps each pending timer until it fires (< 1.23).
//
//	for {
//		select {
//		case v := <-in:                 // leaves the select; the loop goes round again
//			handle(v)
//		case <-time.After(time.Minute): // a new timer each time round, pending for a minute
//			return
//		}
//	}
//
// Silent when every other case leaves the loop (the timer fired on every round that goes on),
// for a select in a func literal inside the loop, in a loop of at most 16 rounds, and for a
// select under a guard true in one round only (`if i == K { select { ... } }`): one timer in all.
//
//	timeout := time.After(idle)
//	for {
//		select {
//		case m := <-in:
//			timeout = time.After(idle)  // replaces a timer that has not fired: it stays pending
//		case <-timeout:
//			timeout = time.After(idle)  // re-armed after it fired: silent
//		}
//	}
import type { Binding, GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { closureCalls, packageRef } from "../facts/calls.js";
import { cfgAt, onceIn, tripCount } from "../facts/cfg.js";
import { docsUrl } from "../facts/meta.js";
import { isWrite } from "../facts/definitions.js";
import { caseStatements, contains, descendantsInFunction, enclosingFunction, indentAt, listOf, loopAround, nameIsFree, spanOf, statementOf, statementsOf, unparen } from "../facts/syntax.js";
import { importsTime, timeCalls, timerEra } from "../facts/timers.js";

const rule: Rule = {
  meta: {
    id: "time-after-in-loop",
    title: "time.After in a select loop",
    severity: "warning",
    fixable: true,
    summary: "time.After in a select that a loop runs again after another case, before Go 1.23",
    why:
      "Each time.After call starts a timer that, before Go 1.23, stays in the runtime's timer heap until its " +
      "delay elapses, whether or not anyone still waits on its channel. A loop whose select usually leaves " +
      "through another case piles up one pending timer (and its channel) per round until each one fires.",
    docs: docsUrl("time-after-in-loop"),
    messages: {
      pending: "time.After starts a timer each round; rounds that leave the select {{way}} leave it pending until it fires",
      replaced: "time.After replaces {{name}}'s timer before it fires in rounds {{way}}, leaving the old one pending",
    },
    // A pending timer in a test dies with the test binary, and goleak does not see timers.
    testFilesBounded: true,
  },
  kinds: ["func", "method"],
  appliesTo: importsTime,
  check,
};
export default rule;

interface Hit {
  call: GoNode;
  select: GoNode;
  loop: GoNode;
  round: GoNode;
  direct: boolean;
  /** `x = time.After(d)`: the variable whose pending timer this assignment can replace. */
  replaces?: string;
  /** x is declared in the loop's body: each round has its own x, whose timer is left, not replaced. */
  fresh?: boolean;
  /** The calls, in the loop, of the closure that holds the assignment. */
  calledAt?: GoNode[];
}

function check(ctx: RuleContext): void {
  const era = timerEra(ctx.file);
  if (era.collected) return;
  const { unit } = ctx;
  const hits: Hit[] = [];
  for (const { call, name } of timeCalls(unit)) {
    if (name !== "After") continue;
    const assigned = assignedTimer(call, unit);
    if (assigned) {
      const hit = replacing(call, assigned.stmt, assigned.binding, unit);
      if (hit) hits.push(hit);
      continue;
    }
    const use = timerCases(call, unit);
    const loop = use && loopAround(use.select);
    if (!use || !loop || loopAround(call)?.id !== loop.id) continue; // a timeout made once, before the loop
    if (fewRounds(loop, ctx.unit)) continue; // a handful of timers, each gone once it fires: bounded, not a leak
    if (oneRoundOnly(use.select, loop, unit)) continue; // `if i == K { select { ... } }`: one timer in all
    const others = use.select.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case") && !use.cases.some((u) => u.id === c.id));
    // A case after which the loop can run again (`done = true` under `for !done` cannot).
    const cfg = cfgAt(unit, loop)!;
    const goesRound = (c: GoNode) => cfg.repeats(loop, { at: c }) && !endsAtCondition(c, loop, unit);
    const round = others.find(goesRound);
    if (round && !pureWait(use.cases, others, goesRound)) hits.push({ call, select: use.select, loop, round, direct: use.direct });
  }
  const line = (n: GoNode) => ctx.file.lineOf(n.startIndex);
  // Several assignments replacing the same variable's timer are one bug: reported once, at the first.
  const sameVar = (a: Hit, b: Hit) => !!a.replaces && a.replaces === b.replaces && a.select.id === b.select.id;
  for (const h of hits) {
    if (hits.some((o) => o !== h && sameVar(o, h) && o.call.startIndex < h.call.startIndex)) continue;
    const also = hits.filter((o) => o !== h && sameVar(o, h));
    const way = h.round.type === "default_case" ? "through its default case" : `through the case on line ${line(h.round)}`;
    const replaced = !!h.replaces && !h.fresh;
    ctx.report({
      span: spanOf(h.call),
      ...(replaced ? { messageId: "replaced", data: { name: h.replaces!, way } } : { messageId: "pending", data: { way } }),
      related: [
        { ...spanOf(h.round), message: replaced ? "rounds through this case replace a timer that has not fired" : "this way out of the select goes round the loop again" },
        { ...spanOf(h.loop), message: "the loop that runs the select again" },
        ...also.map((o) => ({ ...spanOf(o.call), message: replaced ? "this time.After can replace a pending timer too" : "this time.After can leave a pending timer too" })),
        ...(h.calledAt ?? []).map((c) => ({ ...spanOf(c), message: "the closure that makes the new timer runs here" })),
      ],
      fix: hits.length === 1 && h.direct ? hoist(unit, h) : undefined,
      severity: era.severity,
    });
  }
}

/** `x = time.After(d)`: the assignment and the variable's binding. */
function assignedTimer(call: GoNode, unit: Unit): { stmt: GoNode; binding: Binding } | null {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const list = node.parent;
  const stmt = list?.parent;
  if (list?.type !== "expression_list" || list.namedChildCount !== 1 || stmt?.type !== "assignment_statement") return null;
  if (stmt.childForFieldName("right")?.id !== list.id || stmt.childForFieldName("operator")?.text !== "=") return null;
  const left = stmt.childForFieldName("left")!.namedChildren;
  const binding = left.length === 1 && left[0]?.type === "identifier" ? unit.bindings.resolve(left[0]) : undefined;
  return binding && stmt.parent?.type === "statement_list" ? { stmt, binding } : null;
}

/**
 * `x = time.After(d)` in a loop whose select receives from x: a leak when the assignment can run
 * while x still holds a timer that has not fired, that is, when a path reaches it from a statement
 * that gives x a time.After timer (this one included) without passing a receive from x or an
 * `if x == nil` guard. Re-arming x only after it fired, or only when it is nil again, is silent.
 */
function replacing(call: GoNode, stmt: GoNode, x: Binding, unit: Unit): Hit | null {
  const cases = x.uses.map(commCase).filter((c): c is GoNode => !!c);
  const select = cases[0]?.parent;
  if (!select || cases.some((c) => c.parent?.id !== select.id)) return null;
  const loop = loopAround(select);
  const cfg = loop && cfgAt(unit, loop);
  if (!loop || !cfg || fewRounds(loop, unit)) return null;
  // Where the assignment runs in the loop's function: there, or at the calls of the closure that holds it.
  const points = runsAt(stmt, cfg.fn, unit);
  if (!points?.some((p) => contains(loop, p))) return null;
  const isX = (e: GoNode | null | undefined) => !!e && unparen(e).type === "identifier" && unit.bindings.resolve(unparen(e)) === x;
  const recv = (r: GoNode) => r.childForFieldName("operator")?.type === "<-" && isX(r.childForFieldName("operand"));
  const fired = (n: GoNode) => (n.type === "unary_expression" && recv(n)) || descendantsInFunction(n, "unary_expression").some(recv);
  const nilGuard = (n: GoNode) => {
    const e = unparen(n);
    if (e.type !== "binary_expression" || e.childForFieldName("operator")?.type !== "==") return false;
    const [l, r] = [e.childForFieldName("left"), e.childForFieldName("right")];
    return (isX(l) && r?.type === "nil") || (isX(r) && l?.type === "nil");
  };
  const avoid = (n: GoNode) => fired(n) || nilGuard(n);
  const reaches = (from: { after: GoNode } | { at: GoNode }) => cfg.nodesOnPaths(from, (n) => points.some((p) => p.id === n.id), { avoid }).length > 0;
  // Statements that give x a time.After timer: its declaration and its assignments (at their closures' calls).
  const isAfter = (v: GoNode | null | undefined) => !!v && v.namedChildCount === 1 && unparen(v.namedChildren[0]!).type === "call_expression" && timeCalls(unit).some((t) => t.name === "After" && t.call.id === unparen(v.namedChildren[0]!).id);
  const makers: GoNode[] = [];
  const decl = x.decl.type === "var_spec" ? x.decl.parent : x.decl;
  if (decl && isAfter(x.decl.childForFieldName(x.decl.type === "var_spec" ? "value" : "right"))) makers.push(...(runsAt(decl, cfg.fn, unit) ?? []));
  for (const u of x.uses) {
    const a = u.parent?.parent;
    if (u.parent?.type === "expression_list" && a?.type === "assignment_statement" && a.childForFieldName("left")?.id === u.parent.id && isAfter(a.childForFieldName("right"))) makers.push(...(runsAt(a, cfg.fn, unit) ?? []));
  }
  if (!makers.some((m) => reaches({ after: m }))) return null;
  const others = select.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case") && !cases.some((u) => u.id === c.id));
  const round = others.find((c) => reaches({ at: c }) && !endsAtCondition(c, loop, unit));
  if (round && pureWait(cases, others, (c) => cfg.repeats(loop, { at: c }) && !endsAtCondition(c, loop, unit))) return null;
  const calledAt = points.filter((p) => p.id !== stmt.id && contains(loop, p));
  // `var tickc <-chan time.Time` in the body: the next round starts with a nil tickc, and the old
  // timer is left pending rather than replaced (the message says "starts a timer each round").
  return round ? { call, select, loop, round, direct: false, replaces: x.name, fresh: contains(loop, x.id), calledAt } : null;
}

//	for {
//		select {
//		case <-retryNow:                   // a wake-up: nothing to handle
//		case <-time.After(retryInterval):  // nothing to handle either: the wait is over
//		case <-stop:
//			return
//		}
//		poll()                             // what the round does, whichever case woke it
//	}
/**
 * A pure wait: every case that goes round the loop, the timer's own included, is a bare receive
 * (`case <-sig:`, no value bound, nothing sent) with nothing in its body but an optional
 * `continue`. The select then decides only when the round goes on, not what it does: a sleep that
 * a change signal can cut short (retry waits, pollers, monitors). A round that waits for the timer
 * leaves nothing pending; only an early wake-up leaves one timer, so at most as many are pending
 * as wake-ups come within one delay. A case that handles a value or does work (a message loop),
 * or a timer case that reacts (a timeout: log, give up, resend), is not a pure wait.
 */
function pureWait(timerCases: GoNode[], others: GoNode[], goesRound: (c: GoNode) => boolean): boolean {
  return timerCases.every((c) => goesRound(c) && bareWakeUp(c)) && others.every((c) => !goesRound(c) || bareWakeUp(c));
}

/** `case <-x:` with an empty body or only `continue` (of the innermost loop). */
function bareWakeUp(c: GoNode): boolean {
  const comm = c.type === "communication_case" ? c.childForFieldName("communication") : null;
  if (comm?.type !== "receive_statement" || comm.childForFieldName("left")) return false;
  return caseStatements(c).every((s) => s.type === "continue_statement" && !s.namedChildren.some((l) => l?.type === "label_name"));
}

//	for errc == nil && err == nil {
//		select {
//		case errc = <-quit:    // a non-nil errc: the loop ends at its condition
//			continue
//		case <-time.After(d):
//		}
//		err = beat()
//	}
/**
 * `case x = <-ch:` (an assignment, not `:=`) in a loop whose condition requires `x == nil`, alone
 * or as one of `&&`'s operands, with nothing else in the case writing x: the round it starts ends
 * at the condition, since what a quit channel carries (a reply channel, an error) is not sent nil.
 */
function endsAtCondition(c: GoNode, loop: GoNode, unit: Unit): boolean {
  const comm = c.type === "communication_case" ? c.childForFieldName("communication") : null;
  const left = comm?.type === "receive_statement" ? comm.childForFieldName("left") : null;
  if (!comm || !left || !comm.children.some((t) => t?.type === "=")) return false;
  const received = listOf(left)
    .filter((e) => e.type === "identifier")
    .map((e) => unit.bindings.resolve(e))
    .filter((b): b is Binding => !!b);
  const clause = loop.namedChildren.find((n) => n?.type === "for_clause");
  const cond = clause ? clause.childForFieldName("condition") : loop.namedChildren.find((n) => !!n && n.type !== "block" && n.type !== "range_clause" && n.type !== "comment");
  const conjuncts = (e: GoNode): GoNode[] => {
    const x = unparen(e);
    return x.type === "binary_expression" && x.childForFieldName("operator")?.type === "&&" ? [...conjuncts(x.childForFieldName("left")!), ...conjuncts(x.childForFieldName("right")!)] : [x];
  };
  const isNilTest = (e: GoNode, b: Binding) => {
    if (e.type !== "binary_expression" || e.childForFieldName("operator")?.type !== "==") return false;
    const [l, r] = [unparen(e.childForFieldName("left")!), unparen(e.childForFieldName("right")!)];
    const is = (n: GoNode) => n.type === "identifier" && unit.bindings.resolve(n) === b;
    return (is(l) && r.type === "nil") || (is(r) && l.type === "nil");
  };
  return !!cond && received.some((b) => conjuncts(cond).some((e) => isNilTest(e, b)) && !b.uses.some((u) => contains(c, u) && !contains(left, u) && isWrite(u)));
}

/**
 * The statements of `fn` at which `stmt` runs: itself when it is `fn`'s own, the calls of the
 * closure that holds it when `fn` only calls that closure (`reset := func() { t = time.After(d) }`
 * with every use `reset()`), else null.
 */
function runsAt(stmt: GoNode, fn: GoNode, unit: Unit): GoNode[] | null {
  const f = enclosingFunction(stmt);
  if (f?.id === fn.id) return [stmt];
  if (f?.type !== "func_literal" || enclosingFunction(f)?.id !== fn.id) return null;
  const stmts = (closureCalls(f, unit) ?? []).map((c) => statementOf(c));
  return stmts.length > 0 && stmts.every((s) => !!s) ? (stmts as GoNode[]) : null;
}

/** The select cases that receive from this time.After: `case <-time.After(d):`, or `t := time.After(d)` then `case <-t:`. */
function timerCases(call: GoNode, unit: Unit): { select: GoNode; cases: GoNode[]; direct: boolean } | null {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const direct = commCase(node);
  if (direct) return { select: direct.parent!, cases: [direct], direct: true };
  const list = node.parent;
  const decl = list?.parent;
  if (list?.type !== "expression_list" || list.namedChildCount !== 1 || decl?.type !== "short_var_declaration") return null;
  const left = decl.childForFieldName("left")!.namedChildren;
  const b = left.length === 1 && left[0] ? unit.bindings.declaredBy(left[0]) : undefined;
  if (!b || b.uses.length === 0) return null;
  const cases = b.uses.map(commCase);
  const select = cases[0]?.parent;
  if (!select || cases.some((c) => !c || c.parent?.id !== select.id)) return null; // used some other way too
  return { select, cases: cases as GoNode[], direct: false };
}

/** The communication_case whose `case <-x:` receives from `x`. */
function commCase(x: GoNode): GoNode | null {
  let n = x;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const recv = n.parent;
  if (recv?.type !== "unary_expression" || recv.childForFieldName("operator")?.type !== "<-") return null;
  const stmt = recv.parent?.type === "expression_statement" ? recv.parent : recv.parent?.type === "receive_statement" ? recv.parent : null;
  const cc = stmt?.parent;
  return cc?.type === "communication_case" && cc.childForFieldName("communication")?.id === stmt!.id ? cc : null;
}

//	for i := 0; i < n; i++ {
//		if i == 800 {                  // true in one round: one select, one timer
//			select { ... case <-time.After(d): }
//		}
//	}
/** The select runs in one round of its loop only, and no loop runs that loop again. */
function oneRoundOnly(select: GoNode, loop: GoNode, unit: Unit): boolean {
  return !loopAround(loop) && onceIn(select, loop, unit);
}

/** At most this many rounds of a counted loop leave only a bounded handful of pending timers. */
const FEW_ROUNDS = 16;

//	for i := 0; i < 4; i++ { select { ... case <-time.After(d): ... } }
// with literal bounds, not itself inside another loop.
function fewRounds(loop: GoNode, unit: Unit): boolean {
  const count = tripCount(loop)?.count ?? rangeLength(loop, unit);
  return !loopAround(loop) && count !== null && count <= FEW_ROUNDS;
}

//	for _, addr := range []string{"a:1", "b:2"} { ... }    a literal's elements
//	tests := []tc{{...}, {...}}; for _, tt := range tests   a local set once from a literal
//	var ids [2]uint64; for i := range ids { ... }           a local array's literal length
/** The rounds of a range over a composite literal (also held in a local nothing writes again) or a local array of literal length. */
function rangeLength(loop: GoNode, unit: Unit): number | null {
  const range = loop.namedChildren.find((c) => c?.type === "range_clause");
  const right = range?.childForFieldName("right");
  if (!right) return null;
  const x = unparen(right);
  const held = x.type === "identifier" ? literalOf(x, unit) : null;
  const lit = x.type === "composite_literal" ? x : held;
  if (lit) {
    const body = lit.childForFieldName("body");
    return body ? body.namedChildren.filter((c) => c && c.type !== "comment").length : null;
  }
  const type = x.type === "identifier" ? unit.bindings.resolve(x)?.type : null;
  const length = type?.type === "array_type" ? type.childForFieldName("length") : null;
  if (length?.type !== "int_literal") return null;
  const n = Number(length.text.replace(/_/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}

/** The composite literal a local of the function is declared with (`tests := []tc{...}`), when nothing writes it again. */
function literalOf(x: GoNode, unit: Unit): GoNode | null {
  const b = unit.bindings.resolve(x);
  if (!b || b.kind !== "var" || b.uses.some(isWrite)) return null;
  const value = b.decl.type === "short_var_declaration" ? b.decl.childForFieldName("right") : b.decl.type === "var_spec" ? b.decl.childForFieldName("value") : null;
  const names = b.decl.type === "short_var_declaration" ? listOf(b.decl.childForFieldName("left")) : b.decl.childrenForFieldName("name");
  const v = value?.namedChildCount === 1 && names.length === 1 ? unparen(value.namedChildren[0]!) : null;
  return v?.type === "composite_literal" ? v : null;
}

/**
 * The hoist, offered only where it is mechanical: the select opens the body of a loop that is
 * not itself in a loop, and the delay can be evaluated above the loop without side effects.
 *
 *	timer := time.NewTimer(d)
 *	defer timer.Stop()
 *	for {
 *		if !timer.Stop() {           // drain a fired, unread tick (pre-1.23 channels buffer it)
 *			select {
 *			case <-timer.C:
 *			default:
 *			}
 *		}
 *		timer.Reset(d)
 *		select { ... case <-timer.C: ... }
 */
function hoist(unit: Unit, h: Hit) {
  const source = unit.file.source;
  const args = h.call.childForFieldName("arguments")?.namedChildren.filter((a) => a?.type !== "comment") ?? [];
  const loopStmt = h.loop.parent?.type === "labeled_statement" ? h.loop.parent : h.loop;
  const fn = unparen(h.call.childForFieldName("function")!);
  const d = args[0];
  if (args.length !== 1 || !d || statementsOf(h.loop.childForFieldName("body"))[0]?.id !== h.select.id) return undefined;
  if (loopAround(loopStmt) || loopStmt.parent?.type !== "statement_list" || !nameIsFree(unit, "timer") || !evaluableAbove(d, loopStmt, unit)) return undefined;
  const pkg = fn.type === "selector_expression" ? `${fn.childForFieldName("operand")!.text}.` : "";
  const lineStart = (n: GoNode) => source.lastIndexOf("\n", n.startIndex - 1) + 1;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const li = indentAt(source, loopStmt.startIndex);
  const si = indentAt(source, h.select.startIndex);
  const drain = ["if !timer.Stop() {", "\tselect {", "\tcase <-timer.C:", "\tdefault:", "\t}", "}", `timer.Reset(${d.text})`];
  const edits: TextEdit[] = [
    { start: lineStart(loopStmt), end: lineStart(loopStmt), text: `${li}timer := ${pkg}NewTimer(${d.text})${eol}${li}defer timer.Stop()${eol}` },
    { start: lineStart(h.select), end: lineStart(h.select), text: drain.map((l) => `${si}${l}${eol}`).join("") },
    { ...spanOf(h.call), text: "timer.C" },
  ];
  return { description: "make one timer before the loop and Reset it before each select", edits };
}

/** Literals, time units, names declared before the loop, fields and time.Duration(...) conversions: nothing to run twice. */
function evaluableAbove(d: GoNode, loopStmt: GoNode, unit: Unit): boolean {
  const ok = (n: GoNode): boolean => {
    switch (n.type) {
      case "int_literal":
      case "float_literal":
        return true;
      case "identifier": {
        const b = unit.bindings.resolve(n);
        return !b || b.id.startIndex < loopStmt.startIndex;
      }
      case "selector_expression":
        return ok(n.childForFieldName("operand")!);
      case "parenthesized_expression":
      case "binary_expression":
        return n.namedChildren.every((c) => !c || ok(c));
      case "call_expression": {
        const ref = packageRef(unparen(n.childForFieldName("function")!), unit);
        const args = n.childForFieldName("arguments")?.namedChildren ?? [];
        return ref?.pkg === "time" && ref.name === "Duration" && args.length === 1 && ok(args[0]!);
      }
      default:
        return false;
    }
  };
  return ok(d);
}
