// Loop variables and the closures that outlive an iteration (only this rule
// asks, so it lives in its folder, not in rules/facts/).
import type { Binding, GoNode, Unit } from "../../src/analyzer/types.js";
import { methodCalls, methodName } from "../facts/calls.js";
import { cfgAt } from "../facts/cfg.js";
import { isWrite } from "../facts/definitions.js";
import { caseStatements, contains, enclosingFunction, unparen } from "../facts/syntax.js";

export interface Loop {
  node: GoNode;
  body: GoNode;
  label: string | undefined;
  /** Variables the header declares: `for i := ...`, `for k, v := range ...`. */
  vars: Binding[];
}

/** The `for` statements of the unit that declare loop variables. */
export function loopsOf(unit: Unit): Loop[] {
  return unit.memo("sync.loops", () => {
    const out: Loop[] = [];
    for (const loop of unit.nodes("for_statement")) {
      const body = loop?.childForFieldName("body");
      if (!loop || !body) continue;
      const range = loop.namedChildren.find((c) => c?.type === "range_clause");
      const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
      const init = clause?.childForFieldName("initializer");
      const left =
        range && range.children.some((t) => t?.type === ":=") ? range.childForFieldName("left")
        : init?.type === "short_var_declaration" ? init.childForFieldName("left")
        : null;
      // A three-clause loop shares only what it changes: `for i, n := 0, len(xs); i < n; i++` shares i, not n.
      const vars = (left?.namedChildren ?? []).flatMap((id) => {
        const b = id ? unit.bindings.declaredBy(id) : undefined;
        return b && (range || b.uses.some((u) => isWrite(u))) ? [b] : [];
      });
      const label = loop.parent?.type === "labeled_statement" ? loop.parent.childForFieldName("label")?.text : undefined;
      if (vars.length > 0) out.push({ node: loop, body, label, vars });
    }
    return out;
  });
}

export type ClosureKind = "go" | "defer" | "group" | "subtest";

/** A func literal that runs after the statement that creates it has finished. */
export interface ClosureSite {
  kind: ClosureKind;
  /** The statement of a statement list that holds the site (where a `v := v` would go). */
  stmt: GoNode;
  /** The `go`/`defer` statement, or the `g.Go(...)`/`t.Run(...)` call: where a finding goes. */
  anchor: GoNode;
  lit: GoNode;
  /** Uses of a variable count from here on: after `t.Parallel()` in a subtest, else the literal's start. */
  from: number;
  /** The `t.Parallel()` call of a subtest. */
  parallel?: GoNode;
  /** Where a `v := v` must go when that is not before `stmt`: before `run := func() {...}` for `go run()`. */
  copyAt?: GoNode;
}

/**
 * Closures that run later than the statement creating them:
 *
 *	go func() { ... }()                  defer func() { ... }()
 *	g.Go(func() error { ... })           t.Run(name, func(t *testing.T) { t.Parallel(); ... })
 */
export function closureSites(unit: Unit): ClosureSite[] {
  return unit.memo("sync.closureSites", () => {
    const out: ClosureSite[] = [];
    for (const stmt of unit.nodes(["go_statement", "defer_statement"])) {
      if (!stmt || stmt.parent?.type !== "statement_list") continue;
      const kind = stmt.type === "go_statement" ? "go" : "defer";
      for (const { lit, copyAt } of deferredLiterals(stmt, unit)) out.push({ kind, stmt, anchor: stmt, lit, from: lit.startIndex, copyAt });
    }
    for (const call of unit.nodes("call_expression")) {
      if (!call) continue;
      const m = methodName(call);
      if (m !== "Go" && m !== "TryGo" && m !== "Run") continue; // before the walk up to the statement
      const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
      const stmt = statementOf(call);
      if (!stmt) continue;
      if ((m === "Go" || m === "TryGo") && args.length === 1 && args[0]!.type === "func_literal") {
        const lit = args[0]!;
        if (paramNames(lit).length === 0) out.push({ kind: "group", stmt, anchor: call, lit, from: lit.startIndex });
      } else if (m === "Run" && args.length === 2 && args[1]!.type === "func_literal") {
        const lit = args[1]!;
        const parallel = parallelCall(lit, unit);
        if (parallel) out.push({ kind: "subtest", stmt, anchor: call, lit, from: parallel.endIndex, parallel });
      }
    }
    return out.sort((a, b) => a.anchor.startIndex - b.anchor.startIndex);
  });
}

