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
import type { GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { deadCase, goroutineSites, isEndless, loopWaysOut, type Channel, type GoroutineSite } from "../facts/goroutines.js";
import { processEntry } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { descendantsInFunction, spanOf } from "../facts/syntax.js";

const rule: Rule = {
  meta: {
    id: "goroutine-no-exit",
    title: "Goroutine that never ends",
    severity: "warning",
    fixable: false,
    summary: "a goroutine runs a `for {}` loop with no return, break, done-channel case or exit call out of it",
    why:
      "The runtime never stops a goroutine from outside: it ends only by returning. " +
      "An endless loop with no way out keeps the goroutine, its stack and everything it references alive for the life of the process, " +
      "and each call of the function that starts it adds one more.",
    docs: docsUrl("goroutine-no-exit"),
  },
  kinds: ["func", "method"],
  appliesTo: (file) => /\bfor\s*\{/.test(file.source) && /\bgo\s+func\b|\.Go\(\s*func\b/.test(file.source),
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  // Goroutines started once by main, init or a test binary's TestMain live as long as the process by design.
  if (processEntry(unit)) return;
  for (const site of goroutineSites(unit)) {
    for (const loop of unit.nodesInFunction("for_statement", site.body)) {
      if (!isEndless(loop)) continue;
      const ways = loopWaysOut(loop, unit);
      const dead = ways.map((w) => deadChannel(w, loop, unit));
      if (dead.every((d) => d)) {
        report(ctx, site, loop, ways[0], dead[0]);
        break;
      }
    }
  }
}

/** A way out reached only through a select case that can never fire. */
function deadChannel(exit: GoNode, loop: GoNode, unit: Unit): Channel | undefined {
  for (let p = exit.parent; p && p.id !== loop.id; p = p.parent) {
    const dead = p.type === "communication_case" ? deadCase(p, unit) : undefined;
    if (dead) return dead;
  }
  return undefined;
}

function report(ctx: RuleContext, site: GoroutineSite, loop: GoNode, way?: GoNode, dead?: Channel): void {
  const { unit } = ctx;
  const loopLine = unit.file.lineOf(loop.startIndex);
  if (way && dead) {
    ctx.report({
      span: spanOf(site.head),
      message: `this goroutine never ends: the way out of the for loop on line ${loopLine} waits on ${dead.name}, which is never closed, sent on or handed out`,
      related: [
        { ...spanOf(way), message: `reached only through a receive from ${dead.name}` },
        { ...spanOf(dead.make), message: `${dead.name} is made here and nothing ever closes it or sends on it` },
      ],
    });
    return;
  }
  // An unlabelled break in a select or switch looks like a way out but only leaves that statement.
  const trap = descendantsInFunction(loop.childForFieldName("body")!, "break_statement").find((b) => b.namedChildren.length === 0);
  const note = trap
    ? `; the break on line ${unit.file.lineOf(trap.startIndex)} only leaves the ${breakTarget(trap)}`
    : "; nothing can stop it";
  ctx.report({
    span: spanOf(site.head),
    message: `this goroutine never ends: the for loop on line ${loopLine} has no return, break or exit call out of it${note}`,
    related: [
      { ...spanOf(loop.child(0)!), message: "this loop never ends" },
      ...(trap ? [{ ...spanOf(trap), message: "this break leaves the select or switch, not the loop" }] : []),
    ],
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
