// Large byte buffers and the views into them (only this rule asks, so it lives in its folder,
// not in rules/facts/).
import type { Binding, GoNode, Unit } from "../../src/analyzer/types.js";
import { isBuiltinCall, packageCallee } from "../facts/calls.js";
import { defBefore, definitions, isWrite, type Def } from "../facts/definitions.js";
import { argsOf, contains, listOf, operatorOf, unparen } from "../facts/syntax.js";

export interface Buffer {
  kind: "bytes" | "string";
  /** A re-slice of the buffer rather than the buffer itself. */
  sub: boolean;
  /** Where the buffer comes from: the read, the `make`, the parameter. */
  origin: GoNode;
  /** How it was made, for messages: "read whole by io.ReadAll", "a parameter of Parse". */
  how: string;
  /** The variable that holds the buffer, when there is one. */
  name?: string;
  /**
   * The buffer is a whole allocation of its own (a whole read, a `make`), held in a variable never
   * re-sliced: cutting a few bytes off its ends leaves nearly all of it. Not so for a view into a
   * larger buffer (a bufio.Reader's, a Write or Unmarshal argument) or a pooled one.
   */
  allocation?: boolean;
}

const WHOLE_READS: Record<string, readonly string[]> = {
  io: ["ReadAll"],
  "io/ioutil": ["ReadAll", "ReadFile"],
  os: ["ReadFile"],
};

const LARGE = 64 * 1024;

// Methods whose interfaces say the []byte argument must not be kept after the call (io.Writer,
// io.WriterAt, json.Unmarshaler, encoding.TextUnmarshaler, encoding.BinaryUnmarshaler).
const NO_RETAIN = ["Write", "WriteAt", "UnmarshalJSON", "UnmarshalText", "UnmarshalBinary"];

/** The value of a constant integer expression, when the file settles it. */
export function constValue(e: GoNode, unit: Unit, depth = 0): number | undefined {
  const n = unparen(e);
  if (depth > 6) return undefined;
  if (n.type === "int_literal") {
    const v = Number(n.text.replace(/_/g, "").replace(/^0(?=[0-7]+$)/, "0o"));
    return Number.isFinite(v) ? v : undefined;
  }
  if (n.type === "binary_expression") {
    const l = constValue(n.childForFieldName("left")!, unit, depth + 1);
    const r = constValue(n.childForFieldName("right")!, unit, depth + 1);
    if (l === undefined || r === undefined) return undefined;
    switch (operatorOf(n)) {
      case "+": return l + r;
      case "-": return l - r;
      case "*": return l * r;
      case "/": return r ? Math.trunc(l / r) : undefined;
      case "<<": return l * 2 ** r;
      case ">>": return Math.trunc(l / 2 ** r);
      default: return undefined;
    }
  }
  if (n.type === "identifier") {
    const b = unit.bindings.resolve(n);
    const spec = b ? (b.kind === "const" ? b.decl : null) : unit.file.decls.find((d) => d.kind === "const" && d.names.includes(n.text))?.node;
    if (!spec) return undefined;
    const names = spec.childrenForFieldName("name").filter((x) => x?.type === "identifier");
    const values = listOf(spec.childForFieldName("value"));
    const i = names.findIndex((x) => x?.text === n.text);
    return values.length === names.length && values[i] ? constValue(values[i]!, unit, depth + 1) : undefined;
  }
  return undefined;
}

const isByteSlice = (t: GoNode | null | undefined) => !!t && t.type === "slice_type" && ["byte", "uint8"].includes(t.childForFieldName("element")?.text ?? "");

/** The exported top-level function or method a parameter belongs to, by name. */
function exportedOwner(b: Binding, unit: Unit): string | undefined {
  if (b.kind !== "param" || b.decl.parent?.parent?.id !== unit.node.id) return undefined;
  const name = unit.node.childForFieldName("name")?.text ?? "";
  return /^\p{Lu}/u.test(name) ? name : undefined;
}

