// Facts shared by the timer rules (afterfunc-untracked, ticker-not-stopped, time-after-in-loop):
// calls into package "time" through the file's import names, and whether the runtime collects
// unstopped timers. Paths (a range over a ticker that never ends, a loop that runs again) are
// questions for the control-flow graph (cfg.ts).
import type { FileView, GoNode, Severity, Unit } from "../../src/analyzer/types.js";
import { importsAny, packageCallee, packageRef } from "./calls.js";
import { FUNCTION_TYPES, unparen } from "./syntax.js";

const TIME = "time";

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

// ---------------------------------------------------------------------------------------------
// Delays written as literals (afterfunc-untracked, ticker-not-stopped: a short literal delay is bounded).

/** What reading a duration needs: the file (imports, constants) and the enclosing function's locals. */
export type Scope = Pick<Unit, "file" | "bindings">;

const UNITS: Record<string, number> = { Nanosecond: 1, Microsecond: 1e3, Millisecond: 1e6, Second: 1e9, Minute: 60e9, Hour: 3600e9 };

/**
 * Nanoseconds of a literal duration expression (`2 * time.Second`, `time.Duration(500) * time.Millisecond`),
 * or of a constant the function or the file declares with one (`const grace = 2 * time.Second`), or null.
 * A local variable every assignment of which is such a literal counts as the longest of them, and
 * a random jitter bounded by a literal (`rand.Intn(10)`, math/rand and math/rand/v2) as its bound
 * where a larger value can only lengthen the delay (`time.Duration(rand.Intn(10)+5) * time.Second`).
 */
export function literalDuration(e: GoNode, unit: Scope, locals = true, depth = 0): number | null {
  if (depth > 8) return null;
  switch (e.type) {
    case "identifier": {
      const value = constValue(e, unit);
      if (value) return literalDuration(unparen(value), unit, false, depth + 1);
      return locals ? localDuration(e, unit) : null;
    }
    case "int_literal":
    case "float_literal": {
      const n = Number(e.text.replace(/_/g, ""));
      return Number.isFinite(n) ? n : null;
    }
    case "parenthesized_expression":
      return e.namedChildren[0] ? literalDuration(e.namedChildren[0], unit, locals, depth + 1) : null;
    case "selector_expression": {
      const ref = packageRef(e, unit);
      return ref?.pkg === "time" ? (UNITS[ref.name] ?? null) : null;
    }
    case "call_expression": {
      const fn = unparen(e.childForFieldName("function")!);
      const args = e.childForFieldName("arguments")?.namedChildren ?? [];
      // A conversion to a numeric type keeps the value: `rand.Intn(int(10 * time.Second))`.
      if (fn.type === "identifier" && NUMERIC.has(fn.text) && !unit.bindings.resolve(fn) && !declaredType(fn.text, unit) && args.length === 1 && args[0]) return literalDuration(unparen(args[0]), unit, locals, depth + 1);
      const ref = packageRef(fn, unit);
      if (ref && RAND.has(ref.pkg) && RAND_BOUNDED.has(ref.name) && args.length === 1 && args[0]) return literalDuration(unparen(args[0]), unit, locals, depth + 1);
      return ref?.pkg === "time" && ref.name === "Duration" && args.length === 1 && args[0] ? literalDuration(unparen(args[0]), unit, locals, depth + 1) : null;
    }
    case "binary_expression": {
      const l = literalDuration(unparen(e.childForFieldName("left")!), unit, locals, depth + 1);
      const r = literalDuration(unparen(e.childForFieldName("right")!), unit, locals, depth + 1);
      if (l === null || r === null) return null;
      const op = e.childForFieldName("operator")?.type;
      // A random bound is an upper bound only where a larger operand gives a larger result.
      if ((op === "-" || op === "/") && random(e.childForFieldName("right")!, unit)) return null;
      return op === "*" ? l * r : op === "+" ? l + r : op === "-" ? l - r : op === "/" && r !== 0 ? l / r : null;
    }
    default:
      return null;
  }
}

