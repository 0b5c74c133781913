// Facts shared by the pointer-lifetime rules (unsafe-pointer-global-cache, uintptr-pointer-roundtrip,
// subslice-retention): unsafe.Pointer / uintptr conversions through the file's import names, what a
// local was last assigned, where an address points (Go-managed memory, static data, C or mmap
// memory), the package-level tables of the file and their element types, and large byte buffers.
import type { Binding, FileView, GoNode, PackageDecl, Unit } from "../../src/analyzer/types.js";
import { packageCallee } from "./calls.js";
import { contains, unparen } from "./syntax.js";

// ---------------------------------------------------------------------------------------------
// Small syntax helpers

/** The named elements of an expression_list (or the node itself), comments left out. */
export function listOf(node: GoNode | null | undefined): GoNode[] {
  if (!node) return [];
  if (node.type !== "expression_list") return [node];
  return node.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment");
}

/** The arguments of a call (types included, as in `make([]byte, n)`), comments left out. */
export function argsOf(call: GoNode): GoNode[] {
  const list = call.childForFieldName("arguments");
  return list ? list.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment") : [];
}

const operatorOf = (n: GoNode): string => n.childForFieldName("operator")?.type ?? "";

/** `name(...)` where `name` is the predeclared identifier (not a local, not declared in the file). */
export function isBuiltinCall(node: GoNode, name: string, unit: Unit): boolean {
  if (node.type !== "call_expression") return false;
  const fn = unparen(node.childForFieldName("function")!);
  return fn.type === "identifier" && fn.text === name && !unit.bindings.resolve(fn) && !declared(unit.file, name);
}

const declared = (file: FileView, name: string) => file.decls.some((d) => d.names.includes(name));

/** `unsafe.Pointer(x)` (any import name, dot import included): x. */
export function unsafePointerArg(node: GoNode, unit: Unit): GoNode | null {
  if (node.type !== "call_expression") return null;
  const c = packageCallee(node, unit);
  if (c?.pkg !== "unsafe" || c.name !== "Pointer") return null;
  const args = argsOf(node);
  return args.length === 1 ? args[0]! : null;
}

/** `uintptr(x)`: x. */
export function uintptrArg(node: GoNode, unit: Unit): GoNode | null {
  if (!isBuiltinCall(node, "uintptr", unit)) return null;
  const args = argsOf(node);
  return args.length === 1 ? args[0]! : null;
}

/** The type `unsafe.Pointer` (through the file's import name), or `uintptr`. */
export function rawKind(t: GoNode, file: FileView): "unsafe.Pointer" | "uintptr" | null {
  if (t.type === "type_identifier" && t.text === "uintptr" && !declared(file, "uintptr")) return "uintptr";
  const unsafeName = file.importName("unsafe");
  if (t.type === "qualified_type" && unsafeName && unsafeName !== "." && t.childForFieldName("package")?.text === unsafeName && t.childForFieldName("name")?.text === "Pointer")
    return "unsafe.Pointer";
  if (t.type === "type_identifier" && t.text === "Pointer" && unsafeName === "." && !declared(file, "Pointer")) return "unsafe.Pointer";
  return null;
}

// ---------------------------------------------------------------------------------------------
// What a local holds: its declaration and every later `=` to it

export interface Def {
  /** The assigned expression; null for parameters, range variables and the like. */
  value: GoNode | null;
  /** The declaring or assigning statement. */
  stmt: GoNode;
  /** `a, b := f()`: the value is one result of a multi-value expression. */
  multi: boolean;
}

/** Every definition of a local, in source order (memoised per unit). */
export function definitions(b: Binding, unit: Unit): Def[] {
  const cache = unit.memo("memory:defs", () => new Map<Binding, Def[]>());
  let defs = cache.get(b);
  if (!defs) cache.set(b, (defs = definitionsOf(b)));
  return defs;
}

