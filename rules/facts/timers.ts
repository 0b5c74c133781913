// Facts shared by the timer rules (afterfunc-untracked, ticker-not-stopped, time-after-in-loop):
// calls into package "time" through the file's import names, the loop that re-runs a node on
// every iteration, loops that never end, and whether the runtime collects unstopped timers.
import type { FileView, GoNode, Severity, Unit } from "../../src/analyzer/types.js";
import { importsAny, packageCallee } from "./calls.js";
import { exitWithout, type PathQuery } from "./flow.js";
import { FUNCTION_TYPES, unparen } from "./syntax.js";

export const TIME = "time";

/** Cheap exit shared by the three rules. */
export const importsTime = (file: FileView): boolean => importsAny(file, [TIME]);

export interface TimeCall {
  call: GoNode;
  /** The function called: "After", "AfterFunc", "NewTicker", "NewTimer", "Tick", ... */
  name: string;
}

/** Every `time.X(...)` call of the unit (aliases and dot imports honoured), in source order. */
export function timeCalls(unit: Unit): TimeCall[] {
  return unit.memo("timers.calls", () => {
    const out: TimeCall[] = [];
    for (const call of unit.nodes("call_expression")) {
      if (!call) continue;
      const c = packageCallee(call, unit, [TIME]);
      if (c?.pkg === TIME) out.push({ call, name: c.name });
    }
    return out;
  });
}

/**
 * What the file's Go version says about unstopped timers and tickers. From Go 1.23 the runtime
 * collects them once unreferenced, but only when the *main module's* go line is 1.23 or later
 * (the asynctimerchan GODEBUG default): a library's go line is a lower bound for its main
 * module's, a `//go:build go1.23` constraint only says which toolchain compiles the file. So the
 * module's go line decides (FileView.moduleGoVersion), and unknown means "assume old".
 * The module's `godebug` lines come first: `asynctimerchan=1` brings the pre-1.23 timers back at
 * any go line (`0`, and `2`, which keeps the old channels but collects the timers, do the
 * opposite), and `default=go1.N` sets the defaults of that version.
 */
export interface TimerEra {
  /** Unstopped, unreferenced timers are collected: the Go 1.23 rules stay silent. */
  collected: boolean;
  /** Severity override for a finding when the version is not settled. */
  severity?: Severity;
}

const GO_1_23 = { major: 1, minor: 23 };

export function timerEra(file: FileView): TimerEra {
  return file.memo("timers.era", () => {
    const setting = file.moduleGodebug["asynctimerchan"];
    if (setting === "1") return { collected: false };
    if (setting === "0" || setting === "2") return { collected: true };
    // `godebug default=go1.N` sets every default as of Go 1.N.
    const byDefault = /^go1\.(\d+)/.exec(file.moduleGodebug["default"] ?? "");
    if (byDefault) return { collected: Number(byDefault[1]) >= 23 };
    const collected = file.goAtLeast("1.23", "module");
    if (collected === null) return { collected: false, severity: "warning" as Severity };
    return { collected };
  });
}

/** The label of `L: for ...`, given the for statement. */
function labelled(stmt: GoNode): string | undefined {
  return stmt.parent?.type === "labeled_statement" ? stmt.parent.childForFieldName("label")?.text : undefined;
}

/**
 * The nearest `for` of the same function that evaluates `node` again on every iteration:
 * `node` sits in its body, its condition or its post statement (not its range expression or
 * its init statement, which run once per loop start).
 */
export function loopAround(node: GoNode): GoNode | null {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (FUNCTION_TYPES.has(p.type)) return null;
    if (p.type !== "for_statement" || child.type === "range_clause") continue;
    const init = child.type === "for_clause" ? child.childForFieldName("initializer") : null;
    if (!init || !(init.startIndex <= node.startIndex && node.endIndex <= init.endIndex)) return p;
  }
  return null;
}

/** Nodes of the given types under `root`, not inside nested function literals. */
export function ownDescendants(root: GoNode, type: string): GoNode[] {
  const out: GoNode[] = [];
  const walk = (n: GoNode) => {
    for (const c of n.namedChildren) {
      if (!c || c.type === "func_literal") continue;
      if (c.type === type) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

const BREAKABLE = new Set(["for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"]);

/** `break` statements of the function that leave `target` (a for, switch or select). */
export function breaksOf(target: GoNode): GoNode[] {
  const label = labelled(target);
  return ownDescendants(target, "break_statement").filter((b) => {
    const l = b.namedChildren.find((c) => c?.type === "label_name");
    if (l) return l.text === label;
    for (let p = b.parent; p; p = p.parent) if (BREAKABLE.has(p.type)) return p.id === target.id;
    return false;
  });
}

/**
 * A loop that never ends: no return, goto or break leaves it, and it either has no header
 * (`for { ... }`) or ranges over a channel nobody closes (`for range ticker.C`).
 */
export function neverEnds(loop: GoNode, rangesOverTimer: (expr: GoNode) => boolean): boolean {
  if (loop.type !== "for_statement") return false;
  const header = loop.namedChildren.filter((c) => !!c && c.type !== "block" && c.type !== "comment");
  if (header.length > 0) {
    const right = header[0]!.type === "range_clause" ? header[0]!.childForFieldName("right") : null;
    if (!right || !rangesOverTimer(unparen(right))) return false;
  }
  const body = loop.childForFieldName("body");
  if (!body) return false;
  return ownDescendants(body, "return_statement").length === 0 && ownDescendants(body, "goto_statement").length === 0 && breaksOf(loop).length === 0;
}

/** The first `return` of a function body, nested function literals left out. */
export function firstReturn(body: GoNode): GoNode | undefined {
  return ownDescendants(body, "return_statement")[0];
}

/** The statement of the enclosing statement list that holds `node` (within its function). */
export function statementOf(node: GoNode): GoNode | null {
  for (let n: GoNode | null = node; n; n = n.parent) {
    if (FUNCTION_TYPES.has(n.type)) return null;
    if (n.parent?.type === "statement_list") return n;
  }
  return null;
}

/** `t.C` where t is the given identifier's binding: the ticker's or timer's channel. */
export function isChannelOf(expr: GoNode, unit: Unit, id: GoNode): boolean {
  if (expr.type !== "selector_expression" || expr.childForFieldName("field")?.text !== "C") return false;
  const op = expr.childForFieldName("operand");
  return op?.type === "identifier" && unit.bindings.resolve(op) === unit.bindings.declaredBy(id);
}

/**
 * The first way out of the function after `from` (see exitWithout), also past a later
 * `L: for { select { ... break L } }`: exitWithout lets a select or switch absorb a labelled
 * break, so it takes such a loop for endless.
 */
export function exitAfter(from: GoNode, q: PathQuery): GoNode | null {
  const exit = exitWithout(from, q);
  if (exit) return exit;
  for (let s = from.nextNamedSibling; s; s = s.nextNamedSibling) {
    const loop = s.type === "labeled_statement" ? s.namedChildren.find((c) => c?.type === "for_statement") : undefined;
    if (loop && breaksOf(loop).some((b) => b.namedChildren.some((c) => c?.type === "label_name"))) return exitWithout(s, q);
  }
  return null;
}