const RAND = new Set(["math/rand", "math/rand/v2"]);
/** Go's predeclared integer and float types: a conversion to one of them keeps a duration's value. */
const NUMERIC = new Set(["int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "float32", "float64"]);
/** The package declares a type of that name (which would shadow the predeclared one). */
const declaredType = (name: string, unit: Scope): boolean => unit.file.decls.some((d) => d.kind === "type" && d.names.includes(name));
/** Functions returning a value in [0, n): read as n. */
const RAND_BOUNDED = new Set(["Intn", "Int31n", "Int63n", "IntN", "Int32N", "Int64N", "UintN", "Uint32N", "Uint64N", "N"]);

/** The expression holds a call of math/rand. */
function random(e: GoNode, unit: Scope): boolean {
  const calls = e.type === "call_expression" ? [e] : [];
  for (const c of e.descendantsOfType("call_expression")) if (c) calls.push(c);
  return calls.some((c) => {
    const ref = packageRef(unparen(c.childForFieldName("function")!), unit);
    return !!ref && RAND.has(ref.pkg);
  });
}

//	delay := 100 * time.Millisecond
//	time.AfterFunc(delay, ...)
//	delay = 200 * time.Millisecond
/** The longest literal duration a local variable is ever given, when every value it is given is one. */
function localDuration(id: GoNode, unit: Scope): number | null {
  const b = unit.bindings.resolve(id);
  if (b?.kind !== "var") return null;
  const values: (GoNode | null)[] = [];
  for (const u of [b.id, ...b.uses]) {
    const p = u.parent;
    if (p?.type === "var_spec") {
      const names = p.childrenForFieldName("name").filter((x) => x?.type === "identifier");
      const vals = p.childForFieldName("value")?.namedChildren.filter((x) => x && x.type !== "comment") ?? [];
      const i = names.findIndex((x) => x?.id === u.id);
      values.push(vals.length === names.length ? vals[i] ?? null : null);
      continue;
    }
    if (p?.type === "inc_statement" || p?.type === "dec_statement" || (p?.type === "unary_expression" && p.childForFieldName("operator")?.type === "&")) return null;
    const stmt = p?.type === "expression_list" ? p.parent : null;
    if ((stmt?.type !== "short_var_declaration" && stmt?.type !== "assignment_statement") || stmt.childForFieldName("left")?.id !== p!.id) continue; // a read
    if (stmt.type === "assignment_statement" && stmt.childForFieldName("operator")?.text !== "=") return null; // delay *= 2
    const right = stmt.childForFieldName("right")?.namedChildren.filter((x) => x && x.type !== "comment") ?? [];
    const i = p!.namedChildren.findIndex((x) => x?.id === u.id);
    values.push(right.length === p!.namedChildCount ? right[i] ?? null : null);
  }
  let max: number | null = null;
  for (const v of values) {
    const ns = v ? literalDuration(unparen(v), unit, false) : null;
    if (ns === null) return null;
    max = max === null ? ns : Math.max(max, ns);
  }
  return max;
}

/** The value a constant is declared with: a local `const` of the function, or a package-level one of the file. */
function constValue(id: GoNode, unit: Scope): GoNode | null {
  const b = unit.bindings.resolve(id);
  let spec: GoNode | null = null;
  if (b) spec = b.kind === "const" && b.decl.type === "const_spec" ? b.decl : null;
  else spec = unit.file.decls.find((d) => d.kind === "const" && d.names.includes(id.text))?.node ?? null;
  if (spec?.type !== "const_spec") return null;
  const names = spec.childrenForFieldName("name");
  const values = spec.childForFieldName("value")?.namedChildren ?? [];
  const i = names.findIndex((n) => n?.text === id.text);
  return names.length === values.length && i >= 0 ? values[i] ?? null : null;
}
