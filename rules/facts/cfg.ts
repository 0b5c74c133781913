// A control-flow graph per function, in the spirit of go/cfg (blocks of statements and
// conditions, edges for every jump) and go/analysis' ctrlflow (which calls never return), with
// the path questions the rules ask of it. Built lazily, once per function, and cached on the unit.
//
//	func f(ctx context.Context) error {      entry: [ctx2, cancel := ..., err := g(ctx2)]
//		ctx2, cancel := context.WithCancel(ctx)
//		err := g(ctx2)
//		if err != nil {                       cond: [err != nil] --true--> [return err] --> return
//			return err                                           --false-> [cancel(), return nil] --> return
//		}
//		cancel()
//		return nil
//	}
//
// Blocks hold the nodes that run in order: simple statements whole (so a `go func(){...}()` is one
// node), and of compound statements only their parts that run here (an if's initializer and
// condition, a for's clauses, a switch's tag and case values, a select case's communication).
// Jump statements (return, break, continue, goto, fallthrough) are nodes too, so a way out can be
// named. Function literals are not entered: each has its own graph.
//
// How a path can end:
//   - "return": a return statement, or falling off the end of a function without results;
//   - "process": a call that ends the process: panic, os.Exit, log.Fatal*, klog/glog/logrus/zap Fatal*;
//   - "goroutine": a call that ends only the calling goroutine: runtime.Goexit,
//     (*testing.T/B/F).Fatal*/FailNow/SkipNow/Skip*, testify's require.Fail/FailNow and
//     assert.FailNow; testify's other require.* assertions and shoenig/test's must.* may end it
//     (the graph forks there), also through a local `require := require.New(t)`, and always
//     end it when they assert that ctx.Err() is nil inside `case <-ctx.Done():`;
//   - and any function of the same file whose every path ends in one of those (a `fatalf` helper).
// Each rule says which kinds end a path for it (lost-cancel: none of the never-return kinds, like
// go vet's lostcancel; the leak rules: a goroutine-ending call is a way out).
//
// Counted loops with literal bounds (`for i := 0; i < 10; i++`, `for i := range 10`) know their
// trip count: one that runs at least once enters its body without testing the condition, and
// leaving it through the condition implies that `if i == K { ... }` in its body ran for every K in
// range. Boolean locals set only to literals are followed along paths, so `if aDone && bDone`
// cannot be taken before both were set.
import type { Binding, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { methodName, packageCallee } from "./calls.js";
import { doneCaseOperand } from "./contexts.js";
import { isWrite } from "./definitions.js";
import { argsOf, caseStatements, contains, descendantsInFunction, enclosingFunction, FUNCTION_TYPES, listOf, operatorOf, statementsOf, unparen } from "./syntax.js";

export type EndKind = "return" | "goroutine" | "process";
export const ALL_ENDS: readonly EndKind[] = ["return", "goroutine", "process"];

export interface Block {
  index: number;
  /** What runs in this block, in order. */
  nodes: GoNode[];
  succs: Block[];
  /** The syntax this block belongs to (a statement, a case clause, a loop): for scope tests. */
  owner: GoNode;
  /** The owner's span, read once (tree-sitter reads cost a WASM call each). */
  start: number;
  end_: number;
  /** A two-way branch on this node, the block's last: succs[0] when true, succs[1] when false. */
  cond?: GoNode;
  /** The loop whose head (condition or range check, target of the back edge) this block is. */
  head?: GoNode;
  /** The range expression checked here (a `for ... range x` head): succs[1] is "x is exhausted". */
  range?: GoNode;
  /** On the edge out of a counted loop: nodes that surely ran in some iteration. Not positions of those nodes. */
  implied?: boolean;
  /** The function's end of this kind. */
  end?: EndKind;
}

export interface Point {
  block: Block;
  /** Index of the next node to run in block.nodes (== length: at the block's end). */
  index: number;
}

export interface LoopInfo {
  node: GoNode;
  /** The condition or range check; the target of continue and of the back edge. */
  head: Block;
  /** Where control goes when the loop ends. */
  after: Block;
  /** The loop has a condition or range clause (`for {}` and `for ;; {}` have none). */
  header: boolean;
  /** Iterations of a counted loop with literal bounds, else null. */
  trip: number | null;
}

/** How a path ended: the node that ends it and the kind of end. */
export interface PathEnd {
  /** A return statement, the function's closing brace, a never-returning call statement, or a scope's closing brace. */
  node: GoNode;
  kind: EndKind | "scope";
}

export interface PathOptions {
  /** Nodes that stop a path: the path does what the rule looks for there. */
  avoid?: (n: GoNode) => boolean;
  /** Which ends count (default: only "return"). Other ends stop the path silently. */
  ends?: readonly EndKind[];
  /**
   * A statement list whose end loses what the rule tracks (a value made in a loop body, replaced
   * on the next iteration): a path leaving it counts as an end of kind "scope", at its closing brace.
   */
  scope?: GoNode;
  /** A range over this expression never ends (a ticker's channel): its loop is left only by a jump. */
  endlessRange?: (right: GoNode) => boolean;
}

/** Where a query starts: just after a node, or at its start. */
export type From = { after: GoNode } | { at: GoNode } | { entry: true };

export interface Cfg {
  fn: GoNode;
  entry: Block;
  blocks: Block[];
  ends: Record<EndKind, Block>;
  /** The loop info of a for statement of this function. */
  loop(loop: GoNode): LoopInfo | undefined;
  /** The point just after a node of this function (a statement or one of the parts in blocks). */
  pointAfter(node: GoNode): Point | undefined;
  /** The point where a statement, a case clause or a loop's body starts. */
  pointAt(node: GoNode): Point | undefined;
  /** The first end a path from `from` reaches without passing an avoided node (depth first, in source order), or null. */
  firstEnd(from: From, opts?: PathOptions): PathEnd | null;
  /** Every end some such path reaches, in the order found. */
  allEnds(from: From, opts?: PathOptions): PathEnd[];
  /** True when every path from `from` passes a node `pass` accepts before it ends (of the given kinds). */
  everyPathPasses(from: From, pass: (n: GoNode) => boolean, ends?: readonly EndKind[]): boolean;
  /** Can the loop run again (reach its head with its condition not false) after `from`, staying in the loop? */
  repeats(loop: GoNode, from: From, opts?: PathOptions): boolean;
  /** The nodes by which control can leave the loop (return, break, goto, never-returning call, the header's check). */
  loopExits(loop: GoNode, opts?: PathOptions): GoNode[];
  /** Nodes matching `pick` that some path from `from` runs before it ends. */
  nodesOnPaths(from: From, pick: (n: GoNode) => boolean, opts?: PathOptions): GoNode[];
  /**
   * Most nodes matching `count` that one run of the function passes (Infinity when a cycle passes one).
   * `once` names, for a counted node, a loop in which it runs at most once per run of that loop (a
   * guard true in one round only): a cycle that is exactly that loop's then counts the node once.
   */
  maxOnPath(count: (n: GoNode) => boolean, once?: (n: GoNode) => GoNode | undefined): number;
  /**
   * The highest value a counter can have at an end of the function, starting at 0 at the entry:
   * each node adds step(n), the counter stays within [0, cap]. For "values still in a channel".
   */
  maxAtEnd(step: (n: GoNode) => number, cap: number, opts?: Pick<PathOptions, "ends" | "endlessRange">): { value: number; end: PathEnd | null };
}

/** The graph of the function (declaration, method or literal) `fn`, built once per unit. */
export function cfgOf(unit: Unit, fn: GoNode): Cfg {
  const cache = unit.memo("cfg.graphs", () => new Map<number, Cfg>());
  let g = cache.get(fn.id);
  if (!g) {
    g = build(fn, { file: unit.file, resolve: (id) => unit.bindings.resolve(id) ?? null, unit });
    cache.set(fn.id, g);
  }
  return g;
}

/**
 * The graph of a function declared outside the unit: in another function of the file, or in a
 * sibling file of the package (FileView.packageFiles()). Its names are resolved with that file's
 * own bindings of the function; built once per analysis run, on the file's memo.
 */
export function cfgIn(file: FileView, fn: GoNode): Cfg {
  const cache = file.memo("cfg.declGraphs", () => new Map<number, Cfg>());
  let g = cache.get(fn.id);
  if (!g) {
    let top: GoNode = fn;
    while (top.parent && top.type !== "function_declaration" && top.type !== "method_declaration") top = top.parent;
    const bindings = file.bindingsOf(top);
    g = build(fn, { file, resolve: (id) => bindings.resolve(id) ?? null });
    cache.set(fn.id, g);
  }
  return g;
}

/** The graph of the function that contains `node` (the node's own function when it is one). */
export function cfgAt(unit: Unit, node: GoNode): Cfg | undefined {
  const fn = FUNCTION_TYPES.has(node.type) ? node : enclosingFunction(node);
  return fn ? cfgOf(unit, fn) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Calls that never return.

export interface CallEnd {
  kind: "goroutine" | "process";
  /** Always ends (else: ends only when an assertion fails, like testify's require.NoError). */
  always: boolean;
  /** The call fails a test (t.Fatal, require.*): a path it ends is a failing test's. */
  test: boolean;
}

/** What the graph builder needs to read calls: the file, and the local a name refers to. */
interface Resolver {
  file: FileView;
  unit?: Unit;
  /** The declaration an identifier refers to: its declared type, or null for a package-level name. */
  resolve(id: GoNode): { type: GoNode | null } | null;
}

const LOG_ENDS = ["Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"];
// Package-level functions of third-party loggers (klog, glog, logrus, zap's sugar) named like these exit or panic.
const THIRD_PARTY_EXITS = new Set(["Fatal", "Fatalf", "Fatalln", "Fatalw", "Exit", "Exitf", "Exitln", "Panic", "Panicf", "Panicln", "Panicw"]);
const TEST_ENDS = new Set(["Fatal", "Fatalf", "FailNow", "SkipNow", "Skip", "Skipf"]);
const LOGGER_ENDS = new Set(["Fatal", "Fatalf", "Fatalln", "Fatalw", "Panic", "Panicf", "Panicln", "Panicw"]);
/** github.com/shoenig/test/must: every assertion calls t.FailNow when it fails, like testify's require. */
const MUST = /(^|\/)shoenig\/test\/must$/;
/** Assertions of require/must that always fail. */
const ALWAYS_FAILS = new Set(["Fail", "FailNow", "Unreachable"]);
/** Calls that mark a test failed and go on (t.Error, assert.Fail): a path after one is a failing test's. */
const TEST_FAILS = new Set(["Error", "Errorf", "Fail"]);

/** Whether, and how, an expression statement's call never returns. */
export function callEnd(stmt: GoNode, unit: Unit): CallEnd | undefined {
  return endOf(stmt, { file: unit.file, unit, resolve: (id) => unit.bindings.resolve(id) ?? null });
}

function endOf(stmt: GoNode, r: Resolver): CallEnd | undefined {
  const call = stmt.type === "expression_statement" ? stmt.namedChildren[0] : stmt;
  if (!call || call.type !== "call_expression") return undefined;
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type === "identifier" && fn.text === "panic" && !r.resolve(fn) && !declaredInFile(r.file, "panic")) return { kind: "process", always: true, test: false };
  const callee = r.unit ? packageCallee(call, r.unit) : refOf(fn, r);
  if (callee) {
    const { pkg, name } = callee;
    if (pkg === "os") return name === "Exit" ? { kind: "process", always: true, test: false } : undefined;
    if (pkg === "log") return LOG_ENDS.includes(name) ? { kind: "process", always: true, test: false } : undefined;
    if (pkg === "runtime") return name === "Goexit" ? { kind: "goroutine", always: true, test: false } : undefined;
    if (/\/testify\/require$/.test(pkg) || MUST.test(pkg)) {
      const args = argsOf(call);
      if (args.length === 0) return undefined;
      return { kind: "goroutine", always: ALWAYS_FAILS.has(name) || (!!r.unit && failsOnDone(call, name, args[1], r.unit)), test: true };
    }
    if (/\/testify\/assert$/.test(pkg)) return name === "FailNow" ? { kind: "goroutine", always: true, test: true } : undefined;
    // Standard library packages by table; a module path (its first element has a dot) by name.
    if (pkg.split("/")[0]!.includes(".") && THIRD_PARTY_EXITS.has(name)) return { kind: "process", always: true, test: false };
    return undefined;
  }
  if (fn.type === "identifier") {
    if (!r.resolve(fn)) return sameFileEnd(r.file, fn.text);
    return r.unit ? localLiteralEnd(fn, r.unit) : undefined;
  }
  const m = methodName(call);
  if (!m || fn.type !== "selector_expression") return undefined;
  const object = r.unit ? testifyObject(fn.childForFieldName("operand")!, r.unit) : undefined;
  if (object === "require") return { kind: "goroutine", always: ALWAYS_FAILS.has(m) || failsOnDone(call, m, argsOf(call)[0], r.unit!), test: true };
  if (object === "assert") return m === "FailNow" ? { kind: "goroutine", always: true, test: true } : undefined;
  const testing = receiverIsTesting(fn.childForFieldName("operand")!, r);
  // A receiver of unknown type in a file that uses package testing: most likely a t, b or tb.
  const testy = testing === true || (testing === undefined && (r.file.isTest || !!r.file.importName("testing")));
  if (TEST_ENDS.has(m) && testy) return { kind: "goroutine", always: true, test: true };
  if (LOGGER_ENDS.has(m) && testing !== true) return { kind: "process", always: true, test: false };
  return undefined;
}

//	require := require.New(t)          // "require": its assertions end the test like require.X(t, ...)
//	assert := assert.New(t)            // "assert": its assertions report and go on
/** A local set once from testify's `require.New(t)` or `assert.New(t)`, and which. */
function testifyObject(operand: GoNode, unit: Unit): "require" | "assert" | undefined {
  const x = unparen(operand);
  if (x.type !== "identifier") return undefined;
  const b = unit.bindings.resolve(x);
  if (!b || b.kind !== "var" || (b.decl.type !== "short_var_declaration" && b.decl.type !== "var_spec")) return undefined;
  const left = b.decl.type === "var_spec" ? b.decl.childrenForFieldName("name") : (b.decl.childForFieldName("left")?.namedChildren ?? []);
  const right = (b.decl.type === "var_spec" ? b.decl.childForFieldName("value") : b.decl.childForFieldName("right"))?.namedChildren ?? [];
  const value = left.length === right.length ? right[left.findIndex((l) => l?.id === b.id.id)] : undefined;
  const call = value ? unparen(value) : undefined;
  const fn = call?.type === "call_expression" ? unparen(call.childForFieldName("function")!) : undefined;
  if (fn?.type !== "selector_expression" || fn.childForFieldName("field")?.text !== "New" || b.uses.some((u) => writes(u))) return undefined;
  const pkg = fn.childForFieldName("operand");
  // The package name on the right of `require := require.New(t)` is the import: the new local's scope starts after the statement.
  const imp = pkg?.type === "identifier" ? unit.file.imports.find((i) => i.name === pkg.text && (i.kind === "default" || i.kind === "alias")) : undefined;
  if (!imp) return undefined;
  return /\/testify\/require$/.test(imp.path) ? "require" : /\/testify\/assert$/.test(imp.path) ? "assert" : undefined;
}

//	case <-time.After(time.Second):
//		t.Error("no event within a second") // the test has failed; what follows is a failing test's path
//		return
/**
 * A statement that marks the test failed and goes on: `t.Error*`/`t.Fail()` on a *testing.T/B/F
 * (or a receiver of unknown type named `t`, `tb`, `tt` or `b` in a test file), testify's `assert.Fail*(t, ...)`, or `Fail*` on a local
 * `assert := assert.New(t)`. goleak's VerifyTestMain checks for leaks only when every test passed,
 * so a leak reached only after one of these is a failing test's.
 */
export function failsTest(stmt: GoNode, unit: Unit): boolean {
  const call = stmt.type === "expression_statement" ? stmt.namedChildren[0] : undefined;
  if (!call || call.type !== "call_expression") return false;
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type !== "selector_expression") return false;
  const m = fn.childForFieldName("field")?.text ?? "";
  const callee = packageCallee(call, unit);
  if (callee) return /\/testify\/assert$/.test(callee.pkg) && (m === "Fail" || m === "Failf" || failsOnDone(call, m, argsOf(call)[1], unit));
  if (testifyObject(fn.childForFieldName("operand")!, unit) === "assert") return m === "Fail" || m === "Failf" || failsOnDone(call, m, argsOf(call)[0], unit);
  if (!TEST_FAILS.has(m)) return false;
  const r: Resolver = { file: unit.file, unit, resolve: (id) => unit.bindings.resolve(id) ?? null };
  const operand = fn.childForFieldName("operand")!;
  const testing = receiverIsTesting(operand, r);
  // Loggers have Error methods too: a receiver of unknown type counts only when it is named like a test's.
  return testing === true || (testing === undefined && /^(t|tb|tt|b)$/.test(operand.text) && (unit.file.isTest || !!unit.file.importName("testing")));
}

