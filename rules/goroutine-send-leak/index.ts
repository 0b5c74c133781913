// goroutine-send-leak: goroutines send on a channel made in the function (unbuffered, or with a
// literal buffer smaller than the number of sends), and some way out of the function leaves
// before receiving what the buffer cannot hold.
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
import { callEnd, cfgOf, failsTest, type Cfg, type PathEnd } from "../facts/cfg.js";
import { channels, deadCase, mayLeave, type Channel, type ChanOp, type GoroutineSite } from "../facts/goroutines.js";
import { onceForProcess } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { contains, loopBetween, spanOf } from "../facts/syntax.js";
import { sendsPerRun, starts } from "./counts.js";
import { checkFieldSends, checkUnreceivedSends } from "./fields.js";
import { checkGroupStages } from "./group.js";
import { checkJoined } from "./joined.js";
import { checkLockedSends } from "./locked.js";
import { answerCases, literalAnswerer, type Answerer } from "./answers.js";
import { checkNamed } from "./named.js";
import { checkProducers } from "./producers.js";
import { uncancelledCase, uncancelledRelated } from "./uncancelled.js";
import { reportStranded, type StrandingContext } from "./stranded.js";
import { viaMessage } from "./via.js";
import { joinReceives } from "./waited.js";
import { checkUnshared } from "./unshared.js";

