// goroutine-send-leak: a receive from a done channel that a joiner goroutine closes only after
// `wg.Wait()` on the WaitGroup every sender counts down when it returns. Once that receive has
// happened, every sender has returned, so no sender is left blocked: a way out of the function
// through it strands nobody.
//
//	errc := make(chan error)
//	for _, c := range checks {
//		wg.Add(1)
//		go func() { defer wg.Done(); errc <- c.Run() }()   // every sender: `defer wg.Done()`
//	}
//	done := make(chan struct{})
//	go func() { wg.Wait(); close(done) }()                 // the joiner, after the senders
//	for {
//		select {
//		case err := <-errc:                                  // collects
//		case <-done:                                         // every sender has returned
//			return
//		}
//	}
//
// A `wg.Done()` that is not deferred (called before the send) or a joiner started before the
// senders can let done close while a sender is still about to send: no join then.
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { channels, type Channel, type GoroutineSite } from "../facts/goroutines.js";
import { descendantsInFunction, statementsOf, unparen } from "../facts/syntax.js";
import { isWaitGroup, sameVariable } from "../facts/waitgroups.js";

/** The `<-done` receives of `ch`'s function through which every one of `senders` has returned. */
export function joinReceives(unit: Unit, ch: Channel, senders: readonly GoroutineSite[]): GoNode[] {
  if (senders.length === 0 || !unit.file.source.includes("Wait()")) return [];
  const waitGroups = senders.map((s) => deferredDone(s.body));
  if (waitGroups.some((w) => !w)) return [];
  const out: GoNode[] = [];
  for (const done of channels(unit)) {
    if (done === ch || done.home.id !== ch.home.id) continue;
    const closes = done.ops.filter((o) => o.kind === "close");
    const recvs = done.ops.filter((o) => o.kind === "recv");
    if (closes.length !== 1 || recvs.length === 0 || done.ops.some((o) => o.kind !== "close" && o.kind !== "recv")) continue;
    if (!recvs.every((r) => r.fn.id === ch.home.id)) continue;
    const joiner = closes[0]!.site;
    if (!joiner || joiner.home.id !== ch.home.id || joiner.inLoop || closes[0]!.fn.id !== joiner.lit.id) continue;
    if (senders.some((s) => s.stmt.id === joiner.stmt.id || s.stmt.startIndex > joiner.stmt.startIndex)) continue;
    const wait = waitThenClose(joiner, closes[0]!.node, unit);
    if (wait && waitGroups.every((w) => sameVariable(w!, wait, unit))) out.push(...recvs.map((r) => r.node));
  }
  return out;
}

//	go func() {
//		defer wg.Done()                // returned: `wg`
/** The WaitGroup a goroutine's body counts down by a `defer x.Done()` statement of its own. */
function deferredDone(body: GoNode): GoNode | undefined {
  for (const s of statementsOf(body)) {
    if (s.type !== "defer_statement") continue;
    const x = doneOrWait(s.namedChildren[0], "Done");
    if (x) return x;
  }
  return undefined;
}

//	go func() {                        go func() {
//		wg.Wait()                          defer close(done)
//		close(done)                        wg.Wait()
//	}()                                }()
/**
 * The WaitGroup the joiner waits on, when its body has no return and the close runs only after
 * a `wg.Wait()` statement of the body: a later statement, or a deferred close.
 */
function waitThenClose(joiner: GoroutineSite, close: GoNode, unit: Unit): GoNode | undefined {
  if (descendantsInFunction(joiner.body, "return_statement").length > 0) return undefined;
  const stmts = statementsOf(joiner.body);
  const at = stmts.findIndex((s) => s.id === close.parent?.id);
  if (at < 0) return undefined;
  const deferred = stmts[at]!.type === "defer_statement";
  for (const [i, s] of stmts.entries()) {
    if (s.type !== "expression_statement" || (!deferred && i > at)) continue;
    const wg = doneOrWait(s.namedChildren[0], "Wait");
    if (wg && isWaitGroup(wg, unit)) return wg;
  }
  return undefined;
}

/** `x` of a call `x.Done()` / `x.Wait()` with no arguments. */
function doneOrWait(call: GoNode | null | undefined, method: "Done" | "Wait"): GoNode | undefined {
  const c = call ? unparen(call) : undefined;
  if (c?.type !== "call_expression" || c.childForFieldName("arguments")?.namedChildCount) return undefined;
  const f = c.childForFieldName("function");
  return f?.type === "selector_expression" && f.childForFieldName("field")?.text === method ? f.childForFieldName("operand") ?? undefined : undefined;
}
