// goroutine-send-leak: a call in a goroutine literal to a package helper that sends on the channel
// it is given (`go func() { defer wg.Done(); s.produce(ch) }()`) is read as the helper's sends
// (rules/facts/goroutines.ts, helperOp); the finding names the helper and where it sends.
import type { ChanOp } from "../facts/goroutines.js";

/** The related location's text for a helper call read as a send: "produce() sends on it (feed.go:12) and blocks until someone receives". */
export function viaMessage(via: NonNullable<ChanOp["via"]>): string {
  const e = via.effects[0]!;
  const file = e.file.path.slice(e.file.path.lastIndexOf("/") + 1);
  const how = via.effects.some((x) => x.inLoop) ? "sends on it in a loop" : "sends on it";
  return `${via.callee.name}() ${how} (${file}:${e.file.lineOf(e.node.startIndex)}) and blocks until someone receives`;
}
