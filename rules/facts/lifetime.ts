// Functions that run once for the life of the process: what they start or allocate is meant to
// live as long as the process, so rules about things outliving their caller exempt them.
import type { FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { packageRef } from "./calls.js";
import { contains, unparen } from "./syntax.js";
import { pointee, typeOf, unparenType, type Ty } from "./types.js";

export type ProcessEntry = "main" | "init" | "TestMain" | "command" | "once";

/**
 * `main` of package main, an `init` function, or a test binary's `TestMain`; or `command`: the
 * function a cobra command runs (`Run: putFunc`, `RunE: o.run`, `RunE: wrap(cmdRun)`, and the
 * other `*Run*` hooks of a `cobra.Command` literal of the package, or `cmd.RunE = f`; the
 * `Action` of a urfave/cli `Command` or `App`, or `app.Action = f` on a `cli.NewApp()`), or a
 * function called only from such functions (`makeMirror`, called only by the command's `Run`). A
 * CLI runs one command per process, and the process ends when it returns. `once`: in package
 * main, a function or method called only from `main` and `init` (or from functions themselves
 * called only from them, or from a command's), so it runs once per process, though the process
 * goes on after it returns (a method: every `x.Name` selector of its name in the package is such
 * a call, `go store.Serve(ctx)`). A call in a loop runs per round, not once; the call may start the function as a
 * goroutine (`go watchConfig(path)`). Undefined otherwise.
 */
export function processEntry(unit: Unit): ProcessEntry | undefined {
  if (unit.kind !== "func" && unit.kind !== "method") return undefined;
  if (unit.kind === "func") {
    if (unit.name === "main" && unit.file.packageName === "main") return "main";
    if (unit.name === "init") return "init";
    if (unit.name === "TestMain" && unit.file.isTest) return "TestMain";
  }
  // Several rules ask for every unit: the package scan runs once per unit.
  return unit.memo("lifetime.commandEntry", () => commandEntry(unit));
}

/**
 * The process entry (processEntry) whose single run runs `node` of the unit at most once: `node`
 * is in no loop of the unit, and in no function literal but one started or called where it stands
 * (`go func() { ... }()`, `func() { ... }()`, `g.Go(func() error { ... })`), a `once.Do` literal,
 * or a command's run hook literal. A ticker made there, a goroutine started there, exists once per process: bounded
 * by the process's life however long it runs. Undefined otherwise (a handler literal runs per
 * request, a loop per round).
 */
export function onceForProcess(unit: Unit, node: GoNode): ProcessEntry | undefined {
  for (let c = node, p = node.parent; p && p.id !== unit.node.id; c = p, p = p.parent) {
    // A range's operand and a for clause's initializer are evaluated once (`for range time.Tick(d)`).
    if (p.type === "for_statement" && !(c.type === "range_clause" || (c.type === "for_clause" && inInitializer(c, node)))) return undefined;
    if (p.type === "func_literal") {
      if (commandBody(p, unit)) return "command";
      if (!startedOrCalledInPlace(p) && !onceBody(p, unit)) return undefined;
    }
  }
  return processEntry(unit);
}

const COBRA = "github.com/spf13/cobra";
/** urfave/cli, whose `App` and `Command` run one command per process (`Action:`, `app.Action = f`). */
const URFAVE = ["github.com/urfave/cli", "github.com/urfave/cli/v2", "github.com/urfave/cli/v3"];
/**
 * The function fields of a command literal that run the command: cobra's Run, RunE, PreRun,
 * PersistentPostRunE, ..., and `Action` (urfave/cli and others).
 */
const RUN_FIELD = /^(?:(?:Persistent)?(?:Pre|Post)?Run(?:E)?|Action)$/;

/**
 * The package qualifiers whose `Command` literals are CLI commands in `file`: cobra's and
 * urfave/cli's, in any package; in `package main`, any imported package's (`&cli.Command{Run:
 * runCmd}` of another CLI library: a program's own main package runs one command per process).
 */
function commandPackages(file: FileView): Set<string> {
  return file.memo("lifetime.commandPackages", () => {
    const out = new Set<string>();
    const cobra = file.importName(COBRA);
    if (cobra !== undefined) out.add(cobra);
    for (const n of urfavePackages(file)) out.add(n);
    if (file.packageName === "main") for (const i of file.imports) if (i.name) out.add(i.name);
    return out;
  });
}

/** The qualifiers urfave/cli is imported under in `file` (its `App` is a command too). */
function urfavePackages(file: FileView): Set<string> {
  return file.memo("lifetime.urfavePackages", () => new Set(URFAVE.map((p) => file.importName(p)).filter((n): n is string => n !== undefined && n !== ".")));
}

//	app := cli.NewApp()                  // or cli.App{...}, &cli.Command{...}
//	app.Action = func(c *cli.Context) error { ... }
/**
 * `x.Action = v` (or another run field) where `x` is declared in the same function from urfave/cli's
 * `NewApp()` or an `App`/`Command` literal of it: the value is that command's run hook.
 */
function urfaveHookAssignment(a: GoNode, i: number, cli: ReadonlySet<string>): boolean {
  const l = a.childForFieldName("left")?.namedChildren[i];
  const x = l?.type === "selector_expression" ? l.childForFieldName("operand") : null;
  if (x?.type !== "identifier" || !RUN_FIELD.test(l!.childForFieldName("field")?.text ?? "")) return false;
  let fn: GoNode | null = a.parent;
  while (fn && fn.type !== "function_declaration" && fn.type !== "method_declaration" && fn.type !== "func_literal") fn = fn.parent;
  if (!fn) return false;
  return fn.descendantsOfType(["short_var_declaration", "var_spec"]).some((d) => {
    if (!d) return false;
    const names = d.type === "var_spec" ? d.childrenForFieldName("name") : (d.childForFieldName("left")?.namedChildren ?? []);
    const values = (d.type === "var_spec" ? d.childForFieldName("value") : d.childForFieldName("right"))?.namedChildren ?? [];
    const k = names.findIndex((n) => n?.text === x.text);
    if (k < 0 || values.length !== names.length) return false;
    let v = unparen(values[k]!);
    if (v.type === "unary_expression" && v.childForFieldName("operator")?.text === "&") v = unparen(v.childForFieldName("operand")!);
    if (v.type === "call_expression") {
      const f = v.childForFieldName("function");
      return f?.type === "selector_expression" && cli.has(f.childForFieldName("operand")?.text ?? "") && f.childForFieldName("field")?.text === "NewApp";
    }
    return isCommandLiteral(v, cli, cli);
  });
}

/**
 * `command`: the unit is a cobra command's run function, or a function called only from such
 * functions; `once`: a function of package main called only from main and init (and from such
 * functions and commands' run functions).
 */
function commandEntry(unit: Unit): "command" | "once" | undefined {
  const main = unit.file.packageName === "main";
  // Cheap exit: a command's package imports its CLI library (cobra anywhere, any in package main),
  // in the unit's file or in the file of the package that declares the command.
  if (!main && commandPackages(unit.file).size === 0 && !unit.file.packageFiles().some((f) => commandPackages(f).size > 0)) return undefined;
  const name = unit.kind === "method" ? unit.name.slice(unit.name.lastIndexOf(".") + 1) : unit.name;
  const runs = commandRuns(unit.file);
  if ((unit.kind === "method" ? runs.methods : runs.funcs).has(name)) return "command";
  // No command literal in the package and no main: nothing can be called only from one (skips a walk of every file).
  if (!main && runs.funcs.size === 0 && runs.literals === 0) return undefined;
  // A method counts only in package main, where no other package can call it by name
  // (`go store.Serve(ctx)` from main: one service for the process).
  if (unit.kind === "method" && !main) return undefined;
  let recv: string | undefined;
  if (unit.kind === "method") {
    recv = receiverTypeName(unit.node);
    if (!recv) return undefined;
  }
  const callers = calledOnlyFromEntries(name, unit.file, runs.funcs, 0, recv);
  return callers === undefined ? undefined : callers.command && !callers.main ? "command" : "once";
}

interface CommandRuns {
  /** Functions set as a run hook: `Run: putFunc`. */
  funcs: Set<string>;
  /** Methods set as one, by name: `RunE: o.run`. */
  methods: Set<string>;
  /** Function literals set as one: `Run: func(args []string) error { return runCmd(args) }`. */
  literals: number;
}

/** The run hooks of every command literal of the package (commandPackages). */
function commandRuns(file: FileView): CommandRuns {
  return file.memo("lifetime.packageCommandRuns", () => {
    const out: CommandRuns = { funcs: new Set(), methods: new Set(), literals: 0 };
    for (const f of [file, ...file.packageFiles()]) {
      const own = f.memo("lifetime.commandRuns", () => {
        const funcs: string[] = [];
        const methods: string[] = [];
        let literals = 0;
        const cli = commandPackages(f);
        if (cli.size === 0) return { funcs, methods, literals };
        const add = (v: GoNode | null | undefined, wrapped = false) => {
          const n = v && unparen(v);
          if (n?.type === "identifier") funcs.push(n.text);
          else if (n?.type === "selector_expression") methods.push(n.childForFieldName("field")?.text ?? "");
          else if (n?.type === "func_literal") literals++;
          // `RunE: wrap(cmdRun)`: the hook a wrapper makes runs the functions handed to it.
          else if (n?.type === "call_expression" && !wrapped) for (const a of n.childForFieldName("arguments")?.namedChildren ?? []) add(a, true);
        };
        const root = f.wholeRoot();
        const urfave = urfavePackages(f);
        for (const el of root.descendantsOfType("keyed_element")) {
          const key = el?.childForFieldName("key")?.namedChildren[0];
          if (!el || key?.type !== "identifier" || !RUN_FIELD.test(key.text) || !isCommandLiteral(el.parent?.parent, cli, urfave)) continue;
          add(el.childForFieldName("value")?.namedChildren[0]);
        }
        // `app.Action = f` on an app urfave/cli made in the same function.
        if (urfave.size > 0) for (const a of root.descendantsOfType("assignment_statement")) {
          const left = a?.childForFieldName("left")?.namedChildren ?? [];
          const right = a?.childForFieldName("right")?.namedChildren ?? [];
          if (a && right.length === left.length) left.forEach((_, i) => void (urfaveHookAssignment(a, i, urfave) && add(right[i])));
        }
        // `cmd.RunE = f` says nothing of cmd's type: read only where cobra is imported, whose
        // Command has those fields (in package main, `job.Run = f` is often no command at all).
        if (f.importName(COBRA) !== undefined) for (const a of root.descendantsOfType("assignment_statement")) {
          const left = a?.childForFieldName("left")?.namedChildren ?? [];
          const right = a?.childForFieldName("right")?.namedChildren ?? [];
          left.forEach((l, i) => {
            const field = l?.type === "selector_expression" ? l.childForFieldName("field")?.text : undefined;
            if (field && RUN_FIELD.test(field) && right.length === left.length) add(right[i]);
          });
        }
        return { funcs, methods, literals };
      });
      for (const n of own.funcs) out.funcs.add(n);
      for (const n of own.methods) out.methods.add(n);
      out.literals += own.literals;
    }
    return out;
  });
}

/** `cobra.Command{...}` (a qualifier of commandPackages), `&cobra.Command{...}` alike; urfave/cli's `App{...}` too. */
function isCommandLiteral(lit: GoNode | null | undefined, cli: ReadonlySet<string>, urfave?: ReadonlySet<string>): boolean {
  if (lit?.type !== "composite_literal") return false;
  const t = lit.childForFieldName("type");
  if (t?.type !== "qualified_type") return false;
  const pkg = t.childForFieldName("package")?.text ?? "";
  const name = t.childForFieldName("name")?.text;
  return (cli.has(pkg) && name === "Command") || (!!urfave?.has(pkg) && name === "App");
}

/** Which process entries the calls of a function come from: a command's run function, or main/init. */
interface Callers {
  command: boolean;
  main: boolean;
}

/**
 * Every mention of the function `name` in the package is a call from a command's run function,
 * or (in package main) from `main` or `init`, or from a function itself called only from them
 * (three levels at most), and there is one. A call in a loop runs per round, and one in a function
 * literal when the literal runs (a handler: once per request), unless the literal is started or
 * called where it stands (`go func() { poll() }()`) or is a command's run hook.
 *
 * `recv`: `name` is a method of the type `recv`, and its mentions are the selectors `x.name`: each
 * must be called where it stands (`go store.Serve(ctx)`) on an `x` whose declared type the caller
 * shows (typeOf: `store := &diskStore{...}`); a call on another type of the package's is another
 * method and does not count, and one on a type the syntax cannot tell, a method value, a struct
 * field or an interface method of that name is a mention that may run this method, so it is not
 * called only from them. A value handed to a library as an interface is run by the library with
 * no mention at all: with no direct call, the method is not one of these.
 */
function calledOnlyFromEntries(name: string, file: FileView, runs: Set<string>, depth: number, recv?: string): Callers | undefined {
  const method = recv !== undefined;
  if (depth > 2) return undefined;
  const main = file.packageName === "main";
  const mention = new RegExp(`\\b${name}\\b`);
  const out: Callers = { command: false, main: false };
  let calls = 0;
  for (const f of [file, ...file.packageFiles()]) {
    if (!mention.test(f.source)) continue;
    for (const id of f.wholeRoot().descendantsOfType(method ? "field_identifier" : "identifier")) {
      if (id?.text !== name) continue;
      let p = id.parent;
      if (p?.type === (method ? "method_declaration" : "function_declaration") && p.childForFieldName("name")?.id === id.id) continue;
      if (method) {
        // `x.name(...)`: the call of the selector.
        if (p?.type !== "selector_expression" || p.childForFieldName("field")?.id !== id.id) return undefined;
        const sel = p;
        p = sel.parent;
        if (p?.type !== "call_expression" || p.childForFieldName("function")?.id !== sel.id) return undefined;
      } else if (p?.type !== "call_expression" || p.childForFieldName("function")?.id !== id.id) return undefined;
      if (method) {
        // Whose method the call runs: the declared type of `x` in `x.name(...)`.
        let decl: GoNode | null = p;
        while (decl && decl.type !== "function_declaration" && decl.type !== "method_declaration") decl = decl.parent;
        const operand = p.childForFieldName("function")!.childForFieldName("operand")!;
        const ty = decl ? typeOf(operand, { file: f, bindings: f.bindingsOf(decl) }) : undefined;
        const named = ty && namedType(pointee(ty) ?? ty);
        // A type the syntax cannot tell, a type parameter or an interface: it may be this one.
        if (!named || !concreteType(named, file)) return undefined;
        if (named !== recv) continue; // another type's method of the same name
      }
      let top: GoNode | null = p.parent;
      let hook = false;
      for (; top && top.type !== "function_declaration" && top.type !== "method_declaration"; top = top.parent) {
        if (top.type === "for_statement") return undefined;
        if (top.type !== "func_literal") continue;
        if (hookLiteral(top, commandPackages(f), urfavePackages(f))) {
          hook = true;
          break;
        }
        if (!startedOrCalledInPlace(top)) return undefined;
      }
      calls++;
      if (hook) {
        out.command = true;
        continue;
      }
      const caller = top?.type === "function_declaration" ? top.childForFieldName("name")?.text : undefined;
      if (!caller || caller === name) return undefined;
      if (runs.has(caller)) out.command = true;
      else if (main && (caller === "main" || caller === "init")) out.main = true;
      else {
        const up = calledOnlyFromEntries(caller, file, runs, depth + 1);
        if (!up) return undefined;
        out.command ||= up.command;
        out.main ||= up.main;
      }
    }
  }
  return calls > 0 ? out : undefined;
}

/** `T` of a method's receiver `(s *T)`, `(s T[K])`. */
function receiverTypeName(method: GoNode): string | undefined {
  const param = method.childForFieldName("receiver")?.namedChildren.find((c) => c?.type === "parameter_declaration");
  let t = param?.childForFieldName("type") ?? null;
  while (t && (t.type === "pointer_type" || t.type === "parenthesized_type")) t = t.namedChildren[0] ?? null;
  if (t?.type === "generic_type") t = t.childForFieldName("type");
  return t?.type === "type_identifier" ? t.text : undefined;
}

/** The package's own type a type expression names (`T`, `T[K]`), not a pointer to one. */
function namedType(t: Ty): string | undefined {
  let n: GoNode | null = unparenType(t.node);
  if (n.type === "generic_type") n = n.childForFieldName("type");
  return !t.addr && n?.type === "type_identifier" ? n.text : undefined;
}

/** A type the package declares that is not an interface (nor an alias of one). */
function concreteType(name: string, file: FileView): boolean {
  for (const f of [file, ...file.packageFiles()]) {
    const d = f.decls.find((x) => x.kind === "type" && x.names.includes(name));
    if (d) return !!d.type && !["interface_type", "type_identifier", "qualified_type", "generic_type"].includes(unparenType(d.type).type);
  }
  return false;
}

const inInitializer = (clause: GoNode, n: GoNode): boolean => {
  const init = clause.childForFieldName("initializer");
  return !!init && contains(init, n);
};

/** Constructors: `New`, `NewServer`, `newServer`. */
const CONSTRUCTOR = /^(?:New(?![a-z])|new[A-Z])/;
/**
 * Lifecycle functions and methods: `Run`, `RunServer`, `Start`, `startClock`, `Listen`,
 * `ListenAndServe`, and `Serve` itself (not `ServeHTTP` or `ServeConn`: once per request).
 */
const LIFECYCLE = /^(?:(?:[Rr]un|[Ss]tart|[Ll]isten)(?![a-z0-9_])|[Ss]erve$)/;
/**
 * A package's setup functions: `initDataScanner`, `InitMetrics` (functions, not methods: a method
 * `c.initConn()` sets up one instance, which may be one per connection).
 */
const SETUP = /^[Ii]nit[A-Z]/;

/**
 * Whether the goroutine that `stmt` starts (a `go` statement, or a `g.Go(func ...)` call
 * statement) is started once for the life of the process, so that it is expected to run as long
 * as the process does: it sits in the body of a `once.Do(func() { ... })` or
 * `sync.OnceFunc(func() { ... })` literal or of a cobra command's run hook (`RunE: func(...) {...}`),
 * or the unit is a process entry (main, init, TestMain, a command's run function: processEntry),
 * a constructor (`New*`), a lifecycle function or method (`Run`, `Start`, `Serve`, `Listen*`) or
 * a package's setup function (`initX`, `InitX`);
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
      if (onceBody(p, unit) || commandBody(p, unit)) return true;
      if (!startedOrCalledInPlace(p)) return false;
    }
  }
  const name = unit.name.slice(unit.name.lastIndexOf(".") + 1); // `T.M` for a method
  const setup = unit.node.type === "function_declaration" && SETUP.test(name);
  return !!processEntry(unit) || CONSTRUCTOR.test(name) || LIFECYCLE.test(name) || setup;
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

/** The literal is a command's run hook: `RunE: func(cmd *cobra.Command, args []string) error { ... }`. */
function commandBody(lit: GoNode, unit: Unit): boolean {
  const cli = commandPackages(unit.file);
  return cli.size > 0 && hookLiteral(lit, cli, urfavePackages(unit.file));
}

function hookLiteral(lit: GoNode, cli: ReadonlySet<string>, urfave: ReadonlySet<string>): boolean {
  let n = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  // `app.Action = func(c *cli.Context) error { ... }` on an app urfave/cli made in the function.
  const list = n.parent?.type === "expression_list" ? n.parent : null;
  if (urfave.size > 0 && list?.parent?.type === "assignment_statement" && list.parent.childForFieldName("right")?.id === list.id) {
    return urfaveHookAssignment(list.parent, list.namedChildren.findIndex((c) => c?.id === n.id), urfave);
  }
  const el = n.parent?.type === "literal_element" ? n.parent.parent : null;
  const key = el?.type === "keyed_element" ? el.childForFieldName("key")?.namedChildren[0] : null;
  return key?.type === "identifier" && RUN_FIELD.test(key.text) && isCommandLiteral(el!.parent?.parent, cli, urfave);
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
