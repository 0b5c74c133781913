// goroutine-send-leak: a goroutine sends on an unbuffered channel made in the function, and
// some way out of the function leaves before receiving what it sends.
//
//	ch := make(chan result)              // reported here; the fix makes it make(chan result, 1)
//	go func() { ch <- fetch() }()
//	select {
//	case r := <-ch:
//		return r, nil
//	case <-ctx.Done():                   // leaves without receiving: the send blocks forever
//		return result{}, ctx.Err()
//	}
//
// Also: an early `return` before the receive; several senders and a single receive; a
// receive loop (`for range urls { if err := <-errc; err != nil { return err } }`) left early.
import type { Fix, GoNode, RelatedLocation, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { exitWithout, isTerminatingCall } from "../facts/flow.js";
import { channels, leavesLoop, loopBetween, isEndless, type Channel, type ChanOp, type GoroutineSite } from "../facts/goroutines.js";
import { docsUrl } from "../facts/meta.js";
import { caseStatements, contains, descendantsInFunction, spanOf, statementsOf } from "../facts/syntax.js";

const rule: Rule = {
  meta: {
    id: "goroutine-send-leak",
    title: "Goroutine blocked forever on a send",
    severity: "error",
    fixable: true,
    summary: "a goroutine sends on an unbuffered channel that the function can stop receiving from",
    why:
      "A send on an unbuffered channel parks the goroutine until another goroutine receives. " +
      "Once the function has left through a timeout, ctx.Done() or an early return, nobody will ever receive, " +
      "so the sender stays parked in chan send forever, and everything its closure references stays reachable with it.",
    docs: docsUrl("goroutine-send-leak"),
  },
  kinds: ["func", "method"],
  appliesTo: (file) => file.source.includes("chan") && /\bgo\s+func\b|\.Go\(\s*func\b/.test(file.source),
  check,
};
export default rule;

const line = (unit: Unit, n: GoNode | { startIndex: number }) => unit.file.lineOf(n.startIndex);

function check(ctx: RuleContext): void {
  for (const ch of channels(ctx.unit)) if (ch.buffer === 0) checkChannel(ctx, ch);
}

function checkChannel(ctx: RuleContext, ch: Channel): void {
  const { unit } = ctx;
  const home = ch.home;
  if (ch.ops.some((o) => o.kind === "escape")) return;
  const sends = ch.ops.filter((o) => o.kind === "send");
  const recvs = ch.ops.filter((o) => o.kind === "recv" || o.kind === "range");
  // Senders are goroutines started by the function; the function itself does the receiving.
  if (!sends.every((s) => s.site && s.site.home.id === home.id)) return;
  if (!recvs.every((r) => r.fn.id === home.id)) return;

  const senders: GoroutineSite[] = [];
  let total = 0;
  let perRun = 0;
  for (const site of new Set(sends.map((s) => s.site!))) {
    const own = sends.filter((s) => s.site === site);
    const blocking = own.filter((s) => !s.canLeave);
    if (blocking.length === 0) continue; // every send sits in a select that can give up
    if (blocking.length !== own.length) return;
    const n = sendsPerRun(site, blocking, unit);
    if (n === null) return;
    senders.push(site);
    total += site.inLoop ? Infinity : n;
    perRun = n;
  }
  if (senders.length === 0) return;
  const sendLines = blockingList(unit, sends);
  const size = Number.isFinite(total) ? String(total) : senders.length === 1 && perRun === 1 ? rangeLen(senders[0]!, unit) : undefined;
  // With several senders, a receive loop counts as receiving them all (its early exits are
  // judged below): its header is not "a path that skips the receive" when it runs zero times.
  const touches = (n: GoNode) =>
    recvs.some((r) => contains(n, r.id)) ||
    (total > 1 && n.parent?.type === "for_statement" && n.type !== "block" && recvs.some((r) => contains(n.parent!, r.id)));
  const related: RelatedLocation[] = sends.map((s) => ({ ...spanOf(s.node), message: "this send blocks until someone receives" }));

  // (a) A way out of the function that never receives.
  for (const site of senders) {
    const exit = exitWithout(site.stmt, { unit, touches });
    if (!exit) continue;
    const way = wayOut(unit, exit, recvs);
    ctx.report({
      span: spanOf(ch.make),
      message: `${ch.name} is unbuffered, so ${sendLines} ${verb(sends, unit)} forever once ${way}: the goroutine started on line ${line(unit, site.stmt)} never ends`,
      related: [...related, { ...spanOf(exit), message: "this way out skips the receive" }],
      fix: bufferFix(ch, size),
    });
    return;
  }
  if (total < 2) return;
  const loops = recvs.map((r) => (r.kind === "range" ? r.node : loopBetween(r.node, home))).filter((l): l is GoNode => !!l);
  const first = senders[0]!;
  const senderCount = Number.isFinite(total)
    ? `${total} values are sent to it`
    : senders.length === 1 && !first.inLoop
      ? `the goroutine started on line ${line(unit, first.stmt)} sends to it in a loop`
      : `goroutines started in a loop on line ${line(unit, first.stmt)} send to it`;
  const oneSender = senders.length === 1 && !first.inLoop;
  // (b) Many sends, one receive: the first sender wins, the others wait forever.
  if (loops.length === 0 && recvs.length < total) {
    const at = recvs.map((r) => `line ${line(unit, r.node)}`).join(" and ");
    ctx.report({
      span: spanOf(ch.make),
      message: `${ch.name} is unbuffered and ${senderCount} (${sendLines}), but the function receives only on ${at}: ${oneSender ? "the goroutine blocks forever on its next send" : "every other sender blocks forever"}`,
      related,
      fix: bufferFix(ch, size),
    });
    return;
  }
  // (c) A receive loop with a header, left early by return or break while senders remain.
  for (const loop of loops) {
    if (isEndless(loop) || senders.some((s) => contains(loop, s.stmt))) continue;
    const early = earlyExit(loop, unit, touches);
    if (!early) continue;
    ctx.report({
      span: spanOf(ch.make),
      message: `${ch.name} is unbuffered and ${senderCount} (${sendLines}), but the ${early.type === "return_statement" ? "return" : "break"} on line ${line(unit, early)} leaves the receive loop on line ${line(unit, loop)} early: ${oneSender ? "the goroutine blocks forever on its next send" : "the senders still waiting block forever"}`,
      related: [...related, { ...spanOf(early), message: "this leaves the receive loop before every value is received" }],
      fix: bufferFix(ch, size),
    });
    return;
  }
}

/** "the send on line 14" or "the sends on lines 14 and 17". */
function blockingList(unit: Unit, sends: ChanOp[]): string {
  const lines = [...new Set(sends.map((s) => line(unit, s.node)))];
  return lines.length === 1 ? `the send on line ${lines[0]}` : `the sends on lines ${lines.slice(0, -1).join(", ")} and ${lines[lines.length - 1]}`;
}

const verb = (sends: ChanOp[], unit: Unit) => (new Set(sends.map((s) => line(unit, s.node))).size === 1 ? "blocks" : "block");

/** "the select on line 18 leaves through <-ctx.Done()" or "the function returns on line 20". */
function wayOut(unit: Unit, exit: GoNode, recvs: ChanOp[]): string {
  for (let p = exit.parent; p && p.type !== "func_literal"; p = p.parent) {
    if (p.type !== "communication_case" && p.type !== "default_case") continue;
    const select = p.parent!;
    if (!recvs.some((r) => contains(select, r.id))) continue;
    const how = p.type === "default_case" ? "default" : (p.childForFieldName("communication")?.text ?? "another case");
    return `the select on line ${line(unit, select)} leaves through ${how}`;
  }
  return exit.type === "return_statement"
    ? `the function returns on line ${line(unit, exit)} without receiving`
    : `the function ends on line ${line(unit, exit)} without receiving`;
}

/** A return inside the loop, or a break out of it followed by a path that receives no more. */
function earlyExit(loop: GoNode, unit: Unit, touches: (n: GoNode) => boolean): GoNode | null {
  for (const j of descendantsInFunction(loop.childForFieldName("body") ?? loop, ["return_statement", "break_statement"])) {
    if (j.type === "return_statement") return j;
    if (!leavesLoop(j, loop)) continue;
    const from = loop.parent?.type === "labeled_statement" ? loop.parent : loop;
    if (exitWithout(from, { unit, touches })) return j;
  }
  return null;
}

/**
 * How many values one run of the goroutine sends at most: sends in a loop are unbounded
 * (Infinity); several sends are counted along paths, `return` ending a path; null when
 * break/continue/goto make the count unclear.
 */
function sendsPerRun(site: GoroutineSite, sends: ChanOp[], unit: Unit): number | null {
  if (sends.some((s) => loopBetween(s.node, site.lit))) return Infinity;
  if (sends.length === 1) return 1;
  const jumps = descendantsInFunction(site.body, ["break_statement", "continue_statement", "goto_statement"]);
  if (jumps.some((j) => !loopBetween(j, site.lit))) return null;
  const nodes = new Set(sends.map((s) => s.node.id));
  const NONE = -Infinity;
  type Count = { thru: number; done: number };
  const block = (stmts: GoNode[]): Count => {
    let thru = 0;
    let done = NONE;
    for (const s of stmts) {
      const c = stmt(s);
      done = Math.max(done, thru + c.done);
      thru += c.thru;
      if (thru === NONE) break;
    }
    return { thru, done };
  };
  const max = (a: Count, b: Count): Count => ({ thru: Math.max(a.thru, b.thru), done: Math.max(a.done, b.done) });
  const stmt = (s: GoNode): Count => {
    if (nodes.has(s.id)) return { thru: 1, done: NONE };
    if (s.type === "return_statement" || (s.type === "expression_statement" && isTerminatingCall(s, unit))) return { thru: NONE, done: 0 };
    if (!sends.some((x) => contains(s, x.node))) {
      const returns = descendantsInFunction(s, "return_statement").length > 0;
      return { thru: 0, done: returns ? 0 : NONE };
    }
    switch (s.type) {
      case "block":
        return block(statementsOf(s));
      case "labeled_statement":
        return stmt(s.namedChildren.find((c) => c && c.type !== "label_name")!);
      case "if_statement": {
        const alt = s.childForFieldName("alternative");
        return max(block(statementsOf(s.childForFieldName("consequence"))), alt ? stmt(alt) : { thru: 0, done: NONE });
      }
      case "expression_switch_statement":
      case "type_switch_statement":
      case "select_statement": {
        const cases = s.namedChildren.filter((c): c is GoNode => !!c && /_case$/.test(c.type));
        let out: Count = cases.some((c) => c.type === "default_case") || s.type === "select_statement" ? { thru: NONE, done: NONE } : { thru: 0, done: NONE };
        for (const c of cases) {
          const comm = c.childForFieldName("communication");
          const head = comm && nodes.has(comm.id) ? 1 : 0;
          const b = block(caseStatements(c));
          out = max(out, { thru: head + b.thru, done: head + b.done });
        }
        return out;
      }
      default:
        return { thru: Infinity, done: NONE };
    }
  };
  const c = block(statementsOf(site.body));
  const n = Math.max(c.thru, c.done);
  return Number.isFinite(n) ? n : null;
}

/** `make(chan T)` → `make(chan T, n)` (also `make(chan T, 0)`), when the number of sends is known. */
function bufferFix(ch: Channel, size: string | undefined): Fix | undefined {
  const args = ch.make.childForFieldName("arguments");
  if (!size || !args || args.text.includes("\n") || args.text.replace(/\s+/g, "").endsWith(",)")) return undefined;
  const list = args.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment");
  const edit = list[1] ? { ...spanOf(list[1]), text: size } : { start: list[0]!.endIndex, end: list[0]!.endIndex, text: `, ${size}` };
  return { description: `give ${ch.name} a buffer of ${size} so no send blocks`, edits: [edit] };
}

//	func f(urls []string) {            // a slice, array or map parameter
//		for _, u := range urls {       // the only loop around the go statement
//			go func() { ch <- ... }()  // one send per goroutine
//
// One goroutine per element: `len(urls)` is room for every send.
function rangeLen(site: GoroutineSite, unit: Unit): string | undefined {
  const loop = loopBetween(site.stmt, site.home);
  if (!loop || loopBetween(loop, site.home)) return undefined;
  const x = loop.namedChildren.find((c) => c?.type === "range_clause")?.childForFieldName("right");
  const b = x?.type === "identifier" ? unit.bindings.resolve(x) : undefined;
  if (!b || b.kind !== "param" || unit.bindings.all.some((o) => o !== b && o.name === b.name)) return undefined;
  const ok = b.decl.type === "variadic_parameter_declaration" || ["slice_type", "array_type", "map_type"].includes(b.type?.type ?? "");
  return ok ? `len(${b.name})` : undefined;
}
