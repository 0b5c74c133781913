// goroutine-no-exit, issue 10 shape 4: a sync.Cond wait that nothing will wake.
//
//	func (q *Queue) Get() Item {                  func (q *Queue) Close() error {
//		q.mu.Lock()                                   q.mu.Lock()
//		defer q.mu.Unlock()                           defer q.mu.Unlock()
//		for len(q.items) == 0 && !q.closed {          q.closed = true
//			q.cond.Wait()                             if err := q.flush(); err != nil {
//		}                                                 return err       // reported: skips the Broadcast
//		...                                           }
//	}                                                 q.cond.Broadcast()
//	                                                  return nil
//	                                              }
//
// Two findings:
//   - condNeverSignalled, at a `c.Wait()` on an unexported `sync.Cond` field that nothing in the
//     package signals: no `Signal()` or `Broadcast()` on that field in any file of the package, and
//     no other use of it that could hand it to a signaller (a method value, an argument, an alias);
//   - signalSkipped, at a `return` of a function that changes a field the condition of a wait loop
//     reads (`for !q.closed { q.cond.Wait() }`, in any file of the package) and signals that
//     condition afterwards on some path but not on this one: a waiter that checked the condition
//     before the change sleeps until a signal that may never come. Silent when the signal is
//     deferred, on every path after the change, or when the return's own guard reads the waited-on
//     state (batching: the function decides the condition is not met yet).
import type { FileView, GoNode, RuleContext } from "../../src/analyzer/types.js";
import { methodName } from "../facts/calls.js";
import { cfgOf } from "../facts/cfg.js";
import { syncField, type SyncField, type SyncUse } from "./syncfields.js";
import { contains, enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

const SIGNALS = ["Signal", "Broadcast"];
const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);

export function checkCond(ctx: RuleContext): void {
  const { unit } = ctx;
  if (!unit.file.source.includes(".Wait()") && !/\.(Signal|Broadcast)\(\)/.test(unit.file.source)) return;
  const calls = unit.nodes("call_expression");
  for (const wait of calls.filter((c) => methodName(c) === "Wait" && noArgs(c))) neverSignalled(ctx, wait);
  const signals = calls.filter((c) => SIGNALS.includes(methodName(c) ?? "") && noArgs(c) && enclosingFunction(c)?.id === unit.node.id);
  if (signals.length > 0) skippedSignal(ctx, signals);
}

function noArgs(call: GoNode): boolean {
  return (call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment").length ?? 0) === 0;
}

function neverSignalled(ctx: RuleContext, wait: GoNode): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the Signal
  const { unit } = ctx;
  const operand = operandOf(wait);
  const field = operand && syncField(operand, unit.file, "sync.Cond");
  if (!field || field.uses.some((u) => u.kind === "escape" || (u.kind === "call" && SIGNALS.includes(u.method)))) return;
  ctx.report({
    span: spanOf(wait),
    messageId: "condNeverSignalled",
    data: { cond: operand.text },
    related: [{ ...spanOf(field.decl), ...(field.declFile.path === unit.file.path ? {} : { file: field.declFile }), message: `${field.name} is declared here; nothing in the package calls its Signal or Broadcast` }],
  });
}

function skippedSignal(ctx: RuleContext, signals: GoNode[]): void {
  const { unit } = ctx;
  const fn = unit.node;
  const byField = new Map<string, { field: SyncField; signals: GoNode[] }>();
  for (const s of signals) {
    const operand = operandOf(s);
    const field = operand && syncField(operand, unit.file, "sync.Cond");
    if (!field) continue;
    const entry = byField.get(field.name) ?? { field, signals: [] };
    entry.signals.push(s);
    byField.set(field.name, entry);
  }
  for (const { field, signals: own } of byField.values()) {
    // A deferred signal runs on every way out.
    if (own.some((s) => underDefer(s, fn))) continue;
    // The wait loops of this Cond elsewhere in the package, and the fields their conditions read.
    const loops = field.uses
      .filter((u) => u.kind === "call" && u.method === "Wait" && !(u.file.path === unit.file.path && contains(fn, u.node)))
      .map((u) => ({ use: u, loop: waitLoop(u.node) }))
      .filter((l): l is { use: SyncUse; loop: { stmt: GoNode; cond: GoNode } } => !!l.loop);
    if (loops.length === 0) continue;
    const cfg = cfgOf(unit, fn);
    const signalled = (n: GoNode) => own.some((s) => contains(n, s));
    for (const w of writes(fn)) {
      const loop = loops.find((l) => stateFields(l.loop.cond, l.use.file).has(w.field));
      if (!loop) continue;
      if (cfg.nodesOnPaths({ after: w.stmt }, signalled).length === 0) continue;
      const end = cfg.firstEnd({ after: w.stmt }, { avoid: signalled, ends: ["return"] });
      const ret = end?.node;
      if (ret?.type !== "return_statement" || guardedByState(ret, fn)) continue;
      const cond = operandOf(own[0]!)!.text;
      const waiter = enclosingDecl(loop.use.node);
      const foreign = loop.use.file.path !== unit.file.path;
      ctx.report({
        span: spanOf(ret),
        messageId: "signalSkipped",
        data: {
          cond,
          signal: methodName(own[0]!)!,
          state: w.text,
          write: unit.file.lineOf(w.stmt.startIndex),
          waiter: waiter ?? "a function",
          at: `${fileName(loop.use.file)}:${loop.use.file.lineOf(loop.use.node.startIndex)}`,
        },
        related: [
          { ...spanOf(w.stmt), message: `${w.text} changes here` },
          { ...spanOf(own[0]!), message: `the only wake-up for the wait loop, skipped by the return` },
          { ...spanOf(loop.use.node), ...(foreign ? { file: loop.use.file } : {}), message: `waits here while ${loop.loop.cond.text}` },
        ],
      });
      return;
    }
  }
}