/** Assertions (testify's require and assert, shoenig/test's must) that their value is nil. */
const NIL_ASSERTIONS = new Set(["NoError", "NoErrorf", "Nil", "Nilf"]);
/** The context package's functions whose first result is a context. */
const CONTEXT_MAKERS = /^(Background|TODO|With(Cancel|CancelCause|Timeout|TimeoutCause|Deadline|DeadlineCause|Value|outCancel))$/;


//	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
//	...
//	case <-ctx.Done():
//		must.NoError(t, ctx.Err())          // Err is not nil once Done is closed: this always fails the test
/**
 * An assertion that `x.Err()` is nil (NoError, Nil) inside the body of `case <-x.Done():`, where
 * `x` is a context.Context that nothing assigns again: once Done is closed, Err returns a non-nil
 * error (the context.Context contract), so the assertion fails every time it runs. An error
 * received from a channel (`case err := <-errc: require.NoError(t, err)`) is not known.
 */
function failsOnDone(call: GoNode, name: string, value: GoNode | undefined, unit: Unit): boolean {
  if (!NIL_ASSERTIONS.has(name) || !value) return false;
  const v = unparen(value);
  const fn = v.type === "call_expression" ? unparen(v.childForFieldName("function")!) : undefined;
  if (fn?.type !== "selector_expression" || fn.childForFieldName("field")?.text !== "Err" || argsOf(v).length !== 0) return false;
  const x = unparen(fn.childForFieldName("operand")!);
  const b = x.type === "identifier" ? unit.bindings.resolve(x) : undefined;
  if (!b || !isContext(b, unit)) return false;
  for (let p = call.parent; p && !FUNCTION_TYPES.has(p.type); p = p.parent) {
    if (p.type !== "communication_case") continue;
    const done = doneCaseOperand(p);
    if (done?.type === "identifier" && unit.bindings.resolve(done)?.id.id === b.id.id) return true;
  }
  return false;
}

