// goroutine-recv-leak across functions: a receive that nothing in the package can ever answer.
//
//	done := make(chan struct{})
//	go s.watch(done)                   // watch (maybe in another file) never sends on or closes it
//	<-done                             // reported: blocks forever
//
//	type Stopper struct{ quit chan struct{} }   // unexported, made, never sent on or closed
//	func (s *Stopper) Quit() <-chan struct{} { return s.quit }
//	<-s.stopper.Quit()                 // reported: blocks forever
//
// A select with another case, a channel handed to code we cannot read (another package, a
// func value, an interface), stored, returned or assigned another value: silent.
import type { FileView, GoNode, RelatedLocation, RuleContext, Unit } from "../../src/analyzer/types.js";
import { cfgOf } from "../facts/cfg.js";
import { doneOperand } from "../facts/contexts.js";
import { channels, mayLeave, type Channel } from "../facts/goroutines.js";
import { calleeOf, chanField, fieldDecl, inSelectWithOthers, packageStructs, summarise, useAt, type FuncDecl } from "../facts/summaries.js";
import { contains, enclosingFunction, spanOf, unparen } from "../facts/syntax.js";
import { checkLockedWaits } from "./locked.js";

export function checkAcross(ctx: RuleContext): void {
  const { unit } = ctx;
  const has = (word: string) => unit.file.memo(`recv-leak.has:${word}`, () => unit.file.source.includes(word));
  if (has("chan")) {
    for (const ch of channels(unit)) {
      handedOnly(ctx, ch);
      rangedByHelper(ctx, ch);
    }
  }
  unansweredFields(ctx);
  checkLockedWaits(ctx);
  if (has("WithCancel")) checkUncancelled(ctx);
}

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

/** The channel is received from here, and otherwise only handed to package functions that never send on or close it. */
function handedOnly(ctx: RuleContext, ch: Channel): void {
  const { unit } = ctx;
  if (ch.ops.some((o) => o.kind === "send" || o.kind === "close" || o.kind === "range")) return;
  const escapes = ch.ops.filter((o) => o.kind === "escape");
  if (escapes.length === 0) return;
  const helpers: { decl: FuncDecl; call: GoNode }[] = [];
  for (const e of escapes) {
    const list = e.node.parent;
    const call = list?.type === "argument_list" ? list.parent : null;
    if (!call || call.type !== "call_expression") return;
    const home = enclosingFunction(call);
    const decl = home ? calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: home }) : undefined;
    if (!decl) return;
    const i = list!.namedChildren.filter((a) => a && a.type !== "comment").findIndex((a) => a?.id === e.node.id);
    const s = summarise(decl);
    if (i < 0 || i >= s.params.length) return;
    if (s.params[i] === undefined && decl.node.childForFieldName("parameters")?.text.includes("...")) return;
    if (s.effects.some((f) => f.target.kind === "param" && f.target.index === i && f.op !== "recv")) return;
    helpers.push({ decl, call });
  }
  for (const r of ch.ops) {
    if (r.kind !== "recv" || mayLeave(r, unit) || r.canLeave) continue;
    const h = helpers[0]!;
    const names = [...new Set(helpers.map((x) => `${x.decl.name}()`))];
    ctx.report({
      span: spanOf(r.node),
      messageId: "handedOnly",
      data: { channel: ch.name, helpers: names.join(" and "), verb: names.length === 1 ? "never sends on it or closes it" : "never send on it or close it" },
      related: [
        { ...spanOf(ch.make), message: `${ch.name} is made here` },
        ...helpers.map((x) => ({ ...spanOf(x.call), message: `${ch.name} is handed to ${x.decl.name}() here` })),
        { ...spanOf(h.decl.node.childForFieldName("name")!), ...at(unit, h.decl.file), message: `${h.decl.name}() neither sends on nor closes it (${fileName(h.decl.file)})` },
      ],
    });
    return;
  }
}

/** Receives from a channel field that nothing in the package sends on or closes. */
function unansweredFields(ctx: RuleContext): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the send or close
  const { unit } = ctx;
  for (const recv of unit.nodes("unary_expression")) {
    if (!recv || recv.childForFieldName("operator")?.text !== "<-" || inSelectWithOthers(recv)) continue;
    const operand = unparen(recv.childForFieldName("operand")!);
    const name = fieldNameOf(unit, operand);
    if (!name) continue;
    const cf = chanField(unit.file, name);
    if (!cf || !useAt(cf.uses, unit.file, recv)) continue;
    if (cf.uses.some((u) => u.kind === "send" || u.kind === "close" || u.kind === "escape")) continue;
    const make = cf.uses.find((u) => u.kind === "make");
    if (!make) continue;
    ctx.report({
      span: spanOf(recv),
      messageId: "fieldUnanswered",
      data: { field: operand.type === "selector_expression" && operand.text.length <= 40 ? operand.text : `${cf.owner}.${name}` },
      related: [{ ...spanOf(make.node), ...at(unit, make.file), message: `${name} is made here; the package never sends on it or closes it` }],
    });
  }
}