function operandOf(call: GoNode): GoNode | undefined {
  const f = call.childForFieldName("function");
  const o = f?.type === "selector_expression" ? f.childForFieldName("operand") : null;
  return o ? unparen(o) : undefined;
}

function underDefer(call: GoNode, fn: GoNode): boolean {
  for (let p = call.parent; p && p.id !== fn.id; p = p.parent) if (p.type === "defer_statement") return true;
  return false;
}

/** The `for cond { ... c.Wait() ... }` around a wait, in the wait's own function, and its condition. */
function waitLoop(wait: GoNode): { stmt: GoNode; cond: GoNode } | undefined {
  for (let p = wait.parent; p; p = p.parent) {
    if (p.type === "func_literal" || p.type === "function_declaration" || p.type === "method_declaration") return undefined;
    if (p.type !== "for_statement") continue;
    const head = p.namedChildren.find((c) => c && c.type !== "block" && c.type !== "comment");
    if (!head || head.type === "range_clause") return undefined;
    const cond = head.type === "for_clause" ? head.childForFieldName("condition") : head;
    return cond ? { stmt: p, cond } : undefined;
  }
  return undefined;
}

/**
 * The field names a wait loop's condition reads: `q.closed`, `len(q.items)`, and the fields read
 * by a method of the package it calls (`!p.ready()`).
 */
function stateFields(cond: GoNode, file: FileView): Set<string> {
  const out = new Set<string>();
  const read = (n: GoNode) => {
    for (const f of n.descendantsOfType("field_identifier")) if (f && f.parent?.type === "selector_expression") out.add(f.text);
  };
  read(cond);
  for (const call of cond.descendantsOfType("call_expression")) {
    const name = call ? methodName(call) : undefined;
    if (!name) continue;
    out.delete(name);
    for (const f of [file, ...file.packageFiles()]) {
      for (const d of f.wholeRoot().namedChildren) if (d?.type === "method_declaration" && d.childForFieldName("name")?.text === name) read(d.childForFieldName("body") ?? d);
    }
  }
  return out;
}

/** Field writes of the function's own body: `x.f = v`, `x.f[k] = v`, `x.f++`, `delete(x.f, k)`. */
function writes(fn: GoNode): { stmt: GoNode; field: string; text: string }[] {
  const out: { stmt: GoNode; field: string; text: string }[] = [];
  const fieldOf = (e: GoNode | null | undefined): GoNode | undefined => {
    let x = e ? unparen(e) : undefined;
    while (x?.type === "index_expression") x = unparen(x.childForFieldName("operand")!);
    return x?.type === "selector_expression" ? x : undefined;
  };
  for (const s of fn.descendantsOfType(["assignment_statement", "inc_dec_statement", "call_expression"])) {
    if (!s || enclosingFunction(s)?.id !== fn.id) continue;
    let targets: GoNode[] = [];
    if (s.type === "assignment_statement") targets = (s.childForFieldName("left")?.namedChildren ?? []).filter((x): x is GoNode => !!x);
    else if (s.type === "inc_dec_statement") targets = s.namedChildren.filter((x): x is GoNode => !!x).slice(0, 1);
    else if (s.childForFieldName("function")?.text === "delete") targets = (s.childForFieldName("arguments")?.namedChildren ?? []).filter((x): x is GoNode => !!x).slice(0, 1);
    const stmt = s.type === "call_expression" ? s.parent : s;
    if (!stmt || (s.type === "call_expression" && stmt.type !== "expression_statement")) continue;
    for (const t of targets) {
      const sel = fieldOf(t);
      const field = sel?.childForFieldName("field")?.text;
      if (sel && field) out.push({ stmt, field, text: sel.text });
    }
  }
  return out;
}

/**
 * The return sits under an if whose condition reads a field (`if len(q.items) < q.batch`, `if
 * q.waiters == 0`): a decision about the state (not met yet, nobody to wake), not an error path.
 */
function guardedByState(ret: GoNode, fn: GoNode): boolean {
  for (let p = ret.parent; p && p.id !== fn.id; p = p.parent) {
    if (p.type !== "if_statement") continue;
    const cond = p.childForFieldName("condition");
    if (cond && cond.descendantsOfType("field_identifier").length > 0) return true;
  }
  return false;
}

function enclosingDecl(n: GoNode): string | undefined {
  for (let p = n.parent; p; p = p.parent) if (p.type === "function_declaration" || p.type === "method_declaration") return `${p.childForFieldName("name")?.text}()`;
  return undefined;
}

