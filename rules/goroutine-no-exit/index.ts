// goroutine-no-exit: a goroutine runs an endless loop that nothing leaves.
//
//	go func() {                        // reported here
//		for {
//			select {
//			case ev := <-events:
//				handle(ev)
//			case <-ctx.Done():
//				break                  // leaves the select only
//			}
//		}
//	}()
//
// A `return`, a break or goto that leaves the loop, or a call that ends the goroutine or the
// process (panic, os.Exit, log.Fatal, runtime.Goexit) is a way out; a return inside a nested
// func literal is not, nor one behind `case <-quit:` when nothing ever closes or sends on quit.
// A goroutine started once for the life of the process (facts/lifetime.ts: main, init, a New*
// constructor, a Run/Start/Serve/Listen* function, an initX setup function, a sync.Once body) is meant to run forever:
// silent, unless its loop holds a way out that does not work (the author meant it to end).
import type { GoNode, Rule, RuleContext } from "../../src/analyzer/types.js";
import { ALL_ENDS, callEnd, cfgOf } from "../facts/cfg.js";
import { deadContext, type DeadContext } from "../facts/contexts.js";
import { deadCase, goroutineSites, type Channel, type GoroutineSite } from "../facts/goroutines.js";
import { startedForProcessLife } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { descendantsInFunction, spanOf } from "../facts/syntax.js";
import { disabledTest } from "./disabled.js";
import { checkCond } from "./cond.js";
import { checkStoppedTickerRange } from "./tickers.js";
import { checkSkippedDone } from "./waitgroup.js";