/** `x.f` → "f"; `x.acc()` where acc returns its receiver's field f → "f". */
function fieldNameOf(unit: Unit, operand: GoNode): string | undefined {
  if (operand.type === "selector_expression") return operand.childForFieldName("field")?.text;
  if (operand.type !== "call_expression") return undefined;
  const home = enclosingFunction(operand);
  const decl = home ? calleeOf(operand, { file: unit.file, bindings: unit.bindings, fn: home }) : undefined;
  const f = decl ? summarise(decl).returnsField : undefined;
  return f?.split(".").pop();
}

//	func (r *Rows) init(ctx context.Context) {
//		ctx, r.cancel = context.WithCancel(ctx)
//		go r.awaitDone(ctx)             // reported: nothing in the package ever calls r.cancel
//	}
//	func (r *Rows) awaitDone(ctx context.Context) { <-ctx.Done(); r.close() }
/** A goroutine that waits for ctx.Done(), where ctx's cancel function is kept in a field nothing calls. */
export function checkUncancelled(ctx: RuleContext): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the cancel call
  const { unit } = ctx;
  for (const stmt of unit.nodes("go_statement")) {
    const call = stmt?.namedChildren[0];
    if (!stmt || call?.type !== "call_expression") continue;
    const home = enclosingFunction(stmt);
    if (!home) continue;
    const waited = waitedContexts(unit, call, home);
    for (const id of waited) {
      const cancel = cancelField(unit, id, stmt, home);
      if (!cancel) continue;
      const uses = fieldUses(unit.file, cancel.field);
      if (!uses || uses.some((u) => u !== "assign")) continue;
      ctx.report({
        span: spanOf(stmt.child(0)!),
        messageId: "uncancelled",
        data: { field: cancel.text, ctx: id.text },
        related: [{ ...spanOf(cancel.assign), message: `${id.text}'s cancel function is kept in ${cancel.text} here, and never called` }],
      });
      break;
    }
  }
}

/** The context identifiers the started goroutine blocks on with `<-x.Done()` (not in a select). */
function waitedContexts(unit: Unit, call: GoNode, home: GoNode): GoNode[] {
  const fn = unparen(call.childForFieldName("function")!);
  const args = (call.childForFieldName("arguments")?.namedChildren ?? []).filter((a): a is GoNode => !!a && a.type !== "comment");
  const out: GoNode[] = [];
  if (fn.type === "func_literal") {
    for (const r of unit.nodes("unary_expression", fn)) {
      if (!r || r.childForFieldName("operator")?.text !== "<-" || inSelectWithOthers(r) || enclosingFunction(r)?.id !== fn.id) continue;
      const x = doneOperand(r.childForFieldName("operand")!);
      if (x?.type === "identifier" && unit.bindings.resolve(x)?.id.id !== undefined && !contains(fn, unit.bindings.resolve(x)!.id)) out.push(x);
    }
    return out;
  }
  const decl = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: home });
  if (!decl) return out;
  for (const w of summarise(decl).waitsDone) {
    const a = w.kind === "param" ? args[w.index] : undefined;
    if (a && unparen(a).type === "identifier") out.push(unparen(a));
  }
  return out;
}

/** `ctx, x.f = context.WithCancel(...)`: the last assignment of ctx before the go statement. */
function cancelField(unit: Unit, id: GoNode, before: GoNode, home: GoNode): { field: string; text: string; assign: GoNode } | undefined {
  const b = unit.bindings.resolve(id);
  if (!b) return undefined;
  const ctxName = unit.file.importName("context");
  if (!ctxName) return undefined;
  let last: GoNode | undefined;
  for (const u of [b.id, ...b.uses]) {
    if (u.startIndex >= before.startIndex) continue;
    const list = u.parent;
    const stmt = list?.parent;
    if (list?.type !== "expression_list" || (stmt?.type !== "assignment_statement" && stmt?.type !== "short_var_declaration") || stmt.childForFieldName("left")?.id !== list.id) continue;
    if (enclosingFunction(stmt)?.id !== home.id) continue;
    if (!last || stmt.startIndex > last.startIndex) last = stmt;
  }
  if (!last || last.type !== "assignment_statement") return undefined;
  const right = last.childForFieldName("right")?.namedChildren.filter((c) => c && c.type !== "comment") ?? [];
  const left = last.childForFieldName("left")?.namedChildren.filter((c) => c && c.type !== "comment") ?? [];
  const f = right.length === 1 && right[0]?.type === "call_expression" ? right[0].childForFieldName("function") : null;
  if (f?.type !== "selector_expression" || f.childForFieldName("operand")?.text !== ctxName || f.childForFieldName("field")?.text !== "WithCancel") return undefined;
  const sel = left[1];
  if (left.length !== 2 || left[0]?.text !== id.text || sel?.type !== "selector_expression") return undefined;
  const field = sel.childForFieldName("field")!.text;
  return /^[a-z_]/.test(field) ? { field, text: sel.text, assign: last } : undefined;
}