/** Every definition of a local, in source order. */
export function definitionsOf(b: Binding): Def[] {
  const defs: Def[] = [];
  const decl = b.decl;
  if (decl.type === "short_var_declaration" || decl.type === "var_spec") {
    const left = decl.type === "var_spec" ? decl.childrenForFieldName("name").filter((n): n is GoNode => !!n && n.type === "identifier") : listOf(decl.childForFieldName("left"));
    const right = listOf(decl.childForFieldName(decl.type === "var_spec" ? "value" : "right"));
    defs.push(aligned(left, right, b.id, decl));
  } else defs.push({ value: null, stmt: decl, multi: false });
  for (const u of b.uses) {
    const list = u.parent;
    const stmt = list?.parent;
    if (list?.type !== "expression_list" || stmt?.type !== "assignment_statement" || operatorOf(stmt) !== "=") continue;
    if (stmt.childForFieldName("left")?.id !== list.id) continue;
    defs.push(aligned(listOf(list), listOf(stmt.childForFieldName("right")), u, stmt));
  }
  return defs.sort((x, y) => x.stmt.startIndex - y.stmt.startIndex);
}

function aligned(left: GoNode[], right: GoNode[], target: GoNode, stmt: GoNode): Def {
  const i = left.findIndex((l) => l.id === target.id);
  if (right.length === left.length) return { value: right[i] ?? null, stmt, multi: false };
  if (right.length === 1 && i === 0) return { value: right[0]!, stmt, multi: true };
  return { value: null, stmt, multi: true };
}