/** What a buffer expression is at a point: a large buffer, a re-slice of one, or nothing we know. */
export function bufferOf(expr: GoNode, unit: Unit, depth = 0): Buffer | null {
  const e = unparen(expr);
  if (depth > 8) return null;
  if (e.type === "slice_expression") {
    const inner = bufferOf(e.childForFieldName("operand")!, unit, depth + 1);
    // `b[:]`, `b[:0]` (to reuse it), `b[0:cap(b)]` and `b[:n]` of `b := make([]byte, n)` are the
    // buffer itself, not a part of it.
    const size = inner && !inner.sub && isBuiltinCall(inner.origin, "make", unit) ? argsOf(inner.origin)[1]?.text : undefined;
    const whole = startsAtZero(e) && !e.childForFieldName("capacity") && (e.childForFieldName("end")?.text === "0" || reachesEnd(e, size));
    return inner ? { ...inner, sub: inner.sub || !(whole || (!!inner.allocation && nearlyWhole(e, unit))) } : null;
  }
  if (e.type === "identifier") {
    const b = unit.bindings.resolve(e);
    if (!b) return null;
    // for _, line := range strings.Split(text, "\n"): each element is a part of text
    if (b.kind === "range") {
      const vars = listOf(b.decl.childForFieldName("left"));
      const found = vars.length === 2 && vars[1]!.id === b.id.id ? partsOf(b.decl.childForFieldName("right")!, unit, depth + 1) : null;
      return found ? { ...found, name: b.name } : null;
    }
    const d = defBefore(b, e.startIndex, unit);
    if (!d) return null;
    const carried = (found: Buffer | null): Buffer | null => (found && !found.sub && advancedInLoop(b, e, unit) ? { ...found, sub: true } : found);
    if (d.multi && !d.value) return cutPart(d, b, unit, depth);
    if (!d.value) {
      // A parameter is not known to be large by itself (`target[:i]` of a Dial's address is a few
      // bytes). The exception is the []byte of a method whose interface forbids keeping it: the
      // caller reuses that buffer, and a decoder passes a view of its whole input.
      const owner = exportedOwner(b, unit);
      if (!owner || d.stmt.id !== b.decl.id || unit.node.type !== "method_declaration" || !NO_RETAIN.includes(owner)) return null;
      if (isByteSlice(b.type)) return carried({ kind: "bytes", sub: false, origin: b.id, how: `a []byte parameter of the exported ${owner}`, name: b.name });
      return null;
    }
    let found = carried(d.multi ? (wholeRead(d.value, unit) ?? cutPart(d, b, unit, depth)) : bufferOf(d.value, unit, depth + 1));
    // A variable set more than once (`b = b[1:]` in a loop) may have been cut any number of times.
    if (found?.allocation && definitions(b, unit).length !== 1) found = { ...found, allocation: false };
    return found && !found.name ? { ...found, name: b.name } : found;
  }
  if (e.type === "index_expression") {
    // parts := strings.SplitN(line, "=", 2); parts[1]
    const found = partsOf(e.childForFieldName("operand")!, unit, depth + 1);
    return found ? { ...found, name: undefined } : null;
  }
  return wholeRead(e, unit) ?? pooled(e, unit) ?? made(e, unit) ?? converted(e, unit, depth) ?? trimmed(e, unit, depth);
}

// Library calls whose results are views into their first argument, not copies.
const TRIMS = ["TrimSpace", "Trim", "TrimLeft", "TrimRight", "TrimPrefix", "TrimSuffix", "TrimFunc", "TrimLeftFunc", "TrimRightFunc"];

const SPLITS = ["Split", "SplitN", "SplitAfter", "SplitAfterN", "Fields", "FieldsFunc"];

const CUTS: Record<string, number[]> = { Cut: [0, 1], CutPrefix: [0], CutSuffix: [0] };

const viewCall = (e: GoNode, unit: Unit, names: readonly string[]): GoNode | undefined => {
  if (e.type !== "call_expression") return undefined;
  const c = packageCallee(e, unit);
  return c && (c.pkg === "bytes" || c.pkg === "strings") && names.includes(c.name) ? argsOf(e)[0] : undefined;
};

// strings.TrimSpace(line[i+1:]): the same view as its argument, a part if that is a part.
function trimmed(e: GoNode, unit: Unit, depth: number): Buffer | null {
  const arg = viewCall(e, unit, TRIMS);
  return arg ? bufferOf(arg, unit, depth + 1) : null;
}

/**
 * The elements of `strings.Split(text, sep)` / `bytes.Fields(data)`, directly or through one local:
 * parts of a buffer read whole or made large. Parts of an exported function's parameter are left
 * out: such strings are usually small (flag values, tags, header values), and no re-slice is written.
 */
