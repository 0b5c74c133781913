// ticker-not-stopped: a ticker or timer that nothing stops while the function that made it can
// end, on a Go version whose runtime keeps unstopped timers alive (before 1.23).
//
//	t := time.NewTicker(d)            // no t.Stop(); t not returned, passed on or stored
//	for {
//		select {
//		case <-t.C:
//		case <-ctx.Done():
//			return                    // the ticker keeps firing forever
//		}
//	}
//
//	for range time.Tick(d) {          // time.Tick in a function that does not run once per process
//		if done() {
//			return
//		}
//	}
//
//	t := time.NewTicker(d)            // each call leaves a goroutine and a ticker running
//	go func() {
//		for range t.C {
//			s.compact()
//		}
//	}()
import type { GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { closureCalls } from "../facts/calls.js";
import { ALL_ENDS, cfgAt, type Cfg, type PathOptions } from "../facts/cfg.js";
import { onceForProcess, processEntry, startedForProcessLife } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { contains, descendantsInFunction, enclosingFunction, endOfLine, indentAt, loopAround, spanOf, statementOf, unparen } from "../facts/syntax.js";
import { importsTime, literalDuration, timeCalls, timerEra, type TimerEra } from "../facts/timers.js";
import { isChannelOf } from "./channel.js";
import { closureRunsInGoroutine, handedToGoroutine } from "./handoff.js";

const rule: Rule = {
  meta: {
    id: "ticker-not-stopped",
    title: "Ticker or timer never stopped",
    severity: "warning",
    fixable: true,
    summary: "a time.NewTicker/NewTimer that is never stopped, or time.Tick outside main and init, before Go 1.23",
    why:
      "Before Go 1.23 a started ticker sits in the runtime's timer heap until Stop is called, so an unstopped " +
      "ticker is never collected and keeps waking the runtime to send into a channel nobody reads; a timer stays " +
      "there until it fires. time.Tick gives no way to call Stop at all.",
    docs: docsUrl("ticker-not-stopped"),
    messages: {
      tickInLoop: "time.Tick can make a new ticker each time round the loop on line {{loop}}; none can be stopped, so they pile up and keep firing",
      tickReturned: "the ticker of time.Tick can never be stopped, and its channel is returned on line {{exit}}: it fires forever once the caller stops reading",
      tickLeft: "the ticker of time.Tick can never be stopped: after {{where}} it keeps firing into a channel nobody reads",
      goroutine: "{{what}} is never stopped: after the goroutine started on line {{go}} returns on line {{exit}}, it {{consequence}}",
      abandoned: "{{what}} is never stopped, and the goroutine started on line {{go}} that reads it never ends",
      inLoop: "{{what}} can be made each time round the loop on line {{loop}} and is never stopped: each one keeps firing forever",
      notStopped: "{{what}} is never stopped: after {{where}} it {{consequence}}",
    },
    // A pending timer in a test dies with the test binary, and goleak does not see timers.
    testFilesBounded: true,
  },
  kinds: ["func", "method"],
  appliesTo: importsTime,
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const era = timerEra(ctx.file);
  if (era.collected) return;
  for (const { call, name } of timeCalls(ctx.unit)) {
    if (name === "Tick") checkTick(ctx, call, era);
    else if (name === "NewTicker" || name === "NewTimer") checkNew(ctx, call, name === "NewTicker", era);
  }
}

const line = (ctx: RuleContext, n: GoNode) => ctx.file.lineOf(n.startIndex);
const where = (ctx: RuleContext, exit: GoNode) =>
  exit.type === "return_statement" ? `the return on line ${line(ctx, exit)}` : `the end of the function on line ${line(ctx, exit)}`;

function checkTick(ctx: RuleContext, call: GoNode, era: TimerEra): void {
  const { unit } = ctx;
  const loop = loopAround(call);
  if (loop) {
    ctx.report({
      span: spanOf(call),
      messageId: "tickInLoop",
      data: { loop: line(ctx, loop) },
      related: [{ ...spanOf(loop), message: "this loop makes a new ticker each time round" }],
      severity: era.severity,
    });
    return;
  }
  // Made once per process (main, init, a CLI command's run function, a function only they call,
  // outside loops and per-event literals): one ticker, bounded by the process's life.
  if (onceForProcess(unit, call)) return;
  const stmt = statementOf(call);
  if (!stmt) return;
  const inner = stmt.type === "labeled_statement" ? stmt.namedChildren.find((c) => c?.type !== "label_name") ?? stmt : stmt;
  const holder = varOf(call, unit);
  // `c := time.Tick(d); go func() { for range c { ... } }()` (or handed to pool.Go(func(){...}), or
  // read in a closure such a literal calls): the channel is handed to a goroutine that serves it
  // for as long as it runs, not left unread.
  if (holder && holder.uses.some((u) => handedToGoroutine(u, enclosingFunction(stmt), unit))) return;
  const overTick = (e: GoNode) => e.id === unparen(call).id || (!!holder && e.type === "identifier" && unit.bindings.resolve(e) === holder);
  // A range over the ticker's channel never ends: its loop is left only by a jump.
  const cfg = cfgAt(unit, stmt);
  // `for range time.Tick(d) { ... }`: leaves only through a return or a break.
  const ranged = inner.type === "for_statement" && inner.namedChildren.some((c) => c?.type === "range_clause" && c.startIndex <= call.startIndex && call.endIndex <= c.endIndex);
  const from = ranged ? { at: inner } : { after: stmt };
  const exit = inner.type === "return_statement" ? inner : cfg?.firstEnd(from, { endlessRange: overTick })?.node;
  // The function never ends: the channel of time.Tick serves its reader for as long as that reader
  // runs (staticcheck's SA1015 leaves `go func() { for range time.Tick(d) { ... } }()` alone too);
  // whether such a goroutine should end is goroutine-no-exit's question, not this rule's.
  if (!exit) return;
  const returned = exit.startIndex <= call.startIndex && call.endIndex <= exit.endIndex;
  ctx.report({
    span: spanOf(call),
    ...(returned ? { messageId: "tickReturned", data: { exit: line(ctx, exit) } } : { messageId: "tickLeft", data: { where: where(ctx, exit) } }),
    related: [{ ...spanOf(exit), message: "the function ends here with the ticker still running" }],
    severity: era.severity,
  });
}

/** The binding `c` of `c := time.Tick(d)` / `var c = time.Tick(d)`, when the call is all of the value. */
function varOf(call: GoNode, unit: Unit) {
  const id = created(call)?.id;
  return id ? unit.bindings.declaredBy(id) : undefined;
}

/** `t := time.NewTicker(d)` or `var t = time.NewTicker(d)`: the statement and the declared name. */
function created(call: GoNode): { stmt: GoNode; id: GoNode } | null {
  let node = call;
  while (node.parent?.type === "parenthesized_expression") node = node.parent;
  const list = node.parent;
  if (list?.type !== "expression_list" || list.namedChildCount !== 1) return null;
  const holder = list.parent;
  const names =
    holder?.type === "short_var_declaration" && holder.childForFieldName("right")?.id === list.id
      ? holder.childForFieldName("left")!.namedChildren
      : holder?.type === "var_spec" && holder.childForFieldName("value")?.id === list.id
        ? holder.childrenForFieldName("name")
        : [];
  if (names.length !== 1 || names[0]?.type !== "identifier") return null;
  const stmt = holder!.type === "var_spec" ? (holder!.parent?.type === "var_declaration" ? holder!.parent : null) : holder!;
  return stmt?.parent?.type === "statement_list" ? { stmt, id: names[0] } : null;
}

type Use = "stop" | "ok" | "ok-reset" | "escape";

/** What one mention of the ticker does: t.Stop, t.Reset(...), <-t.C and range t.C are local; anything else lets it escape. */
function useOf(u: GoNode): Use {
  const sel = u.parent;
  if (sel?.type !== "selector_expression" || sel.childForFieldName("operand")?.id !== u.id) return "escape";
  const field = sel.childForFieldName("field")?.text;
  const up = sel.parent;
  if (field === "Stop") return "stop";
  if (field === "Reset") return up?.type === "call_expression" ? "ok-reset" : "escape";
  if (field !== "C" || !up) return "escape";
  if (up.type === "unary_expression" && up.childForFieldName("operator")?.type === "<-") return "ok";
  return up.type === "range_clause" && up.childForFieldName("right")?.id === sel.id ? "ok" : "escape";
}

function checkNew(ctx: RuleContext, call: GoNode, ticker: boolean, era: TimerEra): void {
  const { unit } = ctx;
  const made = created(call);
  const binding = made && unit.bindings.declaredBy(made.id);
  if (!made || !binding) return; // stored in a field, returned, passed on: someone else owns it
  const kinds = binding.uses.map(useOf);
  if (kinds.includes("escape")) return; // stored, returned, passed on: someone else owns it
  const stops = binding.uses.filter((u) => useOf(u) === "stop");
  // Stopped on some path: silent, unless one goroutine owns it and returns without the Stop (below).
  if (stops.length > 0 && !goroutineOwned(binding.uses, made.stmt, unit)) return;
  // Made once per process (main, init, a CLI command's run function, a function only they call,
  // outside loops and per-event literals): one ticker or timer, bounded by the process's life,
  // whoever reads it and whenever they stop.
  if (onceForProcess(unit, made.stmt)) return;
  // `time.NewTimer(0)` never Reset fires at once: nothing is left in the timer heap to release.
  if (!ticker && !kinds.includes("ok-reset") && isZero(call)) return;
  if (!ticker && boundedTimer(call, binding.uses, made.stmt, unit)) return;
  const kind = ticker ? "ticker" : "timer";
  const what = binding.name === kind ? kind : `${kind} ${binding.name}`;
  const fn = enclosingFunction(made.stmt);
  // Used by a closure that a goroutine of the function calls: it lives on in that goroutine.
  if (binding.uses.some((u) => closureRunsInGoroutine(u, fn, unit))) return;
  // A closure the function only calls (`commit := func() { t.Reset(d) }`) uses it on the function's behalf.
  const owners = new Map(binding.uses.map((u) => [ownerOf(u, fn, unit)?.id, u] as const));
  const overC = (e: GoNode) => isChannelOf(e, unit, made.id);
  // A timer whose channel was received from has fired: nothing is left to release.
  const fired = (n: GoNode) => receivesFrom(n, overC, unit);
  const paths: PathOptions = ticker ? { endlessRange: overC } : { avoid: fired };
  const consequence = ticker ? "keeps firing forever" : "stays in the runtime's timer heap until it fires";
  const abandoned = (go: GoNode) =>
    ctx.report({ span: spanOf(made.stmt), messageId: "abandoned", data: { what, go: line(ctx, go) }, related: [goRelated(go)], severity: era.severity });

  if (owners.size === 1 && !owners.has(fn?.id)) {
    // Used only inside one `go func() { ... }()`: the goroutine owns it, and leaks it when it returns.
    const lit = ownerOf(owners.values().next().value!, fn, unit)!;
    const go = goStatementOf(lit);
    if (!go || enclosingFunction(lit)?.id !== fn?.id) return;
    const cfg = cfgAt(unit, lit)!;
    // For a ticker, only a return (a loop we cannot bound may fall off the end); a timer left unfired.
    // A return reached without passing the goroutine's Stop (`case <-quit: t.Stop(); return` that its
    // other returns, which close quit themselves, never reach) leaves the ticker running.
    const stopped = (n: GoNode) => stops.some((u) => contains(n, u));
    const exit = ticker ? firstReturn(cfg, overC, stopped) : cfg.firstEnd({ entry: true }, { ...paths, avoid: (n) => stopped(n) || fired(n) })?.node;
    if (exit) {
      ctx.report({
        span: spanOf(made.stmt),
        messageId: "goroutine",
        data: { what, go: line(ctx, go), exit: line(ctx, exit), consequence },
        related: [{ ...spanOf(exit), message: `the goroutine ends here with the ${kind} still running` }],
        severity: era.severity,
      });
    } else if (stops.length === 0 && neverEnds(cfg, { entry: true }, overC) && !startedForProcessLife(unit, go)) abandoned(go);
    return;
  }
  if (owners.size > 1 || (owners.size === 1 && !owners.has(fn?.id))) return;

  const loop = loopAround(made.stmt);
  const cfg = cfgAt(unit, made.stmt)!;
  // Returning from main, or from a CLI command's run function, ends the process.
  const entry = processEntry(unit);
  const exit = (entry === "main" || entry === "command") && fn?.id === unit.node.id ? null : cfg.firstEnd({ after: made.stmt }, paths)?.node;
  // Made again when the loop can go round after it (not when a range over its channel never ends).
  const iterates = ticker && !!loop && cfg.repeats(loop, { after: made.stmt }, { endlessRange: overC });
  if (!exit && !iterates) {
    // Made in a goroutine that never ends, started and abandoned by a function called again and again.
    const go = goStatementOf(fn);
    if (go && neverEnds(cfg, { after: made.stmt }, overC) && !startedForProcessLife(unit, go)) abandoned(go);
    return;
  }
  // A ticker made again each time round piles up; a timer (or a ticker whose iteration never
  // completes) leaks on the path to the exit: rounds that receive from a timer leave nothing behind.
  const again = iterates ? loop : null;
  ctx.report({
    span: spanOf(made.stmt),
    ...(again || !exit
      ? { messageId: "inLoop", data: { what, loop: line(ctx, loop!) } }
      : { messageId: "notStopped", data: { what, where: where(ctx, exit), consequence } }),
    related: [...(again ? [{ ...spanOf(again), message: "the loop that makes it again" }] : []), ...(exit ? [{ ...spanOf(exit), message: `the function ends here with the ${ticker ? "ticker" : "timer"} still running` }] : [])],
    fix: loop ? undefined : deferStop(unit, made.stmt, binding.name),
    severity: era.severity,
  });
}

/** The longest delay, in nanoseconds, of a timer left pending that is not worth a comment. */
const SHORT_TIMER_NS = 5e9;

/**
 * A timer that a call can leave pending only briefly:
 * - re-armed: a `t.Reset(d)` in a loop that does not make it again (or in a closure, a callback
 *   run per event), so it is one timer per call, pending at most one period after the loop ends
 *   (a fingerprint, stats or retry loop);
 * - every delay it is given (`NewTimer(d)` and each `Reset(d)`) is a literal of at most 5 s (or a
 *   constant or a local set only from such literals, as afterfunc-untracked reads them).
 */
function boundedTimer(call: GoNode, uses: readonly GoNode[], made: GoNode, unit: Unit): boolean {
  const resets = uses.filter((u) => useOf(u) === "ok-reset").map((u) => u.parent!.parent!);
  if (resets.some((r) => rearmed(r, made))) return true;
  return [call, ...resets].every((c) => {
    const args = c.childForFieldName("arguments")?.namedChildren.filter((a) => a?.type !== "comment") ?? [];
    const ns = args.length === 1 && args[0] ? literalDuration(unparen(args[0]), unit) : null;
    return ns !== null && ns <= SHORT_TIMER_NS;
  });
}

/** The Reset call runs again and again after the timer is made: in a loop around it that does not make the timer, or in a closure. */
function rearmed(reset: GoNode, made: GoNode): boolean {
  const maker = enclosingFunction(made);
  for (let n: GoNode = reset; ; ) {
    for (let l = loopAround(n); l; l = loopAround(l)) if (!(l.startIndex <= made.startIndex && made.endIndex <= l.endIndex)) return true;
    const f = enclosingFunction(n);
    if (!f || f.id === maker?.id || f.type !== "func_literal") return false;
    let lit: GoNode = f;
    while (lit.parent?.type === "parenthesized_expression") lit = lit.parent;
    // `func() { ... }()` runs once, where it stands; any other closure is a callback run per event.
    if (!(lit.parent?.type === "call_expression" && lit.parent.childForFieldName("function")?.id === lit.id && lit.parent.parent?.type !== "go_statement")) return true;
    n = f;
  }
}

/** `time.NewTimer(0)`: a literal zero delay. */
function isZero(call: GoNode): boolean {
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a?.type !== "comment") ?? [];
  const d = args.length === 1 && args[0] ? unparen(args[0]) : null;
  return d?.type === "int_literal" && Number(d.text.replace(/_/g, "")) === 0;
}

