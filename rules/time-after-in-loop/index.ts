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
// and for a select in a func literal inside the loop.
import type { GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { packageRef } from "../facts/calls.js";
import { cfgAt, tripCount } from "../facts/cfg.js";
import { docsUrl } from "../facts/meta.js";
import { indentAt, loopAround, nameIsFree, spanOf, statementsOf, unparen } from "../facts/syntax.js";
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
    },
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
}

function check(ctx: RuleContext): void {
  const era = timerEra(ctx.file);
  if (era.collected) return;
  const { unit } = ctx;
  const hits: Hit[] = [];
  for (const { call, name } of timeCalls(unit)) {
    if (name !== "After") continue;
    const use = timerCases(call, unit);
    const loop = use && loopAround(use.select);
    if (!use || !loop || loopAround(call)?.id !== loop.id) continue; // a timeout made once, before the loop
    if (fewRounds(loop)) continue; // a handful of timers, each gone once it fires: bounded, not a leak
    const others = use.select.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case") && !use.cases.some((u) => u.id === c.id));
    // A case after which the loop can run again (`done = true` under `for !done` cannot).
    const cfg = cfgAt(unit, loop)!;
    const round = others.find((c) => cfg.repeats(loop, { at: c }));
    if (round) hits.push({ call, select: use.select, loop, round, direct: use.direct });
  }
  const line = (n: GoNode) => ctx.file.lineOf(n.startIndex);
  for (const h of hits) {
    const way = h.round.type === "default_case" ? "through its default case" : `through the case on line ${line(h.round)}`;
    ctx.report({
      span: spanOf(h.call),
      messageId: "pending",
      data: { way },
      related: [
        { ...spanOf(h.round), message: "this way out of the select goes round the loop again" },
        { ...spanOf(h.loop), message: "the loop that runs the select again" },
      ],
      fix: hits.length === 1 && h.direct ? hoist(unit, h) : undefined,
      severity: era.severity,
    });
  }
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

/** At most this many rounds of a counted loop leave only a bounded handful of pending timers. */
const FEW_ROUNDS = 16;

//	for i := 0; i < 4; i++ { select { ... case <-time.After(d): ... } }
// with literal bounds, not itself inside another loop.
function fewRounds(loop: GoNode): boolean {
  const trip = tripCount(loop);
  return !loopAround(loop) && !!trip && trip.count <= FEW_ROUNDS;
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
