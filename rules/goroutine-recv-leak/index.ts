// goroutine-recv-leak: a goroutine receives from a channel made in the function that nobody
// closes, and has no other way out.
//
//	jobs := make(chan job)
//	go func() {
//		for j := range jobs {          // reported: jobs is never closed, the range never ends
//			handle(j)
//		}
//	}()
//	for _, j := range todo {
//		jobs <- j
//	}                                  // the fix adds close(jobs) here
//
//	reply := make(chan string)
//	go func() { log.Print(<-reply) }() // reported: the early return below never sends
//	if err != nil {
//		return err
//	}
//	reply <- "ok"
import type { Fix, GoNode, RelatedLocation, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { ALL_ENDS, callEnd, cfgOf, failsTest } from "../facts/cfg.js";
import { deadContext } from "../facts/contexts.js";
import { channels, mayLeave, type Channel, type ChanOp } from "../facts/goroutines.js";
import { docsUrl } from "../facts/meta.js";
import { contains, enclosingFunction, endOfLine, indentAt, loopBetween, spanOf } from "../facts/syntax.js";
import { checkAcross } from "./across.js";
import { uncalledTestMethod } from "./uncalled.js";

const rule: Rule = {
  meta: {
    id: "goroutine-recv-leak",
    title: "Goroutine blocked forever on a receive",
    severity: "error",
    fixable: true,
    summary: "a goroutine ranges over or receives from a channel that the function never closes and may never send on",
    why:
      "A receive parks the goroutine until a value arrives or the channel is closed; `for range ch` ends only on close. " +
      "When the function that owns the channel returns without closing it or sending, the goroutine stays parked in chan receive forever, " +
      "and its stack and everything its closure captured stay reachable.",
    docs: docsUrl("goroutine-recv-leak"),
    messages: {
      range: "{{channel}} is never closed, so this range never ends: the goroutine started on line {{go}} blocks forever",
      loop: "{{channel}} is never closed and the loop on line {{loop}} has no way out: the goroutine started on line {{go}} blocks here forever",
      once: "the goroutine started on line {{go}} blocks here forever when the function {{exits}} on line {{exit}} without sending on {{channel}}",
      failing: "{{why}}, the goroutine started on line {{go}} blocks forever on this receive from {{channel}}",
      handedOnly: "nothing sends on or closes {{channel}}: {{helpers}} {{verb}}, so this receive blocks forever",
      fieldUnanswered: "nothing in the package sends on or closes {{field}}: this receive blocks forever",
      rangedByHelper: "{{channel}} is never closed, so the range in {{callee}} ({{at}}) never ends: this goroutine blocks forever",
      lockedWait: "{{field}} is received with {{lock}} held, but the {{op}} at {{at}} must lock it first: deadlock",
      uncancelled: "nothing in the package calls {{field}}, which cancels {{ctx}}: this goroutine waits for {{ctx}}.Done() forever",
    },
  },
  kinds: ["func", "method"],
  // Receives that nothing in the package answers need no goroutine literal in this file.
  appliesTo: (file) => file.source.includes("<-"),
  check,
};
export default rule;

/** The most lines a suggestion may span, from the receive down to the inserted close. */
const MAX_FIX_LINES = 25;
const line = (unit: Unit, n: GoNode) => unit.file.lineOf(n.startIndex);

function check(outer: RuleContext): void {
  // A test fake's method nothing can call never blocks. Asked only for a finding: it reads the
  // package's other files (which the App would otherwise fetch for every test method).
  const ctx: RuleContext = { ...outer, report: (d) => void (uncalledTestMethod(outer.unit) || outer.report(d)) };
  checkAcross(ctx);
  if (!(ctx.file.source.includes("chan") && /\bgo\s+func\b|\.Go\(\s*func\b/.test(ctx.file.source))) return;
  for (const ch of channels(ctx.unit)) {
    // A close anywhere (deferred, in a closure, in another goroutine) or a hand-off ends our knowledge.
    if (ch.ops.some((o) => o.kind === "escape" || o.kind === "close")) continue;
    // Used in a closure that is not a goroutine (returned, stored, deferred): it may send or close later.
    if (ch.ops.some((o) => o.fn.id !== ch.home.id && !o.site)) continue;
    const recvs = ch.ops.filter((o) => o.kind === "recv" || o.kind === "range");
    for (const r of recvs) {
      if (!r.site || mayLeave(r, ctx.unit)) continue;
      // A function that never returns after starting the goroutine (a serve loop, a fatal exit)
      // keeps feeding it for the life of the process: nothing is left behind.
      if (r.site.home.id === ch.home.id && !cfgOf(ctx.unit, ch.home).firstEnd({ after: r.site.stmt }, { ends: ["return", "goroutine"] })) continue;
      if (r.kind === "range") checkRange(ctx, ch, r);
      else checkReceive(ctx, ch, r, recvs);
    }
  }
}

//	go func() {
//		for v := range ch { ... }      // no return or break inside: only close(ch) ends it
//	}()
function checkRange(ctx: RuleContext, ch: Channel, r: ChanOp): void {
  const { unit } = ctx;
  const loop = r.node;
  // A return or break in the body is another way out (a sentinel value, an error): stay silent.
  const site = r.site!;
  if (cfgOf(unit, site.lit).loopExits(loop).some((w) => w.type !== "range_clause")) return;
  const header = { start: loop.startIndex, end: loop.childForFieldName("body")?.startIndex ?? loop.endIndex };
  const via = r.id.text === ch.name ? "" : ` (passed in as ${r.id.text})`;
  ctx.report({
    span: { start: header.start, end: header.end - 1 },
    messageId: "range",
    data: { channel: `${ch.name}${via}`, go: line(unit, site.stmt) },
    related: [
      { ...spanOf(ch.make), message: `${ch.name} is made here and never closed` },
      { ...spanOf(site.stmt), message: "the goroutine starts here" },
    ],
    fix: closeFix(unit, ch, r),
  });
}

//	go func() {
//		v := <-ch                      // one receive, not in a select that can leave
//	}()
//	if err != nil { return err }       // a path that neither sends nor closes
//	ch <- v
//
//	go func() {
//		for { use(<-ch) }              // or any number of receives in an endless loop with no way out
//	}()
function checkReceive(ctx: RuleContext, ch: Channel, r: ChanOp, recvs: ChanOp[]): void {
  const { unit } = ctx;
  const site = r.site!;
  // One receiver, receiving once; everything else on the channel is the function's own sends.
  const sends = ch.ops.filter((o) => o.kind === "send");
  const loop = loopBetween(r.node, site.lit);
  if (loop) {
    // for { v := <-ch; ... } with no way out: it outlives whatever the function sends.
    const g = cfgOf(unit, site.lit);
    if (g.loop(loop)?.header !== false || g.loopExits(loop).length > 0 || !sends.every((s) => s.fn.id === ch.home.id)) return;
    ctx.report({
      span: spanOf(r.node),
      messageId: "loop",
      data: { channel: ch.name, loop: line(unit, loop), go: line(unit, site.stmt) },
      related: [
        { ...spanOf(ch.make), message: `${ch.name} is made here and never closed` },
        { ...spanOf(site.stmt), message: "the goroutine starts here" },
      ],
    });
    return;
  }
  if (recvs.length !== 1 || site.inLoop || site.home.id !== ch.home.id) return;
  if (!sends.every((s) => s.fn.id === ch.home.id && s.node.startIndex > site.stmt.endIndex)) return;
  const cfg = cfgOf(unit, ch.home);
  const avoid = (n: GoNode) => sends.some((s) => contains(n, s.id));
  const exit = cfg.firstEnd({ after: site.stmt }, { avoid })?.node;
  // Every way out that skips the send comes after a call that fails the test (t.Error, then return).
  const fails = (n: GoNode) => failsTest(n, unit);
  const mark =
    exit && !cfg.firstEnd({ after: site.stmt }, { avoid: (n) => avoid(n) || fails(n) })
      ? cfg.nodesOnPaths({ after: site.stmt }, fails, { avoid }).find((m) => cfg.firstEnd({ after: m }, { avoid }))
      : undefined;
  if (exit && mark) {
    ctx.report({
      span: spanOf(r.node),
      messageId: "failing",
      data: { why: `if the test fails on line ${line(unit, mark)}`, go: line(unit, site.stmt), channel: ch.name },
      related: [
        { ...spanOf(site.stmt), message: "the goroutine starts here" },
        { ...spanOf(mark), message: "this call fails the test" },
        { ...spanOf(cfg.firstEnd({ after: mark }, { avoid })!.node), message: `this way out neither sends on nor closes ${ch.name}` },
        ...sends.map((s) => ({ ...spanOf(s.node), message: "the send the receive waits for" })),
      ],
      severity: "warning",
      testBounded: true,
    });
    return;
  }
  if (!exit) {
    // Only a call that ends the function's goroutine (a failing test) leaves without sending.
    const fail = cfg.firstEnd({ after: site.stmt }, { avoid, ends: ["goroutine"] })?.node;
    if (!fail) return;
    const test = callEnd(fail, unit)?.test === true;
    const why = test ? `if the test fails on line ${line(unit, fail)}` : `if the goroutine ends on line ${line(unit, fail)}`;
    ctx.report({
      span: spanOf(r.node),
      messageId: "failing",
      data: { why, go: line(unit, site.stmt), channel: ch.name },
      related: [
        { ...spanOf(site.stmt), message: "the goroutine starts here" },
        { ...spanOf(fail), message: `this call ends the goroutine without sending on ${ch.name}` },
        ...sends.map((s) => ({ ...spanOf(s.node), message: "the send the receive waits for" })),
      ],
      severity: "warning",
      testBounded: test,
    });
    return;
  }
  ctx.report({
    span: spanOf(r.node),
    messageId: "once",
    data: { go: line(unit, site.stmt), exits: exit.type === "return_statement" ? "returns" : "ends", exit: line(unit, exit), channel: ch.name },
    related: [
      { ...spanOf(site.stmt), message: "the goroutine starts here" },
      { ...spanOf(exit), message: `this way out neither sends on nor closes ${ch.name}` },
      ...sends.map((s) => ({ ...spanOf(s.node), message: "the send the receive waits for" })),
      // A helper's receive, read through its summary (rules/facts/goroutines.ts, helperOp).
      ...(r.via ? r.via.effects.map((e) => ({ ...spanOf(e.node), ...(e.file.path === unit.file.path ? {} : { file: e.file }), message: `${r.via!.callee.name}() receives from it here` })) : []),
      // A `case <-bg.Done():` beside it that can never fire (shape 7).
      ...deadDone(unit, r),
    ],
  });
}

/** "this case never fires: context.Background() is never cancelled", for each such case of the receive's select. */
function deadDone(unit: Unit, r: ChanOp): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  for (const c of r.select?.namedChildren ?? []) {
    if (c?.type !== "communication_case" || contains(c, r.id)) continue;
    const d = deadContext(c, unit);
    const comm = c.childForFieldName("communication");
    if (d && comm) out.push({ ...spanOf(comm), message: `this case never fires: ${d.origin.text} is never cancelled; the caller's ${d.param.text} was at hand` });
  }
  return out;
}

/**
 * `close(ch)` right after the statement holding the function's last send, when every send is
 * the function's own and sits, after the goroutine is started, in the statement list that
 * declares the channel. A plain close, not a deferred one: a `wg.Wait()` after the sends
 * would otherwise still deadlock.
 */
function closeFix(unit: Unit, ch: Channel, r: ChanOp): Fix | undefined {
  const site = r.site!;
  let decl: GoNode = ch.make;
  while (decl.parent && decl.parent.type !== "statement_list") decl = decl.parent;
  const list = decl.parent;
  if (!list || enclosingFunction(decl)?.id !== ch.home.id) return undefined;
  const start = topIn(site.stmt, list);
  const sends = ch.ops.filter((o) => o.kind === "send");
  if (!start || sends.length === 0 || !sends.every((s) => s.fn.id === ch.home.id)) return undefined;
  const tops = sends.map((s) => topIn(s.node, list));
  if (tops.some((t) => !t || t.startIndex <= start.endIndex)) return undefined;
  const last = tops.reduce((a, b) => (b!.startIndex > a!.startIndex ? b : a))!;
  // An early return between the goroutine and the last send would skip the close: no suggestion.
  // Every path from the goroutine passes the last send's statement, and leaves it at its end.
  const cfg = cfgOf(unit, ch.home);
  if (cfg.firstEnd({ after: site.stmt }, { avoid: (n) => contains(last, n), ends: ["return", "goroutine"] })) return undefined;
  if (cfg.firstEnd({ at: last }, { avoid: (n) => n.startIndex >= last.endIndex, ends: ALL_ENDS })) return undefined;
  if (unit.file.lineOf(last.endIndex) - line(unit, r.node) > MAX_FIX_LINES) return undefined;
  // `close` and the channel's name must mean the same thing at the insertion point.
  if (unit.bindings.all.some((b) => b.name === "close" || (b.name === ch.name && b !== ch.binding && !contains(site.lit, b.id)))) return undefined;
  if (unit.file.decls.some((d) => d.names.includes("close"))) return undefined;
  const source = unit.file.source;
  let at = endOfLine(source, last.endIndex);
  if (source[at - 1] === "\n") at--;
  if (source[at - 1] === "\r") at--;
  const eol = source[at] === "\r" ? "\r\n" : "\n";
  return {
    description: `close ${ch.name} after the last send so the range ends`,
    edits: [{ start: at, end: at, text: `${eol}${indentAt(source, last.startIndex)}close(${ch.name})` }],
  };
}

/** The ancestor of `node` (or itself) that sits directly in `list`. */
function topIn(node: GoNode, list: GoNode): GoNode | null {
  for (let n: GoNode | null = node; n; n = n.parent) if (n.parent?.id === list.id) return n;
  return null;
}