/** The `go` statement that starts the func literal `fn` (`go func() { ... }()`), or null. */
function goStatementOf(fn: GoNode | null | undefined): GoNode | null {
  if (fn?.type !== "func_literal") return null;
  let n = fn;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const call = n.parent;
  return call?.type === "call_expression" && call.childForFieldName("function")?.id === n.id && call.parent?.type === "go_statement" ? call.parent : null;
}

const goRelated = (go: GoNode) => ({ ...spanOf(go.child(0)!), message: "this goroutine never ends" });

/** No path from `from` ends the function in any way (return, goroutine or process end); a range over the channel never ends. */
function neverEnds(cfg: Cfg, from: { entry: true } | { after: GoNode }, overC: (e: GoNode) => boolean): boolean {
  return cfg.firstEnd(from, { ends: ALL_ENDS, endlessRange: overC }) === null;
}

/**
 * The function a mention of the ticker runs in on behalf of: its enclosing function, or, for a
 * closure inside the function that made the ticker and that is only called (`commit := func() { t.Reset(d) }` with every use `commit()`, or
 * `func() { ... }()`), the function the closure is called from.
 */
function ownerOf(u: GoNode, maker: GoNode | null, unit: Unit): GoNode | null {
  let f = enclosingFunction(u);
  // Never above the function that made it: a ticker made in a closure belongs to that closure.
  while (f && f.id !== maker?.id && f.type === "func_literal" && closureCalls(f, unit) !== null) f = enclosingFunction(f);
  return f;
}

