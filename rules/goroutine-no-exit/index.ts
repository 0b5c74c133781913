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
import type { GoNode, Rule, RuleContext } from "../../src/analyzer/types.js";
import { ALL_ENDS, cfgOf } from "../facts/cfg.js";
import { deadCase, goroutineSites, type Channel, type GoroutineSite } from "../facts/goroutines.js";
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
  if (unit.kind === "func" && (unit.name === "init" || (unit.name === "main" && unit.file.packageName === "main") || (unit.name === "TestMain" && unit.file.isTest))) return;
  for (const site of goroutineSites(unit)) {
    const cfg = cfgOf(unit, site.lit);
    for (const loop of descendantsInFunction(site.body, "for_statement")) {
      if (cfg.loop(loop)?.header !== false) continue;
      const ways = cfg.loopExits(loop, { ends: ALL_ENDS });
      if (ways.length === 0) {
        report(ctx, site, loop);
        break;
      }
      // Every way out passes a select case that can never fire.
      let dead: Channel | undefined;
      const avoid = (n: GoNode) => {
        const d = n.parent?.type === "communication_case" && n.parent.childForFieldName("communication")?.id === n.id ? deadCase(n.parent, unit) : undefined;
        dead ??= d;
        return !!d;
      };
      if (cfg.loopExits(loop, { avoid, ends: ALL_ENDS }).length === 0 && dead) {
        report(ctx, site, loop, ways[0], dead);
        break;
      }
    }
  }
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
