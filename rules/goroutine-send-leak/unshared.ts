// goroutine-send-leak: a send on an unbuffered channel that no other goroutine can hold yet.
//
//	errc := make(chan error)
//	if err := check(); err != nil {
//		errc <- err                    // reported: nothing can receive from errc yet
//		return errc
//	}
//	go func() { errc <- run() }()
//
// The send is in the function that makes the channel, outside any loop and any select that can
// give up, and every other use of the channel comes after it in the source: at the send nobody
// else has the channel, so it blocks forever.
import type { RuleContext } from "../../src/analyzer/types.js";
import { mayLeave, type Channel } from "../facts/goroutines.js";
import { loopBetween, spanOf } from "../facts/syntax.js";

export function checkUnshared(ctx: RuleContext, ch: Channel): boolean {
  const { unit } = ctx;
  if (ch.buffer !== 0) return false;
  for (const s of ch.ops) {
    if (s.kind !== "send" || s.fn.id !== ch.home.id || mayLeave(s, unit) || loopBetween(s.node, ch.home)) continue;
    if (ch.ops.some((o) => o !== s && o.node.startIndex < s.node.startIndex)) continue;
    ctx.report({
      span: spanOf(s.node),
      messageId: "unshared",
      data: { channel: ch.name },
      related: [{ ...spanOf(ch.make), message: `${ch.name} is made here, unbuffered, and shared with no goroutine before the send` }],
    });
    return true;
  }
  return false;
}
