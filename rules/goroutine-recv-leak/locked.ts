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
import { calleeOf, chanField, inSelectWithOthers, type FieldUse } from "../facts/summaries.js";
import { enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

/** `x.mu.Lock()` → { base: "x", key: "mu" }; `x.Lock()` → { base: "x", key: "" }. */
function lockCall(call: GoNode, method: "Lock" | "Unlock"): { base: string; key: string } | undefined {
  const f = call.childForFieldName("function");
  if (f?.type !== "selector_expression" || f.childForFieldName("field")?.text !== method) return undefined;
  const o = unparen(f.childForFieldName("operand")!);
  if (o.type === "identifier") return { base: o.text, key: "" };
  if (o.type === "selector_expression" && o.childForFieldName("operand")?.type === "identifier") return { base: o.childForFieldName("operand")!.text, key: o.childForFieldName("field")!.text };
  return undefined;
}

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

/** The Lock call before `op` in `fn` whose Unlock is deferred or not reached before `op`. */
function heldLock(unit: Unit, fn: GoNode, op: GoNode): { base: string; key: string; call: GoNode } | undefined {
  let held: { base: string; key: string; call: GoNode } | undefined;
  for (const call of unit.nodes("call_expression", fn)) {
    if (!call || call.startIndex >= op.startIndex || enclosingFunction(call)?.id !== fn.id) continue;
    const l = lockCall(call, "Lock");
    if (l) {
      held = { ...l, call };
      continue;
    }
    const u = lockCall(call, "Unlock");
    if (u && held && u.base === held.base && u.key === held.key && call.parent?.type !== "defer_statement") held = undefined;
  }
  return held;
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

/** A call of a package method whose body takes the lock `key` on its receiver. */
function locksInside(call: GoNode, key: string, file: FileView, fn: GoNode): boolean {
  const decl = calleeOf(call, { file, bindings: file.bindingsOf(topFunction(fn)), fn });
  if (!decl || !decl.recvType) return false;
  return decl.node.descendantsOfType("call_expression").some((c) => !!c && lockCall(c, "Lock")?.key === key);
}

function topFunction(fn: GoNode): GoNode {
  let top = fn;
  for (let p = fn.parent; p; p = p.parent) if (p.type === "function_declaration" || p.type === "method_declaration") top = p;
  return top;
}

/** The go statement that starts the literal the node is in, as a related location. */
function goStart(node: GoNode, unit: Unit, file: FileView): RelatedLocation[] {
  const lit = enclosingFunction(node);
  const stmt = lit?.type === "func_literal" && lit.parent?.type === "call_expression" ? lit.parent.parent : null;
  return stmt?.type === "go_statement" ? [{ ...spanOf(stmt), ...at(unit, file), message: "the goroutine that must take the lock starts here" }] : [];
}
