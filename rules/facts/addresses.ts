// Addresses: unsafe.Pointer / uintptr conversions through the file's import names, and where an
// address points (Go-managed memory, static data, C or mmap memory). Shared by
// unsafe-pointer-global-cache and uintptr-pointer-roundtrip.
import type { Binding, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { declaredInFile, isBuiltinCall, packageCallee } from "./calls.js";
import { defBefore, definitions } from "./definitions.js";
import { argsOf, listOf, operatorOf, unparen } from "./syntax.js";

/** `unsafe.Pointer(x)` (any import name, dot import included): x. */
function unsafePointerArg(node: GoNode, unit: Unit): GoNode | null {
  if (node.type !== "call_expression") return null;
  const c = packageCallee(node, unit);
  if (c?.pkg !== "unsafe" || c.name !== "Pointer") return null;
  const args = argsOf(node);
  return args.length === 1 ? args[0]! : null;
}

/** `uintptr(x)`: x. */
function uintptrArg(node: GoNode, unit: Unit): GoNode | null {
  if (!isBuiltinCall(node, "uintptr", unit)) return null;
  const args = argsOf(node);
  return args.length === 1 ? args[0]! : null;
}

/** The type `unsafe.Pointer` (through the file's import name), or `uintptr`. */
export function rawKind(t: GoNode, file: FileView): "unsafe.Pointer" | "uintptr" | null {
  if (t.type === "type_identifier" && t.text === "uintptr" && !declaredInFile(file, "uintptr")) return "uintptr";
  const unsafeName = file.importName("unsafe");
  if (t.type === "qualified_type" && unsafeName && unsafeName !== "." && t.childForFieldName("package")?.text === unsafeName && t.childForFieldName("name")?.text === "Pointer")
    return "unsafe.Pointer";
  if (t.type === "type_identifier" && t.text === "Pointer" && unsafeName === "." && !declaredInFile(file, "Pointer")) return "unsafe.Pointer";
  return null;
}

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
function isForeignAlloc(call: GoNode, file: FileView): boolean {
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
function storageOf(x: GoNode, unit: Unit, depth = 0): "go" | "static" | "foreign" {
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
function isNumericExpr(x: GoNode, unit: Unit, depth = 0): boolean {
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
function isPointerExpr(x: GoNode, unit: Unit, lenient = false, depth = 0): boolean {
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
function addressOf(expr: GoNode, unit: Unit, lenient = false): Address | null {
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
