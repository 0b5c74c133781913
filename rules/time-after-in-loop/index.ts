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
import { isTerminatingCall } from "../facts/flow.js";
import { docsUrl } from "../facts/meta.js";
import { caseStatements, indentAt, nameIsFree, spanOf, statementsOf, unparen } from "../facts/syntax.js";
import { importsTime, loopAround, ownDescendants, timeCalls, timerEra } from "../facts/timers.js";

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
    const round = others.find((c) => !leavesLoop(c, loop, unit));
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
  if (loopAround(loop)) return false;
  const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
  const init = clause?.childForFieldName("initializer");
  const cond = clause?.childForFieldName("condition");
  const update = clause?.childForFieldName("update");
  if (!init || !cond || !update || init.type !== "short_var_declaration" || cond.type !== "binary_expression") return false;
  const name = init.childForFieldName("left")?.namedChildren[0]?.text;
  const from = Number(init.childForFieldName("right")?.namedChildren[0]?.text);
  const op = cond.childForFieldName("operator")?.text;
  const to = Number(cond.childForFieldName("right")?.text);
  if (!name || cond.childForFieldName("left")?.text !== name || update.text.replace(/\s/g, "") !== `${name}++`) return false;
  if (!Number.isInteger(from) || !Number.isInteger(to) || (op !== "<" && op !== "<=")) return false;
  return to - from + (op === "<=" ? 1 : 0) <= FEW_ROUNDS;
}

/**
 * A case that cannot go round the loop: it ends in a return, a call that ends the process or the
 * goroutine, a `break` out of the loop, `done = true` under `for !done`, or an if/else or switch
 * whose branches all do; and no `continue` or other break inside it goes round instead.
 */
function leavesLoop(clause: GoNode, loop: GoNode, unit: Unit): boolean {
  const stmts = caseStatements(clause);
  const last = stmts[stmts.length - 1];
  if (!last || !leaves(last, loop, unit)) return false;
  const jumps = [...ownDescendants(clause, "continue_statement"), ...ownDescendants(clause, "break_statement")];
  return jumps.every((j) => breaksOut(j, loop) || targetWithin(j, clause));
}

/** A break or continue that stays inside the case: it leaves a loop, switch or select of the case's own. */
function targetWithin(jump: GoNode, clause: GoNode): boolean {
  const label = jump.namedChildren.find((c) => c?.type === "label_name")?.text;
  const targets = jump.type === "continue_statement" ? ["for_statement"] : ["for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"];
  for (let p = jump.parent; p && p.id !== clause.id; p = p.parent) {
    if (label ? p.type === "labeled_statement" && p.childForFieldName("label")?.text === label : targets.includes(p.type)) return true;
  }
  return false;
}

function leaves(last: GoNode, loop: GoNode, unit: Unit): boolean {
  switch (last.type) {
    case "return_statement":
    case "goto_statement":
      return true;
    case "expression_statement":
      return isTerminatingCall(last, unit);
    case "assignment_statement":
      return clearsCondition(last, loop, unit);
    case "break_statement":
      return breaksOut(last, loop);
    case "block":
      return listLeaves(statementsOf(last), loop, unit);
    case "if_statement": {
      const alt = last.childForFieldName("alternative");
      return !!alt && listLeaves(statementsOf(last.childForFieldName("consequence")), loop, unit) && leaves(alt, loop, unit);
    }
    case "expression_switch_statement":
    case "type_switch_statement": {
      const cases = last.namedChildren.filter((c): c is GoNode => !!c && ["expression_case", "default_case", "type_case"].includes(c.type));
      return cases.some((c) => c.type === "default_case") && cases.every((c) => listLeaves(caseStatements(c), loop, unit));
    }
    default:
      return false;
  }
}

const listLeaves = (stmts: GoNode[], loop: GoNode, unit: Unit): boolean => {
  const last = stmts[stmts.length - 1];
  return !!last && leaves(last, loop, unit);
};

/** `break L` where L labels the loop or a statement around it. */
function breaksOut(jump: GoNode, loop: GoNode): boolean {
  if (jump.type !== "break_statement") return false;
  const label = jump.namedChildren.find((c) => c?.type === "label_name")?.text;
  for (let p = loop.parent; p && label; p = p.parent) if (p.type === "labeled_statement" && p.childForFieldName("label")?.text === label) return true;
  return false;
}

/**
 * `done = true` under `for !done { ... }` (or `running = false` under `for running`): the loop
 * ends at its condition right after this case, so no later round makes another timer.
 */
function clearsCondition(assign: GoNode, loop: GoNode, unit: Unit): boolean {
  const left = assign.childForFieldName("left")?.namedChildren ?? [];
  const right = assign.childForFieldName("right")?.namedChildren ?? [];
  if (assign.childForFieldName("operator")?.text !== "=" || left.length !== 1 || right.length !== 1) return false;
  const target = unparen(left[0]!);
  const value = unparen(right[0]!).type;
  if (target.type !== "identifier" || (value !== "true" && value !== "false")) return false;
  const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
  const header = clause ? clause.childForFieldName("condition") : loop.namedChildren.find((c) => !!c && c.type !== "block" && c.type !== "range_clause" && c.type !== "comment");
  if (!header) return false;
  const cond = unparen(header);
  const negated = cond.type === "unary_expression" && cond.childForFieldName("operator")?.type === "!";
  const flag = negated ? unparen(cond.childForFieldName("operand")!) : cond;
  if (flag.type !== "identifier" || flag.text !== target.text) return false;
  const b = unit.bindings.resolve(flag);
  if (b !== unit.bindings.resolve(target)) return false;
  return negated ? value === "true" : value === "false";
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
