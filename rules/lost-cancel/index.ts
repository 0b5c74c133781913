// lost-cancel: the cancel function of a derived context is discarded, or some path returns
// without calling, returning, storing or passing it.
//
//	ctx, _ := context.WithTimeout(parent, d)      // discarded
//
//	ctx, cancel := context.WithCancel(parent)
//	if err != nil {
//		return err                                // cancel never reached
//	}
//	defer cancel()
import type { Binding, GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { importsAny } from "../facts/calls.js";
import { cfgAt } from "../facts/cfg.js";
import { processEntry } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { contains, enclosingFunction, endOfLine, indentAt, nameIsFree, spanOf, unparen } from "../facts/syntax.js";
import { cancelSource, CONTEXT_PKGS, KNOWN_DERIVERS, type CancelSource } from "./sources.js";
import { ancestors } from "./tree.js";

const rule: Rule = {
  meta: {
    id: "lost-cancel",
    title: "Lost context cancel function",
    severity: "error",
    fixable: true,
    summary: "the cancel function of context.WithCancel/WithTimeout/WithDeadline is discarded or not called on every path",
    why:
      "Until cancel is called, the child context stays registered in its parent's list of children: a WithCancel " +
      "context as long as the parent lives, which for a server's base context is forever, and a WithTimeout/WithDeadline " +
      "context, with its timer, until the deadline, which can be hours away. Each call leaks one more.",
    docs: docsUrl("lost-cancel"),
    messages: {
      discarded: "the cancel function from {{fn}} is discarded: {{leak}}",
      notCalled: "{{name}} is skipped on the path to {{where}}: {{leak}}",
      overwritten: "{{name}} is assigned again on line {{line}} before it is called: {{leak}}",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => importsAny(file, [...CONTEXT_PKGS, "os/signal", ...KNOWN_DERIVERS.map((d) => d.pkg)]),
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  // main, and a CLI command's run function (processEntry): the process ends when they return.
  // Asked only once there is something to report: it may read the package's other files.
  const endsProcess = () => ["main", "command"].includes(processEntry(unit) ?? "");
  // A call whose results are not assigned is used as a value elsewhere (passed on, returned): not ours to judge.
  for (const { call, stmt } of assignedCalls(unit)) {
    const left = stmt.childForFieldName("left") ?? stmt.childForFieldName("name");
    const targets = (left?.type === "expression_list" ? left.namedChildren : stmt.childrenForFieldName("name")).filter((t): t is GoNode => !!t && t.type !== ",");
    if (targets.length < 2) continue;
    const source = cancelSource(call, unit);
    if (!source) continue;
    if (source.results !== undefined && targets.length !== source.results) continue; // not the declaration we read
    const target = targets[source.index];
    if (!target) continue;
    const others = targets.filter((t) => t.id !== target.id);
    if (target.type === "identifier" && target.text === "_") {
      // The derived context opens a stream a goroutine reads after the return (`stream, err :=
      // client.Events(ctx, req); go forward(stream, out)`): the stream lives as long as the
      // parent allows; the author chose the parent as its bound, and no call site can cancel it.
      if (others.some((t) => reachesGoroutine(unit, t))) continue;
      if (endsProcess()) return;
      ctx.report({
        span: spanOf(stmt),
        messageId: "discarded",
        data: { fn: source.fn, leak: leakNote(source) },
        fix: escapes(unit, others) ? undefined : discardFix(unit, stmt, target, source),
      });
      continue;
    }
    if (target.type !== "identifier") continue; // stored in a field, map or slice element
    const binding = unit.bindings.resolve(target) ?? unit.bindings.declaredBy(target);
    if (!binding) continue; // a package-level variable: stored
    // A variable of an enclosing function, assigned in a closure (golang/go#31856): the closure is
    // not its owner; another closure or the enclosing function may call it (as go vet's lostcancel,
    // which skips variables declared outside the function literal).
    if (enclosingFunction(binding.id)?.id !== enclosingFunction(stmt)?.id) continue;
    // Every other mention: one written above the assignment is reached again when a loop goes
    // round (`if cancel != nil { cancel() }` at the top of a REPL loop that assigns it below).
    const later = binding.uses.filter((u) => u.id !== target.id && (u.startIndex >= stmt.endIndex || reachedAgainInLoop(u, stmt, unit)));
    // Calls that end the process or the goroutine are not ways out (as go vet's lostcancel).
    const from = statementOf(stmt);
    // A helper that also returns an error: on its error paths the other results are not the
    // caller's (it returns a nil cancel, or has cancelled already), as for any Go result pair. A
    // path that enters `if err != nil { ... }` is done with the cancel function, whatever the
    // branch does next: return, `continue` or `break` a loop, or fall through (issue 9, shape 9).
    const err = source.errorIndex !== undefined ? targets[source.errorIndex] : undefined;
    const errB = err?.type === "identifier" && err.text !== "_" ? unit.bindings.resolve(err) ?? unit.bindings.declaredBy(err) : undefined;
    const opts = {
      avoid: (n: GoNode) =>
        later.some((u) => contains(n, u)) || (binding.kind === "result" && isNakedReturn(n)) || (!!errB && underErrorCheck(n, errB, stmt, unit)),
    };
    const cfg = cfgAt(unit, from);
    const exit = cfg?.firstEnd({ after: from }, opts)?.node;
    if (!exit) {
      // `cancel = ...` again before any call of it (`ctx, cancel := context.WithCancel(p); if d > 0
      // { ctx, cancel = context.WithTimeout(p, d) }; defer cancel()`): the first one is lost there.
      const home = enclosingFunction(stmt)?.id;
      const writes = later.filter((u) => u.startIndex >= stmt.endIndex && isPlainWrite(u) && enclosingFunction(u)?.id === home);
      const reads = later.filter((u) => !writes.includes(u));
      const avoid = (n: GoNode) => reads.some((u) => contains(n, u)) || (binding.kind === "result" && isNakedReturn(n)) || (!!errB && underErrorCheck(n, errB, stmt, unit));
      const [again] = writes.length && cfg ? cfg.nodesOnPaths({ after: from }, (n) => !avoid(n) && writes.some((w) => contains(n, w)), { avoid }) : [];
      if (!again) continue;
      if (endsProcess()) return;
      ctx.report({
        span: spanOf(stmt),
        messageId: "overwritten",
        data: { name: binding.name, line: String(unit.file.lineOf(again.startIndex)), leak: leakNote(source) },
        related: [{ ...spanOf(again), message: `this assigns ${binding.name} again before it is called` }],
      });
      continue;
    }
    if (endsProcess()) return;
    const where = exit.type === "return_statement" ? `the return on line ${unit.file.lineOf(exit.startIndex)}` : `the end of the function on line ${unit.file.lineOf(exit.startIndex)}`;
    ctx.report({
      span: spanOf(stmt),
      messageId: "notCalled",
      data: { name: binding.name, where, leak: leakNote(source) },
      related: [{ ...spanOf(exit), message: "this way out skips the cancel function" }],
      // With an error result the cancel function may be nil on the error path: a defer right after the call would panic there.
      fix: escapes(unit, others) || source.errorIndex !== undefined ? undefined : deferFix(unit, stmt, binding, source),
    });
  }
}

/** The node sits in the body of an `if err != nil { ... }` after the assignment, err being the call's error result. */
function underErrorCheck(node: GoNode, err: Binding, stmt: GoNode, unit: Unit): boolean {
  const home = enclosingFunction(stmt);
  for (let p = node.parent; p && p.id !== home?.id; p = p.parent) {
    if (p.type !== "block" || p.parent?.type !== "if_statement" || p.parent.childForFieldName("consequence")?.id !== p.id) continue;
    const cond = unparen(p.parent.childForFieldName("condition")!);
    if (p.parent.startIndex < stmt.endIndex || cond.type !== "binary_expression" || cond.childForFieldName("operator")?.type !== "!=") continue;
    const [l, r] = [unparen(cond.childForFieldName("left")!), unparen(cond.childForFieldName("right")!)];
    const [v, nil] = l.type === "identifier" && r.type === "nil" ? [l, r] : [r, l];
    if (nil.type !== "nil" || v.type !== "identifier" || unit.bindings.resolve(v) !== err) continue;
    // The check is about the call's error only if err was not assigned again in between.
    const reassigned = err.uses.some((u) => u.startIndex > stmt.endIndex && u.startIndex < p.parent!.startIndex && isAssigned(u));
    if (!reassigned) return true;
  }
  return false;
}

/** `u` sits above `stmt` in a loop that holds both: a later round reaches `u` after `stmt`. */
function reachedAgainInLoop(u: GoNode, stmt: GoNode, unit: Unit): boolean {
  for (const a of ancestors(stmt, unit.node)) {
    if (a.type === "func_literal") return false;
    if (a.type === "for_statement" && contains(a, u)) return true;
  }
  return false;
}

/** `x` on the left of a plain `=` (`ctx, cancel = context.WithTimeout(...)`). */
function isPlainWrite(use: GoNode): boolean {
  const list = use.parent;
  const s = list?.type === "expression_list" ? list.parent : undefined;
  return s?.type === "assignment_statement" && s.childForFieldName("left")?.id === list!.id && s.childForFieldName("operator")?.type === "=";
}

/** `err` on the left of `=` or `:=`. */
function isAssigned(use: GoNode): boolean {
  const list = use.parent;
  const s = list?.type === "expression_list" ? list.parent : undefined;
  return !!s && (s.type === "assignment_statement" || s.type === "short_var_declaration") && s.childForFieldName("left")?.id === list!.id;
}

const isNakedReturn = (n: GoNode) => n.type === "return_statement" && n.namedChildren.filter((c) => c?.type !== "comment").length === 0;

const LEAKS: Record<CancelSource["origin"], string> = {
  timeout: "the context and its timer may live until the deadline",
  cancel: "the context lives until the parent is cancelled",
  signal: "the signal stays caught and the context lives until one arrives",
  helper: "the context may stay registered with its parent until the parent is cancelled",
};

const leakNote = (source: CancelSource) => LEAKS[source.origin];

/** Any of the call's other results (the derived context) outlives the function. */
const escapes = (unit: Unit, others: GoNode[]) => others.some((t) => ctxEscapes(unit, t));

/**
 * The calls whose results a statement assigns (`a, b := call`, `a, b = call`, `var a, b = call`),
 * in source order: read from the unit's assignments down (cheaper than climbing from every call).
 */
function assignedCalls(unit: Unit): { call: GoNode; stmt: GoNode }[] {
  const out: { call: GoNode; stmt: GoNode }[] = [];
  for (const stmt of unit.nodes(["short_var_declaration", "assignment_statement", "var_spec"])) {
    const list = stmt.type === "var_spec" ? stmt.childForFieldName("value") : stmt.childForFieldName("right");
    if (list?.type !== "expression_list" || list.namedChildren.length !== 1) continue;
    let call = list.namedChildren[0]!;
    while (call.type === "parenthesized_expression") {
      const inner = call.namedChildren.find((c) => c?.type !== "comment");
      if (!inner) break;
      call = inner;
    }
    if (call.type === "call_expression") out.push({ call, stmt });
  }
  return out;
}

//	ctx, cancel := context.WithCancel(parent)
//	...
//	return ctx, nil                    // the caller uses ctx: a deferred cancel would kill it
/** The derived context outlives the function: returned, stored, or used in a closure or goroutine. */
function ctxEscapes(unit: Unit, target: GoNode | null | undefined): boolean {
  if (!target || target.type !== "identifier") return true;
  if (target.text === "_") return false;
  const b = unit.bindings.resolve(target) ?? unit.bindings.declaredBy(target);
  if (!b || b.kind === "result") return true;
  const home = enclosingFunction(target);
  return b.uses.some((u) => {
    if (enclosingFunction(u)?.id !== home?.id) return true;
    let n: GoNode = u;
    while (n.parent?.type === "parenthesized_expression") n = n.parent;
    const p = n.parent;
    if (!p) return false;
    if (p.type === "expression_list") {
      const stmt = p.parent;
      if (stmt?.type === "return_statement") return true;
      if ((stmt?.type === "assignment_statement" || stmt?.type === "short_var_declaration") && stmt.childForFieldName("right")?.id === p.id) return true;
    }
    // `stream, err := client.Watch(ctx, req)` and the stream handed to a goroutine: the call's
    // result carries the context past the return (a deferred cancel would end it).
    if (p.type === "argument_list" && p.parent?.type === "call_expression" && resultOutlives(unit, p.parent)) return true;
    return ["keyed_element", "literal_element", "literal_value", "send_statement"].includes(p.type) || p.type === "return_statement";
  });
}

/** The context is passed to a call whose result a later `go` statement is handed, or to the `go` call itself. */
function reachesGoroutine(unit: Unit, target: GoNode): boolean {
  if (target.type !== "identifier" || target.text === "_") return false;
  const b = unit.bindings.resolve(target) ?? unit.bindings.declaredBy(target);
  const home = enclosingFunction(target);
  return !!b && b.uses.some((u) => {
    if (u.id === target.id || enclosingFunction(u)?.id !== home?.id) return false;
    let n: GoNode = u;
    while (n.parent?.type === "parenthesized_expression") n = n.parent;
    const call = n.parent?.type === "argument_list" ? n.parent.parent : undefined;
    if (call?.type !== "call_expression") return false;
    return call.parent?.type === "go_statement" || resultOutlives(unit, call);
  });
}

/** The call's results are bound to locals one of which a later `go` statement is handed. */
function resultOutlives(unit: Unit, call: GoNode): boolean {
  let n: GoNode = call;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const list = n.parent;
  const stmt = list?.type === "expression_list" ? list.parent : undefined;
  if (!stmt || (stmt.type !== "short_var_declaration" && stmt.type !== "assignment_statement") || stmt.childForFieldName("right")?.id !== list!.id) return false;
  for (const t of stmt.childForFieldName("left")?.namedChildren ?? []) {
    if (t?.type !== "identifier" || t.text === "_") continue;
    const b = unit.bindings.resolve(t) ?? unit.bindings.declaredBy(t);
    if (!b) continue;
    for (const u of b.uses) {
      if (u.startIndex < stmt.endIndex) continue;
      for (let a = u.parent; a && a.id !== unit.node.id; a = a.parent) {
        if (a.type === "go_statement") return true;
        if (a.type.endsWith("_statement") && a.type !== "expression_statement") break;
      }
    }
  }
  return false;
}

/** The statement the assignment is: a `var` spec's declaration (`var ctx, cancel = ...`), else itself. */
function statementOf(stmt: GoNode): GoNode {
  if (stmt.type !== "var_spec") return stmt;
  let n: GoNode = stmt;
  while (n.parent && n.parent.type !== "statement_list" && n.type !== "var_declaration") n = n.parent;
  return n;
}

/** A statement directly in a block, outside any loop of its function: `defer` can go right after it. */
function deferrable(stmt: GoNode, unit: Unit): boolean {
  if (stmt.type === "var_spec") return false;
  if (stmt.parent?.type !== "statement_list") return false;
  for (const a of ancestors(stmt, unit.node)) {
    if (a.type === "func_literal") return true;
    if (a.type === "for_statement") return false;
  }
  return true;
}

function deferLine(unit: Unit, stmt: GoNode, name: string, cancel: CancelSource): TextEdit {
  const source = unit.file.source;
  let at = endOfLine(source, stmt.endIndex);
  if (source[at - 1] === "\n") at--;
  if (source[at - 1] === "\r") at--;
  const eol = source[at] === "\r" ? "\r\n" : "\n";
  const arg = cancel.cause ? "nil" : "";
  return { start: at, end: at, text: `${eol}${indentAt(source, stmt.startIndex)}defer ${name}(${arg})` };
}

/** A later `defer cancel()` in the same statement list: the fix moves it up instead of adding one. */
function laterDefer(stmt: GoNode, binding: Binding): GoNode | undefined {
  return binding.uses
    .map((u) => u.parent?.parent)
    .find((d) => d?.type === "defer_statement" && d.parent?.id === stmt.parent?.id && d.startIndex > stmt.endIndex) ?? undefined;
}

/** Deletes the line `node` sits on, together with the line break before it. */
function deleteLine(source: string, node: GoNode): TextEdit {
  const lineStart = source.lastIndexOf("\n", node.startIndex - 1) + 1;
  const start = source[lineStart - 2] === "\r" ? lineStart - 2 : lineStart - 1;
  let end = endOfLine(source, node.endIndex);
  if (source[end - 1] === "\n") end--;
  if (source[end - 1] === "\r") end--;
  return { start, end, text: "" };
}

function discardFix(unit: Unit, stmt: GoNode, blank: GoNode, source: CancelSource) {
  if (stmt.type !== "short_var_declaration" || !deferrable(stmt, unit)) return undefined;
  const name = source.fixName;
  if (!nameIsFree(unit, name)) return undefined;
  return {
    description: `name the cancel function and defer it`,
    edits: [{ ...spanOf(blank), text: name }, deferLine(unit, stmt, name, source)],
  };
}

function deferFix(unit: Unit, stmt: GoNode, binding: Binding, source: CancelSource) {
  if (!deferrable(stmt, unit)) return undefined;
  // Only when the cancel function is merely called: if it is returned, stored or passed,
  // someone else owns it and a defer here would cancel their context.
  // A call inside a closure or goroutine belongs to it: it may run after the function returns.
  const home = enclosingFunction(stmt);
  const onlyCalled = binding.uses.every((u) => {
    const call = u.parent;
    return (
      call?.type === "call_expression" &&
      unparen(call.childForFieldName("function")!).id === u.id &&
      call.parent?.type !== "go_statement" &&
      enclosingFunction(u)?.id === home?.id
    );
  });
  if (!onlyCalled || binding.kind === "result") return undefined;
  const edits = [deferLine(unit, stmt, binding.name, source)];
  const existing = laterDefer(stmt, binding);
  if (existing) edits.push(deleteLine(unit.file.source, existing));
  const verb = existing ? "move" : "add";
  return { description: `${verb} defer ${binding.name}() right after the context is made`, edits };
}
