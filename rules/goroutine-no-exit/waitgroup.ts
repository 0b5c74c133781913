// goroutine-no-exit, issue 10 shape 4: a Wait that never returns because a worker it counts can
// return without its Done. The waiter is what never ends (the function, or the goroutine that
// waits to close a results channel), so the finding sits on the Wait.
//
//	wg.Add(1)
//	go func() {
//		if err := check(); err != nil {
//			return                      // skips wg.Done(): wg.Wait() below blocks forever
//		}
//		defer wg.Done()
//		...
//	}()
//	wg.Wait()                           // reported here
//
// The worker is a func literal or a function or method of the package started with `go` (found
// through the package summaries' callee lookup, in this file or a sibling file: the skipping
// return is then a related location in that file), handed the WaitGroup as an argument
// (`go work(&wg, x)`) or sharing the receiver's field (`go s.run()` with `s.wg`). A path that
// passes any other use of the WaitGroup (a helper handed it, which may call Done) counts as
// calling Done; a path that ends in a panic, os.Exit or runtime.Goexit is not counted.
import type { FileView, GoNode, RuleContext, Unit } from "../../src/analyzer/types.js";
import { methodName } from "../facts/calls.js";
import { cfgIn, cfgOf } from "../facts/cfg.js";
import { calleeOf, summarise } from "../facts/summaries.js";
import { contains, enclosingFunction, loopBetween, spanOf, statementsOf, unparen } from "../facts/syntax.js";
import { isWaitGroup, rootIdentifier, sameVariable } from "../facts/waitgroups.js";
import { syncField } from "./syncfields.js";

interface Worker {
  go: GoNode;
  /** The function the goroutine runs: the literal, or the declaration of the same file. */
  fn: GoNode;
  /** The file fn is declared in (this file, or a sibling of the package). */
  file: FileView;
  /** Is this expression, inside fn, the WaitGroup? */
  isWg: (e: GoNode) => boolean;
  name: string;
}

export function checkSkippedDone(ctx: RuleContext): void {
  const { unit } = ctx;
  const calls = unit.nodes("call_expression", unit.node);
  const waits = calls.filter((c) => methodName(c) === "Wait" && argCount(c) === 0);
  if (waits.length === 0) return;
  const adds = calls.filter((c) => methodName(c) === "Add" && argCount(c) === 1);
  const reported = new Set<number>();
  waitInLoop(ctx, waits, adds, reported);
  neverDone(ctx, waits, reported);
  for (const go of unit.nodes("go_statement", unit.node)) {
    const home = enclosingFunction(go);
    if (!home) continue;
    for (const add of adds) {
      const wg = operandOf(add);
      if (!wg || add.startIndex > go.startIndex || enclosingFunction(add)?.id !== home.id || !countsOne(add, go, home) || !isWaitGroup(wg, unit)) continue;
      const wait = waits.find(
        (w) => w.startIndex > go.endIndex && contains(home, w) && !contains(go, w) && !reported.has(w.id) && sameVariable(operandOf(w)!, wg, unit),
      );
      if (!wait) continue;
      const worker = workerOf(go, wg, home, unit);
      if (!worker) continue;
      const skip = skippedDone(worker, unit);
      if (!skip) continue;
      reported.add(wait.id);
      const f = unit.file;
      const foreign = worker.file.path !== f.path;
      const retLine = worker.file.lineOf(skip.startIndex);
      ctx.report({
        span: spanOf(wait),
        messageId: "doneSkipped",
        data: { name: wg.text, go: f.lineOf(go.startIndex), ret: foreign ? `${retLine} of ${baseName(worker.file)}` : retLine },
        related: [
          { ...spanOf(skip), ...(foreign ? { file: worker.file } : {}), message: `this way out of the goroutine skips ${worker.name}.Done()` },
          { ...spanOf(add), message: `the goroutine started on line ${f.lineOf(go.startIndex)} is counted here` },
        ],
      });
      break;
    }
  }
}

/**
 * The Add counts this goroutine once: `Add(1)` in the same loop as the `go` statement (or neither
 * in a loop), or `Add(n)` before the loop that starts the goroutines. An `Add(1)` before a loop of
 * `go` statements counts one of many workers (whichever finishes first); an `Add(n)` next to a
 * single `go` counts n items, not the goroutine.
 */
function countsOne(add: GoNode, go: GoNode, home: GoNode): boolean {
  const one = argsText(add) === "1";
  const loop = loopBetween(go, home);
  const same = loopBetween(add, home)?.id === loop?.id;
  return one ? same : !!loop && !contains(loop, add);
}

