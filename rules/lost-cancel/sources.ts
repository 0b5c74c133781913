// Where a cancel function comes from: the context package's With* functions, os/signal's
// NotifyContext, and functions or methods of the same file declared to return a
// context.CancelFunc (or CancelCauseFunc). Without types, a helper is known by its declaration in
// the file; a plain `func()` result is not taken for a cancel function (a cleanup of unknown duty).
//
//	func requestContext(p context.Context) (context.Context, context.CancelFunc) { ... }
//	ctx, cancel := requestContext(parent)      // cancel is owed, as for context.WithTimeout
import type { Binding, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { packageCallee } from "../facts/calls.js";
import { unparen } from "../facts/syntax.js";

export const CONTEXT_PKGS = ["context", "golang.org/x/net/context"];

/**
 * Well-known functions of other modules that derive a context and hand back its cancel function
 * (documented signatures): `joincontext.Join(ctx1, ctx2) (context.Context, context.CancelFunc)`
 * makes a context done when either parent is, registered with both until cancel is called.
 */
export const KNOWN_DERIVERS: readonly { pkg: string; name: string; index: number; results: number }[] = [
  { pkg: "github.com/LK4D4/joincontext", name: "Join", index: 1, results: 2 },
];
const KNOWN_PKGS = [...new Set(KNOWN_DERIVERS.map((d) => d.pkg))];
const DERIVERS = ["WithCancel", "WithTimeout", "WithDeadline", "WithCancelCause", "WithTimeoutCause", "WithDeadlineCause"];

export type Origin = "cancel" | "timeout" | "signal" | "helper";

/** A call that hands out a cancel function the caller owes a call to. */
export interface CancelSource {
  /** How the finding names the call: `context.WithTimeout`, `signal.NotifyContext`, `requestContext`. */
  fn: string;
  /** Which result is the cancel function. */
  index: number;
  /** It takes a cause: `cancel(nil)`. */
  cause: boolean;
  /** What leaks until it is called. */
  origin: Origin;
  /** The name a fix gives a discarded cancel function. */
  fixName: string;
  /** How many results the call has, when the source says (a helper of the file). */
  results?: number;
  /** Which result is an `error`: when it is not nil the other results are not the caller's to use. */
  errorIndex?: number;
}

/** The cancel function a call hands out, if it is one of the known sources. */
export function cancelSource(call: GoNode, unit: Unit): CancelSource | undefined {
  const callee = packageCallee(call, unit, [...CONTEXT_PKGS, "os/signal", ...KNOWN_PKGS]);
  if (callee) {
    const known = KNOWN_DERIVERS.find((d) => d.pkg === callee.pkg && d.name === callee.name);
    if (known) {
      const short = callee.pkg.slice(callee.pkg.lastIndexOf("/") + 1);
      return { fn: `${short}.${callee.name}`, index: known.index, cause: false, origin: "cancel", fixName: "cancel", results: known.results };
    }
    if (CONTEXT_PKGS.includes(callee.pkg) && DERIVERS.includes(callee.name)) {
      const timed = callee.name.includes("Timeout") || callee.name.includes("Deadline");
      return { fn: `context.${callee.name}`, index: 1, cause: callee.name === "WithCancelCause", origin: timed ? "timeout" : "cancel", fixName: "cancel" };
    }
    // stop unregisters the signal: until then the process keeps catching it.
    if (callee.pkg === "os/signal" && callee.name === "NotifyContext") return { fn: "signal.NotifyContext", index: 1, cause: false, origin: "signal", fixName: "stop" };
    return undefined;
  }
  const fn = unparen(call.childForFieldName("function")!);
  let helper: Helper | undefined;
  if (fn.type === "identifier") {
    if (unit.bindings.resolve(fn)) return undefined; // a local func value
    helper = helpers(unit.file).funcs.get(fn.text);
  } else if (fn.type === "selector_expression") {
    const operand = fn.childForFieldName("operand");
    // pkg.F of another package: its declaration is not in this file.
    if (operand?.type === "identifier" && !unit.bindings.resolve(operand) && unit.file.imports.some((i) => i.name === operand.text)) return undefined;
    helper = helpers(unit.file).methods.get(fn.childForFieldName("field")?.text ?? "");
  }
  if (!helper) return undefined;
  return { fn: fn.text.replace(/\s+/g, ""), index: helper.index, cause: helper.cause, origin: "helper", fixName: "cancel", results: helper.results, errorIndex: helper.errorIndex };
}

interface Helper {
  index: number;
  cause: boolean;
  results: number;
  errorIndex?: number;
}

/**
 * Functions and methods of the file with a context.CancelFunc/CancelCauseFunc result, by name.
 * A method name declared more than once with different answers is left out (which type's method a
 * call reaches is not known without types).
 */
function helpers(file: FileView): { funcs: Map<string, Helper>; methods: Map<string, Helper> } {
  return file.memo("lost-cancel.helpers", () => {
    const funcs = new Map<string, Helper>();
    const methods = new Map<string, Helper | null>();
    const ctxNames = CONTEXT_PKGS.map((p) => file.importName(p)).filter((n): n is string => !!n);
    // No declaration can have such a result: spare a large file its whole parse.
    if (ctxNames.length === 0 || !file.source.includes("CancelFunc") && !file.source.includes("CancelCauseFunc")) return { funcs, methods: new Map() };
    for (const d of file.wholeRoot().namedChildren) {
      if (d?.type !== "function_declaration" && d?.type !== "method_declaration") continue;
      const name = d.childForFieldName("name")?.text;
      if (!name) continue;
      let h = cancelResult(d.childForFieldName("result"), ctxNames);
      if (h && sharesCancel(d, h.index, file)) h = undefined;
      if (d.type === "function_declaration") {
        if (h) funcs.set(name, h);
      } else {
        const seen = methods.get(name);
        if (seen === undefined) methods.set(name, h ?? null);
        else if (!seen || !h || seen.index !== h.index || seen.cause !== h.cause || seen.results !== h.results || seen.errorIndex !== h.errorIndex) methods.set(name, null);
      }
    }
    return { funcs, methods: new Map([...methods].filter((e): e is [string, Helper] => !!e[1])) };
  });
}

/** The position of the single CancelFunc/CancelCauseFunc among the declared results. */
function cancelResult(result: GoNode | null, ctxNames: string[]): Helper | undefined {
  if (result?.type !== "parameter_list") return undefined;
  const types: GoNode[] = [];
  for (const p of result.namedChildren) {
    if (p?.type !== "parameter_declaration") continue;
    const type = p.childForFieldName("type");
    if (!type) return undefined;
    const names = p.childrenForFieldName("name").filter((n) => n?.type === "identifier").length;
    for (let i = 0; i < Math.max(1, names); i++) types.push(type);
  }
  const hits = types.flatMap((t, index) => {
    if (t.type !== "qualified_type" || !ctxNames.includes(t.childForFieldName("package")?.text ?? "")) return [];
    const name = t.childForFieldName("name")?.text;
    return name === "CancelFunc" || name === "CancelCauseFunc" ? [{ index, cause: name === "CancelCauseFunc", results: types.length }] : [];
  });
  const errors = types.flatMap((t, i) => (t.type === "type_identifier" && t.text === "error" ? [i] : []));
  return hits.length === 1 ? { ...hits[0]!, errorIndex: errors.length === 1 ? errors[0] : undefined } : undefined;
}

/**
 * The helper already hands the cancel function it returns to someone else, so the caller does not
 * own it alone: a test helper's `t.Cleanup(cancel)`, a `defer`/`go` of it, a store in a field.
 *
 *	func testContext(t *testing.T) (context.Context, context.CancelFunc) {
 *		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
 *		t.Cleanup(cancel)
 *		return ctx, cancel
 *	}
 */
function sharesCancel(decl: GoNode, index: number, file: FileView): boolean {
  const body = decl.childForFieldName("body");
  if (!body) return false;
  const bindings = file.bindingsOf(decl);
  const names = new Set<Binding>();
  // The named result at that position, and the locals returned there.
  const results = decl.childForFieldName("result")?.namedChildren.filter((p) => p?.type === "parameter_declaration") ?? [];
  const named = results.flatMap((p) => p!.childrenForFieldName("name").filter((n): n is GoNode => n?.type === "identifier"));
  const r = named[index] && bindings.declaredBy(named[index]!);
  if (r) names.add(r);
  for (const ret of body.descendantsOfType("return_statement")) {
    const list = ret?.namedChildren.find((c) => c?.type === "expression_list");
    const values = list?.namedChildren.filter((v) => v && v.type !== "comment") ?? [];
    const v = values.length > index ? unparen(values[index]!) : undefined;
    const b = v?.type === "identifier" ? bindings.resolve(v) : undefined;
    if (b) names.add(b);
  }
  return [...names].some((b) =>
    b.uses.some((u) => {
      let n: GoNode = u;
      while (n.parent?.type === "parenthesized_expression") n = n.parent;
      const p = n.parent;
      if (p?.type === "argument_list") return true; // t.Cleanup(cancel), context.AfterFunc(ctx, cancel)
      if (p?.type === "call_expression" && (p.parent?.type === "defer_statement" || p.parent?.type === "go_statement")) return true;
      if (p?.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("right")?.id === p.id) {
        const left = p.parent.childForFieldName("left")?.namedChildren ?? [];
        const i = p.namedChildren.findIndex((c) => c?.id === n.id);
        return !!left[i] && left[i]!.type !== "identifier"; // s.cancel = cancel
      }
      return false;
    }),
  );
}