/** A local or parameter of type context.Context (declared so, or made by the context package), never assigned again. */
function isContext(b: Binding, unit: Unit): boolean {
  const ctxName = unit.file.importName("context");
  if (!ctxName || (b.kind !== "var" && b.kind !== "param") || b.uses.some((u) => writes(u))) return false;
  if (b.type) return b.type.text.replace(/\s+/g, "") === `${ctxName}.Context`;
  if (b.decl.type !== "short_var_declaration" && b.decl.type !== "var_spec") return false;
  const left = b.decl.type === "var_spec" ? b.decl.childrenForFieldName("name") : (b.decl.childForFieldName("left")?.namedChildren ?? []);
  const right = listOf(b.decl.type === "var_spec" ? b.decl.childForFieldName("value") : b.decl.childForFieldName("right"));
  const i = left.findIndex((l) => l?.id === b.id.id);
  // `ctx := context.WithValue(...)` (one value per name) or `ctx, cancel := context.WithTimeout(...)` (the first of two results).
  const value = right.length === left.length ? right[i] : right.length === 1 && i === 0 ? right[0] : undefined;
  const call = value ? unparen(value) : undefined;
  const callee = call?.type === "call_expression" ? packageCallee(call, unit, ["context"]) : undefined;
  return callee?.pkg === "context" && CONTEXT_MAKERS.test(callee.name);
}

function declaredInFile(file: FileView, name: string): boolean {
  return file.decls.some((d) => d.names.includes(name));
}

/** `pkg.Name` outside the unit (a helper elsewhere in the file): by the file's import names. */
function refOf(fn: GoNode, r: Resolver): { pkg: string; name: string } | undefined {
  if (fn.type !== "selector_expression") return undefined;
  const op = fn.childForFieldName("operand");
  const field = fn.childForFieldName("field");
  if (op?.type !== "identifier" || !field || r.resolve(op)) return undefined;
  const imp = r.file.imports.find((i) => i.name === op.text && (i.kind === "default" || i.kind === "alias"));
  return imp ? { pkg: imp.path, name: field.text } : undefined;
}

/** true: a *testing.T/B/F or testing.TB; false: a declared type that is not; undefined: unknown. */
function receiverIsTesting(operand: GoNode, r: Resolver): boolean | undefined {
  const x = unparen(operand);
  if (x.type !== "identifier") return undefined;
  const b = r.resolve(x);
  if (!b?.type) return undefined;
  const testing = r.file.importName("testing");
  const t = b.type.text.replace(/\s+/g, "");
  return !!testing && new RegExp(`^\\*?${testing}\\.(T|B|F|TB)$`).test(t);
}

const MAYBE_ENDS = /\b(panic|Exit\w*|Fatal\w*|FailNow|SkipNow|Skip\w*|Goexit|Fail|require\.\w+)\s*\(/;

/** A function of the file whose every path ends the process or the goroutine (a `fatalf` helper). */
function sameFileEnd(file: FileView, name: string): CallEnd | undefined {
  const memo = file.memo("cfg.sameFileEnds", () => new Map<string, CallEnd | null | "busy">());
  const known = memo.get(name);
  if (known === "busy") return undefined;
  if (known !== undefined) return known ?? undefined;
  // Read the declaration only when its text can end anything: most called names are ordinary functions.
  const at = file.source.search(new RegExp(`(^|\\n)func ${name.replace(/\$/g, "\\$")}[\\[(]`));
  if (at < 0) {
    memo.set(name, null);
    return undefined;
  }
  const close = file.source.indexOf("\n}", at);
  if (!MAYBE_ENDS.test(file.source.slice(at, close < 0 ? undefined : close))) {
    memo.set(name, null);
    return undefined;
  }
  memo.set(name, "busy");
  let out: CallEnd | null = null;
  const decl = file.wholeRoot().namedChildren.find((d) => d?.type === "function_declaration" && d.childForFieldName("name")?.text === name);
  if (decl?.childForFieldName("body")) {
    const params = new Map<string, GoNode | null>();
    for (const p of decl.childForFieldName("parameters")?.namedChildren ?? []) {
      for (const id of p?.childrenForFieldName("name") ?? []) if (id) params.set(id.text, p!.childForFieldName("type"));
    }
    // Parameters by name; other locals are unknown (their shadowing of a package name is ignored).
    const resolver: Resolver = { file, resolve: (id) => (params.has(id.text) ? { type: params.get(id.text) ?? null } : null) };
    out = summary(build(decl, resolver), resolver);
  }
  memo.set(name, out);
  return out ?? undefined;
}

/** How a call of a function with graph `g` ends: never returns (and how), may end its goroutine, or null. */
function summary(g: Cfg, r: Resolver): CallEnd | null {
  const reach = reachable(g.entry);
  const returns = reach.has(g.ends.return.index);
  const goroutine = reach.has(g.ends.goroutine.index);
  const process = reach.has(g.ends.process.index);
  const test = g.blocks.some((b) => reach.has(b.index) && b.succs.includes(g.ends.goroutine) && b.nodes.some((n) => endOf(n, r)?.test));
  if (!returns && (goroutine || process)) return { kind: goroutine ? "goroutine" : "process", always: true, test };
  if (returns && goroutine) return { kind: "goroutine", always: false, test };
  return null;
}

//	fail := func(format string, args ...interface{}) { t.Helper(); t.Fatalf(format, args...) }
/** A local set once to a func literal (`fail := func(...) {...}`): how a call of it ends. */
function localLiteralEnd(id: GoNode, unit: Unit): CallEnd | undefined {
  const b = unit.bindings.resolve(id);
  if (!b || b.kind !== "var" || b.decl.type !== "short_var_declaration") return undefined;
  const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
  const right = b.decl.childForFieldName("right")?.namedChildren ?? [];
  const value = left.length === right.length ? right[left.findIndex((l) => l?.id === b.id.id)] : undefined;
  if (!value || unparen(value).type !== "func_literal" || b.uses.some((u) => writes(u))) return undefined;
  const lit = unparen(value);
  const memo = unit.memo("cfg.literalEnds", () => new Map<number, CallEnd | null | "busy">());
  const known = memo.get(lit.id);
  if (known === "busy") return undefined;
  if (known !== undefined) return known ?? undefined;
  memo.set(lit.id, "busy");
  const out = summary(cfgOf(unit, lit), { file: unit.file, unit, resolve: (x) => unit.bindings.resolve(x) ?? null });
  memo.set(lit.id, out);
  return out ?? undefined;
}

/** A predicate on nodes asked at most once per node. */
function once(pred: (n: GoNode) => boolean): (n: GoNode) => boolean {
  const known = new Map<number, boolean>();
  return (n) => {
    let v = known.get(n.id);
    if (v === undefined) known.set(n.id, (v = pred(n)));
    return v;
  };
}

function reachable(from: Block): Set<number> {
  const seen = new Set<number>([from.index]);
  const stack = [from];
  while (stack.length) for (const s of stack.pop()!.succs) if (!seen.has(s.index)) seen.add(s.index), stack.push(s);
  return seen;
}

// ---------------------------------------------------------------------------------------------
// Counted loops.

export interface Trip {
  count: number;
  /** The counter's first value. */
  from: number;
  /** The identifier that declares the counter, when the loop names one. */
  counter: GoNode | undefined;
}

//	for i := 0; i < 3; i++ {           // 3 (i <= 3: 4; i += 1 too)
//	for i := range 3 {                 // 3 (Go 1.22)
//	n := 10; for i := 0; i < n; i++ {  // 10: a local bound set once from a literal
/** The trip count of a loop with literal bounds whose counter the body does not change, else null. */
export function tripCount(loop: GoNode): Trip | null {
  const range = loop.namedChildren.find((c) => c?.type === "range_clause");
  if (range) {
    const right = range.childForFieldName("right");
    if (right?.type !== "int_literal") return null;
    const count = intValue(right);
    const counter = range.childForFieldName("left")?.namedChildren[0] ?? undefined;
    return count === null ? null : { count, from: 0, counter: counter?.type === "identifier" && counter.text !== "_" ? counter : undefined };
  }
  const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
  const init = clause?.childForFieldName("initializer");
  const cond = clause?.childForFieldName("condition");
  const update = clause?.childForFieldName("update");
  if (init?.type !== "short_var_declaration" || cond?.type !== "binary_expression" || !update) return null;
  const left = init.childForFieldName("left")?.namedChildren ?? [];
  const right = init.childForFieldName("right")?.namedChildren ?? [];
  if (left.length !== 1 || right.length !== 1 || right[0]?.type !== "int_literal") return null;
  const i = left[0]!.text;
  const from = intValue(right[0]!);
  const op = cond.childForFieldName("operator")?.text;
  const to = cond.childForFieldName("right");
  const step = update.text.replace(/\s/g, "");
  if (from === null || cond.childForFieldName("left")?.text !== i || !to || (step !== `${i}++` && step !== `${i}+=1`)) return null;
  const end = constInt(to, loop);
  if (end === null || (op !== "<" && op !== "<=")) return null;
  // The body must not change the counter: only the update writes it.
  const body = loop.childForFieldName("body");
  if (body && descendantsInFunction(body, "identifier").some((id) => id.text === i && writes(id))) return null;
  return { count: Math.max(0, end - from + (op === "<=" ? 1 : 0)), from, counter: left[0]! };
}

//	n := 10_000
//	for i := 0; i < n; i++ {
//	const batches = 3                  // a local constant, too
/** The value of a local set once, before the loop, from an integer literal and never written again. */
function localInt(name: GoNode, loop: GoNode): number | null {
  const fn = enclosingFunction(loop);
  const body = fn?.childForFieldName("body");
  if (!body) return null;
  const decls = descendantsInFunction(body, ["short_var_declaration", "const_spec"]).filter((d) => {
    const left = d.type === "const_spec" ? d.childrenForFieldName("name") : d.childForFieldName("left")?.namedChildren ?? [];
    return left.some((x) => x?.text === name.text);
  });
  if (decls.length !== 1 || decls[0]!.endIndex > loop.startIndex) return null;
  const d = decls[0]!;
  const left = d.type === "const_spec" ? d.childrenForFieldName("name").filter((x): x is GoNode => x?.type === "identifier") : d.childForFieldName("left")!.namedChildren;
  const right = (d.type === "const_spec" ? d.childForFieldName("value")?.namedChildren : d.childForFieldName("right")?.namedChildren) ?? [];
  const at = left.findIndex((x) => x?.text === name.text);
  if (left.length !== right.length || right[at]?.type !== "int_literal") return null;
  // Written nowhere else, closures included.
  if (body.descendantsOfType("identifier").some((x) => x && x.text === name.text && x.id !== left[at]!.id && writes(x))) return null;
  return intValue(right[at]!);
}

//	const chanSize = 6
//	make(chan bool, chanSize)          // 6
//	for i := 0; i < chanSize+2; i++ {  // 8 rounds
/**
 * A package-level constant of the file declared with a constant integer expression (constInt;
 * `iota` is not followed), when no parameter or local of a function around the name shadows it.
 */
function packageConstInt(e: GoNode, depth: number): number | null {
  if (depth > 4 || shadowed(e)) return null;
  let root: GoNode = e;
  while (root.parent) root = root.parent;
  for (const d of root.namedChildren) {
    if (d?.type !== "const_declaration") continue;
    for (const spec of d.namedChildren) {
      if (spec?.type !== "const_spec") continue;
      const names = spec.childrenForFieldName("name").filter((n) => n?.type === "identifier");
      const i = names.findIndex((n) => n?.text === e.text);
      if (i < 0) continue;
      const values = spec.childForFieldName("value")?.namedChildren.filter((v) => !!v && v.type !== "comment") ?? [];
      const v = values.length === names.length ? values[i] : undefined;
      return v ? constInt(v, undefined, depth + 1) : null;
    }
  }
  return null;
}

/** A parameter or local of a function around the identifier declares its name. */
function shadowed(id: GoNode): boolean {
  for (let f = enclosingFunction(id); f; f = enclosingFunction(f)) {
    for (const x of f.descendantsOfType("identifier")) {
      if (x?.text !== id.text || x.id === id.id) continue;
      const p = x.parent?.type === "expression_list" ? x.parent.parent : x.parent;
      if (!p) continue;
      if (["parameter_declaration", "variadic_parameter_declaration", "var_spec", "const_spec", "range_clause"].includes(p.type)) return true;
      if (p.type === "short_var_declaration" && contains(p.childForFieldName("left")!, x)) return true;
    }
  }
  return false;
}

function intValue(n: GoNode): number | null {
  const v = Number(n.text.replace(/_/g, ""));
  return Number.isSafeInteger(v) ? v : null;
}

/** `x = ...`, `x++`, `&x`, `x, y := ...` redeclaring x: the identifier is written. */
function writes(id: GoNode): boolean {
  let n: GoNode = id;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "inc_statement" || p.type === "dec_statement") return true;
  if (p.type === "unary_expression" && p.childForFieldName("operator")?.type === "&") return true;
  if (p.type === "expression_list" && (p.parent?.type === "assignment_statement" || p.parent?.type === "short_var_declaration")) return p.parent.childForFieldName("left")?.id === p.id;
  return false;
}