const rule: Rule = {
  meta: {
    id: "goroutine-send-leak",
    title: "Goroutine blocked forever on a send",
    severity: "error",
    fixable: true,
    summary: "a goroutine sends on an unbuffered (or too small) channel that the function can stop receiving from",
    why:
      "A send on an unbuffered channel parks the goroutine until another goroutine receives. " +
      "Once the function has left through a timeout, ctx.Done() or an early return, nobody will ever receive, " +
      "so the sender stays parked in chan send forever, and everything its closure references stays reachable with it.",
    docs: docsUrl("goroutine-send-leak"),
    messages: {
      leftUnbuffered: "{{channel}} is unbuffered: if {{way}}, {{goroutine}} started on line {{go}} blocks forever",
      leftSeveral: "{{channels}} are unbuffered: if {{way}}, {{goroutine}} started on line {{go}} blocks forever on its next send",
      leftBuffered: "{{channel}} has room for {{room}} of the {{total}} values sent to it: if {{way}}, {{goroutine}} started on line {{go}} blocks forever",
      leftNeverDone: "{{channel}} is unbuffered: if {{way}}, {{goroutine}} started on line {{go}} blocks forever: it selects on {{ctx}}.Done() of {{origin}}, which is never done",
      leftBufferedNeverDone: "{{channel}} has room for {{room}} of {{total}} sends: if {{way}}, {{goroutine}} (line {{go}}) blocks forever: {{ctx}}.Done() of {{origin}} is never done",
      fewReceives: "{{channel}} is received from only on {{at}}, but {{senders}}: {{consequence}}",
      fewReceivesBuffered: "{{channel}} has room for {{room}} of the {{total}} values sent to it and is received from only on {{at}}: {{consequence}}",
      earlyExit: "the {{jump}} on line {{exit}} stops receiving from {{channel}} early: {{consequence}}",
      failingUnbuffered: "{{channel}} is unbuffered: {{why}}, the sender on line {{send}} stays blocked forever",
      failingSeveral: "{{channels}} are unbuffered: {{why}}, the goroutine started on line {{go}} stays blocked forever on its next send",
      failingBuffered: "{{channel}} has room for {{room}} of the {{total}} values sent to it: {{why}}, the sender on line {{send}} stays blocked forever",
      failingLoop: "{{why}} inside the receive loop on line {{loop}}, {{senders}} on {{channel}} {{stay}} blocked forever",
      fieldAbandoned: "once {{receiver}} takes {{leave}}, nothing receives from {{field}}: the send in {{sender}} ({{at}}) blocks forever",
      fieldNeverReceived: "nothing in the package receives from {{field}}: the send in {{sender}} ({{at}}) blocks forever",
      fieldNeverReceivedBuffered: "nothing in the package receives from {{field}}: once its buffer is full, the send in {{sender}} ({{at}}) blocks forever",
      fieldSendUnreceivedBuffered: "nothing in the package receives from {{field}}: once its buffer is full, this send blocks forever",
      fieldSendUnreceived: "nothing in the package receives from {{field}}: this send blocks forever",
      unshared: "nothing can receive from {{channel}} yet: this send blocks forever",
      namedNeverDone: "{{channel}} is unbuffered: if {{way}}, {{callee}} started on line {{go}} blocks forever on its send ({{at}}): its ctx, {{ctx}}, is never done",
      namedSender: "{{channel}} is unbuffered: if {{way}}, {{callee}} started on line {{go}} blocks forever on its send ({{at}})",
      namedSeveral: "{{channels}} are unbuffered: if {{way}}, {{callee}} started on line {{go}} blocks forever on its next send ({{at}})",
      producerDropped: "the channel {{callee}} returns is dropped: its goroutine blocks forever on the send at {{at}}",
      joinedDeadlock: "{{wait}} on line {{line}} waits for the goroutine started on line {{go}}, blocked sending on {{channel}}: {{ctx}} is cancelled only after the wait",
      producerLeft: "this {{jump}} stops reading the channel {{callee}} returns: its goroutine blocks forever on the send at {{at}}",
      lockedSend: "{{field}} is sent on with {{lock}} held, and {{receiver}} takes it after each receive ({{at}}): a second sender deadlocks with the receiver",
      groupStranded: "{{channel}} is unbuffered: once the reader started on line {{reader}} takes the {{jump}} on line {{exit}}, this send blocks forever and {{wait}} never returns",
    },
  },
  kinds: ["func", "method"],
  // A goroutine started from a named function or method may send on a channel field declared in another file.
  appliesTo: (file) => /\bgo\s+[\w.(]|\.Go\(\s*func\b|<-/.test(file.source),
  check,
};
export default rule;

const line = (unit: Unit, n: GoNode | { startIndex: number }) => unit.file.lineOf(n.startIndex);

/**
 * The channel is made once per process by `main` or a CLI command's run function, in its own body
 * (onceForProcess: in no loop, no per-event literal), and the function's return ends the process:
 * a sender it leaves blocked on its way out, or after its one receive, dies with the process (a
 * one-shot command that waits for a child process's first answer). A function only a command
 * calls counts too: it leaves one blocked sender per process at most. A function only `main`
 * calls (`once`) does not: the process goes on after it returns. A deadlock of the function
 * itself (a send nobody can receive, a wait on a blocked sender) is still reported.
 */
function endsWithProcess(unit: Unit, ch: Channel): boolean {
  if (ch.home.id !== unit.node.id) return false;
  const entry = onceForProcess(unit, ch.make);
  return entry === "main" || entry === "command";
}

function check(ctx: RuleContext): void {
  if (ctx.file.source.includes("chan")) {
    // One comment per stranded goroutine: findings of several channels for one `go` statement merge.
    reportStranded(ctx, (sctx) => {
      for (const ch of channels(ctx.unit)) {
        if (ch.buffer === null || checkUnshared(ctx, ch) || checkGroupStages(ctx, ch) || checkJoined(ctx, ch)) continue;
        // A sender left blocked when the process ends with the function is no leak. Asked only
        // for a finding: it may read the package's other files (which the App then fetches).
        const live: StrandingContext = { ...sctx, report: (d, s) => void (endsWithProcess(ctx.unit, ch) || sctx.report(d, s)) };
        if (checkNamed(live, ch, (exit) => wayOut(ctx.unit, exit, ch.ops.filter((o) => o.kind === "recv")))) continue;
        checkChannel(live, ch, ch.buffer);
      }
    });
  }
  checkFieldSends(ctx);
  checkUnreceivedSends(ctx);
  checkProducers(ctx);
  checkLockedSends(ctx);
}

function checkChannel(ctx: StrandingContext, ch: Channel, room: number): void {
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
    const blocking = own.filter((s) => !mayLeave(s, unit));
    if (blocking.length === 0) continue; // every send sits in a select that can give up
    // Some sends can give up, others cannot (an error path that sends bare and returns): the bare
    // ones alone block when the receiver has gone.
    const n = sendsPerRun(site, blocking, unit);
    senders.push(site);
    total += n * starts(site, unit, ch.make);
    perRun = n;
  }
  if (senders.length === 0) return;
  // A select whose other cases are all the senders' other answers leaves nobody waiting on ch, when
  // ch is sent on once: a second value (a sender in a loop, several senders) is the receive count's
  // business below, where those answer cases still count as receives.
  const answerers = senders.map((s) => literalAnswerer(unit, s));
  if (total <= 1 && answersElsewhere(unit, ch, recvs, answerers)) return;
  // A buffer takes `room` sends off the receivers' hands; only a known surplus can block.
  const owed = total - room;
  if (room > 0 && !(Number.isFinite(total) && owed > 0)) return;
  const cfg = cfgOf(unit, home);
  // A receive frees a slot for a later sender: only values still unreceived at some end can fill it.
  // Then only (c) remains: a receive loop left in its first round while two or more values more
  // than the buffer holds are sent (`make(chan T, chanSize)`, chanSize+2 sends, a return in the range).
  const fits = room > 0 && !iterationScope(ch) && leftOver(cfg, ch, senders, sends, unit) <= room;
  if (fits && !(Number.isFinite(owed) && owed >= 2)) return;
  const size = Number.isFinite(total) ? String(total) : senders.length === 1 && perRun === 1 ? rangeLen(senders[0]!, unit) : undefined;
  // With several senders, a receive loop counts as receiving them all (its early exits are
  // judged below): its header is not "a path that skips the receive" when it runs zero times.
  // A case of the same select that takes the sender's other answer (resc/errc) is no way out either.
  const answers = answerCases(unit, ch, recvs, answerers);
  // A receive from a done channel closed after wg.Wait() on the senders' WaitGroup: all have returned.
  const joins = joinReceives(unit, ch, senders);
  const touches = (n: GoNode) =>
    recvs.some((r) => contains(n, r.id)) ||
    joins.some((j) => contains(n, j)) ||
    answers.some((a) => a.id === n.id) ||
    (total > 1 && recvs.some((r) => { const loop = loopOfHeader(n); return !!loop && contains(loop, r.id); }));
  // Only the sends that cannot give up block: a select send with another way out is not one of them.
  const related: RelatedLocation[] = sends.filter((s) => !mayLeave(s, unit)).map((s) => ({ ...spanOf(s.node), message: s.via ? viaMessage(s.via) : "this send blocks until someone receives" }));

  // (a) A way out of the function that never receives; for a channel made in a loop body, also
  // the end of that iteration (the next one makes a new channel).
  const scope = iterationScope(ch);
  const fails = (n: GoNode) => failsTest(n, unit);
  let failed: { site: GoroutineSite; mark: GoNode; exit: GoNode } | undefined;
  for (const site of fits ? [] : senders) {
    const end = cfg.firstEnd({ after: site.stmt }, { avoid: touches, scope });
    if (!end) continue;
    // Every such way out comes after a call that fails the test (t.Error, then return): a failing test's leak.
    const passing = cfg.firstEnd({ after: site.stmt }, { avoid: (n) => touches(n) || fails(n), scope });
    if (!passing) {
      let found: typeof failed;
      for (const mark of cfg.nodesOnPaths({ after: site.stmt }, fails, { avoid: touches, scope })) {
        const exit = cfg.firstEnd({ after: mark }, { avoid: touches, scope })?.node;
        if (exit) {
          found = { site, mark, exit };
          break;
        }
      }
      failed ??= found;
      if (found) continue;
    }
    // Name a way out that a passing test (or any run) takes, not one behind a failure.
    const exit = (passing ?? end).node;
    const way = wayOut(unit, exit, recvs, scope);
    const never = uncancelledCase(sends, unit);
    ctx.report({
      span: spanOf(ch.make),
      messageId: never ? (room > 0 ? "leftBufferedNeverDone" : "leftNeverDone") : room > 0 ? "leftBuffered" : "leftUnbuffered",
      data: { channel: ch.name, room, total, way, goroutine: senders.length === 1 && starts(site, unit, ch.make) === 1 ? "the goroutine" : "a goroutine", go: line(unit, site.stmt), ctx: never?.dead.name ?? "", origin: never?.dead.origin.text ?? "" },
      related: [...related, { ...spanOf(exit), message: "this way out skips the receive" }, ...(never ? uncancelledRelated(never) : [])],
      fix: bufferFix(ch, size),
    }, { go: site.stmt, make: ch.make, channel: ch.name, buffer: size, scope });
    return;
  }
  // (a') The same after a call that fails the test and lets it go on to a way out.
  if (failed) {
    const { site, mark, exit } = failed;
    ctx.report({
      span: spanOf(ch.make),
      messageId: room > 0 ? "failingBuffered" : "failingUnbuffered",
      data: { channel: ch.name, room, total, why: `if the test fails on line ${line(unit, mark)}`, send: line(unit, (sends.find((o) => o.site === site) ?? sends[0]!).node) },
      related: [...related, { ...spanOf(mark), message: "this call fails the test" }, { ...spanOf(exit), message: "this way out skips the receive" }],
      fix: bufferFix(ch, size),
      severity: "warning",
      testBounded: true,
    }, { go: site.stmt, make: ch.make, channel: ch.name, buffer: size, scope });
    return;
  }
  // (a'') The same, through a call that ends only the function's goroutine: a failing test.
  for (const site of fits ? [] : senders) {
    const end = cfg.firstEnd({ after: site.stmt }, { avoid: touches, ends: ["goroutine"] });
    if (!end) continue;
    const never = uncancelledCase(sends, unit);
    ctx.report({
      span: spanOf(ch.make),
      messageId: room > 0 ? "failingBuffered" : "failingUnbuffered",
      data: { channel: ch.name, room, total, why: failing(unit, end), send: line(unit, (sends.find((o) => o.site === site) ?? sends[0]!).node) },
      related: [...related, { ...spanOf(end.node), message: "this call ends the goroutine without receiving" }, ...(never ? uncancelledRelated(never) : [])],
      fix: bufferFix(ch, size),
      severity: "warning",
      testBounded: callEnd(end.node, unit)?.test === true,
    }, { go: site.stmt, make: ch.make, channel: ch.name, buffer: size, scope });
    return;
  }
  if (owed < 2) return;
  const loops = recvs.map((r) => (r.kind === "range" ? r.node : loopBetween(r.node, home))).filter((l): l is GoNode => !!l);
  const first = senders[0]!;
  const senderCount = Number.isFinite(total)
    ? `${total} values are sent to it`
    : senders.length === 1 && Number.isFinite(starts(first, unit, ch.make))
      ? `the goroutine started on line ${line(unit, first.stmt)} sends on it in a loop`
      : `goroutines started in a loop on line ${line(unit, first.stmt)} send on it`;
  const oneSender = senders.length === 1 && starts(first, unit, ch.make) === 1;
  // (b) Many sends, one receive: the first sender wins, the others wait forever.
  // With an unknown number of senders, only a single receive is surely too few.
  if (!fits && recvs.length > 0 && loops.length === 0 && (Number.isFinite(owed) ? recvs.length < owed : recvs.length === 1)) {
    const lines = [...new Set(recvs.map((r) => line(unit, r.node)))];
    const at = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.slice(0, -1).join(", ")} and ${lines[lines.length - 1]}`;
    const consequence = oneSender ? "it blocks forever on its next send" : recvs.length === 1 && room === 0 ? "every other sender blocks forever" : "the senders left over block forever";
    ctx.report({
      span: spanOf(ch.make),
      messageId: room > 0 ? "fewReceivesBuffered" : "fewReceives",
      data: { channel: ch.name, room, total, at, senders: senderCount, consequence },
      related,
      fix: bufferFix(ch, size),
    });
    return;
  }
  // (c) A receive loop with a header, left early by return or break while senders remain.
  // A buffered channel: the loop may be left after its first receive, so more than room+1 values must be sent.
  const roomLeft = room === 0 || (Number.isFinite(owed) && owed >= 2);
  for (const loop of loops) {
    if (!roomLeft || !cfg.loop(loop)?.header || senders.some((s) => contains(loop, s.stmt))) continue;
    const early = earlyExit(cfg, loop, touches, scope);
    if (!early) continue;
    const mark = failedBefore(early, unit);
    if (mark) {
      ctx.report({
        span: spanOf(ch.make),
        messageId: "failingLoop",
        data: { why: `if the test fails on line ${line(unit, mark)}`, loop: line(unit, loop), senders: oneSender ? "the goroutine" : "the senders still waiting", channel: ch.name, stay: oneSender ? "stays" : "stay" },
        related: [...related, { ...spanOf(mark), message: "this call fails the test" }, { ...spanOf(early), message: "this leaves the receive loop before every value is received" }],
        fix: bufferFix(ch, size),
        severity: "warning",
        testBounded: true,
      });
      return;
    }
    ctx.report({
      span: spanOf(ch.make),
      messageId: "earlyExit",
      data: {
        jump: early.type === "return_statement" ? "return" : "break",
        exit: line(unit, early),
        channel: ch.name,
        consequence: oneSender ? `the goroutine started on line ${line(unit, first.stmt)} blocks forever on its next send` : "the senders still waiting block forever",
      },
      related: [...related, { ...spanOf(early), message: "this leaves the receive loop before every value is received" }],
      fix: bufferFix(ch, size),
    });
    return;
  }
  // (c') The same loop left by a call that ends only the function's goroutine: a failing test.
  for (const loop of loops) {
    if (!roomLeft || !cfg.loop(loop)?.header || senders.some((s) => contains(loop, s.stmt))) continue;
    const fail = cfg.loopExits(loop, { ends: ["goroutine"] }).find((n) => callEnd(n, unit)?.kind === "goroutine");
    if (!fail) continue;
    ctx.report({
      span: spanOf(ch.make),
      messageId: "failingLoop",
      data: { why: failing(unit, { node: fail, kind: "goroutine" }), loop: line(unit, loop), senders: oneSender ? "the goroutine" : "the senders still waiting", channel: ch.name, stay: oneSender ? "stays" : "stay" },
      related: [...related, { ...spanOf(fail), message: "this call ends the goroutine before every value is received" }],
      fix: bufferFix(ch, size),
      severity: "warning",
      testBounded: callEnd(fail, unit)?.test === true,
    });
    return;
  }
}

//	go func() {
//		if err != nil { errc <- err; return }
//		resc <- r
//	}()
//	select {
//	case r := <-resc:
//	case err := <-errc:                // the same goroutine answers here instead: no leak
//	}
//
// Only when every other case of that select is such an answer (answers.ts: the goroutine can no
// longer send on the channel once it has answered there) or can never fire: a
// `case <-ctx.Done():` next to them still leaves with the sender parked.
function answersElsewhere(unit: Unit, ch: Channel, recvs: ChanOp[], senders: Answerer[]): boolean {
  const answers = new Set(answerCases(unit, ch, recvs, senders).map((a) => a.id));
  if (answers.size === 0) return false;
  for (const r of recvs) {
    for (const c of r.select?.namedChildren ?? []) {
      if (!c || c.type === "comment") continue;
      if (c.type === "default_case") return false;
      const comm = c.type === "communication_case" ? c.childForFieldName("communication") : null;
      if (!comm || contains(comm, r.id) || answers.has(comm.id)) continue;
      if (!deadCase(c, unit)) return false;
    }
  }
  return true;
}

//	for {
//		ch := make(chan T)             // the statement list that declares the channel, when it
//		...                            // is not the function's body
/** The statement list that declares the channel, when it sits inside a loop of its function. */
function iterationScope(ch: Channel): GoNode | undefined {
  let list: GoNode | null = ch.binding.decl.parent;
  while (list && list.type !== "statement_list") list = list.parent;
  return list && loopBetween(list, ch.home) ? list : undefined;
}

/** "the select on line 18 takes <-ctx.Done()" or "the function returns on line 20 without receiving". */
function wayOut(unit: Unit, exit: GoNode, recvs: ChanOp[], scope?: GoNode): string {
  for (let p = exit.parent; p && p.type !== "func_literal"; p = p.parent) {
    if ((p.type !== "communication_case" && p.type !== "default_case") || p.parent?.type !== "select_statement") continue;
    const select = p.parent;
    if (!recvs.some((r) => contains(select, r.id))) continue;
    const how = p.type === "default_case" ? "default" : (p.childForFieldName("communication")?.text ?? "another case");
    return `the select on line ${line(unit, select)} takes ${how}`;
  }
  if (scope && exit.type !== "return_statement" && contains(scope.parent ?? scope, exit)) {
    return `the iteration that made it ends on line ${line(unit, exit)} without receiving`;
  }
  return exit.type === "return_statement"
    ? `the function returns on line ${line(unit, exit)} without receiving`
    : `the function ends on line ${line(unit, exit)} without receiving`;
}

/** A return inside the loop, or a break out of it followed by a path that receives no more. */
function earlyExit(cfg: Cfg, loop: GoNode, touches: (n: GoNode) => boolean, scope: GoNode | undefined): GoNode | null {
  for (const j of cfg.loopExits(loop, { ends: ["return"] })) {
    if (j.type === "return_statement") return j;
    if (j.type !== "break_statement") continue;
    const from = loop.parent?.type === "labeled_statement" ? loop.parent : loop;
    if (cfg.firstEnd({ after: from }, { avoid: touches, scope })) return j;
  }
  return null;
}

//	if err := <-errc; err != nil {
//		t.Error(err)                   // returned: the statement before the jump that fails the test
//		return
//	}
/** A statement before `jump` in its own statement list that fails the test and goes on (t.Error, assert.Fail). */
function failedBefore(jump: GoNode, unit: Unit): GoNode | undefined {
  for (let p = jump.previousNamedSibling; p; p = p.previousNamedSibling) if (failsTest(p, unit)) return p;
  return undefined;
}

/** The loop whose header (condition, clauses or range) this node is. */
function loopOfHeader(n: GoNode): GoNode | undefined {
  const p = n.parent?.type === "for_clause" ? n.parent.parent : n.parent;
  return p?.type === "for_statement" && n.type !== "block" ? p : undefined;
}

/**
 * The most values still unreceived when the function ends, along its paths: each `go` statement
 * of a sender adds what one run sends, each receive takes one, a range takes all.
 */
function leftOver(cfg: Cfg, ch: Channel, senders: GoroutineSite[], sends: ChanOp[], unit: Unit): number {
  const per = new Map(senders.map((s) => [s.stmt.id, sendsPerRun(s, sends.filter((o) => o.site === s), unit)]));
  const recvs = ch.ops.filter((o) => o.kind === "recv" || o.kind === "range");
  const cap = (ch.buffer ?? 0) + 1;
  const { value } = cfg.maxAtEnd((n) => {
    const sent = per.get(n.id);
    if (sent !== undefined) return sent;
    if (recvs.some((r) => r.kind === "range" && contains(n, r.id))) return -cap;
    return -recvs.filter((r) => r.kind === "recv" && contains(n, r.id)).length;
  }, cap);
  return value;
}

/** "if the test fails on line 27" (t.Fatal, require.*), else "if the goroutine ends on line 27" (runtime.Goexit). */
function failing(unit: Unit, end: PathEnd): string {
  const how = callEnd(end.node, unit);
  return how?.test ? `if the test fails on line ${line(unit, end.node)}` : `if the goroutine ends on line ${line(unit, end.node)}`;
}

/** `make(chan T)` → `make(chan T, n)` (also `make(chan T, 0)`), when the number of sends is known. */
function bufferFix(ch: Channel, size: string | undefined): Fix | undefined {
  const args = ch.make.childForFieldName("arguments");
  if (!size || !args || args.text.includes("\n") || args.text.replace(/\s+/g, "").endsWith(",)")) return undefined;
  const list = args.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment");
  // A size spelled as a constant (`chanSize`) is the author's to change, not ours to overwrite with a number.
  if (list[1] && list[1].type !== "int_literal") return undefined;
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