/** The last definition of a local that ends before `at`. */
export function defBefore(b: Binding, at: number, unit: Unit): Def | undefined {
  const defs = definitions(b, unit).filter((d) => d.stmt.endIndex <= at || (d.value === null && d.stmt.startIndex <= at));
  return defs[defs.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Addresses: `unsafe.Pointer(x)` for a Go pointer x, and `uintptr(unsafe.Pointer(x))`

export interface Address {
  /** The address expression: `unsafe.Pointer(&x)`, `uintptr(unsafe.Pointer(p)) + off`. */
  node: GoNode;
  /** What it points at: `&x`, `p`. */
  pointee: GoNode;
  /** Held as a uintptr number (invisible to the collector). */
  numeric: boolean;
}

// Allocators of memory the Go collector does not manage.
const FOREIGN = /^(Mmap|mmap|MmapPtr|MapViewOfFile|VirtualAlloc|VirtualAllocEx|HeapAlloc|LocalAlloc|GlobalAlloc|CoTaskMemAlloc|malloc|calloc|realloc)$/;
// Runtime type descriptors live in read-only data: their addresses are stable keys.
const TYPE_DESCRIPTOR = /^\*\s*(?:\w+\.)?(?:rtype|_type|Type)$/;

/** `C.malloc(n)`, `syscall.Mmap(...)`, `windows.VirtualAlloc(...)`: memory outside the Go heap. */
export function isForeignAlloc(call: GoNode, file: FileView): boolean {
  if (call.type !== "call_expression") return false;
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type === "selector_expression") {
    const op = fn.childForFieldName("operand");
    // C.malloc(n), and mmap.Map(f, ...) of an mmap package
    if (op?.type === "identifier" && file.imports.some((i) => i.name === op.text && (i.path === "C" || /(^|[/-])mmap/.test(i.path)))) return true;
    return FOREIGN.test(fn.childForFieldName("field")?.text ?? "");
  }
  return fn.type === "identifier" && FOREIGN.test(fn.text);
}

const containsForeignAlloc = (n: GoNode, file: FileView) =>
  isForeignAlloc(n, file) || n.descendantsOfType("call_expression").some((c) => !!c && isForeignAlloc(c, file));

// C, syscall, golang.org/x/sys/unix, golang.org/x/sys/windows and vendored copies.
const SYSTEM_PKGS = ["C", "syscall", "unix", "windows"];

// var block *uint16; windows.CreateEnvironmentBlock(&block, ...): the OS allocates what it points to.
function filledBySystemCall(b: Binding, unit: Unit): boolean {
  if (b.type?.type !== "pointer_type") return false;
  return b.uses.some((u) => {
    const amp = u.parent;
    const call = amp?.parent?.type === "argument_list" ? amp.parent.parent : null;
    if (amp?.type !== "unary_expression" || operatorOf(amp) !== "&" || call?.type !== "call_expression") return false;
    const c = packageCallee(call, unit);
    return !!c && SYSTEM_PKGS.includes(c.pkg.split("/").pop()!);
  });
}

/** Field names the file declares with C types or assigns from foreign memory (`f.data, err = syscall.Mmap(...)`, `{buf: C.malloc(n)}`). */
function foreignFields(file: FileView, root: GoNode): Set<string> {
  return file.memo("memory:foreign-fields", () => {
    const out = new Set<string>();
    for (const s of root.descendantsOfType(["assignment_statement", "keyed_element", "field_declaration"])) {
      if (!s) continue;
      if (s.type === "field_declaration") {
        // p *C.char: a field declared with a C type
        if (/^\*?\s*C\./.test(s.childForFieldName("type")?.text ?? "")) for (const n of s.childrenForFieldName("name")) if (n) out.add(n.text);
        continue;
      }
      if (s.type === "keyed_element") {
        const key = s.childForFieldName("key")?.namedChildren[0];
        const value = s.childForFieldName("value");
        if (key?.type === "identifier" && value && containsForeignAlloc(value, file)) out.add(key.text);
        continue;
      }
      const left = listOf(s.childForFieldName("left"));
      const right = listOf(s.childForFieldName("right"));
      left.forEach((l, i) => {
        const r = right.length === left.length ? right[i] : right[0];
        if (l.type === "selector_expression" && r && containsForeignAlloc(r, file)) out.add(l.childForFieldName("field")!.text);
      });
    }
    return out;
  });
}

/** Where the memory behind a pointer expression lives. */
export function storageOf(x: GoNode, unit: Unit, depth = 0): "go" | "static" | "foreign" {
  const file = unit.file;
  let n = unparen(x);
  let indexed = false;
  for (;;) {
    if (depth > 6) return "go";
    if (n.type === "unary_expression" && ["&", "*"].includes(operatorOf(n))) {
      if (operatorOf(n) === "*") indexed = true;
      n = unparen(n.childForFieldName("operand")!);
    } else if (n.type === "index_expression" || n.type === "slice_expression") {
      indexed = true;
      n = unparen(n.childForFieldName("operand")!);
    } else if (n.type === "selector_expression") {
      const op = unparen(n.childForFieldName("operand")!);
      if (foreignFields(file, file.wholeRoot()).has(n.childForFieldName("field")!.text)) return "foreign";
      if (op.type === "identifier" && !unit.bindings.resolve(op) && file.imports.some((i) => i.name === op.text)) {
        if (op.text === "C") return "foreign";
        return indexed ? "go" : "static"; // another package's variable
      }
      n = op;
    } else if (n.type === "call_expression") {
      if (isForeignAlloc(n, file)) return "foreign";
      const fn = unparen(n.childForFieldName("function")!);
      const inner = unsafePointerArg(n, unit) ?? (fn.type === "parenthesized_expression" || fn.type === "pointer_type" ? argsOf(n)[0] : undefined);
      if (!inner) return "go";
      n = unparen(inner);
    } else if (n.type === "identifier") {
      const b = unit.bindings.resolve(n);
      if (!b) return indexed ? "go" : "static"; // `&pkgVar`: the data segment
      const t = b.type?.text ?? "";
      if (/^\*?\s*C\./.test(t)) return "foreign";
      if (TYPE_DESCRIPTOR.test(t)) return "static";
      if (definitions(b, unit).some((d) => d.value && containsForeignAlloc(d.value, file))) return "foreign";
      if (filledBySystemCall(b, unit)) return "foreign";
      const d = defBefore(b, n.startIndex, unit);
      if (!d?.value || d.multi) return "go";
      const inner = storageOf(d.value, unit, depth + 1);
      return inner === "static" && indexed ? "go" : inner;
    } else return "go";
  }
}

/** What the file's struct types declare each field name as: a pointer, a uintptr, something else. */
function fieldKinds(file: FileView, root: GoNode): Map<string, "pointer" | "uintptr" | "other"> {
  return file.memo("memory:field-kinds", () => {
    const out = new Map<string, "pointer" | "uintptr" | "other">();
    for (const f of root.descendantsOfType("field_declaration")) {
      const t = f?.childForFieldName("type");
      if (!f || !t) continue;
      const raw = rawKind(t, file);
      const kind = t.type === "pointer_type" || raw === "unsafe.Pointer" ? "pointer" : raw === "uintptr" ? "uintptr" : "other";
      for (const name of f.childrenForFieldName("name")) if (name) out.set(name.text, out.has(name.text) && out.get(name.text) !== kind ? "other" : kind);
    }
    return out;
  });
}

const fieldKind = (sel: GoNode, unit: Unit) => fieldKinds(unit.file, unit.node.tree.rootNode).get(sel.childForFieldName("field")!.text);

/** Evidently a number: a literal, arithmetic, `uintptr(...)`, a uintptr local or field. */
export function isNumericExpr(x: GoNode, unit: Unit, depth = 0): boolean {
  const n = unparen(x);
  if (depth > 4) return false;
  if (n.type === "int_literal" || n.type === "binary_expression" || uintptrArg(n, unit)) return true;
  if (n.type === "selector_expression") return fieldKind(n, unit) === "uintptr";
  if (n.type !== "identifier") return false;
  const b = unit.bindings.resolve(n);
  if (!b) return false;
  if (b.type) return b.type.type === "type_identifier" && /^(uintptr|u?int(8|16|32|64)?)$/.test(b.type.text);
  const d = defBefore(b, n.startIndex, unit);
  return !!d?.value && (d.multi || isNumericExpr(d.value, unit, depth + 1));
}

/**
 * The expression is a Go pointer by its syntax: `&x`, `new(T)`, `(*T)(p)`, a `*T` or unsafe.Pointer
 * local, a pointer field. `lenient` (inside `uintptr(unsafe.Pointer(x))`, where x can only be a
 * pointer) accepts anything that is not evidently a number.
 */
export function isPointerExpr(x: GoNode, unit: Unit, lenient = false, depth = 0): boolean {
  const n = unparen(x);
  if (depth > 4 || isNumericExpr(n, unit)) return false;
  switch (n.type) {
    case "unary_expression":
      return operatorOf(n) === "&";
    case "call_expression": {
      if (isBuiltinCall(n, "new", unit)) return true;
      const inner = unsafePointerArg(n, unit);
      if (inner) return isPointerExpr(inner, unit, lenient, depth + 1);
      const fn = unparen(n.childForFieldName("function")!);
      const c = packageCallee(n, unit);
      if (c?.pkg === "unsafe" && c.name === "Add") return isPointerExpr(argsOf(n)[0] ?? n, unit, lenient, depth + 1);
      // `(*T)(p)`: a conversion to a pointer type
      if (fn.type === "parenthesized_expression" && fn.namedChildren[0]?.type === "unary_expression") return isPointerExpr(argsOf(n)[0] ?? n, unit, lenient, depth + 1);
      return lenient;
    }
    case "identifier": {
      const b = unit.bindings.resolve(n);
      if (!b) return lenient;
      if (b.type) return b.type.type === "pointer_type" || rawKind(b.type, unit.file) === "unsafe.Pointer";
      const d = defBefore(b, n.startIndex, unit);
      return !!d?.value && !d.multi ? isPointerExpr(d.value, unit, lenient, depth + 1) : lenient;
    }
    case "selector_expression": {
      const kind = fieldKind(n, unit);
      return kind === "pointer" || (lenient && kind !== "uintptr");
    }
    default:
      return lenient;
  }
}

/** `unsafe.Pointer(x)` of a Go pointer, `unsafe.Add(...)` of one, or a numeric address (below). */
export function addressOf(expr: GoNode, unit: Unit, lenient = false): Address | null {
  const e = unparen(expr);
  const arg = unsafePointerArg(e, unit);
  if (arg) {
    const num = numericAddress(arg, unit);
    if (num) return { node: e, pointee: num.pointee, numeric: false };
    return isPointerExpr(arg, unit, lenient) && storageOf(arg, unit) === "go" ? { node: e, pointee: unparen(arg), numeric: false } : null;
  }
  const c = e.type === "call_expression" ? packageCallee(e, unit) : undefined;
  if (c?.pkg === "unsafe" && c.name === "Add") {
    const inner = addressOf(argsOf(e)[0] ?? e, unit, lenient);
    return inner ? { ...inner, node: e } : null;
  }
  return numericAddress(e, unit);
}

/** `uintptr(unsafe.Pointer(x))` of a Go pointer, possibly with arithmetic: `uintptr(unsafe.Pointer(&b[0])) + off`. */
export function numericAddress(expr: GoNode, unit: Unit): Address | null {
  const e = unparen(expr);
  const arg = uintptrArg(e, unit);
  if (arg) {
    // uintptr(unsafe.Pointer(p)), or uintptr(up) of a local `up := unsafe.Pointer(p)`
    const a = addressOf(arg, unit, true) ?? addressThrough(arg, unit);
    return a && !a.numeric ? { node: e, pointee: a.pointee, numeric: true } : null;
  }
  if (e.type === "binary_expression" && ["+", "-", "&", "&^", "|"].includes(operatorOf(e))) {
    const a = numericAddress(e.childForFieldName("left")!, unit) ?? numericAddress(e.childForFieldName("right")!, unit);
    return a ? { ...a, node: e } : null;
  }
  return null;
}

/** An address, or a local holding one (one step: `p := unsafe.Pointer(&x); table[k] = p`). */
export function addressThrough(expr: GoNode, unit: Unit): Address | null {
  const direct = addressOf(expr, unit);
  if (direct) return direct;
  const e = unparen(expr);
  const b = e.type === "identifier" ? unit.bindings.resolve(e) : undefined;
  const d = b && defBefore(b, e.startIndex, unit);
  return d?.value && !d.multi ? addressOf(d.value, unit) : null;
}

// ---------------------------------------------------------------------------------------------
// Package-level variables of the file and their types

export interface PackageVar {
  name: string;
  decl: PackageDecl;
  /** The declared type, or the type of its `make(T)` / `T{...}` initializer. */
  type: GoNode | null;
}

export function packageVars(file: FileView): Map<string, PackageVar> {
  return file.memo("memory:package-vars", () => {
    const out = new Map<string, PackageVar>();
    for (const d of file.decls) {
      if (d.kind !== "var") continue;
      const values = listOf(d.node.childForFieldName("value"));
      d.names.forEach((name, i) => {
        let type = d.type;
        const v = values.length === d.names.length ? values[i] : undefined;
        if (!type && v) type = initType(unparen(v));
        out.set(name, { name, decl: d, type });
      });
    }
    return out;
  });
}

function initType(v: GoNode): GoNode | null {
  if (v.type === "composite_literal") return v.childForFieldName("type");
  if (v.type === "call_expression" && unparen(v.childForFieldName("function")!).text === "make") return argsOf(v)[0] ?? null;
  return null;
}

/** A type with parentheses and the file's own named types (non-generic) looked through. */
export function resolveType(t: GoNode | null, file: FileView): GoNode | null {
  let n = t;
  for (let i = 0; n && i < 8; i++) {
    if (n.type === "parenthesized_type") n = n.namedChildren[0] ?? null;
    else if (n.type === "type_identifier") {
      const d = file.decls.find((x) => x.kind === "type" && x.names.includes(n!.text) && !x.node.childForFieldName("type_parameters"));
      if (!d) return n;
      n = d.node.childForFieldName("type");
    } else return n;
  }
  return n;
}

/** The raw pointer type a type holds anywhere: element, map key or value, struct field, nested. */
export function rawElement(t: GoNode | null, file: FileView, depth = 0): "unsafe.Pointer" | "uintptr" | null {
  if (!t || depth > 6) return null;
  const direct = rawKind(t, file);
  if (direct) return direct;
  const r = resolveType(t, file);
  if (!r || r.id !== t.id) return r ? rawElement(r, file, depth + 1) : null;
  switch (r.type) {
    case "map_type":
      return rawElement(r.childForFieldName("value"), file, depth + 1) ?? rawElement(r.childForFieldName("key"), file, depth + 1);
    case "slice_type":
    case "array_type":
      return rawElement(r.childForFieldName("element"), file, depth + 1);
    case "pointer_type":
      // map[string]*info with `info{base uintptr}`: the table reaches the field through the pointer
      return rawElement(r.namedChildren[0] ?? null, file, depth + 1);
    case "struct_type":
      for (const f of r.descendantsOfType("field_declaration")) {
        const k = f?.parent?.parent?.id === r.id ? rawElement(f.childForFieldName("type"), file, depth + 1) : null;
        if (k) return k;
      }
      return null;
    default:
      return null;
  }
}

function fieldType(struct: GoNode, name: string): GoNode | null {
  for (const f of struct.namedChildren.find((c) => c?.type === "field_declaration_list")?.namedChildren ?? []) {
    if (f?.type === "field_declaration" && f.childrenForFieldName("name").some((n) => n?.text === name)) return f.childForFieldName("type");
  }
  return null;
}

export interface Place {
  root: PackageVar;
  /** The type of the place written. */
  type: GoNode | null;
  /** The write goes into an element of a map, slice or array. */
  viaIndex: boolean;
  /** Map keys on the way, with the key type of their map. */
  keys: { key: GoNode; keyType: GoNode | null }[];
}

/** `table[k]`, `reg.byAddr[k][i]`, `table`: a place rooted at a package-level variable of the file. */
export function packagePlace(expr: GoNode, unit: Unit): Place | null {
  const e = unparen(expr);
  const file = unit.file;
  if (e.type === "identifier") {
    if (unit.bindings.resolve(e)) return null;
    const v = packageVars(file).get(e.text);
    return v ? { root: v, type: v.type, viaIndex: false, keys: [] } : null;
  }
  if (e.type === "index_expression") {
    const p = packagePlace(e.childForFieldName("operand")!, unit);
    let t = resolveType(p?.type ?? null, file);
    if (t?.type === "pointer_type") t = resolveType(t.namedChildren[0] ?? null, file);
    if (!p || !t) return null;
    if (t.type === "map_type")
      return { ...p, type: t.childForFieldName("value"), viaIndex: true, keys: [...p.keys, { key: e.childForFieldName("index")!, keyType: t.childForFieldName("key") }] };
    if (t.type === "slice_type" || t.type === "array_type") return { ...p, type: t.childForFieldName("element"), viaIndex: true };
    return null;
  }
  if (e.type === "selector_expression") {
    const p = packagePlace(e.childForFieldName("operand")!, unit);
    let t = resolveType(p?.type ?? null, file);
    if (t?.type === "pointer_type") t = resolveType(t.namedChildren[0] ?? null, file);
    if (!p || t?.type !== "struct_type") return null;
    const ft = fieldType(t, e.childForFieldName("field")!.text);
    return ft ? { ...p, type: ft } : null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Large byte buffers (subslice-retention)

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
    return inner ? { ...inner, sub: inner.sub || !whole } : null;
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
    const found = carried(d.multi ? (wholeRead(d.value, unit) ?? cutPart(d, b, unit, depth)) : bufferOf(d.value, unit, depth + 1));
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
  if (c && WHOLE_READS[c.pkg]?.includes(c.name)) return { kind: "bytes", sub: false, origin: e, how: `read whole by ${c.pkg.split("/").pop()}.${c.name}` };
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
  return { kind: "bytes", sub: false, origin: e, how: `made by ${e.text.replace(/\s+/g, " ")}` };
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

// ---------------------------------------------------------------------------------------------
// Where a number lives, and where it is turned back into a pointer (uintptr-pointer-roundtrip)

/**
 * A key naming a storage slot: `L<pos>` a local (by the position of its declaring identifier,
 * unique in the file), `G:name` a package-level variable, `F:name` a field of that name (any
 * struct: there are no types), `E:<key>` an element of one of those.
 */
export type SlotKey = string;
type Resolve = (id: GoNode) => Binding | undefined;

const isImportName = (n: GoNode, file: FileView, resolve: Resolve) =>
  n.type === "identifier" && !resolve(n) && file.imports.some((i) => i.name === n.text);

/** The slot an assignment target names: `v`, `g`, `x.base`, `m[k]`, `s.addrs[i]`. */
export function slotOf(lhs: GoNode, resolve: Resolve, file: FileView): SlotKey | null {
  const n = unparen(lhs);
  if (n.type === "identifier") {
    if (n.text === "_") return null;
    const b = resolve(n);
    return b ? `L${b.id.startIndex}` : `G:${n.text}`;
  }
  if (n.type === "selector_expression") {
    if (isImportName(unparen(n.childForFieldName("operand")!), file, resolve)) return null;
    return `F:${n.childForFieldName("field")!.text}`;
  }
  if (n.type === "index_expression") {
    const inner = slotOf(n.childForFieldName("operand")!, resolve, file);
    return inner ? `E:${inner}` : null;
  }
  return null;
}

/** The slots whose numbers an expression reads, directly or through one copy (`a := m[k]`). */
function readSlots(e: GoNode, resolve: Resolve, file: FileView, copies: boolean, out: SlotKey[] = []): SlotKey[] {
  const n = unparen(e);
  if (n.type === "binary_expression") {
    readSlots(n.childForFieldName("left")!, resolve, file, copies, out);
    readSlots(n.childForFieldName("right")!, resolve, file, copies, out);
  } else if (n.type === "call_expression") {
    const fn = unparen(n.childForFieldName("function")!);
    const args = argsOf(n);
    if (fn.type === "identifier" && fn.text === "uintptr" && !resolve(fn) && args.length === 1) readSlots(args[0]!, resolve, file, copies, out);
    const loaded = atomicLoadOf(n, resolve, file);
    if (loaded) readSlots(loaded, resolve, file, copies, out);
  } else {
    const b = n.type === "identifier" ? resolve(n) : undefined;
    if (b && holdsPointer(b)) return out; // `unsafe.Pointer(p)` of a pointer variable converts no number
    const key = slotOf(n, resolve, file);
    if (key) out.push(key);
    // `for _, a := range addrs`: a copy of each element
    const range = b?.decl.type === "range_clause" ? b.decl : undefined;
    const vars = listOf(range?.childForFieldName("left"));
    if (range && copies && vars.length === 2 && vars[1]!.id === b!.id.id) {
      const inner = slotOf(range.childForFieldName("right")!, resolve, file);
      if (inner) out.push(`E:${inner}`);
    }
    if (b && copies) {
      for (const d of definitionsOf(b)) {
        const v = d.value && unparen(d.value);
        if (v && (["identifier", "selector_expression", "index_expression"].includes(v.type) || atomicLoadOf(v, resolve, file))) readSlots(v, resolve, file, false, out);
      }
    }
  }
  return out;
}

/** `atomic.LoadUintptr(&x)` or `x.Load()` (an atomic.Uintptr): the place x that the call reads. */
export function atomicLoadOf(call: GoNode, resolve: Resolve, file: FileView): GoNode | null {
  if (call.type !== "call_expression") return null;
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type !== "selector_expression") return null;
  const args = argsOf(call);
  const field = fn.childForFieldName("field")!.text;
  const operand = unparen(fn.childForFieldName("operand")!);
  const atomic = file.importName("sync/atomic");
  if (field === "LoadUintptr" && atomic && operand.type === "identifier" && operand.text === atomic && !resolve(operand)) {
    const target = args.length === 1 ? unparen(args[0]!) : null;
    return target?.type === "unary_expression" && operatorOf(target) === "&" ? target.childForFieldName("operand") : null;
  }
  return field === "Load" && args.length === 0 && !isImportName(operand, file, resolve) ? operand : null;
}

/** A local declared as a pointer, or ever assigned `&x`, `new(T)`, `(*T)(p)` or `unsafe.Pointer(p)`. */
function holdsPointer(b: Binding): boolean {
  if (b.type) return b.type.type === "pointer_type" || /(^|\.)Pointer$/.test(b.type.text);
  return definitionsOf(b).some((d) => {
    const v = d.value && !d.multi ? unparen(d.value) : null;
    if (!v) return false;
    if (v.type === "unary_expression") return operatorOf(v) === "&";
    if (v.type !== "call_expression") return false;
    const fn = unparen(v.childForFieldName("function")!);
    return fn.text === "new" || fn.text.endsWith(".Pointer") || (fn.type === "parenthesized_expression" && fn.namedChildren[0]?.type === "unary_expression");
  });
}

/** Every `unsafe.Pointer(E)` of the file, by the slots E reads. */
export function conversionsBack(file: FileView, root: GoNode, resolveIn: (fn: GoNode) => Resolve): Map<SlotKey, GoNode[]> {
  return file.memo("memory:conversions-back", () => {
    const out = new Map<SlotKey, GoNode[]>();
    const name = file.importName("unsafe");
    if (!name) return out;
    for (const call of root.descendantsOfType("call_expression")) {
      if (!call) continue;
      let top: GoNode | null = call;
      while (top && !(top.parent?.type === "source_file")) top = top.parent;
      const resolve: Resolve = top && (top.type === "function_declaration" || top.type === "method_declaration") ? resolveIn(top) : () => undefined;
      const fn = unparen(call.childForFieldName("function")!);
      const isConversion =
        name === "."
          ? fn.type === "identifier" && fn.text === "Pointer" && !resolve(fn)
          : fn.type === "selector_expression" && fn.childForFieldName("field")?.text === "Pointer" && isImportName(unparen(fn.childForFieldName("operand")!), file, resolve) && fn.childForFieldName("operand")!.text === name;
      const args = argsOf(call);
      if (!isConversion || args.length !== 1) continue;
      for (const key of new Set(readSlots(args[0]!, resolve, file, true))) out.set(key, [...(out.get(key) ?? []), call]);
    }
    return out;
  });
}