//	for i := 0; i < 10000; i++ {
//		if i == 222 {
//			ch <- v                    // runs in some iteration of every run that ends at the condition
//		}
/** The simple statements under `if i == K` (K within the trip) that every iteration reaches. */
function surelyRun(loop: GoNode, trip: Trip): GoNode[] {
  const out: GoNode[] = [];
  if (!trip.counter || trip.count === 0) return out;
  const name = trip.counter.text;
  for (const s of statementsOf(loop.childForFieldName("body"))) {
    if (s.type === "if_statement" && !s.childForFieldName("initializer")) {
      const cond = unparen(s.childForFieldName("condition")!);
      const k = cond.type === "binary_expression" && cond.childForFieldName("operator")?.text === "==" ? equalsConstant(cond, name, loop) : null;
      if (k !== null && k >= trip.from && k < trip.from + trip.count) {
        for (const t of statementsOf(s.childForFieldName("consequence"))) {
          if (!SIMPLE.has(t.type) || hasSkip(t)) break;
          out.push(t);
        }
      }
    }
    // A continue or goto may skip the rest of some iteration.
    if (hasSkip(s)) break;
  }
  return out;
}

//	if i == 200 {
//	if i == n/2 {                      // n := 50 before the loop, written nowhere else
function equalsConstant(cond: GoNode, name: string, loop: GoNode): number | null {
  const l = unparen(cond.childForFieldName("left")!);
  const r = unparen(cond.childForFieldName("right")!);
  if (l.type === "identifier" && l.text === name) return constInt(r, loop);
  if (r.type === "identifier" && r.text === name) return constInt(l, loop);
  return null;
}

/**
 * The value of an integer expression of literals, package-level constants of the file
 * (`const chanSize = 6`) and, with `loop`, locals set once from literals before it (`n/2`, `n-1`).
 */
export function constInt(x: GoNode, loop?: GoNode, depth = 0): number | null {
  x = unparen(x);
  if (x.type === "int_literal") return intValue(x);
  if (x.type === "identifier") return (loop ? localInt(x, loop) : null) ?? packageConstInt(x, depth);
  if (x.type === "unary_expression" && x.childForFieldName("operator")?.text === "-") {
    const v = constInt(x.childForFieldName("operand")!, loop, depth);
    return v === null ? null : -v;
  }
  if (x.type !== "binary_expression") return null;
  const a = constInt(x.childForFieldName("left")!, loop, depth);
  const b = a === null ? null : constInt(x.childForFieldName("right")!, loop, depth);
  if (a === null || b === null) return null;
  const op = x.childForFieldName("operator")?.text;
  // Go's integer division truncates toward zero.
  const v = op === "+" ? a + b : op === "-" ? a - b : op === "*" ? a * b : op === "/" && b !== 0 ? Math.trunc(a / b) : op === "%" && b !== 0 ? a % b : null;
  return v !== null && Number.isSafeInteger(v) ? v : null;
}

const hasSkip = (s: GoNode) => s.type === "continue_statement" || s.type === "goto_statement" || descendantsInFunction(s, ["continue_statement", "goto_statement"]).length > 0;

const SIMPLE = new Set([
  "expression_statement", "send_statement", "inc_statement", "dec_statement", "assignment_statement",
  "short_var_declaration", "var_declaration", "const_declaration", "type_declaration", "go_statement", "defer_statement", "empty_statement",
]);

// ---------------------------------------------------------------------------------------------
// Guards that hold in one round of a loop only (goroutine-send-leak's sends and starts,
// time-after-in-loop's selects).

//	for i := 0; i < n; i++ {
//		if i == n/2 {                  // the counter is written only by the update: one round
//			half <- true
//		}
//	}
//	sent := false
//	for _, x := range xs {
//		if !sent && x.ok {             // set in the same branch before the round ends, never reset
//			first <- x
//			sent = true
//		}
//	}
/**
 * True when `node` runs at most once per run of `loop`, the innermost loop around it: an `if`
 * between them whose condition (or one of its `&&` terms) holds in one round only.
 */
export function onceIn(node: GoNode, loop: GoNode, unit: Unit): boolean {
  // A goto can go round inside the body without passing the loop's head.
  if (descendantsInFunction(loop, "goto_statement").length > 0) return false;
  const counter = counterOf(loop, unit);
  for (let n = node; n.parent && n.id !== loop.id; n = n.parent) {
    const s = n.parent;
    if (s.type !== "if_statement" || s.childForFieldName("consequence")?.id !== n.id) continue;
    for (const term of conjuncts(s.childForFieldName("condition"))) {
      if (counter && term.type === "binary_expression" && operatorOf(term) === "==" && oneRound(term, counter, loop, unit)) return true;
      if (term.type === "unary_expression" && operatorOf(term) === "!" && latched(unparen(term.childForFieldName("operand")!), n, loop, unit)) return true;
    }
  }
  return false;
}

