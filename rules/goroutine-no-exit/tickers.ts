// A goroutine that ranges over a ticker's (or timer's) channel while other code stops that ticker:
// Stop does not close C, so the range never ends and the goroutine stays blocked for good.
//
//	func (s *sink) start() {
//		s.ticker = time.NewTicker(time.Minute)
//		go func() {                          // reported here
//			for range s.ticker.C { s.flush() }
//		}()
//	}
//	func (s *sink) Close() { s.ticker.Stop() } // the author's way out: it does not work
//
// The goroutine is a `go func() { ... }()` literal or `go x.m(...)`/`go f(...)` of a function or
// method declared in the same file. The ticker is a local, or a field whose name the file gives a
// `time.NewTicker`/`time.NewTimer` (or declares as `*time.Ticker`/`*time.Timer`), and the file calls
// Stop on it (`t.Stop()`, `x.ticker.Stop()` on any receiver). A return, a break out of the loop,
// or a call that ends the goroutine is a way out, as for the endless `for {}` loops.
import type { GoNode, RuleContext, Unit } from "../../src/analyzer/types.js";
import { ALL_ENDS, callEnd, cfgOf } from "../facts/cfg.js";
import { goroutineSites } from "../facts/goroutines.js";
import { contains, descendantsInFunction, spanOf, unparen } from "../facts/syntax.js";
import { onceForProcess } from "../facts/lifetime.js";

interface Started {
  stmt: GoNode; // the go statement
  head: GoNode; // the `go` keyword
  body: GoNode; // the goroutine's function body
  fn: GoNode; // the func literal or declaration
}

export function checkStoppedTickerRange(ctx: RuleContext): void {
  const { unit } = ctx;
  const src = unit.file.source;
  if (!src.includes(".Stop()") || !src.includes(".C")) return;
  for (const g of started(unit)) {
    // Started once per process (by main, init, a command, or what only they call): one goroutine,
    // gone with the process, whatever stops its ticker. A constructor or Start method is not enough
    // here: its Close that stops the ticker is the way out its author meant, and it does not work.
    if (onceForProcess(unit, g.stmt)) continue;
    for (const loop of descendantsInFunction(g.body, "for_statement")) {
      const clause = loop.namedChildren.find((c) => c?.type === "range_clause");
      const right = clause?.childForFieldName("right");
      const chan = right ? unparen(right) : undefined;
      if (!chan || chan.type !== "selector_expression" || chan.childForFieldName("field")?.text !== "C") continue;
      const ticker = unparen(chan.childForFieldName("operand")!);
      const stop = stopOf(ticker, g.fn, unit);
      if (!stop) continue;
      const cfg = cfgOf(unit, g.fn);
      const ways = cfg.loopExits(loop, { ends: ALL_ENDS, endlessRange: (r) => r.id === chan.id }).filter((w) => callEnd(w, unit)?.test !== true);
      if (ways.length > 0) continue;
      ctx.report({
        span: spanOf(g.head),
        messageId: "stoppedTicker",
        data: { loop: unit.file.lineOf(loop.startIndex), chan: chan.text, stop: `${ticker.text}.Stop()`, line: unit.file.lineOf(stop.startIndex) },
        related: [
          { ...spanOf(loop.child(0)!), message: `this loop ends only when ${chan.text} is closed, and nothing closes it` },
          { ...spanOf(stop), message: "Stop stops the ticks but does not close the channel" },
        ],
      });
      break;
    }
  }
}

/** The goroutines the unit starts: literals, and functions or methods of the file started by name. */
function started(unit: Unit): Started[] {
  const out: Started[] = goroutineSites(unit)
    .filter((s) => s.stmt.type === "go_statement")
    .map((s) => ({ stmt: s.stmt, head: s.head, body: s.body, fn: s.lit }));
  for (const stmt of unit.nodes("go_statement")) {
    const call = stmt?.namedChildren[0];
    if (!stmt || call?.type !== "call_expression") continue;
    const fn = unparen(call.childForFieldName("function")!);
    const decl = declaredInFile(fn, unit);
    const body = decl?.childForFieldName("body");
    if (decl && body) out.push({ stmt, head: stmt.child(0)!, body, fn: decl });
  }
  return out;
}

/** `f` or `x.m` naming a function or method declared in the file (by name; a method of any receiver). */
function declaredInFile(fn: GoNode, unit: Unit): GoNode | undefined {
  const name = fn.type === "identifier" ? fn.text : fn.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
  if (!name || (fn.type === "identifier" && unit.bindings.resolve(fn))) return undefined;
  const kind = fn.type === "identifier" ? "function_declaration" : "method_declaration";
  const decls = unit.file.wholeRoot().namedChildren.filter((d) => d?.type === kind && d.childForFieldName("name")?.text === name);
  return decls.length === 1 ? decls[0]! : undefined;
}

/**
 * A `.Stop()` call on the same ticker outside the goroutine: the same local (in the declaration
 * that declares it), or a field of that name (any receiver) that the file makes with
 * time.NewTicker/NewTimer or declares as one. The goroutine's own Stop (`defer t.Stop()` before its
 * range) runs only once the range has ended: it is cleanup, not a way out.
 */
function stopOf(ticker: GoNode, goroutine: GoNode, unit: Unit): GoNode | undefined {
  const name = ticker.type === "identifier" ? ticker.text : ticker.type === "selector_expression" ? ticker.childForFieldName("field")?.text : undefined;
  if (!name) return undefined;
  const src = unit.file.source;
  const esc = name.replace(/[$]/g, "\\$&");
  const made = new RegExp(`\\b${esc}\\s*(?::=|=|:)\\s*time\\.New(?:Ticker|Timer)\\(|\\b${esc}\\s+\\*time\\.(?:Ticker|Timer)\\b`).test(src);
  if (!made) return undefined;
  const local = ticker.type === "identifier" ? unit.bindings.resolve(ticker) : undefined;
  // A local is looked for in its own top-level declaration only (another function's `ticker` is another ticker).
  const scope = ticker.type === "identifier" ? topLevelOf(ticker) : unit.file.wholeRoot();
  if (!scope) return undefined;
  for (const call of scope.descendantsOfType("call_expression")) {
    if (!call || contains(goroutine, call)) continue;
    const f = call.childForFieldName("function");
    if (f?.type !== "selector_expression" || f.childForFieldName("field")?.text !== "Stop") continue;
    if ((call.childForFieldName("arguments")?.namedChildCount ?? 0) !== 0) continue;
    const on = unparen(f.childForFieldName("operand")!);
    if (ticker.type === "identifier") {
      if (on.type === "identifier" && on.text === name && (!local || unit.bindings.resolve(on) === local)) return call;
    } else if (on.type === "selector_expression" && on.childForFieldName("field")?.text === name) return call;
  }
  return undefined;
}

/** The top-level declaration (function, method, var) that holds `n`. */
function topLevelOf(n: GoNode): GoNode | undefined {
  let p: GoNode | null = n;
  while (p && p.parent && p.parent.type !== "source_file") p = p.parent;
  return p ?? undefined;
}