const rule: Rule = {
  meta: {
    id: "goroutine-no-exit",
    title: "Goroutine that never ends",
    severity: "warning",
    fixable: false,
    summary: "a goroutine runs a `for {}` loop with no return, break, done-channel case or exit call out of it, or a worker can skip the Done a `wg.Wait()` needs, or a `sync.Cond` wait is never signalled",
    why:
      "The runtime never stops a goroutine from outside: it ends only by returning. " +
      "An endless loop with no way out keeps the goroutine, its stack and everything it references alive for the life of the process, " +
      "and each call of the function that starts it adds one more.",
    docs: docsUrl("goroutine-no-exit"),
    messages: {
      deadChannel: "this goroutine never ends: the way out of the for loop on line {{loop}} waits on {{channel}}, which nothing closes or sends on",
      noWayOut: "this goroutine never ends: the for loop on line {{loop}} has no return, break or exit call out of it",
      breakTrap: "this goroutine never ends: the break on line {{break}} leaves the {{target}}, not the for loop on line {{loop}}",
      deadContext: "this goroutine never ends: the way out of the for loop on line {{loop}} waits on {{ctx}}.Done(), which is never cancelled",
      doneSkipped: "{{name}}.Wait() can block forever: the goroutine started on line {{go}} can return on line {{ret}} without calling Done",
      waitInLoop: "{{name}}.Wait() in the loop on line {{loop}} can block forever: {{name}}.Add({{n}}) on line {{add}} counts every goroutine of the loop, one has started",
      neverDone: "{{name}}.Wait() blocks forever once {{name}}.Add has run: nothing in the package calls Done on {{field}}",
      condNeverSignalled: "{{cond}}.Wait() blocks forever: nothing in the package calls {{cond}}.Signal() or {{cond}}.Broadcast()",
      stoppedTicker: "this goroutine never ends: the for loop on line {{loop}} ranges over {{chan}}, which {{stop}} on line {{line}} does not close",
      signalSkipped: "this return skips {{cond}}.{{signal}}() after {{state}} changed on line {{write}}: the wait loop in {{waiter}} ({{at}}) can block forever",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) =>
    (/\bfor\s*\{/.test(file.source) && /\bgo\s+func\b|\.Go\(\s*func\b/.test(file.source)) ||
    // The worker's Done may be in another file of the package.
    (file.source.includes(".Wait()") && /\bgo\s/.test(file.source)) ||
    // A sync.Cond wait, or a signal a wait loop of the package needs.
    /\.(Wait|Signal|Broadcast)\(\)/.test(file.source) ||
    // A range over a ticker's channel that other code stops (tickers.ts).
    (/\bgo\s/.test(file.source) && /\.C\b/.test(file.source) && file.source.includes(".Stop()")),
  check,
};
export default rule;

function check(outer: RuleContext): void {
  // A disabled test that nothing calls never runs. Asked only for a finding: it reads the package's other files.
  const ctx: RuleContext = { ...outer, report: (d) => void (disabledTest(outer.unit) || outer.report(d)) };
  const { unit } = ctx;
  checkSkippedDone(ctx);
  checkCond(ctx);
  checkStoppedTickerRange(ctx);
  for (const site of goroutineSites(unit)) {
    // Started once for the life of the process (by main, init, TestMain, a New* constructor or a
    // Run/Start/Serve/Listen* function, not per event), a loop with no way out is meant to run as
    // long as the process; one whose author wrote a way out that does not work is still a bug.
    const lifetime = startedForProcessLife(unit, site.stmt);
    const cfg = cfgOf(unit, site.lit);
    for (const loop of descendantsInFunction(site.body, "for_statement")) {
      if (cfg.loop(loop)?.header !== false) continue;
      // A failing assertion (t.Fatal, require.NoError, must.NoError) leaves only a failing test's
      // loop: on the passing path the goroutine still never ends.
      const ways = cfg.loopExits(loop, { ends: ALL_ENDS }).filter((w) => callEnd(w, unit)?.test !== true);
      if (ways.length === 0) {
        if (lifetime && !triesToLeave(loop)) break;
        report(ctx, site, loop);
        break;
      }
      // Every way out passes a select case that can never fire: a channel nothing closes, or the
      // Done channel of context.Background() where the caller's context was at hand.
      let dead: Channel | undefined;
      let deadCtx: DeadContext | undefined;
      const avoid = (n: GoNode) => {
        if (n.parent?.type !== "communication_case" || n.parent.childForFieldName("communication")?.id !== n.id) return false;
        const d = deadCase(n.parent, unit);
        dead ??= d;
        if (d) return true;
        const c = deadContext(n.parent, unit);
        deadCtx ??= c;
        return !!c;
      };
      if (cfg.loopExits(loop, { avoid, ends: ALL_ENDS }).filter((w) => callEnd(w, unit)?.test !== true).length === 0 && (dead || deadCtx)) {
        if (dead) report(ctx, site, loop, ways[0], dead);
        else reportContext(ctx, site, loop, ways[0]!, deadCtx!);
        break;
      }
    }
  }
}

function reportContext(ctx: RuleContext, site: GoroutineSite, loop: GoNode, way: GoNode, dead: DeadContext): void {
  const { unit } = ctx;
  ctx.report({
    span: spanOf(site.head),
    messageId: "deadContext",
    data: { loop: unit.file.lineOf(loop.startIndex), ctx: dead.name },
    related: [
      { ...spanOf(way), message: `reached only through a receive from ${dead.name}.Done()` },
      { ...spanOf(dead.origin), message: `${dead.origin.text} is never cancelled; the caller's ${dead.param.text} was at hand` },
    ],
  });
}

function report(ctx: RuleContext, site: GoroutineSite, loop: GoNode, way?: GoNode, dead?: Channel): void {
  const { unit } = ctx;
  const loopLine = unit.file.lineOf(loop.startIndex);
  if (way && dead) {
    ctx.report({
      span: spanOf(site.head),
      messageId: "deadChannel",
      data: { loop: loopLine, channel: dead.name },
      related: [
        { ...spanOf(way), message: `reached only through a receive from ${dead.name}` },
        { ...spanOf(dead.make), message: `${dead.name} is made here; nothing closes it, sends on it or hands it out` },
      ],
    });
    return;
  }
  // An unlabelled break in a select or switch looks like a way out but only leaves that statement.
  const trap = descendantsInFunction(loop.childForFieldName("body")!, "break_statement").find((b) => b.namedChildren.length === 0);
  ctx.report({
    span: spanOf(site.head),
    ...(trap
      ? { messageId: "breakTrap", data: { break: unit.file.lineOf(trap.startIndex), target: breakTarget(trap), loop: loopLine } }
      : { messageId: "noWayOut", data: { loop: loopLine } }),
    related: [
      { ...spanOf(loop.child(0)!), message: "this loop never ends" },
      ...(trap ? [{ ...spanOf(trap), message: `this break leaves the ${breakTarget(trap)}, not the loop` }] : []),
    ],
  });
}

/**
 * The loop holds a way out that does not work: a break that leaves only a select or switch, a
 * return that leaves only a func literal called inside it, or a `case <-ctx.Done():` that goes on.
 */
function triesToLeave(loop: GoNode): boolean {
  const body = loop.childForFieldName("body");
  if (!body) return false;
  if (descendantsInFunction(body, "break_statement").some((b) => b.namedChildren.length === 0 && breakTarget(b) !== "inner loop")) return true;
  const lits = descendantsInFunction(body, "func_literal");
  if (lits.some((l) => l.parent?.type === "call_expression" && returnTriesToLeave(l))) return true;
  return descendantsInFunction(body, "communication_case").some((c) => {
    const comm = c.childForFieldName("communication");
    const recv = comm?.type === "unary_expression" ? comm : comm?.namedChildren.find((n) => n?.type === "unary_expression") ?? comm?.childForFieldName("right");
    const ch = recv?.type === "unary_expression" && recv.childForFieldName("operator")?.type === "<-" ? recv.childForFieldName("operand") : null;
    const fn = ch?.type === "call_expression" ? ch.childForFieldName("function") : null;
    return fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "Done";
  });
}

/**
 * A return in a func literal called in the loop reads as an attempt to leave the loop, unless the
 * literal is a scope for its own `defer` (`func() { mu.Lock(); defer mu.Unlock(); if off { return
 * }; ... }()`): its returns are early-outs of that block. A return in a select case of such a
 * literal (`case <-ctx.Done(): return`) still answers a signal to stop, and counts.
 */
function returnTriesToLeave(lit: GoNode): boolean {
  const returns = descendantsInFunction(lit, "return_statement");
  if (returns.length === 0) return false;
  const scoped = descendantsInFunction(lit, "defer_statement").length > 0;
  return !scoped || returns.some((r) => {
    for (let p = r.parent; p && p.id !== lit.id; p = p.parent) if (p.type === "communication_case") return true;
    return false;
  });
}

function breakTarget(b: GoNode): string {
  for (let p = b.parent; p; p = p.parent) {
    if (p.type === "select_statement") return "select";
    if (p.type === "expression_switch_statement" || p.type === "type_switch_statement") return "switch";
    if (p.type === "for_statement") return "inner loop";
  }
  return "statement";
}
