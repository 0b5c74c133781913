// Paths through a function body, over syntax: from a statement to the function's exits.
// Used to ask "is there a way out of this function that never touches X?" (a lost cancel,
// a goroutine whose receiver is skipped). Structured control flow only; `goto` ends a path.
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { packageCallee, methodName } from "./calls.js";
import { caseStatements, FUNCTION_TYPES, statementsOf, unparen } from "./syntax.js";

const EXIT_FUNCS: Record<string, readonly string[]> = {
  os: ["Exit"],
  log: ["Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"],
  runtime: ["Goexit"],
  "log/slog": [],
};
const EXIT_METHODS = new Set(["Fatal", "Fatalf", "Fatalln", "FailNow", "SkipNow", "Skip", "Skipf", "Panic", "Panicf", "Panicln"]);
// Package-level functions of third-party loggers (klog, glog, logrus, zap's sugar) named like these exit or panic.
const THIRD_PARTY_EXITS = new Set(["Fatal", "Fatalf", "Fatalln", "Fatalw", "Exit", "Exitf", "Exitln", "Panic", "Panicf", "Panicln", "Panicw"]);

/**
 * An expression statement that never returns: `panic(...)`, `os.Exit`, `log.Fatal*`,
 * `runtime.Goexit`, `t.Fatal*`/`t.FailNow`/`t.Skip*` on any receiver, and a third-party
 * logger's package-level `Fatal*`/`Exit*`/`Panic*` (`klog.Fatalf`, `logrus.Fatal`).
 */
export function isTerminatingCall(stmt: GoNode, unit: Unit): boolean {
  const expr = stmt.type === "expression_statement" ? stmt.namedChildren[0] : stmt;
  if (!expr || expr.type !== "call_expression") return false;
  const fn = expr.childForFieldName("function");
  if (fn && unparen(fn).type === "identifier" && fn.text === "panic" && !unit.bindings.resolve(fn)) return true;
  const callee = packageCallee(expr, unit);
  if (callee) {
    // Standard library packages by table; a module path (its first element has a dot) by name.
    if (!callee.pkg.split("/")[0]!.includes(".")) return EXIT_FUNCS[callee.pkg]?.includes(callee.name) ?? false;
    return THIRD_PARTY_EXITS.has(callee.name);
  }
  const m = methodName(expr);
  return m !== undefined && EXIT_METHODS.has(m);
}

/** What happens to a path that enters a statement while X is still unseen. */
interface Flow {
  /** The exit reached without X (a return statement, or the body's closing brace). */
  leak: GoNode | null;
  /** The path can continue after the statement with X still unseen. */
  through: boolean;
  /** An unlabelled break leaves the enclosing loop/switch/select with X unseen. */
  breaks: boolean;
  /** Labels of `break L` statements still looking for their labelled statement. */
  labels: string[];
  /** A continue goes to the next iteration with X unseen. */
  continues: boolean;
}

const DONE: Flow = { leak: null, through: false, breaks: false, continues: false, labels: [] };
const THROUGH: Flow = { leak: null, through: true, breaks: false, continues: false, labels: [] };

export interface PathQuery {
  unit: Unit;
  /** True when the node (a statement, condition or header) does X somewhere inside it. */
  touches(node: GoNode): boolean;
  /** A bare `return` counts as X (X is a named result). */
  nakedReturnCounts?: boolean;
  /**
   * A statement list (a loop body, say) whose end loses X's chance: a path that leaves it
   * (falls off its end, goes round the loop, breaks out) counts as an exit, reported at its
   * closing brace. For a value made inside a loop body, which the next iteration replaces.
   */
  scope?: GoNode;
}

/**
 * The first exit of the function enclosing `from` that a path starting just after the
 * statement `from` reaches without doing X; null when every path does X or never returns.
 */
export function exitWithout(from: GoNode, q: PathQuery): GoNode | null {
  let node = from;
  if (from.parent?.type === "if_statement") {
    // Declared in an if's initializer: the paths go through its branches first.
    const alt = from.parent.childForFieldName("alternative");
    const f = join(seq(statementsOf(from.parent.childForFieldName("consequence")), q), alt ? stmt(alt, q) : THROUGH);
    if (f.leak) return f.leak;
    if (!f.through && !f.breaks && !f.continues && f.labels.length === 0) return null;
    node = climbIf(from.parent);
  } else if (from.parent?.type !== "statement_list") {
    return null;
  }
  // Walk up: after the rest of each enclosing statement list, control goes past the
  // enclosing construct, until the function body ends.
  for (;;) {
    const list = node.parent;
    if (!list || list.type !== "statement_list") return null;
    const stmts = statementsOf(list);
    const flow = seq(stmts.slice(stmts.findIndex((s) => s.id === node.id) + 1), q);
    if (flow.leak) return flow.leak;
    const container = list.parent;
    if (!container) return null;
    if (q.scope && list.id === q.scope.id) {
      if (!flow.through && !flow.breaks && !flow.continues && flow.labels.length === 0) return null;
      return container.type === "block" ? container.lastChild : (stmts[stmts.length - 1] ?? null);
    }
    if (container.type !== "block") {
      // A case clause: leaving it (falling through or `break`) leaves the switch or select.
      if (!flow.through && !flow.breaks && flow.labels.length === 0) return null;
      node = container.parent!;
      continue;
    }
    const owner = container.parent;
    if (!owner) return null;
    if (FUNCTION_TYPES.has(owner.type)) {
      if (!flow.through) return null;
      // Falling off the end is an implicit return only where the function has no results.
      return owner.childForFieldName("result") ? null : container.lastChild;
    }
    let onward: boolean;
    if (owner.type === "for_statement") {
      // Leaving the body: the loop goes round again and ends through its condition or range
      // clause; an endless loop is left only by break.
      const hasHeader = endsOnItsOwn(owner);
      onward = flow.breaks || flow.labels.length > 0 || ((flow.through || flow.continues) && hasHeader);
    } else {
      // if/else branches and bare blocks; a break/continue leaves for an enclosing loop,
      // which we approximate as going on after this statement.
      onward = flow.through || flow.breaks || flow.continues || flow.labels.length > 0;
    }
    if (!onward) return null;
    node = owner.type === "statement_list" ? container : owner.type === "if_statement" ? climbIf(owner) : owner;
  }
}

