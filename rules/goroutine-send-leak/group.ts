// goroutine-send-leak: stages of an errgroup (or any `g.Go(func() error {...})` group, or `go`
// literals counted by one WaitGroup) joined by an unbuffered channel, where the reading stage can return before the channel is drained. The
// writing stage then blocks on its next send, and `g.Wait()` waits for it forever.
//
//	g, ctx := errgroup.WithContext(ctx)
//	records := make(chan Record)
//	g.Go(func() error {
//		defer close(records)
//		for _, l := range lines {
//			records <- parse(l)           // reported: blocks forever once the reader has returned
//		}
//		return nil
//	})
//	g.Go(func() error {
//		for r := range records {
//			if err := sink.Put(ctx, r); err != nil {
//				return err                // stops reading records
//			}
//		}
//		return nil
//	})
//	return g.Wait()                       // never returns
//
// Silent when the send is a select case that can give up (`case <-ctx.Done():`, the group's
// context is cancelled by the first error), when the reader has no way out of its range loop but
// the channel's end (it drains, keeping the first error aside), or when the send runs at most once
// (outside any loop of its stage: the reader's first receive takes it).
import type { GoNode, RuleContext } from "../../src/analyzer/types.js";
import { methodName } from "../facts/calls.js";
import { ALL_ENDS, cfgOf } from "../facts/cfg.js";
import { mayLeave, type Channel, type GoroutineSite } from "../facts/goroutines.js";
import { enclosingFunction, loopBetween, spanOf, unparen } from "../facts/syntax.js";

/** Reports the stranded sends of `ch`; true when it reported. */
export function checkGroupStages(ctx: RuleContext, ch: Channel): boolean {
  const { unit } = ctx;
  if (ch.buffer !== 0 || ch.ops.some((o) => o.kind === "escape")) return false;
  const sends = ch.ops.filter((o) => o.kind === "send");
  const recvs = ch.ops.filter((o) => o.kind === "recv" || o.kind === "range");
  if (sends.length === 0 || recvs.length !== 1) return false;
  const writer = sends[0]!.site;
  const read = recvs[0]!;
  const reader = read.site;
  if (!writer || !reader || writer === reader || read.kind !== "range" || read.fn.id !== reader.lit.id) return false;
  if (!sends.every((s) => s.site === writer && s.fn.id === writer.lit.id)) return false;
  const group = groupOf(writer);
  if (!group || groupOf(reader) !== group || writer.home.id !== ch.home.id || reader.home.id !== ch.home.id) return false;
  // A send that can give up, or one that runs once, is not stranded by the reader's return.
  const stranded = sends.filter((s) => !mayLeave(s, unit) && loopBetween(s.node, writer.lit));
  if (stranded.length === 0) return false;
  // The reader leaves its range loop other than by the channel's end.
  const loop = read.node;
  const exit = cfgOf(unit, reader.lit)
    .loopExits(loop, { ends: ALL_ENDS })
    .find((n) => n.type === "return_statement" || n.type === "break_statement" || n.type === "goto_statement");
  if (!exit) return false;
  // The function waits for the group after starting both stages.
  const wait = unit
    .nodes("call_expression", ch.home)
    .find((c) => methodName(c) === "Wait" && enclosingFunction(c)?.id === ch.home.id && operandText(c) === group && c.startIndex > Math.max(writer.stmt.endIndex, reader.stmt.endIndex));
  if (!wait) return false;
  const line = (n: GoNode) => unit.file.lineOf(n.startIndex);
  const jump = exit.type.replace("_statement", "");
  for (const s of stranded) {
    ctx.report({
      span: spanOf(s.node),
      messageId: "groupStranded",
      data: { channel: ch.name, reader: line(reader.stmt), jump, exit: line(exit), wait: `${group}.Wait() on line ${line(wait)}` },
      related: [
        { ...spanOf(exit), message: `this ${jump} stops reading ${ch.name}` },
        { ...spanOf(wait), message: `waits for the blocked sender forever` },
      ],
    });
  }
  return true;
}

/**
 * What the function waits on for the site: `g` of a `g.Go(func...)` site, or for a `go func(){...}()`
 * the WaitGroup its literal counts down (`wg` of `defer wg.Done()`).
 */
function groupOf(site: GoroutineSite): string | undefined {
  const call = site.stmt.namedChildren[0];
  if (site.stmt.type === "expression_statement") return call ? operandText(call) : undefined;
  const dones = site.body
    .descendantsOfType("call_expression")
    .filter((c): c is GoNode => !!c && methodName(c) === "Done" && enclosingFunction(c)?.id === site.lit.id)
    .map((c) => operandText(c));
  return dones.length > 0 && dones.every((d) => d === dones[0]) ? dones[0] : undefined;
}

function operandText(call: GoNode): string | undefined {
  const f = call.childForFieldName("function");
  const op = f?.type === "selector_expression" ? f.childForFieldName("operand") : null;
  return op ? unparen(op).text.replace(/\s+/g, "") : undefined;
}