function argsText(call: GoNode): string {
  return (call.childForFieldName("arguments")?.text ?? "").replace(/[()\s]/g, "");
}

function argCount(call: GoNode): number {
  return call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment").length ?? 0;
}

function operandOf(call: GoNode): GoNode | undefined {
  return call.childForFieldName("function")?.childForFieldName("operand") ?? undefined;
}

/** What the `go` statement runs, and how the WaitGroup `wg` of `home` is named inside it. */
function workerOf(go: GoNode, wg: GoNode, home: GoNode, unit: Unit): Worker | undefined {
  const call = go.namedChildren[0];
  if (call?.type !== "call_expression") return undefined;
  const f = unparen(call.childForFieldName("function")!);
  if (f.type === "func_literal") {
    // The literal uses the WaitGroup it closes over (not a parameter of its own of the same name).
    return { go, fn: f, file: unit.file, isWg: (e) => sameVariable(e, wg, unit), name: wg.text };
  }
  const decl = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: home });
  // A declaration of this file or of a sibling file: its graph is built with its own file's view.
  if (!decl || decl.node.id === home.id) return undefined;
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment") ?? [];
  const i = args.findIndex((a) => {
    const e = unparen(a);
    const v = e.type === "unary_expression" && e.childForFieldName("operator")?.type === "&" ? e.childForFieldName("operand") : e;
    return !!v && sameVariable(v, wg, unit);
  });
  if (i >= 0) {
    const p = summarise(decl).params[i];
    return p ? { go, fn: decl.node, file: decl.file, isWg: (e) => unparen(e).text === p, name: p } : undefined;
  }
  // `go s.run()` with the WaitGroup a field of the receiver `s` (`s.wg`): `r.wg` in the method.
  const w = unparen(wg);
  const root = rootIdentifier(w);
  const operand = f.type === "selector_expression" ? unparen(f.childForFieldName("operand")!) : undefined;
  if (w.type !== "selector_expression" || !root || operand?.type !== "identifier" || operand.text !== root.text || !decl.recvType) return undefined;
  const recv = decl.node.childForFieldName("receiver")?.namedChildren.find((c) => c?.type === "parameter_declaration");
  const r = recv?.childrenForFieldName("name").find((x) => x?.type === "identifier")?.text;
  if (!r || r === "_") return undefined;
  const inner = r + w.text.slice(root.text.length).replace(/\s+/g, "");
  return { go, fn: decl.node, file: decl.file, isWg: (e) => unparen(e).text.replace(/\s+/g, "") === inner, name: inner };
}

/**
 * The first way out of the worker that some path reaches without passing its Done: undefined when
 * the worker never calls Done (something else counts it down), or when every path passes a Done,
 * a deferred Done or any other use of the WaitGroup.
 */
function skippedDone(w: Worker, unit: Unit): GoNode | undefined {
  const inUnit = w.file.path === unit.file.path && contains(unit.node, w.fn);
  const nodes = (types: string[]) => (inUnit ? unit.nodes(types, w.fn) : w.fn.descendantsOfType(types).filter((n): n is GoNode => !!n));
  const wgCalls = nodes(["call_expression"]).filter((c) => {
    const op = operandOf(c);
    return !!op && w.isWg(op);
  });
  const dones = wgCalls.filter((c) => methodName(c) === "Done");
  if (dones.length === 0) return undefined;
  // A Done inside a loop of the worker counts items (or ends a polling loop on one case): the
  // goroutine's own count is not what it tracks, and loop bounds decide the rest. So is a Done in a
  // func literal written inside such a loop (`once.Do(func() { wg.Done() })` on the status a
  // receive loop waits for).
  if (dones.some((d) => inWorkerLoop(d, w.fn))) return undefined;
  // Any use of the WaitGroup (a Done, or handing it to a helper that may call Done) counts.
  const uses = nodes(["selector_expression", "identifier"]).filter((e) => w.isWg(e));
  const passes = (n: GoNode) => uses.some((u) => contains(n, u));
  const cfg = inUnit ? cfgOf(unit, w.fn) : cfgIn(w.file, w.fn);
  if (cfg.everyPathPasses({ entry: true }, passes, ["return"])) return undefined;
  const end = cfg.firstEnd({ entry: true }, { avoid: passes, ends: ["return"] });
  return end?.node;
}

/** Whether a `for` statement of the worker holds `node`, func literals in between included. */
function inWorkerLoop(node: GoNode, worker: GoNode): boolean {
  for (let p = node.parent; p && p.id !== worker.id; p = p.parent) if (p.type === "for_statement") return true;
  return false;
}