function conjuncts(cond: GoNode | null): GoNode[] {
  if (!cond) return [];
  const c = unparen(cond);
  if (c.type === "binary_expression" && operatorOf(c) === "&&") return [...conjuncts(c.childForFieldName("left")), ...conjuncts(c.childForFieldName("right"))];
  return [c];
}

//	for i := K0; i < n; i++ {          // also i--, i += 2, i -= 2
//	for i, x := range xs {             // slice, array, map or string: a new index each round
//	for i := range 10 {
/** The counter of a loop that takes a new value each round and that only the loop writes. */
function counterOf(loop: GoNode, unit: Unit): Binding | undefined {
  let id: GoNode | undefined;
  const range = loop.namedChildren.find((c) => c?.type === "range_clause");
  if (range) {
    const left = listOf(range.childForFieldName("left"));
    const right = range.childForFieldName("right");
    if (!right) return undefined;
    if (left.length === 1 && right.type === "int_literal") id = left[0];
    else if (left.length === 2 && rangesValues(right, unit)) id = left[0];
  } else {
    const clause = loop.namedChildren.find((c) => c?.type === "for_clause");
    const init = clause?.childForFieldName("initializer");
    const update = clause?.childForFieldName("update");
    const left = init?.type === "short_var_declaration" ? listOf(init.childForFieldName("left")) : [];
    if (left.length !== 1 || !update || !steps(update, left[0]!.text)) return undefined;
    id = left[0];
  }
  const b = id?.type === "identifier" && id.text !== "_" ? unit.bindings.declaredBy(id) : undefined;
  if (!b) return undefined;
  const update = loop.namedChildren.find((c) => c?.type === "for_clause")?.childForFieldName("update");
  return b.uses.every((u) => !isWrite(u) || (!!update && contains(update, u))) ? b : undefined;
}

/** `i++`, `i--`, `i += 2`, `i -= 2`: a step that never repeats a value. */
function steps(update: GoNode, name: string): boolean {
  const target = update.type === "assignment_statement" ? listOf(update.childForFieldName("left")) : [update.namedChildren[0]];
  if (target.length !== 1 || target[0]?.type !== "identifier" || target[0].text !== name) return false;
  if (update.type === "inc_statement" || update.type === "dec_statement") return true;
  const by = listOf(update.childForFieldName("right"));
  const op = operatorOf(update);
  return (op === "+=" || op === "-=") && by.length === 1 && by[0]!.type === "int_literal" && Number(by[0]!.text.replace(/_/g, "")) !== 0;
}

/**
 * The two-variable range gives distinct first values: a slice, array, map or string (a function
 * iterator, Go 1.23, may yield a key twice: only before 1.23 is any two-variable range such).
 */
function rangesValues(right: GoNode, unit: Unit): boolean {
  const v = unit.file.goVersion;
  if (v && (v.major < 1 || (v.major === 1 && v.minor < 23))) return true;
  const x = unparen(right);
  if (x.type === "composite_literal" || x.type === "interpreted_string_literal" || x.type === "raw_string_literal") return true;
  const b = x.type === "identifier" ? unit.bindings.resolve(x) : undefined;
  return ["slice_type", "array_type", "map_type"].includes(b?.type?.type ?? "") || b?.type?.text === "string";
}

//	if i == K                          // K: literals, constants and locals nothing writes
/** `counter == K` (either side), with K the same in every round. */
function oneRound(eq: GoNode, counter: Binding, loop: GoNode, unit: Unit): boolean {
  const l = unparen(eq.childForFieldName("left")!);
  const r = unparen(eq.childForFieldName("right")!);
  const is = (x: GoNode) => x.type === "identifier" && unit.bindings.resolve(x) === counter;
  return (is(l) && invariant(r, loop, unit)) || (is(r) && invariant(l, loop, unit));
}

function invariant(x: GoNode, loop: GoNode, unit: Unit): boolean {
  switch (x.type) {
    case "int_literal":
    case "rune_literal":
    case "interpreted_string_literal":
    case "raw_string_literal":
      return true;
    case "parenthesized_expression":
      return invariant(unparen(x), loop, unit);
    case "unary_expression":
      return ["-", "+", "^"].includes(operatorOf(x)) && invariant(x.childForFieldName("operand")!, loop, unit);
    case "binary_expression":
      return ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"].includes(operatorOf(x)) && invariant(x.childForFieldName("left")!, loop, unit) && invariant(x.childForFieldName("right")!, loop, unit);
    case "identifier": {
      const b = unit.bindings.resolve(x);
      // A package-level constant of this file, or a local set once (outside the loop) and never written.
      if (!b) return unit.file.decls.some((d) => d.kind === "const" && d.names.includes(x.text));
      return !contains(loop, b.id) && (b.kind === "const" || b.uses.every((u) => !isWrite(u)));
    }
    default:
      return false;
  }
}

//	sent := false
//	for ... {
//		if !sent {
//			ch <- v
//			sent = true                // in the branch, no continue before it
//		}
//	}
/**
 * `!flag` where the branch `then` (the if's consequence) sets the flag to true before the round
 * can end, the flag is declared outside the loop, and nothing in the loop sets it otherwise.
 */