/** The closure a call runs: `func() { ... }()`, or `f()` where `f := func() { ... }` is only called. */
function closureCalled(call: GoNode, unit: Unit): GoNode | null {
  const f = unparen(call.childForFieldName("function")!);
  if (f.type === "func_literal") return f;
  const b = f.type === "identifier" ? unit.bindings.resolve(f) : undefined;
  if (!b || b.kind !== "var") return null;
  const value = b.decl.type === "short_var_declaration" ? b.decl.childForFieldName("right") : b.decl.type === "var_spec" ? b.decl.childForFieldName("value") : null;
  const lit = value?.namedChildCount === 1 ? unparen(value.namedChildren[0]!) : null;
  return lit?.type === "func_literal" && closureCalls(lit, unit) !== null ? lit : null;
}

/** Running `n` receives from the channel: `<-t.C` in it, or in a closure it calls in place. */
function receivesFrom(n: GoNode, overC: (e: GoNode) => boolean, unit: Unit): boolean {
  const recv = (r: GoNode) => r.childForFieldName("operator")?.type === "<-" && overC(unparen(r.childForFieldName("operand")!));
  if ((n.type === "unary_expression" && recv(n)) || descendantsInFunction(n, "unary_expression").some(recv)) return true;
  const calls = descendantsInFunction(n, "call_expression").concat(n.type === "call_expression" ? [n] : []);
  return calls.some((c) => {
    const lit = closureCalled(c, unit);
    return !!lit && unit.nodes("unary_expression", lit).some(recv);
  });
}