/** How the package uses an unexported field name: "call", "assign" or "other" per use; undefined when it is not one struct's alone. */
function fieldUses(file: FileView, name: string): ("call" | "assign" | "other")[] | undefined {
  return file.memo(`recv-leak.fieldUses.${name}`, () => {
    let owners = 0;
    for (const [t] of packageStructs(file)) if (fieldDecl(file, t, name)) owners++;
    if (owners !== 1) return undefined;
    const out: ("call" | "assign" | "other")[] = [];
    for (const f of [file, ...file.packageFiles()]) {
      const index = f.memo("recv-leak.fieldIdents", () => {
        const m = new Map<string, GoNode[]>();
        for (const n of f.wholeRoot().descendantsOfType(["field_identifier", "keyed_element"])) {
          const k = !n ? undefined : n.type === "field_identifier" ? n.text : `key:${(n.childForFieldName("key") ?? n.namedChildren[0])?.text}`;
          if (!n || !k) continue;
          const l = m.get(k);
          if (l) l.push(n);
          else m.set(k, [n]);
        }
        return m;
      });
      for (const id of index.get(name) ?? []) {
        const sel = id.parent;
        if (sel?.type !== "selector_expression") continue;
        const p = sel.parent;
        if (p?.type === "call_expression" && p.childForFieldName("function")?.id === sel.id) out.push("call");
        else if (p?.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("left")?.id === p.id) out.push("assign");
        else out.push("other");
      }
      // A keyed element `T{cancel: cancel}` stores it too: the local may be called elsewhere.
      for (let i = (index.get(`key:${name}`) ?? []).length; i > 0; i--) out.push("other");
    }
    return out;
  });
}

//	jobs := make(chan job)
//	go s.work(jobs)                     // reported: work ranges over jobs, nothing closes it
//	for _, j := range todo { jobs <- j }
/** A named goroutine ranges over a channel its starter sends on and never closes. */
function rangedByHelper(ctx: RuleContext, ch: Channel): void {
  const { unit } = ctx;
  if (ch.ops.some((o) => o.kind === "close" || o.kind === "range" || o.kind === "recv")) return;
  if (ch.ops.some((o) => o.kind === "send" && o.fn.id !== ch.home.id)) return;
  const escapes = ch.ops.filter((o) => o.kind === "escape");
  if (escapes.length !== 1) return;
  const e = escapes[0]!;
  const list = e.node.parent;
  const call = list?.type === "argument_list" ? list.parent : null;
  const stmt = call?.parent;
  if (!call || stmt?.type !== "go_statement" || e.fn.id !== ch.home.id) return;
  const decl = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: ch.home });
  if (!decl) return;
  const i = list!.namedChildren.filter((a) => a && a.type !== "comment").findIndex((a) => a?.id === e.node.id);
  const s = summarise(decl);
  if (i < 0 || i >= s.params.length) return;
  const mine = s.effects.filter((f) => f.target.kind === "param" && f.target.index === i);
  const range = mine.find((f) => f.op === "range" && !f.inGoroutine);
  if (!range || mine.some((f) => f.op !== "range" && f.op !== "recv")) return;
  // A return, break or goto inside the loop is another way out.
  const loopFn = enclosingFunction(range.node);
  if (["return_statement", "break_statement", "goto_statement"].some((t) => range.node.descendantsOfType(t).some((j) => !!j && enclosingFunction(j)?.id === loopFn?.id))) return;
  // Nothing may follow the range that the goroutine could be waiting on instead: it is the leak.
  if (!cfgOf(unit, ch.home).firstEnd({ after: stmt }, { ends: ["return", "goroutine"] })) return;
  ctx.report({
    span: spanOf(stmt.child(0)!),
    messageId: "rangedByHelper",
    data: { channel: ch.name, callee: `${decl.name}()`, at: `${fileName(range.file)}:${range.file.lineOf(range.node.startIndex)}` },
    related: [
      { ...spanOf(ch.make), message: `${ch.name} is made here and never closed` },
      { start: range.node.startIndex, end: (range.node.childForFieldName("body") ?? range.node).startIndex, ...at(unit, range.file), message: `${decl.name}() ranges over it here until it is closed` },
    ],
  });
}
