// ticker-not-stopped: a ticker or timer that nothing stops while the function that made it can
// end, on a Go version whose runtime keeps unstopped timers alive (before 1.23).
//
//	t := time.NewTicker(d)            // no t.Stop(); t not returned, passed on or stored
//	for {
//		select {
//		case <-t.C:
//		case <-ctx.Done():
//			return                    // the ticker keeps firing forever
//		}
//	}
//
//	for range time.Tick(d) {          // time.Tick outside main and init
//		if done() {
//			return
//		}
//	}
import type { GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { cfgAt, type Cfg, type PathOptions } from "../facts/cfg.js";
import { processEntry } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { descendantsInFunction, enclosingFunction, endOfLine, indentAt, loopAround, spanOf, statementOf, unparen } from "../facts/syntax.js";
import { importsTime, timeCalls, timerEra, type TimerEra } from "../facts/timers.js";
import { isChannelOf } from "./channel.js";

const rule: Rule = {
  meta: {
    id: "ticker-not-stopped",
    title: "Ticker or timer never stopped",
    severity: "warning",
    fixable: true,
    summary: "a time.NewTicker/NewTimer that is never stopped, or time.Tick outside main and init, before Go 1.23",
    why:
      "Before Go 1.23 a started ticker sits in the runtime's timer heap until Stop is called, so an unstopped " +
      "ticker is never collected and keeps waking the runtime to send into a channel nobody reads; a timer stays " +
      "there until it fires. time.Tick gives no way to call Stop at all.",
    docs: docsUrl("ticker-not-stopped"),
    messages: {
      tickInLoop: "time.Tick can make a new ticker each time round the loop on line {{loop}}; none can be stopped, so they pile up and keep firing",
      tickReturned: "the ticker of time.Tick can never be stopped, and its channel is returned on line {{exit}}: it fires forever once the caller stops reading",
      tickLeft: "the ticker of time.Tick can never be stopped: after {{where}} it keeps firing into a channel nobody reads",
      goroutine: "{{what}} is never stopped: after the goroutine started on line {{go}} returns on line {{exit}}, it keeps firing forever",
      inLoop: "{{what}} can be made each time round the loop on line {{loop}} and is never stopped: each one keeps firing forever",
      notStopped: "{{what}} is never stopped: after {{where}} it {{consequence}}",
    },
  },
  kinds: ["func", "method"],
  appliesTo: importsTime,
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const era = timerEra(ctx.file);
  if (era.collected) return;
  for (const { call, name } of timeCalls(ctx.unit)) {
    if (name === "Tick") checkTick(ctx, call, era);
    else if (name === "NewTicker" || name === "NewTimer") checkNew(ctx, call, name === "NewTicker", era);
  }
}

const line = (ctx: RuleContext, n: GoNode) => ctx.file.lineOf(n.startIndex);
const where = (ctx: RuleContext, exit: GoNode) =>
  exit.type === "return_statement" ? `the return on line ${line(ctx, exit)}` : `the end of the function on line ${line(ctx, exit)}`;

function checkTick(ctx: RuleContext, call: GoNode, era: TimerEra): void {
  const { unit } = ctx;
  const loop = loopAround(call);
  if (loop) {
    ctx.report({
      span: spanOf(call),
      messageId: "tickInLoop",
      data: { loop: line(ctx, loop) },
      related: [{ ...spanOf(loop), message: "this loop makes a new ticker each time round" }],
      severity: era.severity,
    });
    return;
  }
  const entry = processEntry(unit);
  if (entry === "main" || entry === "init") return; // lives as long as the process
  const stmt = statementOf(call);
  if (!stmt) return;
  const inner = stmt.type === "labeled_statement" ? stmt.namedChildren.find((c) => c?.type !== "label_name") ?? stmt : stmt;
  const holder = varOf(call, unit);
  const overTick = (e: GoNode) => e.id === unparen(call).id || (!!holder && e.type === "identifier" && unit.bindings.resolve(e) === holder);
  // A range over the ticker's channel never ends: its loop is left only by a jump.
  const cfg = cfgAt(unit, stmt);
  let exit: GoNode | null | undefined;
  if (inner.type === "return_statement") exit = inner;
  else if (inner.type === "for_statement" && inner.namedChildren.some((c) => c?.type === "range_clause" && c.startIndex <= call.startIndex && call.endIndex <= c.endIndex)) {
    // `for range time.Tick(d) { ... }`: leaves only through a return or a break.
    exit = cfg?.firstEnd({ at: inner }, { endlessRange: overTick })?.node;
  } else exit = cfg?.firstEnd({ after: stmt }, { endlessRange: overTick })?.node;
  if (!exit) return; // the function never ends: the ticker serves it for the life of the process
  const returned = exit.startIndex <= call.startIndex && call.endIndex <= exit.endIndex;
  ctx.report({
    span: spanOf(call),
    ...(returned ? { messageId: "tickReturned", data: { exit: line(ctx, exit) } } : { messageId: "tickLeft", data: { where: where(ctx, exit) } }),
    related: [{ ...spanOf(exit), message: "the function ends here with the ticker still running" }],
    severity: era.severity,
  });
}

/** The binding `c` of `c := time.Tick(d)` / `var c = time.Tick(d)`, when the call is all of the value. */
function varOf(call: GoNode, unit: Unit) {
  const id = created(call)?.id;
  return id ? unit.bindings.declaredBy(id) : undefined;
}

/** `t := time.NewTicker(d)` or `var t = time.NewTicker(d)`: the statement and the declared name. */
function created(call: GoNode): { stmt: GoNode; id: GoNode } | null {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const list = node.parent;
  if (list?.type !== "expression_list" || list.namedChildCount !== 1) return null;
  const holder = list.parent;
  const names =
    holder?.type === "short_var_declaration" && holder.childForFieldName("right")?.id === list.id
      ? holder.childForFieldName("left")!.namedChildren
      : holder?.type === "var_spec" && holder.childForFieldName("value")?.id === list.id
        ? holder.childrenForFieldName("name")
        : [];
  if (names.length !== 1 || names[0]?.type !== "identifier") return null;
  const stmt = holder!.type === "var_spec" ? (holder!.parent?.type === "var_declaration" ? holder!.parent : null) : holder!;
  return stmt?.parent?.type === "statement_list" ? { stmt, id: names[0] } : null;
}

type Use = "stop" | "ok" | "escape";

/** What one mention of the ticker does: t.Stop, t.Reset(...), <-t.C and range t.C are local; anything else lets it escape. */
function useOf(u: GoNode): Use {
  const sel = u.parent;
  if (sel?.type !== "selector_expression" || sel.childForFieldName("operand")?.id !== u.id) return "escape";
  const field = sel.childForFieldName("field")?.text;
  const up = sel.parent;
  if (field === "Stop") return "stop";
  if (field === "Reset") return up?.type === "call_expression" ? "ok" : "escape";
  if (field !== "C" || !up) return "escape";
  if (up.type === "unary_expression" && up.childForFieldName("operator")?.type === "<-") return "ok";
  return up.type === "range_clause" && up.childForFieldName("right")?.id === sel.id ? "ok" : "escape";
}

function checkNew(ctx: RuleContext, call: GoNode, ticker: boolean, era: TimerEra): void {
  const { unit } = ctx;
  const made = created(call);
  const binding = made && unit.bindings.declaredBy(made.id);
  if (!made || !binding) return; // stored in a field, returned, passed on: someone else owns it
  const kinds = binding.uses.map(useOf);
  if (kinds.includes("stop") || kinds.includes("escape")) return; // stopped on some path, or escapes
  const kind = ticker ? "ticker" : "timer";
  const what = binding.name === kind ? kind : `${kind} ${binding.name}`;
  const fn = enclosingFunction(made.stmt);
  const fns = new Set(binding.uses.map((u) => enclosingFunction(u)?.id));
  const overC = (e: GoNode) => isChannelOf(e, unit, made.id);
  // A timer whose channel was received from has fired: nothing is left to release.
  const fired = (n: GoNode) => descendantsInFunction(n, "unary_expression").concat(n.type === "unary_expression" ? [n] : [])
    .some((r) => r.childForFieldName("operator")?.type === "<-" && overC(unparen(r.childForFieldName("operand")!)));
  const paths: PathOptions = ticker ? { endlessRange: overC } : { avoid: fired };

  if (fns.size === 1 && !fns.has(fn?.id)) {
    // Used only inside one `go func() { ... }()`: the goroutine owns the ticker, and leaks it when it returns.
    const lit = enclosingFunction(binding.uses[0]!)!;
    if (!ticker || lit.parent?.type !== "call_expression" || lit.parent.parent?.type !== "go_statement" || enclosingFunction(lit)?.id !== fn?.id) return;
    const exit = firstReturn(cfgAt(unit, lit)!, overC);
    if (!exit) return; // falls off its end only after a loop we cannot bound: stay silent
    ctx.report({
      span: spanOf(made.stmt),
      messageId: "goroutine",
      data: { what, go: line(ctx, lit.parent.parent), exit: line(ctx, exit) },
      related: [{ ...spanOf(exit), message: "the goroutine ends here with the ticker still running" }],
      severity: era.severity,
    });
    return;
  }
  if (fns.size > 1 || (fns.size === 1 && !fns.has(fn?.id))) return;

  const loop = loopAround(made.stmt);
  const cfg = cfgAt(unit, made.stmt)!;
  const exit = processEntry(unit) === "main" && fn?.type === "function_declaration" ? null : cfg.firstEnd({ after: made.stmt }, paths)?.node;
  // Made again when the loop can go round after it (not when a range over its channel never ends).
  const iterates = ticker && !!loop && cfg.repeats(loop, { after: made.stmt }, { endlessRange: overC });
  if (!exit && !iterates) return;
  // A ticker made again each time round piles up; a timer (or a ticker whose iteration never
  // completes) leaks on the path to the exit: rounds that receive from a timer leave nothing behind.
  const again = iterates ? loop : null;
  const consequence = ticker ? "keeps firing forever" : "stays in the runtime's timer heap until it fires";
  ctx.report({
    span: spanOf(made.stmt),
    ...(again || !exit
      ? { messageId: "inLoop", data: { what, loop: line(ctx, loop!) } }
      : { messageId: "notStopped", data: { what, where: where(ctx, exit), consequence } }),
    related: [...(again ? [{ ...spanOf(again), message: "the loop that makes it again" }] : []), ...(exit ? [{ ...spanOf(exit), message: `the function ends here with the ${ticker ? "ticker" : "timer"} still running` }] : [])],
    fix: loop ? undefined : deferStop(unit, made.stmt, binding.name),
    severity: era.severity,
  });
}

/** The first return statement a run of the function reaches (a range over the ticker never ends). */
function firstReturn(cfg: Cfg, over: (e: GoNode) => boolean): GoNode | undefined {
  return cfg.allEnds({ entry: true }, { endlessRange: over }).find((e) => e.node.type === "return_statement")?.node;
}

/** `defer t.Stop()` on the line after the creation, with its indentation. */
function deferStop(unit: Unit, stmt: GoNode, name: string) {
  const source = unit.file.source;
  let at = endOfLine(source, stmt.endIndex);
  if (source[at - 1] === "\n") at--;
  if (source[at - 1] === "\r") at--;
  const eol = source[at] === "\r" ? "\r\n" : "\n";
  const edit: TextEdit = { start: at, end: at, text: `${eol}${indentAt(source, stmt.startIndex)}defer ${name}.Stop()` };
  return { description: `defer ${name}.Stop() right after it is made`, edits: [edit] };
}