function latched(flag: GoNode, then: GoNode, loop: GoNode, unit: Unit): boolean {
  const b = flag.type === "identifier" ? unit.bindings.resolve(flag) : undefined;
  if (!b || contains(loop, b.id) || b.kind !== "var") return false;
  const home = enclosingFunction(loop);
  const setTrue = (u: GoNode) => {
    const stmt = u.parent?.parent;
    const right = stmt?.type === "assignment_statement" && operatorOf(stmt) === "=" ? listOf(stmt.childForFieldName("right")) : [];
    return listOf(stmt?.childForFieldName("left")).length === 1 && right.length === 1 && right[0]!.type === "true";
  };
  // Inside the loop, only `flag = true`; outside it, writes in the same function (before or after the loop).
  for (const u of b.uses) {
    if (!isWrite(u)) continue;
    if (contains(loop, u) ? !setTrue(u) : enclosingFunction(u)?.id !== home?.id) return false;
  }
  for (const s of statementsOf(then)) {
    if (descendantsInFunction(s, ["continue_statement", "goto_statement"]).length > 0 || s.type === "continue_statement") return false;
    const target = s.type === "assignment_statement" ? listOf(s.childForFieldName("left"))[0] : undefined;
    if (target && unit.bindings.resolve(target) === b && setTrue(target)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Building.

interface Target {
  node: GoNode;
  label: string | undefined;
  brk: Block;
  cont?: Block;
}

function build(fn: GoNode, r: Resolver): Cfg {
  const blocks: Block[] = [];
  const positions = new Map<number, Point>();
  const starts = new Map<number, Point>();
  const afters = new Map<number, Block>();
  const loops = new Map<number, LoopInfo>();
  const labels = new Map<string, Block>();
  const targets: Target[] = [];
  let fallTo: Block | undefined;

  const block = (owner: GoNode): Block => {
    const b: Block = { index: blocks.length, nodes: [], succs: [], owner, start: owner.startIndex, end_: owner.endIndex };
    blocks.push(b);
    return b;
  };
  const edge = (a: Block, b: Block) => {
    a.succs.push(b);
  };
  const ends: Record<EndKind, Block> = { return: block(fn), goroutine: block(fn), process: block(fn) };
  for (const k of ALL_ENDS) ends[k].end = k;
  const entry = block(fn);
  let cur = entry;

  const add = (n: GoNode) => {
    cur.nodes.push(n);
    positions.set(n.id, { block: cur, index: cur.nodes.length - 1 });
  };
  /** Ends the current block with a jump to `to`; what follows is unreachable until a label. */
  const jump = (to: Block) => {
    edge(cur, to);
    cur = block(cur.owner);
  };
  const labelBlock = (name: string, owner: GoNode) => {
    let b = labels.get(name);
    if (!b) labels.set(name, (b = block(owner)));
    return b;
  };
  const labelOf = (s: GoNode) => s.namedChildren.find((c) => c?.type === "label_name")?.text;
  /** The statement a break (any) or continue (loops only) goes to, by label or innermost. */
  const target = (label: string | undefined, isContinue: boolean) => {
    for (let i = targets.length - 1; i >= 0; i--) {
      const t = targets[i]!;
      if ((label === undefined || t.label === label) && (!isContinue || t.cont)) return t;
    }
    return undefined;
  };

  const list = (stmts: GoNode[]) => {
    for (const s of stmts) stmt(s);
  };

  const stmt = (s: GoNode, label?: string): void => {
    starts.set(s.id, { block: cur, index: cur.nodes.length });
    switch (s.type) {
      case "block":
        list(statementsOf(s));
        break;
      case "labeled_statement": {
        const name = labelOf(s)!;
        const lb = labelBlock(name, s);
        edge(cur, lb);
        cur = lb;
        const inner = s.namedChildren.find((c) => c && c.type !== "label_name" && c.type !== "comment");
        if (inner) stmt(inner, name);
        afters.set(s.id, cur);
        return;
      }
      case "if_statement": {
        const init = s.childForFieldName("initializer");
        if (init) add(init);
        const cond = s.childForFieldName("condition")!;
        add(cond);
        const test = cur;
        test.cond = cond;
        const then = block(s.childForFieldName("consequence") ?? s);
        const alt = s.childForFieldName("alternative");
        const after = block(s.parent ?? s);
        const other = alt ? block(alt) : after;
        edge(test, then);
        edge(test, other);
        cur = then;
        list(statementsOf(s.childForFieldName("consequence")));
        edge(cur, after);
        if (alt) {
          cur = other;
          stmt(alt);
          edge(cur, after);
        }
        cur = after;
        break;
      }
      case "for_statement":
        forStmt(s, label);
        break;
      case "expression_switch_statement":
      case "type_switch_statement":
        switchStmt(s, label);
        break;
      case "select_statement": {
        const dispatch = cur;
        const after = block(s.parent ?? s);
        targets.push({ node: s, label, brk: after });
        for (const c of s.namedChildren) {
          if (!c || (c.type !== "communication_case" && c.type !== "default_case")) continue;
          cur = block(c);
          edge(dispatch, cur);
          starts.set(c.id, { block: cur, index: 0 });
          const comm = c.childForFieldName("communication");
          if (comm) add(comm);
          list(caseStatements(c));
          edge(cur, after);
        }
        targets.pop();
        cur = after;
        break;
      }
      case "return_statement":
        add(s);
        jump(ends.return);
        break;
      case "break_statement":
      case "continue_statement": {
        add(s);
        const t = target(labelOf(s), s.type === "continue_statement");
        if (t) jump(s.type === "break_statement" ? t.brk : t.cont!);
        else jump(ends.return); // broken code: end the path rather than run on
        break;
      }
      case "goto_statement": {
        add(s);
        jump(labelBlock(labelOf(s) ?? "", s));
        break;
      }
      case "fallthrough_statement":
        add(s);
        if (fallTo) jump(fallTo);
        break;
      case "expression_statement": {
        add(s);
        const end = endOf(s, r);
        if (end?.always) jump(ends[end.kind]);
        else if (end) {
          const next = block(cur.owner);
          edge(cur, next);
          edge(cur, ends[end.kind]);
          cur = next;
        }
        break;
      }
      case "empty_statement":
      case "comment":
        break;
      default:
        add(s);
    }
    if (!afters.has(s.id)) afters.set(s.id, cur);
  };

  const forStmt = (s: GoNode, label: string | undefined) => {
    const body = s.childForFieldName("body");
    const clause = s.namedChildren.find((c) => c?.type === "for_clause");
    const range = s.namedChildren.find((c) => c?.type === "range_clause");
    const condOnly = s.namedChildren.find((c) => !!c && c.type !== "block" && c.type !== "comment" && c.type !== "for_clause" && c.type !== "range_clause");
    const init = clause?.childForFieldName("initializer");
    const cond = clause ? clause.childForFieldName("condition") : condOnly;
    const update = clause?.childForFieldName("update");
    if (init) add(init);
    const head = block(s);
    head.head = s;
    const bodyStart = block(body ?? s);
    const after = block(s.parent ?? s);
    const post = update ? block(s) : head;
    const trip = tripCount(s);
    edge(cur, trip && trip.count > 0 ? bodyStart : head);
    cur = head;
    if (range) {
      add(range);
      head.range = range.childForFieldName("right") ?? undefined;
    } else if (cond) {
      add(cond);
      head.cond = cond;
    }
    edge(head, bodyStart);
    if (range || cond) {
      const sure = trip ? surelyRun(s, trip) : [];
      if (sure.length) {
        const implied = block(s);
        implied.implied = true;
        implied.nodes.push(...sure);
        edge(head, implied);
        edge(implied, after);
      } else edge(head, after);
    }
    targets.push({ node: s, label, brk: after, cont: post });
    cur = bodyStart;
    if (body) starts.set(body.id, { block: bodyStart, index: 0 });
    list(statementsOf(body));
    edge(cur, post);
    if (update) {
      cur = post;
      add(update);
      edge(post, head);
    }
    targets.pop();
    loops.set(s.id, { node: s, head, after, header: !!(range || cond), trip: trip?.count ?? null });
    cur = after;
  };

  const switchStmt = (s: GoNode, label: string | undefined) => {
    const init = s.childForFieldName("initializer");
    if (init) add(init);
    const value = s.childForFieldName("value");
    if (value) add(value);
    const cases = s.namedChildren.filter((c): c is GoNode => !!c && (c.type === "expression_case" || c.type === "type_case" || c.type === "default_case"));
    for (const c of cases) {
      const v = c.childForFieldName(c.type === "type_case" ? "type" : "value");
      if (v) add(v);
    }
    const dispatch = cur;
    const after = block(s.parent ?? s);
    const bodies = cases.map((c) => block(c));
    for (const b of bodies) edge(dispatch, b);
    if (!cases.some((c) => c.type === "default_case")) edge(dispatch, after);
    targets.push({ node: s, label, brk: after });
    const saved = fallTo;
    cases.forEach((c, i) => {
      cur = bodies[i]!;
      starts.set(c.id, { block: cur, index: 0 });
      fallTo = bodies[i + 1];
      list(caseStatements(c));
      edge(cur, after);
    });
    fallTo = saved;
    targets.pop();
    cur = after;
  };

  const body = fn.childForFieldName("body");
  list(statementsOf(body));
  // Falling off the end returns, where the function has no results (else Go rejects it).
  if (body && !fn.childForFieldName("result")) {
    const brace = body.lastChild;
    if (brace) cur.nodes.push(brace);
    edge(cur, ends.return);
  }
  return makeCfg(fn, r, { entry, blocks, ends, positions, starts, afters, loops });
}

// ---------------------------------------------------------------------------------------------
// Queries.

interface Parts {
  entry: Block;
  blocks: Block[];
  ends: Record<EndKind, Block>;
  positions: Map<number, Point>;
  starts: Map<number, Point>;
  afters: Map<number, Block>;
  loops: Map<number, LoopInfo>;
}

/** A local followed along paths: a boolean set only here, or the counter of a counted loop. */
interface Tracked {
  index: number;
  /** For a counter: its first value ('t' in a state means "the counter still has it"). */
  from?: number;
}

/**
 * The locals the graph follows along paths, by the id of their declaring identifier: booleans of
 * the function (not written in a closure, not addressed, not redeclared) and the counters of its
 * counted loops, whose first iteration is known.
 */
function trackedOf(fn: GoNode, r: Resolver, conds: GoNode[], loops: Iterable<LoopInfo>): Map<number, Tracked> {
  const out = new Map<number, Tracked>();
  const unit = r.unit;
  const body = fn.childForFieldName("body");
  if (!unit || !body || conds.length === 0) return out;
  // Only locals that a branch tests can change which paths exist.
  const tested = new Set<number>();
  for (const c of conds) {
    for (const id of c.type === "identifier" ? [c] : c.descendantsOfType("identifier")) {
      const b = id ? unit.bindings.resolve(id) : undefined;
      if (b) tested.add(b.id.id);
    }
  }
  const MAX = 6;
  for (const b of unit.bindings.all) {
    if (out.size >= MAX) break;
    if (!tested.has(b.id.id) || b.kind !== "var" || initialFlag(b.id) === undefined || enclosingFunction(b.id)?.id !== fn.id) continue;
    const ok = b.uses.every((u) => {
      if (enclosingFunction(u)?.id !== fn.id) return false;
      const p = u.parent;
      if (p?.type === "unary_expression" && p.childForFieldName("operator")?.type === "&") return false;
      return !(p?.type === "expression_list" && p.parent?.type === "short_var_declaration" && p.parent.childForFieldName("left")?.id === p.id);
    });
    if (ok) out.set(b.id.id, { index: out.size });
  }
  for (const { node: loop, trip: count } of loops) {
    if (out.size >= MAX) break;
    const trip = count !== null && loop.namedChildren.some((c) => c?.type === "for_clause") ? tripCount(loop) : null;
    if (trip?.counter && tested.has(trip.counter.id)) out.set(trip.counter.id, { index: out.size, from: trip.from });
  }
  return out;
}

/** 'f' / 't' for `x := false`, `var x bool`, `var x = true`; undefined when not a literal bool. */
function initialFlag(id: GoNode): "t" | "f" | undefined {
  const decl = id.parent?.type === "expression_list" ? id.parent.parent : id.parent;
  if (!decl) return undefined;
  if (decl.type === "short_var_declaration") {
    const left = decl.childForFieldName("left")?.namedChildren ?? [];
    const right = decl.childForFieldName("right")?.namedChildren ?? [];
    const v = right[left.findIndex((l) => l?.id === id.id)];
    return left.length === right.length && v ? literalBool(v) : undefined;
  }
  if (decl.type === "var_spec") {
    const names = decl.childrenForFieldName("name").filter((n) => n?.type === "identifier");
    const values = decl.childForFieldName("value")?.namedChildren ?? [];
    if (values.length === 0) return decl.childForFieldName("type")?.text === "bool" ? "f" : undefined;
    const v = values[names.findIndex((n) => n?.id === id.id)];
    return names.length === values.length && v ? literalBool(v) : undefined;
  }
  return undefined;
}

function literalBool(v: GoNode): "t" | "f" | undefined {
  const t = unparen(v).type;
  return t === "true" ? "t" : t === "false" ? "f" : undefined;
}

interface State {
  block: Block;
  index: number;
  flags: string;
  /** The block the path came from (for naming the node that reached an end). */
  from?: Block;
}

function makeCfg(fn: GoNode, r: Resolver, p: Parts): Cfg {
  const flags = trackedOf(fn, r, p.blocks.flatMap((b) => (b.cond ? [b.cond] : [])), p.loops.values());
  const unknown = "?".repeat(flags.size);
  /**
   * Bounds the states of one search: past a few value combinations at a block, the block is
   * entered with every local unknown (more paths, never fewer), so a search stays linear.
   */
  const WIDEN = 8;
  const widener = () => {
    const seenAt = new Map<number, Set<string>>();
    return (b: Block, f: string): string => {
      if (flags.size === 0) return f;
      let set = seenAt.get(b.index);
      if (!set) seenAt.set(b.index, (set = new Set()));
      if (set.has(f)) return f;
      if (set.size >= WIDEN) return unknown;
      set.add(f);
      return f;
    };
  };
  /** The tracked local an identifier names (its declaration or a use). */
  const trackedBy = (id: GoNode): Tracked | undefined => {
    if (flags.size === 0 || id.type !== "identifier") return undefined;
    const b = r.unit?.bindings.resolve(id) ?? r.unit?.bindings.declaredBy(id);
    return b ? flags.get(b.id.id) : undefined;
  };

  const pointAfter = (node: GoNode): Point | undefined => {
    const at = p.positions.get(node.id);
    if (at) return { block: at.block, index: at.index + 1 };
    const b = p.afters.get(node.id);
    return b ? { block: b, index: 0 } : undefined;
  };
  const pointAt = (node: GoNode): Point | undefined => p.starts.get(node.id) ?? p.positions.get(node.id);
  const resolveFrom = (from: From): Point | undefined =>
    "entry" in from ? { block: p.entry, index: 0 } : "after" in from ? pointAfter(from.after) : pointAt(from.at);

  /** The tracked values after running node n. */
  /** What running a node does to the tracked locals, worked out once per node. */
  const effects = new Map<number, (f: string) => string>();
  const step = (n: GoNode, f: string): string => {
    if (flags.size === 0) return f;
    let e = effects.get(n.id);
    if (!e) {
      // Run it once on placeholders (A, B, ...): what stays a placeholder is copied, the rest is set.
      const probe = [...unknown].map((_, i) => String.fromCharCode(65 + i)).join("");
      const after = stepSlow(n, probe);
      e = after === probe ? (x) => x : (x) => [...after].map((c) => (c >= "A" && c <= "Z" ? x[c.charCodeAt(0) - 65]! : c)).join("");
      effects.set(n.id, e);
    }
    return e(f);
  };
  const stepSlow = (n: GoNode, f: string): string => {
    let out = f;
    const set = (id: GoNode, v: (t: Tracked) => string) => {
      const t = trackedBy(id);
      if (t) out = out.slice(0, t.index) + v(t) + out.slice(t.index + 1);
    };
    if (n.type === "assignment_statement") {
      const plain = n.childForFieldName("operator")?.text === "=";
      const left = n.childForFieldName("left")?.namedChildren ?? [];
      const right = n.childForFieldName("right")?.namedChildren ?? [];
      left.forEach((l, i) => {
        if (l?.type === "identifier") set(l, (t) => (t.from === undefined && plain && left.length === right.length && right[i] ? (literalBool(right[i]!) ?? "?") : "?"));
      });
    } else if (n.type === "inc_statement" || n.type === "dec_statement") {
      const id = n.namedChildren[0];
      if (id) set(id, () => "?");
    } else if (n.type === "short_var_declaration" || n.type === "var_declaration") {
      for (const id of n.descendantsOfType("identifier")) {
        if (!id) continue;
        const declared = id.parent?.type === "var_spec" ? id.parent.childrenForFieldName("name").some((x) => x?.id === id.id)
          : id.parent?.type === "expression_list" && id.parent.parent?.type === "short_var_declaration" && id.parent.parent.childForFieldName("left")?.id === id.parent.id;
        if (declared) set(id, (t) => (t.from !== undefined ? "t" : (initialFlag(id) ?? "?")));
      }
    }
    return out;
  };
  /** The value of a condition under the tracked locals: true, false, or undefined when unknown. */
  const conds = new Map<number, Map<string, boolean | undefined>>();
  const evalCond = (c: GoNode, f: string): boolean | undefined => {
    let m = conds.get(c.id);
    if (!m) conds.set(c.id, (m = new Map()));
    if (m.has(f)) return m.get(f);
    const v = evalSlow(c, f);
    m.set(f, v);
    return v;
  };
  const evalSlow = (c: GoNode, f: string): boolean | undefined => {
    const e = unparen(c);
    if (e.type === "true") return true;
    if (e.type === "false") return false;
    if (e.type === "identifier") {
      const t = trackedBy(e);
      const v = t && t.from === undefined ? f[t.index] : "?";
      return v === "t" ? true : v === "f" ? false : undefined;
    }
    if (e.type === "unary_expression" && e.childForFieldName("operator")?.type === "!") {
      const v = evalCond(e.childForFieldName("operand")!, f);
      return v === undefined ? undefined : !v;
    }
    if (e.type !== "binary_expression") return undefined;
    const op = e.childForFieldName("operator")?.text;
    const l = e.childForFieldName("left")!;
    const r2 = e.childForFieldName("right")!;
    if (op === "==" || op === "!=") {
      // `i == K` on a counted loop's first iteration.
      const [id, k] = unparen(l).type === "identifier" ? [unparen(l), unparen(r2)] : [unparen(r2), unparen(l)];
      const t = trackedBy(id);
      if (!t || t.from === undefined || k.type !== "int_literal" || f[t.index] !== "t") return undefined;
      return (intValue(k) === t.from) === (op === "==");
    }
    if (op !== "&&" && op !== "||") return undefined;
    const a = evalCond(l, f);
    const b = evalCond(r2, f);
    if (op === "&&") return a === false || b === false ? false : a === true && b === true ? true : undefined;
    return a === true || b === true ? true : a === false && b === false ? false : undefined;
  };
  /** The successors a block's end can go to under the flags. */
  const succsOf = (b: Block, f: string, opts: PathOptions): Block[] => {
    if (b.cond && b.succs.length === 2 && flags.size > 0) {
      const v = evalCond(b.cond, f);
      if (v === true) return [b.succs[0]!];
      if (v === false) return [b.succs[1]!];
    }
    if (b.range && opts.endlessRange?.(unparen(b.range))) return b.succs.slice(0, 1);
    return b.succs;
  };
  const within = (outer: GoNode, b: Block) => b.start >= outer.startIndex && b.end_ <= outer.endIndex;
  const inScope = (b: Block, scope: GoNode) => within(scope.parent ?? scope, b);
  const scopeEnd = (scope: GoNode): GoNode => {
    const c = scope.parent;
    if (c?.type === "block" && c.lastChild) return c.lastChild;
    const stmts = statementsOf(scope);
    return stmts[stmts.length - 1] ?? scope;
  };

  /**
   * Depth-first search over (block, position, flags) from `start`. Calls visit(node) for each
   * node run (true stops that path), onEnd for each end reached (true stops the search), and
   * onBlock when the path enters a block (false stops that path, true stops the search).
   */
  const search = (
    from: From,
    opts: PathOptions,
    hooks: { node?: (n: GoNode, s: State) => boolean | void; end?: (e: PathEnd) => boolean | void; block?: (b: Block, f: string) => "stop" | "skip" | void },
  ): void => {
    const start = resolveFrom(from);
    if (!start) return;
    const seen = new Set<string>();
    const widen = widener();
    const avoid = opts.avoid && once(opts.avoid);
    const endKinds = opts.ends ?? ["return"];
    const initial = flags.size === 0 || "entry" in from ? [unknown] : flagsAt(start);
    const stack: State[] = initial.map((f) => ({ block: start.block, index: start.index, flags: f }));
    let stopped = false;
    const lastNode = (b: Block | undefined): GoNode | undefined => (b ? b.nodes[b.nodes.length - 1] : undefined);
    while (stack.length && !stopped) {
      const st = stack.pop()!;
      // An end is told apart by the block that reaches it (each return statement is an end of its own).
      const key = st.block.end ? `${st.block.index}<${st.from?.index}` : `${st.block.index}:${st.index}:${st.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const b = st.block;
      if (b.end) {
        if (endKinds.includes(b.end)) {
          const node = lastNode(st.from) ?? fn;
          if (hooks.end?.({ node, kind: b.end })) stopped = true;
        }
        continue;
      }
      if (st.index === 0 && st.from) {
        if (opts.scope && !inScope(b, opts.scope) && !b.implied) {
          if (hooks.end?.({ node: scopeEnd(opts.scope), kind: "scope" })) stopped = true;
          continue;
        }
        const verdict = hooks.block?.(b, st.flags);
        if (verdict === "stop") {
          stopped = true;
          continue;
        }
        if (verdict === "skip") continue;
      }
      let f = st.flags;
      let blocked = false;
      for (let i = st.index; i < b.nodes.length; i++) {
        const n = b.nodes[i]!;
        if (avoid?.(n) || hooks.node?.(n, { ...st, flags: f }) === true) {
          blocked = true;
          break;
        }
        f = step(n, f);
      }
      if (blocked) continue;
      // Push in reverse so the first successor (the true branch, the source order) is explored first.
      const next = succsOf(b, f, opts);
      for (let i = next.length - 1; i >= 0; i--) stack.push({ block: next[i]!, index: 0, flags: widen(next[i]!, f), from: b });
    }
  };

  /** The flag states with which control can reach a point, from the entry. */
  const flagsMemo = new Map<string, string[]>();
  const flagsAt = (at: Point): string[] => {
    const memoKey = `${at.block.index}:${at.index}`;
    const known = flagsMemo.get(memoKey);
    if (known) return known;
    const result = flagsSearch(at);
    flagsMemo.set(memoKey, result);
    return result;
  };
  const flagsSearch = (at: Point): string[] => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const widen = widener();
    const stack: State[] = [{ block: p.entry, index: 0, flags: unknown }];
    while (stack.length) {
      const st = stack.pop()!;
      const key = `${st.block.index}:${st.flags}`;
      if (seen.has(key) || st.block.end) continue;
      seen.add(key);
      let f = st.flags;
      for (let i = 0; i < st.block.nodes.length; i++) {
        if (st.block === at.block && i === at.index) out.add(f);
        f = step(st.block.nodes[i]!, f);
      }
      if (st.block === at.block && at.index >= st.block.nodes.length) out.add(f);
      for (const s of succsOf(st.block, f, {})) stack.push({ block: s, index: 0, flags: widen(s, f) });
    }
    return out.size ? [...out] : [unknown];
  };

  const firstEnd = (from: From, opts: PathOptions = {}): PathEnd | null => {
    let found: PathEnd | null = null;
    search(from, opts, { end: (e) => ((found = e), true) });
    return found;
  };
  const allEnds = (from: From, opts: PathOptions = {}): PathEnd[] => {
    const out: PathEnd[] = [];
    search(from, opts, { end: (e) => void (out.some((o) => o.node.id === e.node.id && o.kind === e.kind) || out.push(e)) });
    return out;
  };
  const loopOf = (loop: GoNode) => p.loops.get(loop.id);

  const repeats = (loop: GoNode, from: From, opts: PathOptions = {}): boolean => {
    const info = loopOf(loop);
    if (!info) return false;
    let again = false;
    search(from, { ...opts, ends: [] }, {
      block: (b, f) => {
        if (b === info.head) {
          if (b.cond && flags.size > 0 && evalCond(b.cond, f) === false) return "skip";
          again = true;
          return "stop";
        }
        if (!within(loop, b) || b === info.after) return "skip";
      },
    });
    return again;
  };

  const loopExits = (loop: GoNode, opts: PathOptions = {}): GoNode[] => {
    const info = loopOf(loop);
    if (!info) return [];
    const out: GoNode[] = [];
    const note = (n: GoNode | undefined) => n && !out.some((o) => o.id === n.id) && out.push(n);
    const inside = (b: Block) => !b.end && !b.implied && b !== info.after && within(loop, b);
    const avoid = opts.avoid && once(opts.avoid);
    // Every block of the loop reachable from its head; an edge to a block outside is a way out.
    const seen = new Set<string>();
    const widen = widener();
    const stack: State[] = [{ block: info.head, index: 0, flags: unknown }];
    while (stack.length) {
      const st = stack.pop()!;
      const key = `${st.block.index}:${st.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const b = st.block;
      let f = st.flags;
      let blocked = false;
      for (const n of b.nodes) {
        if (avoid?.(n)) {
          blocked = true;
          break;
        }
        f = step(n, f);
      }
      if (blocked) continue;
      for (const s of succsOf(b, f, opts)) {
        if (s.implied || !inside(s)) {
          if (s.end && !(opts.ends ?? ALL_ENDS).includes(s.end)) continue;
          note(b.nodes[b.nodes.length - 1] ?? loop);
        } else stack.push({ block: s, index: 0, flags: widen(s, f) });
      }
    }
    return out.sort((a, b) => a.startIndex - b.startIndex);
  };

  const nodesOnPaths = (from: From, pick: (n: GoNode) => boolean, opts: PathOptions = {}): GoNode[] => {
    const out = new Map<number, GoNode>();
    const picked = once(pick);
    search(from, { ...opts, ends: [] }, { node: (n) => void (picked(n) && out.set(n.id, n)) });
    return [...out.values()].sort((a, b) => a.startIndex - b.startIndex);
  };

  const maxOnPath = (count: (n: GoNode) => boolean, once?: (n: GoNode) => GoNode | undefined): number => {
    // Blocks on some path from the entry to an end; a cycle among them through a counted node is unbounded.
    const fwd = reachable(p.entry);
    const preds = new Map<number, Block[]>();
    for (const b of p.blocks) for (const s of b.succs) preds.set(s.index, [...(preds.get(s.index) ?? []), b]);
    const back = new Set<number>();
    const stack = ALL_ENDS.map((k) => p.ends[k]);
    for (const e of stack) back.add(e.index);
    while (stack.length) for (const q of preds.get(stack.pop()!.index) ?? []) if (!back.has(q.index)) back.add(q.index), stack.push(q);
    const live = p.blocks.filter((b) => fwd.has(b.index) && back.has(b.index));
    const weight = (b: Block) => (b.implied ? 0 : b.nodes.filter(count).length);
    const comp = sccs(live);
    // The cycle is one loop's own (its head in it, nothing outside its span: no outer loop, no
    // `continue outer`), and every counted node in it runs at most once per run of that loop.
    const onceEach = (c: Block[]): boolean =>
      !!once &&
      c.every((b) =>
        b.implied ||
        b.nodes.filter(count).every((n) => {
          const loop = once(n);
          const head = loop && loopOf(loop)?.head;
          return !!head && c.includes(head) && c.every((x) => x.start >= loop.startIndex && x.end_ <= loop.endIndex);
        }),
      );
    for (const c of comp.groups) {
      const cyclic = c.length > 1 || c[0]!.succs.includes(c[0]!);
      if (cyclic && c.some((b) => weight(b) > 0) && !onceEach(c)) return Infinity;
    }
    // Longest path over the components, which now form a DAG (cyclic ones count nothing unless
    // their nodes run once per run of the loop: then each counts once).
    const memo = new Map<number, number>();
    const longest = (c: number): number => {
      const m = memo.get(c);
      if (m !== undefined) return m;
      let best = 0;
      for (const b of comp.groups[c]!) {
        for (const s of b.succs) {
          const d = comp.id.get(s.index);
          if (d !== undefined && d !== c) best = Math.max(best, longest(d));
        }
      }
      const v = comp.groups[c]!.reduce((n, b) => n + weight(b), 0) + best;
      memo.set(c, v);
      return v;
    };
    const first = comp.id.get(p.entry.index);
    return first === undefined ? 0 : longest(first);
  };

  const maxAtEnd = (stepOf: (n: GoNode) => number, cap: number, opts: Pick<PathOptions, "ends" | "endlessRange"> = {}): { value: number; end: PathEnd | null } => {
    let best = -1;
    let at: PathEnd | null = null;
    const seen = new Set<string>();
    const widen = widener();
    const endKinds = opts.ends ?? ["return"];
    const stack: { block: Block; value: number; flags: string; from?: Block }[] = [{ block: p.entry, value: 0, flags: unknown }];
    while (stack.length) {
      const st = stack.pop()!;
      const key = `${st.block.index}:${st.value}:${st.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const b = st.block;
      if (b.end) {
        if (endKinds.includes(b.end) && st.value > best) {
          best = st.value;
          at = { node: st.from?.nodes[st.from.nodes.length - 1] ?? fn, kind: b.end };
        }
        continue;
      }
      let v = st.value;
      let f = st.flags;
      if (!b.implied) {
        for (const n of b.nodes) {
          v = Math.max(0, Math.min(cap, v + stepOf(n)));
          f = step(n, f);
        }
      }
      for (const s of succsOf(b, f, opts)) stack.push({ block: s, value: v, flags: widen(s, f), from: b });
    }
    return { value: Math.max(best, 0), end: at };
  };

  return {
    fn,
    entry: p.entry,
    blocks: p.blocks,
    ends: p.ends,
    loop: loopOf,
    pointAfter,
    pointAt,
    firstEnd,
    allEnds,
    everyPathPasses: (from, pass, ends = ALL_ENDS) => firstEnd(from, { avoid: pass, ends }) === null,
    repeats,
    loopExits,
    nodesOnPaths,
    maxOnPath,
    maxAtEnd,
  };
}

/** Strongly connected components (Tarjan), over the given blocks only. */
function sccs(blocks: Block[]): { groups: Block[][]; id: Map<number, number> } {
  const inSet = new Set(blocks.map((b) => b.index));
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: Block[] = [];
  const groups: Block[][] = [];
  const id = new Map<number, number>();
  let counter = 0;
  const visit = (b: Block) => {
    index.set(b.index, counter);
    low.set(b.index, counter++);
    stack.push(b);
    onStack.add(b.index);
    for (const s of b.succs) {
      if (!inSet.has(s.index)) continue;
      if (!index.has(s.index)) {
        visit(s);
        low.set(b.index, Math.min(low.get(b.index)!, low.get(s.index)!));
      } else if (onStack.has(s.index)) low.set(b.index, Math.min(low.get(b.index)!, index.get(s.index)!));
    }
    if (low.get(b.index) === index.get(b.index)) {
      const g: Block[] = [];
      let w: Block;
      do {
        w = stack.pop()!;
        onStack.delete(w.index);
        id.set(w.index, groups.length);
        g.push(w);
      } while (w !== b);
      groups.push(g);
    }
  };
  for (const b of blocks) if (!index.has(b.index)) visit(b);
  return { groups, id };
}
