// waitgroup-add-in-goroutine: the goroutine counts itself, too late for a Wait that may already
// have seen a zero counter.
//
//	for _, u := range urls {
//		go func(u string) {
//			wg.Add(1)                    // races with wg.Wait() below
//			defer wg.Done()
//			fetch(u)
//		}(u)
//	}
//	wg.Wait()
import type { GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { methodCalls, methodName } from "../facts/calls.js";
import { ALL_ENDS, cfgOf } from "../facts/cfg.js";
import { docsUrl } from "../facts/meta.js";
import { contains, enclosingFunction, indentAt, listOf, spanOf, statementsOf } from "../facts/syntax.js";
import { channelJoin, counterJoin, crossKey, goroutineOf, inOwnGoroutine, mutexGate, receiver, sameKey, waitsOn, type Goroutine } from "./goroutines.js";
import { isWaitGroup, rootIdentifier, sameVariable } from "../facts/waitgroups.js";
import { holdsItemCount } from "./workcounter.js";

const rule: Rule = {
  meta: {
    id: "waitgroup-add-in-goroutine",
    title: "WaitGroup.Add inside the goroutine it counts",
    severity: "error",
    fixable: true,
    summary: "wg.Add runs inside the goroutine it counts, so wg.Wait can return before the goroutine is counted",
    why:
      "Wait returns as soon as it sees the WaitGroup's counter at zero, and an Add inside the goroutine can run after that, so Wait returns while the goroutine is still starting. " +
      "Nothing waits for that goroutine any more: it outlives its owner, keeps everything it references reachable and may write results that were already read; " +
      "an Add racing with Wait can also panic with \"WaitGroup misuse\".",
    docs: docsUrl("waitgroup-add-in-goroutine"),
    messages: {
      addInside: "{{name}}.Add runs inside the goroutine started on line {{go}}: {{wait}} can return before it is counted",
      uncountedParent: "{{name}}.Add runs in the uncounted goroutine started on line {{go}}: {{wait}} can return before its goroutines are counted",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => file.source.includes(".Add(") && /\bgo\b/.test(file.source),
  check,
};
export default rule;

/** How many lines the suggestion may span, from the `go` line to the Add line. */
const MAX_FIX_LINES = 8;

function check(ctx: RuleContext): void {
  const { unit, file } = ctx;
  for (const call of callsOf(unit, unit.node, "Add")) {
    const stmt = call.parent;
    const wg = call.childForFieldName("function")?.childForFieldName("operand");
    const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
    if (stmt?.type !== "expression_statement" || !wg || args.length !== 1 || /^-/.test(args[0]!.text)) continue;
    const g = goroutineOf(call, unit);
    if (!g || !isWaitGroup(wg, unit) || !declaredOutside(wg, g, unit)) continue;
    if (countedGoroutine(wg, call, g, unit) || holdsCount(wg, call, g, unit) || waitsAfter(wg, call, g, unit) || channelJoin(stmt, wg, g, unit) || mutexGate(call, wg, unit) || holdsItemCount(wg, call, g, unit)) continue;
    const wait = callsOf(unit, unit.node, "Wait").find((w) => !contains(g.fn, w) && sameVariable(receiver(w), wg, unit));
    const name = wg.text;
    const waitNote = wait ? `${name}.Wait() on line ${file.lineOf(wait.startIndex)}` : `a concurrent ${name}.Wait()`;
    // The `go` statement may be in a sibling file of the package: "line 12 of server.go".
    const goFile = g.goFile ?? file;
    const goLine = g.goFile ? `${goFile.lineOf(g.goStmt.startIndex)} of ${goFile.path.slice(goFile.path.lastIndexOf("/") + 1)}` : file.lineOf(g.goStmt.startIndex);
    const children = startsChildren(stmt, unit);
    ctx.report({
      span: spanOf(stmt),
      messageId: children ? "uncountedParent" : "addInside",
      data: { name, go: goLine, wait: waitNote },
      related: [
        { ...spanOf(g.goStmt), ...(g.goFile ? { file: g.goFile } : {}), message: children ? `this goroutine is not counted by ${name}` : `this goroutine is counted only once it runs ${name}.Add` },
        ...(wait ? [{ ...spanOf(wait), message: "this Wait can return before the goroutine is counted" }] : []),
      ],
      fix: g.fn.type === "func_literal" && g.onlyStarted ? moveFix(unit, stmt, g.fn, g.goStmt) : undefined,
    });
  }
}

/** The Add counts goroutines started after it in the same block (a dispatcher), not the goroutine it sits in. */
function startsChildren(stmt: GoNode, unit: Unit): boolean {
  const rest = statementsOf(stmt.parent);
  return rest.slice(rest.findIndex((s) => s.id === stmt.id) + 1).some((s) => unit.nodes("go_statement", s).length > 0);
}

/**
 * The WaitGroup (`wg`, `s.wg`) lives outside the goroutine: a local of the function, a parameter,
 * a field, a package variable, or a pointer handed to the goroutine (`go func(wg *sync.WaitGroup) {...}(&wg)`).
 */
function declaredOutside(wg: GoNode, g: Goroutine, unit: Unit): boolean {
  const root = rootIdentifier(wg);
  if (!root) return false;
  const b = unit.bindings.resolve(root);
  if (!b || !contains(g.fn, b.id)) return true;
  if (b.kind !== "param" && b.kind !== "receiver") return false;
  const own = g.fn.childForFieldName(b.kind === "param" ? "parameters" : "receiver");
  return b.decl.parent?.id === own?.id && b.type?.type === "pointer_type";
}

/**
 * The goroutine is itself counted, so the counter cannot reach zero while it Adds:
 *
 *	wg.Add(1)
 *	go func() {
 *		defer wg.Done()
 *		for _, x := range xs { wg.Add(1); go work(x) }
 *	}()
 */
function countedGoroutine(wg: GoNode, add: GoNode, g: Goroutine, unit: Unit): boolean {
  const fn = enclosingFunction(g.goStmt);
  if (!fn) return false;
  const same = (a: GoNode, b: GoNode) => sameVariable(a, b, unit) || (g.fn.id === unit.node.id && sameKey(crossKey(a, unit), crossKey(b, unit)));
  const counters = methodCalls(fn, ["Add"], true)
    .filter((a) => a.endIndex <= g.goStmt.startIndex && enclosingFunction(a)?.id === fn.id && !usedUp(a, g.goStmt, unit, !!g.goFile))
    .map(receiver)
    .filter((r) => callsOf(unit, g.fn, "Done").some((d) => inOwnGoroutine(d, g) && same(receiver(d), r)));
  if (counters.some((r) => same(r, wg))) return true;
  return counters.some((r) => isWaitGroup(r, unit) && (waitedFirst(r, wg, unit) || counterJoin(r, wg, add, g, unit)));
}

/**
 * The goroutine holds a count of its own until it returns (`defer wg.Done()`, a statement of its
 * body) and the Add runs any number of times per run of it: in a loop of the goroutine, or in a
 * callback literal it hands on (`refs(ctx, n, send)` with `send := func(m Node) { wg.Add(1); ... }`).
 * Such an Add cannot be the one that counts the goroutine itself (a run with no Add, or with two,
 * would drive the counter below zero and panic), so its starter counted it, maybe through a channel
 * hand-off the rule does not follow (a work queue: `wg.Add(1); todo <- n`, the dispatcher starting
 * one visitor per item), and the counter stays above zero from before the Add until the deferred
 * Done: a Wait cannot return in between. An Add that runs once per run (a statement of the body,
 * also after `defer wg.Done()`) is still flagged: it may be the goroutine counting itself.
 *
 *	go func(n Node) {
 *		defer wg.Done()                       // the count the starter added for n
 *		send := func(m Node) { wg.Add(1); todo <- m }
 *		_ = refs(ctx, n, send)                // Adds for the nodes it finds, while counted
 *	}(n)
 */
function holdsCount(wg: GoNode, add: GoNode, g: Goroutine, unit: Unit): boolean {
  const own = statementsOf(g.fn.childForFieldName("body")).some((s) => {
    if (s.type !== "defer_statement") return false;
    const c = s.namedChildren[0];
    const f = c?.type === "call_expression" ? c.childForFieldName("function") : null;
    return f?.type === "selector_expression" && f.childForFieldName("field")?.text === "Done" && sameVariable(f.childForFieldName("operand")!, wg, unit);
  });
  if (!own) return false;
  for (let p = add.parent; p && p.id !== g.fn.id; p = p.parent) {
    if (p.type === "for_statement" || (p.type === "func_literal" && handedOn(p, unit))) return true;
  }
  return false;
}

/** A func literal passed as an argument, or set to a local whose every use is an argument: a callback. */
function handedOn(lit: GoNode, unit: Unit): boolean {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  if (n.parent?.type === "argument_list") return true;
  const list = n.parent;
  const decl = list?.type === "expression_list" ? list.parent : undefined;
  if (decl?.type !== "short_var_declaration" || listOf(list).length !== 1) return false;
  const names = listOf(decl.childForFieldName("left"));
  const b = names.length === 1 ? unit.bindings.declaredBy(names[0]!) : undefined;
  return !!b && b.uses.length > 0 && b.uses.every((u) => u.parent?.type === "argument_list");
}

/**
 * `wg.Add(k)` with a literal k already counted the k goroutines started between it and `go`
 * (staticcheck's SA2000 case: `wg.Add(1); go a(); go func() { wg.Add(1); ... }()`, where the
 * Add before the first goroutine is not the second one's). A computed count may cover any number.
 */
function usedUp(add: GoNode, go: GoNode, unit: Unit, foreign: boolean): boolean {
  const args = add.childForFieldName("arguments")?.namedChildren.filter((a) => a?.type !== "comment") ?? [];
  const k = args.length === 1 && args[0]?.type === "int_literal" ? Number(args[0].text.replace(/_/g, "")) : null;
  if (k === null || !Number.isFinite(k)) return false;
  const fn = enclosingFunction(go);
  const gos = !foreign && contains(unit.node, go) ? unit.nodes("go_statement") : (fn?.descendantsOfType("go_statement") ?? []).filter((s): s is GoNode => !!s);
  const between = gos.filter((s) => s.id !== go.id && s.startIndex >= add.endIndex && s.endIndex <= go.startIndex && enclosingFunction(s)?.id === fn?.id);
  return between.length >= k;
}

/**
 * The goroutine is counted by another WaitGroup (`acceptWG`) and Adds to `wg` (`connWG`): that is
 * safe when whoever waits on wg waits on acceptWG first, since each of its Adds happens before its
 * Done. Silent when no Wait on wg is in sight (it lives in another file: undecidable).
 *
 *	f.acceptWG.Add(1)                               f.ln.Close()
 *	go func() {                                     f.acceptWG.Wait()
 *		defer f.acceptWG.Done()                     f.connWG.Wait()
 *		for { c := accept(); f.connWG.Add(1); go handle(c) }
 *	}()
 */
function waitedFirst(counter: GoNode, wg: GoNode, unit: Unit): boolean {
  const first = crossKey(counter, unit);
  if (!first || !crossKey(wg, unit)) return false;
  const firsts = waitsOn(counter, unit);
  return waitsOn(wg, unit).every((w) => firsts.some((x) => x.endIndex <= w.startIndex && enclosingFunction(x)?.id === enclosingFunction(w)?.id));
}

/**
 * The goroutine waits on the same WaitGroup after adding: it is the waiter, and Add happens before
 * its Wait. A deferred Wait (`defer wg.Wait()`, or in a deferred func literal) runs after every Add.
 */
function waitsAfter(wg: GoNode, add: GoNode, g: Goroutine, unit: Unit): boolean {
  return callsOf(unit, g.fn, "Wait").some(
    (w) => (w.startIndex > add.endIndex || deferred(w, g.fn)) && inOwnGoroutine(w, g) && sameVariable(receiver(w), wg, unit),
  );
}

/** The call runs when `fn` returns: under a `defer` statement of fn (its own, not a nested literal's). */
function deferred(call: GoNode, fn: GoNode): boolean {
  for (let p = call.parent; p && p.id !== fn.id; p = p.parent) {
    if (p.type === "defer_statement") return enclosingFunction(p)?.id === fn.id;
  }
  return false;
}

/**
 * Moves the Add line above the `go` statement when that changes nothing else: the Add is a
 * top-level statement of the goroutine, nothing before it can leave the goroutine, its argument
 * uses nothing declared inside, and the whole move fits a short suggestion.
 */
function moveFix(unit: Unit, stmt: GoNode, lit: GoNode, goStmt: GoNode) {
  const source = unit.file.source;
  const body = statementsOf(lit.childForFieldName("body"));
  const at = body.findIndex((s) => s.id === stmt.id);
  if (at < 0 || goStmt.parent?.type !== "statement_list") return undefined;
  // Nothing before the Add may end the goroutine: every path from the start passes it.
  if (!cfgOf(unit, lit).everyPathPasses({ entry: true }, (n) => n.id === stmt.id, ALL_ENDS)) return undefined;
  const declaredInside = (id: GoNode | null) => {
    const b = id ? unit.bindings.resolve(id) : undefined;
    return !!b && contains(lit, b.id);
  };
  if (unit.nodes("identifier", stmt).some(declaredInside)) return undefined;
  const goLine = source.lastIndexOf("\n", goStmt.startIndex - 1) + 1;
  const addLine = source.lastIndexOf("\n", stmt.startIndex - 1) + 1;
  const addEnd = source.indexOf("\n", stmt.endIndex);
  if (source.slice(goLine, goStmt.startIndex).trim() !== "" || source.slice(addLine, stmt.startIndex).trim() !== "") return undefined;
  if (addEnd === -1 || !/^\s*(\/\/.*)?$/.test(source.slice(stmt.endIndex, addEnd))) return undefined; // a trailing comment moves along
  if (unit.file.lineOf(stmt.startIndex) - unit.file.lineOf(goStmt.startIndex) > MAX_FIX_LINES) return undefined;
  const line = source.slice(stmt.startIndex, stmt.endIndex);
  const edits: TextEdit[] = [
    { start: goLine, end: goLine, text: `${indentAt(source, goStmt.startIndex)}${source.slice(stmt.startIndex, addEnd + 1)}` },
    { start: addLine, end: addEnd + 1, text: "" },
  ];
  return { description: `move ${line} before the go statement`, edits };
}

/** Calls `x.<name>(...)` under `root` (a node of the unit), nested func literals included, from the unit's node index. */
function callsOf(unit: Unit, root: GoNode, name: string): GoNode[] {
  return unit.nodes("call_expression", root).filter((c) => c.id !== root.id && methodName(c) === name);
}
