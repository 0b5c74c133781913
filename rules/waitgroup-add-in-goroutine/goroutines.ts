// The goroutine an Add runs in, the names that hold across the file's functions, and the channel
// joins that order a goroutine's Add before every Wait.
import type { FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { methodCalls, methodName } from "../facts/calls.js";
import { cfgIn, cfgOf } from "../facts/cfg.js";
import { contains, descendantsInFunction, enclosingFunction, listOf, statementsOf, unparen } from "../facts/syntax.js";
import { rootIdentifier } from "../facts/waitgroups.js";

/**
 * A goroutine: a `go func() {...}()` literal, or a function or method of the package started by
 * `go f()` / `go x.m()` (the `go` statement in this file or in a sibling file of the package).
 */
export interface Goroutine {
  fn: GoNode;
  goStmt: GoNode;
  /** The file of goStmt, when it is a sibling file of the package (undefined: the unit's file). */
  goFile?: FileView | undefined;
  /** Only the `go` statement runs fn: an Add moved before it counts every run (not so for a function also called directly). */
  onlyStarted: boolean;
}

/**
 * The goroutine the node runs in: the innermost goroutine literal around it (nested func literals
 * crossed), else the unit's own function when the package starts it with a `go` statement.
 */
export function goroutineOf(node: GoNode, unit: Unit): Goroutine | undefined {
  for (let p = node.parent; p && p.id !== unit.node.id; p = p.parent) {
    if (p.type !== "func_literal") continue;
    const direct = goStatementOf(p);
    if (direct) return { fn: p, goStmt: direct, onlyStarted: true };
    const local = startedLocal(p, unit);
    if (local) return { fn: p, goStmt: local.goStmt, onlyStarted: local.uses === 1 };
  }
  const started = startedBy(unit)[0];
  return started ? { fn: unit.node, goStmt: started.goStmt, goFile: started.file === unit.file ? undefined : started.file, onlyStarted: false } : undefined;
}

/** `run := func() {...}` set once, then `go run()`: the `go` statement that starts the literal. */
function startedLocal(lit: GoNode, unit: Unit): { goStmt: GoNode; uses: number } | undefined {
  const list = lit.parent;
  const decl = list?.type === "expression_list" ? list.parent : undefined;
  if (decl?.type !== "short_var_declaration" || list!.namedChildren.length !== 1) return undefined;
  const name = decl.childForFieldName("left")?.namedChildren;
  const b = name?.length === 1 && name[0] ? unit.bindings.declaredBy(name[0]) : undefined;
  if (!b || b.uses.some((u) => u.parent?.type === "expression_list" && u.parent.parent?.type === "assignment_statement")) return undefined;
  for (const u of b.uses) {
    const call = u.parent;
    if (call?.type === "call_expression" && call.childForFieldName("function")?.id === u.id && call.parent?.type === "go_statement") return { goStmt: call.parent, uses: b.uses.length };
  }
  return undefined;
}

/** The node runs in goroutine g itself, not in a goroutine g starts. */
export function inOwnGoroutine(node: GoNode, g: Goroutine): boolean {
  for (let p = node.parent; p && p.id !== g.fn.id; p = p.parent) if (p.type === "func_literal" && goStatementOf(p)) return false;
  return contains(g.fn, node);
}

/**
 * The `go` statements of the package that start the unit's function: `go run(x)` for a function,
 * `go r.loop(ctx)` for a method whose name no other method of the package has (without types,
 * which type's method a call reaches is not known otherwise). The unit's own file first, then its
 * sibling files; for a function outside test files, only `go` statements outside them too.
 */
function startedBy(unit: Unit): { goStmt: GoNode; file: FileView }[] {
  return unit.memo("waitgroup-add.startedBy", () => {
    if (unit.kind !== "func" && unit.kind !== "method") return [];
    const name = unit.node.childForFieldName("name")?.text;
    if (!name) return [];
    // Only a file that may start it reads its other functions (a large file is parsed whole for that).
    if (!goCalledNames(unit.file).has(name) && !unit.file.packageFiles().some((f) => goCalledNames(f).has(name))) return [];
    const files = [unit.file, ...unit.file.packageFiles()];
    // A test's `go x.Start()` does not make a function of the package's own code a goroutine: the
    // finding would sit in code that is right as its callers use it (its Add before its own `go`).
    const starting = files.filter((f) => goCalledNames(f).has(name) && (unit.file.isTest || !f.isTest));
    if (starting.length === 0) return [];
    if (unit.kind === "method") {
      const declares = new RegExp(`^func\\s*\\([^)]*\\)\\s*${name}\\s*[(\\[]`, "m");
      const declaring = files.filter((f) => declares.test(f.source));
      if (declaring.length !== 1 || declaring[0] !== unit.file || goTargets(unit.file).methodDecls.get(name) !== 1) return [];
    }
    const out: { goStmt: GoNode; file: FileView }[] = [];
    for (const file of starting) {
      const { funcs, methods } = goTargets(file);
      for (const { goStmt, fn } of (unit.kind === "func" ? funcs : methods).get(name) ?? []) {
        const home = enclosingFunction(goStmt);
        const local = (id: GoNode) => !!home && !!file.bindingsOf(home).resolve(id);
        if (unit.kind === "func" && !local(fn)) out.push({ goStmt, file });
        if (unit.kind === "method") {
          const operand = fn.childForFieldName("operand");
          const pkg = operand?.type === "identifier" && !local(operand) && file.imports.some((i) => i.name === operand.text);
          if (!pkg) out.push({ goStmt, file });
        }
      }
    }
    return out;
  });
}

/**
 * The names the file's text calls in a `go` statement, `go name(` or `go x.y.name(`, read once per
 * file (a test of the whole text per function made the file's cost grow with its square): after
 * `go`, a run of name, dot, star and parenthesis characters, where each name that starts the run
 * or follows a dot and is followed by `(` counts. A superset of the functions started.
 */
function goCalledNames(file: FileView): ReadonlySet<string> {
  return file.memo("waitgroup-add.goCalledNames", () => {
    const out = new Set<string>();
    for (const m of file.source.matchAll(/\bgo\s+([\p{L}\p{N}_.()*]*)(\s*\()?/gu)) {
      const run = m[1]!;
      for (const w of run.matchAll(/(?:^|(?<=\.))([\p{L}\p{N}_]+)/gu)) {
        const after = w.index + w[0].length;
        if (after < run.length ? run[after] === "(" : m[2] !== undefined) out.add(w[1]!);
      }
    }
    return out;
  });
}

interface GoTarget {
  goStmt: GoNode;
  /** The called function expression: `run` or `r.loop`. */
  fn: GoNode;
}

/** The file's `go f(...)` and `go x.m(...)` statements by called name, and how many methods of each name it declares: one walk per file. */
function goTargets(file: FileView): { funcs: Map<string, GoTarget[]>; methods: Map<string, GoTarget[]>; methodDecls: Map<string, number> } {
  return file.memo("waitgroup-add.goTargets", () => {
    const root = file.wholeRoot();
    const funcs = new Map<string, GoTarget[]>();
    const methods = new Map<string, GoTarget[]>();
    const methodDecls = new Map<string, number>();
    for (const d of root.namedChildren) {
      const name = d?.type === "method_declaration" ? d.childForFieldName("name")?.text : undefined;
      if (name) methodDecls.set(name, (methodDecls.get(name) ?? 0) + 1);
    }
    for (const goStmt of root.descendantsOfType("go_statement")) {
      const call = goStmt?.namedChildren.find((c) => c?.type === "call_expression");
      const fn = call && unparen(call.childForFieldName("function")!);
      if (!goStmt || !fn) continue;
      const [map, name] = fn.type === "identifier" ? [funcs, fn.text] : fn.type === "selector_expression" ? [methods, fn.childForFieldName("field")?.text] : [undefined, undefined];
      if (map && name) map.set(name, [...(map.get(name) ?? []), { goStmt, fn }]);
    }
    return { funcs, methods, methodDecls };
  });
}

/**
 * A name for a variable that holds across the file's functions: the field path of `s.wg` after
 * the type of `s` where a declaration shows it ("Server.wg", else ".wg", whatever the receiver is
 * called), a package variable's name, or a local of this unit. Compare them with sameKey.
 */
export function crossKey(expr: GoNode, unit: Unit): string | undefined {
  const root = rootIdentifier(expr);
  if (!root) return undefined;
  const text = unparen(expr).text.replace(/\s+/g, "");
  const inUnit = contains(unit.node, root) && root.startIndex >= unit.node.startIndex;
  if (root.id !== unparen(expr).id) return `${typeName(root, inUnit, unit) ?? ""}${text.slice(root.text.length)}`;
  const b = inUnit ? unit.bindings.resolve(root) : undefined;
  if (b) return `local:${b.id.id}`;
  const pkgVar = unit.file.decls.some((d) => d.kind === "var" && d.names.includes(root.text));
  return pkgVar ? `var:${root.text}` : undefined;
}

/** Two keys name the same variable: equal, or the same field path where one side's type is unknown. */
export function sameKey(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  if (a === b) return true;
  const field = (k: string) => (k.startsWith("local:") || k.startsWith("var:") ? undefined : k.slice(k.indexOf(".")));
  const fa = field(a);
  return !!fa && fa === field(b) && (a.startsWith(".") || b.startsWith("."));
}

/** The declared type name of a receiver, parameter or typed variable (`*Server` → "Server"). */
function typeName(id: GoNode, inUnit: boolean, unit: Unit): string | undefined {
  let top: GoNode | null = id;
  while (top && top.type !== "function_declaration" && top.type !== "method_declaration") top = top.parent;
  const b = inUnit ? unit.bindings.resolve(id) : top ? unit.file.bindingsOf(top).resolve(id) : undefined;
  let t = b?.type ?? null;
  while (t && (t.type === "pointer_type" || t.type === "parenthesized_type")) t = t.namedChildren[0] ?? null;
  if (t?.type === "generic_type") t = t.childForFieldName("type");
  return t?.type === "type_identifier" ? t.text : undefined;
}

export function receiver(call: GoNode): GoNode {
  return call.childForFieldName("function")?.childForFieldName("operand") ?? call;
}

/** `Wait()` calls on the WaitGroup `wg` names: in the unit for a local, anywhere in the file otherwise. */
export function waitsOn(wg: GoNode, unit: Unit): GoNode[] {
  const key = crossKey(wg, unit);
  if (!key) return [];
  const root = key.startsWith("local:") ? unit.node : unit.file.wholeRoot();
  return methodCalls(root, ["Wait"], true).filter((w) => (w.childForFieldName("arguments")?.namedChildCount ?? 0) === 0 && sameKey(crossKey(receiver(w), unit), key));
}

// ---------------------------------------------------------------------------------------------
// Channel joins.

/**
 * The Add is ordered before every Wait through a channel: the goroutine signals on a channel
 * (`close(ready)`, `ready <- v`, a deferred close) only after its Adds, no Add can follow the
 * signal, nothing else signals on that channel, and whoever waits receives from it first: every
 * path to each Wait of the file passes a receive; or every path of the function that started the
 * goroutine passes one before it returns (the goroutine has counted itself before its starter
 * returns, so a Wait its caller reaches afterwards comes later).
 *
 *	go func() {                                    <-dispatched
 *		defer close(dispatched)                    wg.Wait()
 *		for _, s := range seeds { wg.Add(1); go fetch(s) }
 *	}()
 */
export function channelJoin(add: GoNode, wg: GoNode, g: Goroutine, unit: Unit): boolean {
  const cfg = cfgOf(unit, g.fn);
  const at = cfg.nodesOnPaths({ entry: true }, (n) => contains(n, add))[0];
  if (!at) return false;
  const byKey = new Map<string, GoNode[]>();
  for (const s of cfg.nodesOnPaths({ entry: true }, (n) => !!signalOf(n, unit))) {
    const key = signalOf(s, unit)!;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  const deferred = (s: GoNode) => s.type === "defer_statement";
  for (const [key, signals] of byKey) {
    const after = signals.some((s) => deferred(s) || cfg.nodesOnPaths({ after: at }, (n) => n.id === s.id).length > 0);
    const noAddAfter = signals.every((s) => deferred(s) || cfg.nodesOnPaths({ after: s }, (n) => n.id === at.id).length === 0);
    if (!after || !noAddAfter || signalledElsewhere(key, g, unit)) continue;
    const waits = waitsOn(wg, unit).filter((w) => !contains(g.fn, w));
    if ((waits.length > 0 && waits.every((w) => receivedBefore(w, key, unit))) || parentReceives(g, key, unit)) return true;
  }
  return false;
}

/** The channel key a node signals on: `close(C)`, `C <- v`, `defer close(C)`. */
function signalOf(n: GoNode, unit: Unit): string | undefined {
  if (n.type === "send_statement") {
    const ch = n.childForFieldName("channel");
    return ch ? crossKey(ch, unit) : undefined;
  }
  const call = n.type === "expression_statement" || n.type === "defer_statement" ? n.namedChildren.find((c) => c?.type === "call_expression") : undefined;
  const ch = call && closed(call);
  return ch ? crossKey(ch, unit) : undefined;
}

/** The channel of the builtin `close(ch)`. */
function closed(call: GoNode): GoNode | undefined {
  const fn = call.childForFieldName("function");
  if (fn?.type !== "identifier" || fn.text !== "close") return undefined;
  return call.childForFieldName("arguments")?.namedChildren.find((a) => a && a.type !== "comment") ?? undefined;
}

/** Another place of the file closes or sends on the channel: a receive would not say which one ran. */
function signalledElsewhere(key: string, g: Goroutine, unit: Unit): boolean {
  const root = key.startsWith("local:") ? unit.node : unit.file.wholeRoot();
  const closes = root.descendantsOfType("call_expression").filter((c): c is GoNode => !!c && !!closed(c) && sameKey(crossKey(closed(c)!, unit), key));
  const sends = root.descendantsOfType("send_statement").filter((s): s is GoNode => !!s && sameKey(crossKey(s.childForFieldName("channel")!, unit), key));
  return [...closes, ...sends].some((s) => !contains(g.fn, s) || !inOwnGoroutine(s, g));
}

/** A node that receives from the channel: `<-C` (in a statement or a select case), `for range C`. */
function receives(n: GoNode, key: string, unit: Unit): boolean {
  if (n.type === "range_clause") {
    const right = n.childForFieldName("right");
    return !!right && sameKey(crossKey(right, unit), key);
  }
  const recvs = n.type === "unary_expression" ? [n] : descendantsInFunction(n, "unary_expression");
  return recvs.some((u) => u.childForFieldName("operator")?.type === "<-" && sameKey(crossKey(u.childForFieldName("operand")!, unit), key));
}

/** Every path from its function's entry to the Wait passes a receive from the channel. */
function receivedBefore(wait: GoNode, key: string, unit: Unit): boolean {
  const fn = enclosingFunction(wait);
  if (!fn) return false;
  return cfgOf(unit, fn).nodesOnPaths({ entry: true }, (n) => contains(n, wait), { avoid: (n) => receives(n, key, unit) }).length === 0;
}

/** Every path of the starting function from the `go` statement to a return passes a receive from the channel. */
function parentReceives(g: Goroutine, key: string, unit: Unit): boolean {
  const goStmt = g.goStmt;
  const fn = enclosingFunction(goStmt);
  if (!fn) return false;
  const cfg = g.goFile ? cfgIn(g.goFile, fn) : cfgOf(unit, fn);
  const recv = (n: GoNode) => receives(n, key, unit);
  return cfg.nodesOnPaths({ after: goStmt }, recv).length > 0 && cfg.everyPathPasses({ after: goStmt }, recv, ["return"]);
}

/** The `go` statement whose func literal is `lit`, if any. */
function goStatementOf(lit: GoNode): GoNode | undefined {
  let n: GoNode = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const call = n.parent;
  if (call?.type !== "call_expression" || call.childForFieldName("function")?.id !== n.id) return undefined;
  return call.parent?.type === "go_statement" ? call.parent : undefined;
}

// ---------------------------------------------------------------------------------------------
// Joins through a local WaitGroup that counts the goroutine.

/**
 * The goroutine that Adds to `wg` (a long-lived `h.wg`) is counted by `counter`, a WaitGroup local
 * to the function that starts it, and the Wait on that local orders the Add before whoever waits
 * on wg: the goroutine's Done on counter comes after its Add (deferred, or later in its body), and
 * either
 * - the starting function waits on counter on every path before it returns (its caller's Wait
 *   comes later), or
 * - a Wait on counter is followed on every path by `close(C)` (or comes before a deferred
 *   `close(C)`), nothing else signals on C, and C is what the starting function returns (its
 *   caller receives from it: a drain that hands back its done channel) or what every Wait on wg
 *   in the file receives from first.
 * In both cases every Wait on wg in the starting function itself must come after that join.
 *
 *	var started sync.WaitGroup                   func (h *Hub) Close() {
 *	started.Add(len(subs))                           <-h.closeAll()
 *	for _, s := range subs {                         h.wg.Wait()
 *		go func(s *Sub) {                        }
 *			defer started.Done()
 *			h.wg.Add(1); go h.flush(s)
 *		}(s)
 *	}
 *	go func() { defer close(done); started.Wait() }()
 *	return done
 */
export function counterJoin(counter: GoNode, wg: GoNode, add: GoNode, g: Goroutine, unit: Unit): boolean {
  const key = crossKey(counter, unit);
  const starter = enclosingFunction(g.goStmt);
  if (!key?.startsWith("local:") || !starter) return false;
  const dones = methodCalls(g.fn, ["Done"], true).filter((d) => inOwnGoroutine(d, g) && sameKey(crossKey(receiver(d), unit), key));
  if (dones.length === 0 || !dones.every((d) => d.startIndex > add.endIndex || deferredIn(d, g.fn))) return false;
  const counterWaits = waitsOn(counter, unit).filter((w) => !contains(g.fn, w));
  const wgWaits = waitsOn(wg, unit).filter((w) => !contains(g.fn, w));
  const inStarter = wgWaits.filter((w) => enclosingFunction(w)?.id === starter.id);
  const cfg = cfgOf(unit, starter);
  // The starter waits for its launchers before it returns.
  for (const w of counterWaits) {
    if (enclosingFunction(w)?.id !== starter.id) continue;
    const at = (n: GoNode) => contains(n, w);
    if (cfg.nodesOnPaths({ after: g.goStmt }, at).length > 0 && cfg.everyPathPasses({ after: g.goStmt }, at, ["return"]) && inStarter.every((x) => passedBefore(x, at, unit))) {
      return true;
    }
  }
  // A channel closed once a Wait on the counter has returned.
  for (const w of counterWaits) {
    const fn = enclosingFunction(w);
    if (!fn) continue;
    for (const { close, channel } of closesAfter(w, fn, unit)) {
      const ch = crossKey(channel, unit);
      if (!ch || otherSignals(ch, close, unit)) continue;
      const received = (n: GoNode) => receives(n, ch, unit);
      if (!inStarter.every((x) => passedBefore(x, received, unit))) continue;
      if (returnsChannel(starter, ch, unit)) return true;
      const others = wgWaits.filter((x) => enclosingFunction(x)?.id !== starter.id);
      if (others.length > 0 && others.every((x) => receivedBefore(x, ch, unit))) return true;
    }
  }
  return false;
}

/** Every path from its function's entry to `node` passes a node `pass` accepts. */
function passedBefore(node: GoNode, pass: (n: GoNode) => boolean, unit: Unit): boolean {
  const fn = enclosingFunction(node);
  if (!fn) return false;
  return cfgOf(unit, fn).nodesOnPaths({ entry: true }, (n) => contains(n, node), { avoid: pass }).length === 0;
}

/**
 * The `close(C)` statements of fn that run only once `wait` has returned: a `close(C)` every path to
 * which passes the Wait, or a `defer close(C)` when every path from fn's entry to a return passes it.
 */
function closesAfter(wait: GoNode, fn: GoNode, unit: Unit): { close: GoNode; channel: GoNode }[] {
  const cfg = cfgOf(unit, fn);
  const at = (n: GoNode) => contains(n, wait);
  const out: { close: GoNode; channel: GoNode }[] = [];
  for (const s of descendantsInFunction(fn, ["expression_statement", "defer_statement"])) {
    const call = s.namedChildren.find((c) => c?.type === "call_expression");
    const channel = call ? closed(call) : undefined;
    if (!channel) continue;
    const after =
      s.type === "defer_statement"
        ? cfg.everyPathPasses({ entry: true }, at, ["return"])
        : cfg.nodesOnPaths({ entry: true }, (n) => n.id === s.id, { avoid: at }).length === 0 && cfg.nodesOnPaths({ entry: true }, (n) => n.id === s.id).length > 0;
    if (after) out.push({ close: s, channel });
  }
  return out;
}

/** Another close of or send on the channel than `signal`, anywhere the channel is visible. */
function otherSignals(key: string, signal: GoNode, unit: Unit): boolean {
  const root = key.startsWith("local:") ? unit.node : unit.file.wholeRoot();
  const closes = root.descendantsOfType("call_expression").filter((c): c is GoNode => !!c && !!closed(c) && sameKey(crossKey(closed(c)!, unit), key));
  const sends = root.descendantsOfType("send_statement").filter((s): s is GoNode => !!s && sameKey(crossKey(s.childForFieldName("channel")!, unit), key));
  return [...closes, ...sends].some((s) => !contains(signal, s));
}

/** Every return of fn that has results returns the channel (and there is one). */
function returnsChannel(fn: GoNode, key: string, unit: Unit): boolean {
  const returns = descendantsInFunction(fn, "return_statement").filter((r) => r.namedChildren.some((c) => c?.type !== "comment"));
  return returns.length > 0 && returns.every((r) => listOf(r.namedChildren.find((c) => c?.type === "expression_list") ?? r.namedChildren[0]).some((e) => sameKey(crossKey(e, unit), key)));
}

/** The call runs when `fn` returns: under a `defer` statement of fn itself. */
function deferredIn(call: GoNode, fn: GoNode): boolean {
  for (let p = call.parent; p && p.id !== fn.id; p = p.parent) if (p.type === "defer_statement") return enclosingFunction(p)?.id === fn.id;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Mutex gates.

/**
 * The Add is ordered before every Wait through a mutex gate: it runs under `M.Lock()` or
 * `M.RLock()` (taken on every path to the read below, not released before the Add) and only when
 * an `if` around it reads a field G (`if h.ch != nil`, or a local copied from G after the lock:
 * `ch := h.ch; if ch != nil`); every Wait on the WaitGroup in the file follows, on every path of
 * its function, an assignment to G made under `M.Lock()` (`h.ch = nil` before `h.wg.Wait()`). An
 * Add then either holds M before the waiter takes it, so it happens before the Wait, or sees the
 * changed G and is skipped.
 *
 *	h.mu.RLock()                              h.mu.Lock()
 *	if h.ch != nil { h.wg.Add(1); ... }       h.ch = nil
 *	h.mu.RUnlock()                            h.mu.Unlock()
 *	                                          h.wg.Wait()
 */
export function mutexGate(add: GoNode, wg: GoNode, unit: Unit): boolean {
  const fn = enclosingFunction(add);
  if (!fn) return false;
  const waits = waitsOn(wg, unit).filter((w) => !contains(fn, w));
  if (waits.length === 0) return false;
  for (const gate of gatesOf(add, fn, unit)) {
    const mutex = heldAt(gate.read, add, ["Lock", "RLock"], unit);
    if (!mutex) continue;
    if (waits.every((w) => gateClosedBefore(w, gate.key, mutex, unit))) return true;
  }
  return false;
}

/**
 * The fields that the conditions of the `if`s around the Add (inside fn) read, with where each is
 * read; a guard `if cond { ...; return }` before the Add in an enclosing block counts too (the Add
 * runs only when its condition is false).
 */
function gatesOf(add: GoNode, fn: GoNode, unit: Unit): { key: string; read: GoNode }[] {
  const out: { key: string; read: GoNode }[] = [];
  const ifs: GoNode[] = [];
  for (let p = add.parent, child: GoNode = add; p && p.id !== fn.id; child = p, p = p.parent) {
    if (p.type === "if_statement") ifs.push(p);
    if (p.type !== "statement_list") continue;
    for (const st of statementsOf(p)) {
      if (st.startIndex >= child.startIndex) break;
      const body = st.type === "if_statement" && !st.childForFieldName("alternative") ? statementsOf(st.childForFieldName("consequence")) : [];
      if (body.at(-1)?.type === "return_statement") ifs.push(st);
    }
  }
  for (const p of ifs) {
    const cond = p.childForFieldName("condition");
    if (!cond) continue;
    for (const sel of [cond, ...descendantsInFunction(cond, "selector_expression")]) {
      if (sel.type !== "selector_expression" || sel.parent?.type === "call_expression") continue;
      const key = crossKey(sel, unit);
      if (key && !key.startsWith("local:") && !key.startsWith("var:")) out.push({ key, read: sel });
    }
    for (const id of [cond, ...descendantsInFunction(cond, "identifier")]) {
      if (id.type !== "identifier") continue;
      const b = unit.bindings.resolve(id);
      if (b?.decl.type !== "short_var_declaration" || b.uses.some((u) => assigned(u))) continue;
      const left = listOf(b.decl.childForFieldName("left"));
      const right = listOf(b.decl.childForFieldName("right"));
      const i = left.findIndex((l) => l.id === b.id.id);
      const value = i >= 0 && left.length === right.length ? unparen(right[i]!) : undefined;
      const key = value?.type === "selector_expression" ? crossKey(value, unit) : undefined;
      if (key && !key.startsWith("local:") && !key.startsWith("var:")) out.push({ key, read: b.decl });
    }
  }
  return out;
}

/** The identifier is assigned to (`x = ...`, `x++`): a copy that changes is no gate. */
function assigned(id: GoNode): boolean {
  const st = id.parent?.type === "expression_list" ? id.parent.parent : id.parent;
  if (st?.type === "inc_statement" || st?.type === "dec_statement") return true;
  return st?.type === "assignment_statement" && listOf(st.childForFieldName("left")).some((l) => l.id === id.id);
}

/**
 * The key of a mutex M whose `M.<lock>()` statement every path of the function to `from` passes
 * and that no `M.Unlock()`/`M.RUnlock()` (other than a deferred one) releases before `until`.
 */
function heldAt(from: GoNode, until: GoNode, lock: readonly string[], unit: Unit): string | undefined {
  const fn = enclosingFunction(from);
  if (!fn) return undefined;
  const calls = methodCalls(fn, ["Lock", "RLock", "Unlock", "RUnlock"]).filter((c) => enclosingFunction(c)?.id === fn.id);
  for (const l of calls) {
    const name = methodName(l);
    if (!name || !lock.includes(name) || l.parent?.type !== "expression_statement" || l.endIndex > from.startIndex) continue;
    const key = crossKey(receiver(l), unit);
    if (!key || !passedBefore(from, (n) => n.id === l.parent!.id, unit)) continue;
    // An unlock after the lock from which `until` can still be reached (not one on a guard's way out).
    const released = calls.some(
      (u) =>
        /Unlock$/.test(methodName(u) ?? "") &&
        u.parent?.type === "expression_statement" &&
        sameKey(crossKey(receiver(u), unit), key) &&
        u.startIndex > l.endIndex &&
        u.startIndex < until.startIndex &&
        cfgOf(unit, fn).nodesOnPaths({ after: u.parent }, (n) => contains(n, until)).length > 0,
    );
    if (!released) return key;
  }
  return undefined;
}

/** Every path to the Wait passes an assignment to the gate made while `mutex` is held with Lock. */
function gateClosedBefore(wait: GoNode, gate: string, mutex: string, unit: Unit): boolean {
  const fn = enclosingFunction(wait);
  if (!fn) return false;
  const closes = descendantsInFunction(fn, "assignment_statement").filter(
    (a) => a.endIndex <= wait.startIndex && listOf(a.childForFieldName("left")).some((l) => sameKey(crossKey(l, unit), gate)) && sameKey(heldAt(a, a, ["Lock"], unit), mutex),
  );
  return closes.length > 0 && passedBefore(wait, (n) => closes.some((a) => a.id === n.id), unit);
}
