// Functions that run once for the life of the process: what they start or allocate is meant to
// live as long as the process, so rules about things outliving their caller exempt them.
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { packageRef } from "./calls.js";
import { unparen } from "./syntax.js";

export type ProcessEntry = "main" | "init" | "TestMain";

/** `main` of package main, an `init` function, or a test binary's `TestMain`; undefined otherwise. */
export function processEntry(unit: Unit): ProcessEntry | undefined {
  if (unit.kind !== "func") return undefined;
  if (unit.name === "main" && unit.file.packageName === "main") return "main";
  if (unit.name === "init") return "init";
  if (unit.name === "TestMain" && unit.file.isTest) return "TestMain";
  return undefined;
}

/** Constructors: `New`, `NewServer`, `newServer`. */
const CONSTRUCTOR = /^(?:New(?![a-z])|new[A-Z])/;
/**
 * Lifecycle functions and methods: `Run`, `RunServer`, `Start`, `startClock`, `Listen`,
 * `ListenAndServe`, and `Serve` itself (not `ServeHTTP` or `ServeConn`: once per request).
 */
const LIFECYCLE = /^(?:(?:[Rr]un|[Ss]tart|[Ll]isten)(?![a-z0-9_])|[Ss]erve$)/;

/**
 * Whether the goroutine that `stmt` starts (a `go` statement, or a `g.Go(func ...)` call
 * statement) is started once for the life of the process, so that it is expected to run as long
 * as the process does: it sits in the body of a `once.Do(func() { ... })` or
 * `sync.OnceFunc(func() { ... })` literal, or the unit is a process entry (main, init, TestMain),
 * a constructor (`New*`) or a lifecycle function or method (`Run`, `Start`, `Serve`, `Listen*`);
 * and nothing between that point and the statement runs it again per event. A counted or range
 * loop (a fixed pool of workers) and the bodies of goroutines and of literals called in place
 * keep it "once"; an endless or condition-only loop (an accept loop) and any other func literal
 * (a handler, a callback) do not.
 */
export function startedForProcessLife(unit: Unit, stmt: GoNode): boolean {
  for (let p = stmt.parent; p && p.id !== unit.node.id; p = p.parent) {
    if (p.type === "for_statement") {
      const clause = p.namedChildren.find((c) => c?.type === "for_clause" || c?.type === "range_clause");
      if (!clause || (clause.type === "for_clause" && !clause.childForFieldName("condition"))) return false;
    } else if (p.type === "func_literal") {
      if (onceBody(p, unit)) return true;
      if (!startedOrCalledInPlace(p)) return false;
    }
  }
  const name = unit.name.slice(unit.name.lastIndexOf(".") + 1); // `T.M` for a method
  return !!processEntry(unit) || CONSTRUCTOR.test(name) || LIFECYCLE.test(name);
}

/** The literal of `x.Do(func() { ... })` (a sync.Once, in a file that imports sync) or `sync.OnceFunc(func() { ... })`. */
function onceBody(lit: GoNode, unit: Unit): boolean {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const args = n.parent;
  const call = args?.type === "argument_list" && args.namedChildCount === 1 ? args.parent : null;
  if (call?.type !== "call_expression" || unit.file.importName("sync") === undefined) return false;
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type === "selector_expression" && fn.childForFieldName("field")?.text === "Do") return true;
  const ref = packageRef(fn, unit, ["sync"]);
  return ref?.name === "OnceFunc";
}

/** `go func() { ... }()`, `func() { ... }()`, `defer func() { ... }()`, `g.Go(func() error { ... })`. */
function startedOrCalledInPlace(lit: GoNode): boolean {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (p?.type === "call_expression" && p.childForFieldName("function")?.id === n.id) return true;
  const call = p?.type === "argument_list" && p.namedChildCount === 1 ? p.parent : null;
  const fn = call?.type === "call_expression" ? call.childForFieldName("function") : null;
  return fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "Go" && call?.parent?.type === "expression_statement";
}