function partsOf(x: GoNode, unit: Unit, depth: number): Buffer | null {
  let e = unparen(x);
  const b = e.type === "identifier" ? unit.bindings.resolve(e) : undefined;
  if (b) {
    const d = defBefore(b, e.startIndex, unit);
    if (!d?.value || d.multi) return null;
    e = unparen(d.value);
  }
  const arg = viewCall(e, unit, SPLITS);
  const whole = arg ? bufferOf(arg, unit, depth + 1) : null;
  return whole && whole.origin.type !== "identifier" ? { ...whole, sub: true } : null;
}

// k, v, ok := strings.Cut(line, "="): k and v are parts of line (same exception for parameters).
function cutPart(d: Def, b: Binding, unit: Unit, depth: number): Buffer | null {
  const var_ = d.stmt.type === "var_spec";
  const right = listOf(d.stmt.childForFieldName(var_ ? "value" : "right"));
  const v = right.length === 1 ? unparen(right[0]!) : null;
  const c = v?.type === "call_expression" ? packageCallee(v, unit) : undefined;
  const arg = v && viewCall(v, unit, Object.keys(CUTS));
  if (!arg || !c) return null;
  const left = var_ ? d.stmt.childrenForFieldName("name").filter((n): n is GoNode => n?.type === "identifier") : listOf(d.stmt.childForFieldName("left"));
  const i = left.findIndex((l) => l.id === b.id.id || unit.bindings.resolve(l)?.id.id === b.id.id);
  if (!CUTS[c.name]!.includes(i)) return null;
  const whole = bufferOf(arg, unit, depth + 1);
  return whole && whole.origin.type !== "identifier" ? { ...whole, sub: true } : null;
}

/**
 * `for ... { send(data); data = data[i+1:] }`: a loop that advances the variable after the use,
 * so from the second round on the use sees a tail of the buffer.
 */
function advancedInLoop(b: Binding, use: GoNode, unit: Unit): boolean {
  for (let loop = use.parent; loop && loop.id !== unit.node.id; loop = loop.parent) {
    if (loop.type === "func_literal") return false;
    if (loop.type !== "for_statement" || contains(loop, b.decl)) continue;
    const advanced = definitions(b, unit).some((d) => {
      const v = d.value && !d.multi ? unparen(d.value) : null;
      if (!v || v.type !== "slice_expression" || d.stmt.startIndex < use.endIndex || !contains(loop, d.stmt)) return false;
      const op = unparen(v.childForFieldName("operand")!);
      return op.type === "identifier" && unit.bindings.resolve(op)?.id.id === b.id.id && !startsAtZero(v);
    });
    if (advanced) return true;
  }
  return false;
}

/** `b[:j]`, `b[0:j]`. */
export function startsAtZero(slice: GoNode): boolean {
  const start = slice.childForFieldName("start");
  return !start || start.text === "0";
}

/** A header or trailer this short, cut off a large buffer, wastes nothing worth a copy. */
const SMALL_CUT = 1024;

/**
 * `b[4:]`, `b[8:len(b)-4]`, `b[hdr:end]` with `end := len(b) - 8` set once: a small constant cut
 * off each end keeps nearly all of the buffer, so storing it pins nothing extra worth a copy.
 */
function nearlyWhole(slice: GoNode, unit: Unit): boolean {
  if (slice.childForFieldName("capacity")) return false;
  const start = slice.childForFieldName("start");
  const from = start ? constValue(start, unit) : 0;
  if (from === undefined || from < 0 || from > SMALL_CUT) return false;
  const op = unparen(slice.childForFieldName("operand")!).text;
  const end = slice.childForFieldName("end");
  return !end || trimmedEnd(end, op, unit, 0);
}

/** `len(b)`, `len(b) - K` (K a small constant), or a local set once, before, to one of them. */
function trimmedEnd(e: GoNode, op: string, unit: Unit, depth: number): boolean {
  const n = unparen(e);
  if (n.text === `len(${op})` || n.text === `cap(${op})`) return true;
  if (n.type === "binary_expression" && operatorOf(n) === "-") {
    const k = constValue(n.childForFieldName("right")!, unit);
    return k !== undefined && k >= 0 && k <= SMALL_CUT && trimmedEnd(n.childForFieldName("left")!, op, unit, depth + 1);
  }
  if (n.type !== "identifier" || depth > 2) return false;
  const b = unit.bindings.resolve(n);
  const defs = b && b.kind === "var" ? definitions(b, unit) : [];
  return defs.length === 1 && !!defs[0]!.value && !defs[0]!.multi && defs[0]!.stmt.endIndex <= n.startIndex && trimmedEnd(defs[0]!.value, op, unit, depth + 1);
}

