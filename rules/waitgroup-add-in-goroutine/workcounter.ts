// waitgroup-add-in-goroutine: the work counter of a recursive walk. Every item sent on a channel
// is counted before it is sent, and the worker that receives an item calls Done for it only after
// it has Added the items it found: while the worker runs its Add, the counter still holds its own
// item, so it is above zero and Wait cannot return (the WaitGroup documentation allows an Add
// while the counter is above zero).
//
//	traversing.Add(1)
//	in <- root                                  // counted, then sent
//	for i := 0; i < workers; i++ {
//		go func() {
//			for job := range in {
//				jobs := list(job)
//				if len(jobs) > 0 {
//					traversing.Add(len(jobs))   // silent: this job is still counted
//					go func() {
//						for _, j := range jobs {
//							in <- j         // counted by the Add before the go
//						}
//					}()
//				}
//				traversing.Done()           // this job's Done, after the Add
//			}
//		}()
//	}
//	traversing.Wait()
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { methodName } from "../facts/calls.js";
import { contains, statementsOf, unparen } from "../facts/syntax.js";
import { sameVariable } from "../facts/waitgroups.js";
import { receiver, type Goroutine } from "./goroutines.js";

/** The Add runs while the goroutine holds the count of an item it received (see above). */
export function holdsItemCount(wg: GoNode, add: GoNode, g: Goroutine, unit: Unit): boolean {
  return itemScopes(add, g).some((item) => holdsCountOf(item, wg, add, unit));
}

function holdsCountOf({ ch, body }: { ch: GoNode; body: GoNode }, wg: GoNode, add: GoNode, unit: Unit): boolean {
  const stmts = statementsOf(body);
  const at = stmts.findIndex((s) => contains(s, add));
  if (at < 0) return false;
  // This item's Done: a statement `wg.Done()` of the item's body after the Add's statement.
  if (!stmts.slice(at + 1).some((s) => isCall(s, "Done", wg, unit))) return false;
  // No Done of the item before the Add, except in a branch that leaves the iteration.
  for (const d of unit.nodes("call_expression", body)) {
    if (d.endIndex > add.startIndex || methodName(d) !== "Done" || !sameVariable(receiver(d), wg, unit)) continue;
    const last = statementsOf(d.parent?.parent).at(-1);
    if (!last || !["continue_statement", "return_statement", "break_statement"].includes(last.type)) return false;
  }
  const fn = declaringFunction(ch, unit);
  if (!fn) return false;
  // Every use of the channel in sight: sends (each counted first), receives, ranges, close, make.
  let sends = 0;
  for (const id of unit.nodes("identifier", fn)) {
    if (id.text !== ch.text || !sameVariable(id, ch, unit)) continue;
    const p = id.parent;
    if (p?.type === "send_statement" && p.childForFieldName("channel")?.id === id.id) {
      if (!countedBefore(p, wg, fn, unit)) return false;
      sends++;
      continue;
    }
    const ok =
      (p?.type === "unary_expression" && p.childForFieldName("operator")?.text === "<-") ||
      p?.type === "range_clause" ||
      (p?.type === "argument_list" && p.parent?.childForFieldName("function")?.text === "close") ||
      (p?.type === "expression_list" && (p.parent?.type === "short_var_declaration" || p.parent?.type === "assignment_statement") && p.parent.childForFieldName("left")?.id === p.id) ||
      (p?.type === "var_spec");
    if (!ok) return false;
  }
  return sends > 0;
}

/**
 * Where the item may come from, innermost first: each `case x := <-ch:` and `for x := range ch`
 * of the goroutine around the Add, with the body that handles it (a range over a slice is tried
 * too, and fails the checks).
 */
function itemScopes(add: GoNode, g: Goroutine): { ch: GoNode; body: GoNode }[] {
  const out: { ch: GoNode; body: GoNode }[] = [];
  for (let p = add.parent; p && p.id !== g.fn.id; p = p.parent) {
    if (p.type === "func_literal") break;
    if (p.type === "communication_case") {
      const comm = p.childForFieldName("communication");
      const right = comm?.type === "receive_statement" ? comm.childForFieldName("right") : comm?.type === "expression_statement" ? comm.namedChildren[0] : null;
      const op = right ? unparen(right) : null;
      if (op?.type !== "unary_expression" || op.childForFieldName("operator")?.text !== "<-") continue;
      const ch = unparen(op.childForFieldName("operand")!);
      if (ch.type === "identifier") out.push({ ch, body: p });
    }
    if (p.type === "for_statement") {
      const range = p.namedChildren.find((c) => c?.type === "range_clause");
      const ch = range?.childForFieldName("right");
      if (ch?.type === "identifier") out.push({ ch, body: p.childForFieldName("body")! });
    }
  }
  return out;
}

/** The function (declaration or literal) that declares the local channel `ch`, within the unit. */
function declaringFunction(ch: GoNode, unit: Unit): GoNode | undefined {
  const b = unit.bindings.resolve(ch);
  if (!b || b.kind === "param" || b.kind === "receiver" || !contains(unit.node, b.id)) return undefined;
  for (let p = b.id.parent; p; p = p.parent) {
    if (p.type === "func_literal" || p.type === "function_declaration" || p.type === "method_declaration") return p;
  }
  return undefined;
}

/**
 * The send is counted before it runs: walking out from it, some statement on the way is preceded
 * in its block by `wg.Add(...)`. The way may cross the goroutine literal that sends (`wg.Add(n);
 * go func() {...}()`), a select case, and a `for _, x := range xs` when the Add is `wg.Add(len(xs))`;
 * any other loop or func literal leaves the count unknown.
 */
function countedBefore(send: GoNode, wg: GoNode, fn: GoNode, unit: Unit): boolean {
  let rangedOver: string | undefined;
  for (let s: GoNode | null = send; s && s.id !== fn.id; s = s.parent) {
    if (s.type === "func_literal" && s.parent?.parent?.type !== "go_statement") return false;
    if (s.type === "for_statement") {
      const range = s.namedChildren.find((c) => c?.type === "range_clause");
      if (!range || rangedOver !== undefined) return false;
      rangedOver = range.childForFieldName("right")?.text ?? "";
      continue;
    }
    const list = s.parent;
    if (list?.type !== "statement_list" && list?.type !== "block") continue;
    const siblings = statementsOf(list);
    const at = siblings.findIndex((x) => x.id === s!.id);
    const prev = at > 0 ? siblings[at - 1] : undefined;
    if (prev && isCall(prev, "Add", wg, unit)) {
      const arg = prev.namedChildren[0]?.childForFieldName("arguments")?.namedChildren.filter((a) => a?.type !== "comment") ?? [];
      const n = arg[0]?.text.replace(/\s+/g, "");
      return rangedOver === undefined ? true : n === `len(${rangedOver})`;
    }
  }
  return false;
}

/** `stmt` is the expression statement `wg.<name>(...)`. */
function isCall(stmt: GoNode, name: string, wg: GoNode, unit: Unit): boolean {
  const call = stmt.type === "expression_statement" ? stmt.namedChildren[0] : null;
  return call?.type === "call_expression" && methodName(call) === name && sameVariable(receiver(call), wg, unit);
}
