// goroutine-recv-leak, shape 4: a receive made while holding a mutex that the only senders or
// closers of the channel must take first.
//
//	func (w *W) stop() {
//		w.mu.Lock()
//		defer w.mu.Unlock()
//		close(w.updates)
//		<-w.done                        // reported: the goroutine must lock w.mu before it closes done
//	}
//	go func() {
//		defer close(w.done)
//		for u := range w.updates {
//			w.apply(u)                  // apply locks w.mu
//		}
//	}()
//
// The channel is an unexported field of one struct (every use in sight); the lock is a field of
// the same receiver path (`w.mu`, or an embedded mutex: `w.Lock()`), not released between the
// Lock and the receive; every send and close of the channel has, earlier in its function (or
// anywhere in it, for a deferred close), a Lock of the same field, or a call of a method of the
// package that takes it.
import type { FileView, GoNode, RelatedLocation, RuleContext, Unit } from "../../src/analyzer/types.js";
import { heldLock, lockCall, locksInside } from "../facts/locks.js";
import { chanField, inSelectWithOthers, type FieldUse } from "../facts/summaries.js";
import { enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

export function checkLockedWaits(ctx: RuleContext): void {
  const { unit } = ctx;
  if (!unit.file.source.includes("Lock()")) return;
  for (const recv of unit.nodes("unary_expression")) {
    if (!recv || recv.childForFieldName("operator")?.text !== "<-" || inSelectWithOthers(recv)) continue;
    const operand = unparen(recv.childForFieldName("operand")!);
    if (operand.type !== "selector_expression") continue;
    const fn = enclosingFunction(recv);
    if (!fn) continue;
    const held = heldLock(unit, fn, recv);
    if (!held) continue;
    const cf = chanField(unit.file, operand.childForFieldName("field")!.text);
    if (!cf) continue;
    const answers = cf.uses.filter((u) => u.kind === "send" || u.kind === "close");
    if (answers.length === 0 || cf.uses.some((u) => u.kind === "escape")) continue;
    const needs = answers.map((a) => needsLock(a, held.key));
    if (needs.some((n) => !n)) continue;
    const a = answers[0]!;
    const lockText = held.key ? `${held.base}.${held.key}` : `the lock of ${held.base}`;
    ctx.report({
      span: spanOf(recv),
      messageId: "lockedWait",
      data: { field: operand.text, lock: lockText, op: a.kind === "close" ? "close" : "send", at: `${fileName(a.file)}:${a.file.lineOf(a.node.startIndex)}` },
      related: [
        { ...spanOf(held.call), message: `${lockText} is locked here and still held at the receive` },
        { ...spanOf(a.node), ...at(unit, a.file), message: `the only ${a.kind === "close" ? "close" : "send"} of ${cf.name}` },
        { ...spanOf(needs[0]!.node), ...at(unit, needs[0]!.file), message: `this takes ${held.key || "the lock"} first` },
        ...goStart(a.node, unit, a.file),
      ],
    });
  }
}

/** Where the function of a send or close takes the lock `key` before it (or anywhere, for a deferred close). */
function needsLock(use: FieldUse, key: string): { node: GoNode; file: FileView } | undefined {
  const fn = enclosingFunction(use.node);
  if (!fn) return undefined;
  const deferred = use.node.parent?.type === "defer_statement";
  for (const call of fn.descendantsOfType("call_expression")) {
    if (!call || enclosingFunction(call)?.id !== fn.id) continue;
    if (!deferred && call.startIndex >= use.node.startIndex) continue;
    const l = lockCall(call, "Lock");
    if (l && l.key === key) return { node: call, file: use.file };
    if (locksInside(call, key, use.file, fn)) return { node: call, file: use.file };
  }
  return undefined;
}

/** The go statement that starts the literal the node is in, as a related location. */
function goStart(node: GoNode, unit: Unit, file: FileView): RelatedLocation[] {
  const lit = enclosingFunction(node);
  const stmt = lit?.type === "func_literal" && lit.parent?.type === "call_expression" ? lit.parent.parent : null;
  return stmt?.type === "go_statement" ? [{ ...spanOf(stmt), ...at(unit, file), message: "the goroutine that must take the lock starts here" }] : [];
}