/**
 * Sub-slices of one whole allocation that follow each other and together keep nearly all of it:
 * `{State: buf[20 : 20+n], Data: buf[20+n : end]}` with `end := len(buf) - 8`. The chain starts
 * at a small constant (or 0), each part starts where the one before it ends (the same expression,
 * of locals set once and constants), and the last one ends at the end of the buffer or a small
 * constant before it. Stored together, the parts pin only the header and trailer between them.
 */
export function coversNearlyAll(slices: GoNode[], unit: Unit): boolean {
  if (slices.length < 2 || slices.some((x) => x.childForFieldName("capacity"))) return false;
  const op = unparen(slices[0]!.childForFieldName("operand")!).text;
  if (slices.some((x) => unparen(x.childForFieldName("operand")!).text !== op)) return false;
  const flat = (e: GoNode) => e.text.replace(/\s+/g, "");
  const left = [...slices];
  const firstAt = left.findIndex((x) => {
    const start = x.childForFieldName("start");
    const from = start ? constValue(start, unit) : 0;
    return from !== undefined && from >= 0 && from <= SMALL_CUT;
  });
  if (firstAt < 0) return false;
  let cur = left.splice(firstAt, 1)[0]!;
  for (;;) {
    const end = cur.childForFieldName("end");
    if (!end || trimmedEnd(end, op, unit, 0)) return true;
    if (!settled(end, unit)) return false;
    const next = left.findIndex((x) => {
      const start = x.childForFieldName("start");
      return !!start && flat(start) === flat(end);
    });
    if (next < 0) return false;
    cur = left.splice(next, 1)[0]!;
  }
}

/** Every name in the expression is a constant, or a local set once: the same text is the same value. */
function settled(e: GoNode, unit: Unit): boolean {
  const ids = e.type === "identifier" ? [e] : e.descendantsOfType("identifier").filter((x): x is GoNode => !!x);
  return ids.every((id) => {
    if (constValue(id, unit) !== undefined) return true;
    const b = unit.bindings.resolve(id);
    return !!b && b.kind === "var" && definitions(b, unit).length === 1 && !b.uses.some(isWrite);
  });
}


/** `b[i:]`, `b[i:len(b)]`, `b[i:cap(b)]`, or up to `size` (the size the buffer was made with). */
export function reachesEnd(slice: GoNode, size?: string): boolean {
  const end = slice.childForFieldName("end");
  const op = slice.childForFieldName("operand")!.text;
  return !end || end.text === `len(${op})` || end.text === `cap(${op})` || (size !== undefined && end.text === size);
}

/**
 * io.ReadAll(r), os.ReadFile(name); br.ReadSlice('\n'), br.ReadLine(), br.Peek(n) of
 * `br := bufio.NewReaderSize(r, N)` with a constant N of 64 KiB or more (views into the reader's
 * buffer). ReadBytes and ReadString return a copy as long as the line, not a view.
 */
function wholeRead(v: GoNode, unit: Unit): Buffer | null {
  const e = unparen(v);
  if (e.type !== "call_expression") return null;
  const c = packageCallee(e, unit);
  if (c && WHOLE_READS[c.pkg]?.includes(c.name)) return { kind: "bytes", sub: false, origin: e, how: `read whole by ${c.pkg.split("/").pop()}.${c.name}`, allocation: true };
  const fn = unparen(e.childForFieldName("function")!);
  const method = fn.type === "selector_expression" ? fn.childForFieldName("field")?.text : undefined;
  if (c || !method || !["ReadSlice", "ReadLine", "Peek"].includes(method)) return pooled(e, unit);
  const op = unparen(fn.childForFieldName("operand")!);
  const b = op.type === "identifier" ? unit.bindings.resolve(op) : undefined;
  const d = b ? defBefore(b, op.startIndex, unit) : undefined;
  const made = d?.value && !d.multi ? unparen(d.value) : null;
  const ctor = made?.type === "call_expression" ? packageCallee(made, unit) : undefined;
  const size = ctor?.pkg === "bufio" && ctor.name === "NewReaderSize" ? argsOf(made!)[1] : undefined;
  if (!size || (constValue(size, unit) ?? 0) < LARGE) return null;
  return { kind: "bytes", sub: false, origin: e, how: `a view into the buffer of ${op.text}, a bufio.Reader of ${size.text} bytes, by ${method}` };
}