/**
 * The func literals a `go` or `defer` statement runs later: the called literal itself, a literal
 * passed straight to the called function, or a local variable set once to a literal.
 *
 *	go func() { ... }()        go safely(func() { ... })        run := func() { ... }; go run()
 */
function deferredLiterals(stmt: GoNode, unit: Unit): { lit: GoNode; copyAt?: GoNode }[] {
  const lit = goLiteral(stmt);
  if (lit) return [{ lit }];
  const call = stmt.namedChildren.find((c) => c?.type === "call_expression");
  if (!call) return [];
  const out: { lit: GoNode; copyAt?: GoNode }[] = (call.childForFieldName("arguments")?.namedChildren ?? []).flatMap((a) => (a && unparen(a).type === "func_literal" ? [{ lit: unparen(a) }] : []));
  const fn = unparen(call.childForFieldName("function")!);
  const b = fn.type === "identifier" ? unit.bindings.resolve(fn) : undefined;
  if (b && b.kind === "var" && b.decl.type === "short_var_declaration" && !b.uses.some(isWrite)) {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    const right = b.decl.childForFieldName("right")?.namedChildren.filter((v) => v && v.type !== "comment") ?? [];
    const value = left.length === right.length ? right[left.findIndex((l) => l?.id === b.id.id)] : undefined;
    if (value && unparen(value).type === "func_literal" && enclosingFunction(b.decl)?.id === enclosingFunction(stmt)?.id) {
      out.push({ lit: unparen(value), copyAt: b.decl.parent?.type === "statement_list" ? b.decl : undefined });
    }
  }
  return out;
}

/** The statement (a child of a statement list) an expression belongs to, within its function. */
function statementOf(node: GoNode): GoNode | undefined {
  for (let n: GoNode | null = node; n; n = n.parent) {
    if (n.parent?.type === "statement_list") return n;
    if (n.type === "func_literal" && n.id !== node.id) return undefined;
  }
  return undefined;
}

function paramNames(lit: GoNode): GoNode[] {
  const params = lit.childForFieldName("parameters");
  return (params?.namedChildren ?? []).filter((p): p is GoNode => !!p && p.type !== "comment");
}

/** `func(t *testing.T) { ...; t.Parallel(); ... }`: the `t.Parallel()` call on the literal's own T. */
function parallelCall(lit: GoNode, unit: Unit): GoNode | undefined {
  const params = paramNames(lit);
  const testing = unit.file.importName("testing");
  const type = params[0]?.childForFieldName("type");
  const name = params[0]?.childForFieldName("name");
  if (params.length !== 1 || !testing || !name || type?.type !== "pointer_type") return undefined;
  const target = type.namedChildren[0];
  if (target?.type !== "qualified_type" || target.text.replace(/\s+/g, "") !== `${testing}.T`) return undefined;
  const t = unit.bindings.declaredBy(name);
  return methodCalls(lit.childForFieldName("body")!, ["Parallel"]).find((c) => {
    const operand = c.childForFieldName("function")?.childForFieldName("operand");
    return operand?.type === "identifier" && !!t && unit.bindings.resolve(operand) === t;
  });
}

/** The site sits in the loop's body, in the same function as the loop (no func literal between). */
export function inLoop(site: ClosureSite | GoNode, loop: Loop): boolean {
  const node = "anchor" in site ? site.anchor : site;
  return contains(loop.body, node) && enclosingFunction(node)?.id === enclosingFunction(loop.node)?.id;
}

/**
 * A join later in the same iteration, after which the closure has finished:
 *
 *	go func() { defer wg.Done(); use(v) }()      go func() { use(v); close(done) }()
 *	wg.Wait()                                    <-done
 *
 * Looked for in what some path runs after the site before the iteration ends (the graph's nodes
 * on paths from the site, within the loop body).
 */
