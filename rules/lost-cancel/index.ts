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
import { importsAny, packageCallee } from "../facts/calls.js";
import { cfgAt } from "../facts/cfg.js";
import { processEntry } from "../facts/lifetime.js";
import { docsUrl } from "../facts/meta.js";
import { contains, enclosingFunction, endOfLine, indentAt, nameIsFree, spanOf, unparen } from "../facts/syntax.js";
import { ancestors } from "./tree.js";

const CONTEXT_PKGS = ["context", "golang.org/x/net/context"];
const DERIVERS = ["WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause", "WithTimeoutCause", "WithDeadlineCause"];

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
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => importsAny(file, CONTEXT_PKGS),
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  if (processEntry(unit) === "main") return;
  for (const call of unit.nodes("call_expression")) {
    if (!call) continue;
    const callee = packageCallee(call, unit, CONTEXT_PKGS);
    if (!callee || !CONTEXT_PKGS.includes(callee.pkg) || !DERIVERS.includes(callee.name)) continue;
    const stmt = assignmentOf(call);
    if (!stmt) continue; // used as a value elsewhere: passed on, returned; not ours to judge
    const left = stmt.childForFieldName("left") ?? stmt.childForFieldName("name");
    const targets = left?.type === "expression_list" ? left.namedChildren : stmt.childrenForFieldName("name");
    const target = targets.filter((t) => t && t.type !== ",")[1];
    if (!target) continue;
    const fn = `context.${callee.name}`;
    if (target.type === "identifier" && target.text === "_") {
      ctx.report({
        span: spanOf(stmt),
        messageId: "discarded",
        data: { fn, leak: leakNote(callee.name) },
        fix: ctxEscapes(unit, targets[0]) ? undefined : discardFix(unit, stmt, target, callee.name),
      });
      continue;
    }
    if (target.type !== "identifier") continue; // stored in a field, map or slice element
    const binding = unit.bindings.resolve(target) ?? unit.bindings.declaredBy(target);
    if (!binding) continue; // a package-level variable: stored
    const later = binding.uses.filter((u) => u.startIndex >= stmt.endIndex);
    // Calls that end the process or the goroutine are not ways out (as go vet's lostcancel).
    const from = statementOf(stmt);
    const exit = cfgAt(unit, from)?.firstEnd({ after: from }, {
      avoid: (n) => later.some((u) => contains(n, u)) || (binding.kind === "result" && isNakedReturn(n)),
    })?.node;
    if (!exit) continue;
    const where = exit.type === "return_statement" ? `the return on line ${unit.file.lineOf(exit.startIndex)}` : `the end of the function on line ${unit.file.lineOf(exit.startIndex)}`;
    ctx.report({
      span: spanOf(stmt),
      messageId: "notCalled",
      data: { name: binding.name, where, leak: leakNote(callee.name) },
      related: [{ ...spanOf(exit), message: "this way out skips the cancel function" }],
      fix: ctxEscapes(unit, targets[0]) ? undefined : deferFix(unit, stmt, binding, callee.name),
    });
  }
}

const isNakedReturn = (n: GoNode) => n.type === "return_statement" && n.namedChildren.filter((c) => c?.type !== "comment").length === 0;

const leakNote = (name: string) =>
  name.includes("Timeout") || name.includes("Deadline")
    ? "the context and its timer may live until the deadline"
    : "the context lives until the parent is cancelled";

/** The statement that assigns the call's results: `a, b := call`, `a, b = call`, `var a, b = call`. */
function assignmentOf(call: GoNode): GoNode | null {
  let node: GoNode = call;
  while (node.parent && node.parent.type === "parenthesized_expression") node = node.parent;
  const list = node.parent;
  if (list?.type !== "expression_list") return null;
  const stmt = list.parent;
  if (!stmt || !["short_var_declaration", "assignment_statement", "var_spec"].includes(stmt.type)) return null;
  if (stmt.childForFieldName("right")?.id !== list.id && stmt.childForFieldName("value")?.id !== list.id) return null;
  return list.namedChildren.length === 1 ? stmt : null;
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
    return ["keyed_element", "literal_element", "literal_value", "send_statement"].includes(p.type) || p.type === "return_statement";
  });
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

function deferLine(unit: Unit, stmt: GoNode, name: string, deriver: string): TextEdit {
  const source = unit.file.source;
  let at = endOfLine(source, stmt.endIndex);
  if (source[at - 1] === "\n") at--;
  if (source[at - 1] === "\r") at--;
  const eol = source[at] === "\r" ? "\r\n" : "\n";
  const arg = deriver === "WithCancelCause" ? "nil" : "";
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

function discardFix(unit: Unit, stmt: GoNode, blank: GoNode, deriver: string) {
  if (stmt.type !== "short_var_declaration" || !deferrable(stmt, unit)) return undefined;
  const name = nameIsFree(unit, "cancel") ? "cancel" : undefined;
  if (!name) return undefined;
  return {
    description: `name the cancel function and defer it`,
    edits: [{ ...spanOf(blank), text: name }, deferLine(unit, stmt, name, deriver)],
  };
}

function deferFix(unit: Unit, stmt: GoNode, binding: Binding, deriver: string) {
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
  const edits = [deferLine(unit, stmt, binding.name, deriver)];
  const existing = laterDefer(stmt, binding);
  if (existing) edits.push(deleteLine(unit.file.source, existing));
  const verb = existing ? "move" : "add";
  return { description: `${verb} defer ${binding.name}() right after the context is made`, edits };
}