/** The first return statement a run of the function reaches (a range over the ticker never ends). */
function firstReturn(cfg: Cfg, over: (e: GoNode) => boolean, avoid?: (n: GoNode) => boolean): GoNode | undefined {
  return cfg.allEnds({ entry: true }, { endlessRange: over, ...(avoid ? { avoid } : {}) }).find((e) => e.node.type === "return_statement")?.node;
}

/** Every use sits in one `go func() { ... }()` literal of the function that makes it. */
function goroutineOwned(uses: readonly GoNode[], stmt: GoNode, unit: Unit): boolean {
  const fn = enclosingFunction(stmt);
  const owners = new Set(uses.map((u) => ownerOf(u, fn, unit)?.id));
  if (owners.size !== 1 || owners.has(fn?.id)) return false;
  const lit = ownerOf(uses[0]!, fn, unit);
  return !!lit && !!goStatementOf(lit) && enclosingFunction(lit)?.id === fn?.id;
}

/** `defer t.Stop()` on the line after the creation, with its indentation. */
function deferStop(unit: Unit, stmt: GoNode, name: string) {
  const source = unit.file.source;
  let at = endOfLine(source, stmt.endIndex);
  if (source[at - 1] === "\n") at--;
  if (source[at - 1] === "\r") at--;
  const eol = source[at] === "\r" ? "\r\n" : "\n";
  const edit: TextEdit = { start: at, end: at, text: `${eol}${indentAt(source, stmt.startIndex)}defer ${name}.Stop()` };
  return { description: `defer ${name}.Stop() right after it is made`, edits: [edit] };
}