/**
 * A buffer taken from a pool: `pool.Get().([]byte)`, `*pool.Get().(*[]byte)` (also through a
 * local), `buf.Bytes()` of `buf := pool.Get().(*bytes.Buffer)`. The pool hands it to the next
 * caller once it is put back, and pooled buffers are the large ones.
 */
function pooled(e: GoNode, unit: Unit, depth = 0): Buffer | null {
  const n = unparen(e);
  if (depth > 3) return null;
  const from = (x: GoNode | null | undefined): GoNode | null => {
    let v = x ? unparen(x) : null;
    const b = v?.type === "identifier" ? unit.bindings.resolve(v) : undefined;
    if (b) {
      const d = defBefore(b, v!.startIndex, unit);
      v = d?.value && !d.multi ? unparen(d.value) : null;
    }
    return v?.type === "type_assertion_expression" && poolGet(v.childForFieldName("operand")) ? v : null;
  };
  const asserted = (a: GoNode | null) => a?.childForFieldName("type")?.text.replace(/\s+/g, "");
  const pool = (a: GoNode) => ({ kind: "bytes" as const, sub: false, origin: a, how: `taken from a pool by ${a.childForFieldName("operand")!.text}` });
  if (n.type === "type_assertion_expression") return asserted(from(n)) === "[]byte" ? pool(n) : null;
  if (n.type === "unary_expression" && operatorOf(n) === "*") {
    const a = from(n.childForFieldName("operand"));
    return a && asserted(a) === "*[]byte" ? pool(a) : null;
  }
  if (n.type === "call_expression") {
    const fn = unparen(n.childForFieldName("function")!);
    if (fn.type !== "selector_expression" || fn.childForFieldName("field")?.text !== "Bytes" || argsOf(n).length > 0) return null;
    const a = from(fn.childForFieldName("operand"));
    const bytesName = unit.file.importName("bytes");
    return a && bytesName && asserted(a) === `*${bytesName}.Buffer` ? pool(a) : null;
  }
  return null;
}

/** `x.Get()` with no arguments: sync.Pool's shape. */
function poolGet(call: GoNode | null): boolean {
  const c = call ? unparen(call) : null;
  const fn = c?.type === "call_expression" ? unparen(c.childForFieldName("function")!) : null;
  return fn?.type === "selector_expression" && fn.childForFieldName("field")?.text === "Get" && argsOf(c!).length === 0;
}

// make([]byte, n) with a constant n (the capacity when given) of 64 KiB or more: a computed size
// (`len(a)+1+len(b)`, a parameter, a header's length field) is not known to be large.
function made(v: GoNode, unit: Unit): Buffer | null {
  const e = unparen(v);
  if (!isBuiltinCall(e, "make", unit)) return null;
  const [t, len, cap] = argsOf(e);
  const size = cap ?? len;
  if (!isByteSlice(t) || !size || (constValue(size, unit) ?? 0) < LARGE) return null;
  return { kind: "bytes", sub: false, origin: e, how: `made by ${e.text.replace(/\s+/g, " ")}`, allocation: true };
}

// string(data), []byte(s): a copy as large as the buffer
function converted(v: GoNode, unit: Unit, depth: number): Buffer | null {
  const e = unparen(v);
  let kind: Buffer["kind"] | undefined;
  let arg: GoNode | undefined;
  if (isBuiltinCall(e, "string", unit)) [kind, arg] = ["string", argsOf(e)[0]];
  else if (e.type === "type_conversion_expression" && isByteSlice(e.childForFieldName("type"))) [kind, arg] = ["bytes", e.childForFieldName("operand") ?? undefined];
  if (!kind || !arg) return null;
  const inner = bufferOf(arg, unit, depth + 1);
  return inner && !inner.sub ? { kind, sub: false, origin: inner.origin, how: inner.how } : null;
}
