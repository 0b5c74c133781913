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
import { channels, mayLeave, type Channel } from "../facts/goroutines.js";
import { calleeOf, chanField, inSelectWithOthers, summarise, type FuncDecl } from "../facts/summaries.js";
import { enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

export function checkAcross(ctx: RuleContext): void {
  const { unit } = ctx;
  if (unit.file.source.includes("chan")) for (const ch of channels(unit)) handedOnly(ctx, ch);
  unansweredFields(ctx);
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
  const { unit } = ctx;
  for (const recv of unit.nodes("unary_expression")) {
    if (!recv || recv.childForFieldName("operator")?.text !== "<-" || inSelectWithOthers(recv)) continue;
    const operand = unparen(recv.childForFieldName("operand")!);
    const name = fieldNameOf(unit, operand);
    if (!name) continue;
    const cf = chanField(unit.file, name);
    if (!cf || !cf.uses.some((u) => u.node.id === recv.id)) continue;
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