export function joinAfter(site: ClosureSite, loop: Loop, unit: Unit): GoNode | undefined {
  const paired = pairedWithClosed(site, loop, unit);
  const cfg = cfgAt(unit, site.stmt);
  const scope = loop.body.namedChildren.find((c) => c?.type === "statement_list");
  if (!cfg || !scope || cfg.fn.id !== enclosingFunction(loop.node)?.id) return undefined;
  const join = (s: GoNode): GoNode | undefined => {
    const use = s.descendantsOfType("identifier").find((id) => id && paired.has(unit.bindings.resolve(id)!) && !insideLiteral(id, s));
    if (use) return use;
    const wait = methodCalls(s, ["Wait"]).find((c) => (c.childForFieldName("arguments")?.namedChildCount ?? 0) === 0);
    if (wait) return wait;
    for (const recv of s.descendantsOfType("unary_expression").concat(s.type === "unary_expression" ? [s] : [])) {
      if (!recv || recv.childForFieldName("operator")?.type !== "<-") continue;
      const ch = unparen(recv.childForFieldName("operand")!);
      const b = ch.type === "identifier" ? unit.bindings.resolve(ch) : undefined;
      if (b && b.uses.some((u) => contains(site.lit, u)) && !insideLiteral(recv, s) && !selectMovesOn(recv, b, loop.body, loop, unit)) return recv;
    }
    return undefined;
  };
  for (const s of cfg.nodesOnPaths({ after: site.stmt }, (n) => !!join(n), { scope })) return join(s);
  return undefined;
}

/**
 * What the goroutine closes when it is done, with the variables declared alongside, all made in
 * this iteration: using them later in the iteration waits for the goroutine.
 *
 *	pr, pw := io.Pipe()
 *	go func() { write(pw, v); pw.Close() }()
 *	io.ReadAll(pr)
 */
function pairedWithClosed(site: ClosureSite, loop: Loop, unit: Unit): Set<Binding> {
  const out = new Set<Binding>();
  for (const call of unit.nodes("call_expression", site.lit)) {
    const fn = call?.childForFieldName("function");
    const args = call?.childForFieldName("arguments")?.namedChildren ?? [];
    const target =
      fn?.type === "identifier" && fn.text === "close" && !unit.bindings.resolve(fn) ? args[0]
      : fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "Close" ? fn.childForFieldName("operand")
      : undefined;
    const b = target?.type === "identifier" ? unit.bindings.resolve(target) : undefined;
    if (!b || !contains(loop.body, b.id) || contains(site.lit, b.id)) continue;
    for (const other of unit.bindings.all) if (other.decl.id === b.decl.id) out.add(other);
  }
  return out;
}

/**
 * A receive that is one case of a `select` whose other case (a timeout, `default`) can go on to
 * the next iteration without it: not a join.
 *
 *	select {
 *	case r := <-done:            // the join
 *	case <-time.After(d):        // ... or not: the loop moves on, the goroutine still runs
 *	}
 *
 * A select inside a loop of its own (a wait loop) is left alone: it usually ends on the receive.
 */
function selectMovesOn(recv: GoNode, ch: Binding, stop: GoNode, loop: Loop, unit: Unit): boolean {
  let clause: GoNode | undefined;
  for (let p = recv.parent; p && p.id !== stop.parent?.id; p = p.parent) {
    if (p.type === "for_statement" || p.type === "func_literal") return false;
    if (p.type === "communication_case" && !clause) {
      const comm = p.childForFieldName("communication");
      if (!comm || !contains(comm, recv)) return false;
      clause = p;
    }
    if (p.type === "select_statement" && clause) {
      const others = p.namedChildren.filter((c): c is GoNode => !!c && (c.type === "communication_case" || c.type === "default_case") && c.id !== clause!.id);
      // A case after which the iteration goes on (the loop can run again) moves on without the receive.
      const cfg = cfgAt(unit, p);
      return others.some((c) => !!cfg?.repeats(loop.node, { at: c }) && !caseReceives(c, ch, unit));
    }
  }
  return false;
}

/** A case that receives from the channel after all: `case <-time.After(d): log.Print("slow"); <-done`. */
function caseReceives(clause: GoNode, ch: Binding, unit: Unit): boolean {
  return caseStatements(clause).some((s) =>
    unit.nodes("unary_expression", s).some((u) => {
      if (!u || u.childForFieldName("operator")?.type !== "<-" || insideLiteral(u, s)) return false;
      const operand = unparen(u.childForFieldName("operand")!);
      return operand.type === "identifier" && unit.bindings.resolve(operand) === ch;
    }),
  );
}

function insideLiteral(node: GoNode, stop: GoNode): boolean {
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) if (p.type === "func_literal") return true;
  return false;
}

/** The func literal a `go` statement starts: `go func() { ... }()`. */
export function goLiteral(goStmt: GoNode): GoNode | undefined {
  const call = goStmt.namedChildren.find((c) => c?.type === "call_expression");
  const fn = call?.childForFieldName("function");
  const lit = fn ? unparen(fn) : undefined;
  return lit?.type === "func_literal" ? lit : undefined;
}