function baseName(f: FileView): string {
  return f.path.slice(f.path.lastIndexOf("/") + 1);
}

/**
 * `wg.Add(n)` before a loop that starts one goroutine per iteration, and `wg.Wait()` in that loop
 * after the `go` statement: the first Wait waits for n Dones while one goroutine has started, so
 * with more than one iteration it never returns.
 *
 *	wg.Add(len(parts))
 *	for _, p := range parts {
 *		go func(p Part) { defer wg.Done(); upload(p) }(p)
 *		wg.Wait()                   // reported: waits for len(parts) Dones, one goroutine started
 *	}
 */
function waitInLoop(ctx: RuleContext, waits: GoNode[], adds: GoNode[], reported: Set<number>): void {
  const { unit } = ctx;
  for (const wait of waits) {
    const home = enclosingFunction(wait);
    const wg = operandOf(wait);
    const loop = home && loopBetween(wait, home);
    // The Wait runs on every iteration: a statement of the loop's own body.
    if (!home || !wg || !loop || !statementsOf(loop.childForFieldName("body")).some((st) => st.id === wait.parent?.id)) continue;
    if (!isWaitGroup(wg, unit)) continue;
    const same = (c: GoNode) => !!operandOf(c) && sameVariable(operandOf(c)!, wg, unit);
    const add = adds.find((a) => same(a) && enclosingFunction(a)?.id === home.id && a.endIndex <= loop.startIndex && !/^[01]$/.test(argsText(a)));
    if (!add || adds.some((a) => same(a) && contains(loop, a))) continue;
    const go = unit.nodes("go_statement", loop).find((g) => g.endIndex <= wait.startIndex && loopBetween(g, home)?.id === loop.id && countsDown(g, wg, unit));
    if (!go) continue;
    reported.add(wait.id);
    const f = unit.file;
    ctx.report({
      span: spanOf(wait),
      messageId: "waitInLoop",
      data: { name: wg.text, loop: f.lineOf(loop.startIndex), n: add.childForFieldName("arguments")?.namedChildren.find((a) => a && a.type !== "comment")?.text ?? "n", add: f.lineOf(add.startIndex) },
      related: [
        { ...spanOf(add), message: `counts every goroutine the loop starts` },
        { ...spanOf(go), message: `one goroutine per iteration; the first Wait runs after the first` },
      ],
    });
  }
}

/** The goroutine counts the WaitGroup down: its literal calls Done on it, or it is handed the WaitGroup. */
function countsDown(go: GoNode, wg: GoNode, unit: Unit): boolean {
  const call = go.namedChildren[0];
  if (call?.type !== "call_expression") return false;
  const f = unparen(call.childForFieldName("function")!);
  if (f.type === "func_literal") return unit.nodes("call_expression", f).some((c) => methodName(c) === "Done" && !!operandOf(c) && sameVariable(operandOf(c)!, wg, unit));
  return (call.childForFieldName("arguments")?.namedChildren ?? []).some((a) => {
    const e = a ? unparen(a) : undefined;
    const v = e?.type === "unary_expression" && e.childForFieldName("operator")?.type === "&" ? e.childForFieldName("operand") : e;
    return !!v && sameVariable(v, wg, unit);
  });
}

/**
 * `s.wg.Wait()` on an unexported WaitGroup field that the package counts up (`s.wg.Add`) and never
 * down: no `Done` (or `Go`) on it in any file of the package, and no other use that hands it on.
 */
function neverDone(ctx: RuleContext, waits: GoNode[], reported: Set<number>): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the Done
  const { unit } = ctx;
  for (const wait of waits) {
    const wg = operandOf(wait);
    const field = wg && !reported.has(wait.id) ? syncField(wg, unit.file, "sync.WaitGroup") : undefined;
    if (!field || field.uses.some((u) => u.kind === "escape" || (u.kind === "call" && (u.method === "Done" || u.method === "Go")))) continue;
    const add = field.uses.find((u) => u.kind === "call" && u.method === "Add");
    if (!add) continue;
    reported.add(wait.id);
    const foreign = add.file.path !== unit.file.path;
    ctx.report({
      span: spanOf(wait),
      messageId: "neverDone",
      data: { name: wg!.text, field: field.name },
      related: [{ ...spanOf(add.node), ...(foreign ? { file: add.file } : {}), message: `counts ${field.name} up; nothing counts it down` }],
    });
  }
}