/** A loop with a condition or a range clause; `for {}` and `for i := 0; ; i++ {}` are left only by a jump. */
function endsOnItsOwn(loop: GoNode): boolean {
  return loop.namedChildren.some((c) => !!c && c.type !== "block" && c.type !== "comment" && !(c.type === "for_clause" && !c.childForFieldName("condition")));
}

/** An `else if` chain is one statement: climb to the outermost if. */
function climbIf(n: GoNode): GoNode {
  let cur = n;
  while (cur.parent?.type === "if_statement") cur = cur.parent;
  return cur;
}

function seq(stmts: GoNode[], q: PathQuery): Flow {
  let breaks = false;
  let continues = false;
  const labels: string[] = [];
  for (const s of stmts) {
    const f = stmt(s, q);
    if (f.leak) return f;
    breaks ||= f.breaks;
    continues ||= f.continues;
    labels.push(...f.labels);
    if (!f.through) return { leak: null, through: false, breaks, continues, labels };
  }
  return { leak: null, through: true, breaks, continues, labels };
}

function join(a: Flow, b: Flow): Flow {
  return {
    leak: a.leak ?? b.leak,
    through: a.through || b.through,
    breaks: a.breaks || b.breaks,
    continues: a.continues || b.continues,
    labels: [...a.labels, ...b.labels],
  };
}

function stmt(s: GoNode, q: PathQuery): Flow {
  switch (s.type) {
    case "return_statement":
      if (q.touches(s)) return DONE;
      if (q.nakedReturnCounts && s.namedChildren.filter((c) => c?.type !== "comment").length === 0) return DONE;
      return { ...DONE, leak: s };
    case "break_statement": {
      const label = s.namedChildren.find((c) => c?.type === "label_name");
      return label ? { ...DONE, labels: [label.text] } : { ...DONE, breaks: true };
    }
    case "continue_statement":
      return { ...DONE, continues: true };
    case "goto_statement":
      return DONE;
    case "block":
      return seq(statementsOf(s), q);
    case "labeled_statement": {
      // `break L` leaves the statement labelled L: control goes on after it.
      const label = s.namedChildren.find((c) => c?.type === "label_name")?.text;
      const inner = s.namedChildren.find((c) => c && c.type !== "label_name");
      if (!inner) return THROUGH;
      const f = stmt(inner, q);
      const mine = f.labels.filter((l) => l === label);
      return mine.length ? { ...f, through: true, labels: f.labels.filter((l) => l !== label) } : f;
    }
    case "if_statement": {
      const init = s.childForFieldName("initializer");
      const cond = s.childForFieldName("condition");
      if ((init && q.touches(init)) || (cond && q.touches(cond))) return DONE;
      const then = seq(statementsOf(s.childForFieldName("consequence")), q);
      const alt = s.childForFieldName("alternative");
      const other = alt ? stmt(alt, q) : THROUGH;
      return join(then, other);
    }
    case "expression_switch_statement":
    case "type_switch_statement": {
      const headers = ["initializer", "value"].map((f) => s.childForFieldName(f)).filter((n): n is GoNode => !!n);
      if (headers.some((h) => q.touches(h))) return DONE;
      const cases = s.namedChildren.filter((c): c is GoNode => !!c && ["expression_case", "default_case", "type_case"].includes(c.type));
      let out: Flow = cases.some((c) => c.type === "default_case") ? { ...DONE } : { ...THROUGH };
      for (const c of cases) {
        const f = seq(caseStatements(c), q);
        out = join(out, { ...f, through: f.through || f.breaks, breaks: false });
      }
      return out;
    }
    case "select_statement": {
      const cases = s.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case"));
      let out: Flow = { ...DONE };
      for (const c of cases) {
        const comm = c.childForFieldName("communication");
        if (comm && q.touches(comm)) continue;
        const f = seq(caseStatements(c), q);
        out = join(out, { ...f, through: f.through || f.breaks, breaks: false });
      }
      return out;
    }
    case "for_statement": {
      const header = s.namedChildren.filter((c): c is GoNode => !!c && c.type !== "block" && c.type !== "comment");
      if (header.some((h) => q.touches(h))) return DONE;
      const body = seq(statementsOf(s.childForFieldName("body")), q);
      if (body.leak) return body;
      // An endless loop (`for {}`) is left only by break.
      const through = endsOnItsOwn(s) || body.breaks;
      return { leak: null, through, breaks: false, continues: false, labels: body.labels };
    }
    default:
      if (q.touches(s)) return DONE;
      if (s.type === "expression_statement" && isTerminatingCall(s, q.unit)) return DONE;
      return THROUGH;
  }
}
