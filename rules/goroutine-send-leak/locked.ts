// goroutine-send-leak, issue 10 shape 4: a send made while holding a mutex that the receiver
// takes after each receive, before it can receive again.
//
//	func (m *Manager) SetStatus(s Status) {      func (m *Manager) syncOne() {
//		m.mu.Lock()                                  <-m.updates
//		defer m.mu.Unlock()                          m.flush()          // flush locks m.mu
//		m.statuses[s.ID] = s                     }
//		m.updates <- struct{}{}   // reported
//	}
//
// The first sender's value is received; the receiver then waits for m.mu, which a second sender
// already holds while it waits for the receiver: both block forever, and so does everything that
// needs m.mu next. The channel is an unexported field of one struct (every use in sight), made
// unbuffered; the send is no select case that can give up; every receive of the field in the
// package is followed, in its function (or in the body of a range over the field), by a Lock of
// the same mutex field or a call of a method of the package that takes it.
import type { FileView, GoNode, RelatedLocation, RuleContext, Unit } from "../../src/analyzer/types.js";
import { cfgIn } from "../facts/cfg.js";
import { heldLock, lockCall, locksInside } from "../facts/locks.js";
import { chanField, inSelectWithOthers, type FieldUse } from "../facts/summaries.js";
import { enclosingFunction, spanOf, unparen } from "../facts/syntax.js";

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

export function checkLockedSends(ctx: RuleContext): void {
  const { unit } = ctx;
  if (!unit.file.source.includes("Lock()")) return;
  for (const send of unit.nodes("send_statement")) {
    if (!send || inSelectWithOthers(send)) continue;
    const ch = unparen(send.childForFieldName("channel")!);
    if (ch.type !== "selector_expression") continue;
    const fn = enclosingFunction(send);
    const held = fn ? heldLock(unit, fn, send) : undefined;
    if (!held || !held.key) continue;
    const cf = chanField(unit.file, ch.childForFieldName("field")!.text);
    if (!cf || cf.uses.some((u) => u.kind === "escape")) continue;
    const makes = cf.uses.filter((u) => u.kind === "make");
    const recvs = cf.uses.filter((u) => u.kind === "recv" || u.kind === "range");
    if (makes.length === 0 || makes.some((m) => m.buffer !== 0) || recvs.length === 0) continue;
    const relocks = recvs.map((r) => lockAfter(r, held.key));
    if (relocks.some((l) => !l)) continue;
    const r = recvs[0]!;
    const l = relocks[0]!;
    const lock = `${held.base}.${held.key}`;
    ctx.report({
      span: spanOf(send),
      messageId: "lockedSend",
      data: { field: ch.text, lock, receiver: r.decl ? `${r.decl.name}()` : "its receiver", at: `${fileName(l.file)}:${l.file.lineOf(l.node.startIndex)}` },
      related: [
        { ...spanOf(held.call), message: `${lock} is locked here and still held at the send` },
        { ...spanOf(r.node), ...at(unit, r.file), message: `receives from ${cf.name}` },
        { ...spanOf(l.node), ...at(unit, l.file), message: `then takes ${held.key} before it can receive again` },
      ],
    });
  }
}

/**
 * A Lock of the mutex field `key` that a path from the receive reaches before it receives again
 * (through the graph of the receive's function: another case of the same select is no such path),
 * or, for a range over the field, anywhere in the loop's body.
 */
function lockAfter(use: FieldUse, key: string): { node: GoNode; file: FileView } | undefined {
  const fn = enclosingFunction(use.node);
  if (!fn) return undefined;
  const locking = (scope: GoNode): GoNode | undefined =>
    [scope, ...scope.descendantsOfType("call_expression")].find((call): call is GoNode => {
      if (!call || call.type !== "call_expression" || enclosingFunction(call)?.id !== fn.id) return false;
      // A reader's RLock waits for the writer that holds the mutex too.
      const l = lockCall(call, "Lock") ?? lockCall(call, "RLock");
      return l ? l.key === key : locksInside(call, key, use.file, fn);
    });
  if (use.kind === "range") {
    const body = use.node.childForFieldName("body");
    const call = body ? locking(body) : undefined;
    return call ? { node: call, file: use.file } : undefined;
  }
  // The cfg node the receive runs in: its statement, or the communication of its select case.
  let at: GoNode = use.node;
  while (at.parent && at.parent.type !== "statement_list" && at.parent.type !== "block" && !(at.parent.type === "communication_case" && at.parent.childForFieldName("communication")?.id === at.id)) at = at.parent;
  const cfg = cfgIn(use.file, fn);
  const hit = cfg.nodesOnPaths({ after: at }, (n) => !!locking(n), { avoid: (n) => n.id === at.id })[0];
  const call = hit ? locking(hit) : undefined;
  return call ? { node: call, file: use.file } : undefined;
}
