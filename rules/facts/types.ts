// Types: what the syntax says about types. The type declarations of the file, the declared type
// of an expression (as far as declarations in the unit and the file say), a struct's field types,
// named types looked through.
import type { Binding, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { unparen } from "./syntax.js";

/** What typeOf reads: the file and the bindings of the function the expression is in (a unit, or `file.bindingsOf(decl)`). */
export type Locals = Pick<Unit, "file" | "bindings">;

export function unparenType(type: GoNode): GoNode {
  let t = type;
  while (t.type === "parenthesized_type" && t.namedChildren[0]) t = t.namedChildren[0];
  return t;
}

/** Type declarations of the file: name → declared type expression. */
export function localTypes(file: FileView): Map<string, GoNode> {
  return file.memo("sync.localTypes", () => {
    const out = new Map<string, GoNode>();
    for (const d of file.decls) if (d.kind === "type" && d.type) for (const n of d.names) out.set(n, d.type);
    return out;
  });
}

/** The struct type declared in the file for a named type expression (`T`, `T[K]`). */
export function localStruct(type: GoNode, file: FileView): GoNode | undefined {
  let t = unparenType(type);
  if (t.type === "generic_type") t = t.childForFieldName("type") ?? t;
  if (t.type !== "type_identifier") return undefined;
  const decl = localTypes(file).get(t.text);
  return decl && unparenType(decl).type === "struct_type" ? unparenType(decl) : undefined;
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

/** The declared type of field `name` of a struct type (its own fields, embedded ones not looked into). */
export function fieldType(struct: GoNode, name: string): GoNode | null {
  for (const f of struct.namedChildren.find((c) => c?.type === "field_declaration_list")?.namedChildren ?? []) {
    if (f?.type === "field_declaration" && f.childrenForFieldName("name").some((n) => n?.text === name)) return f.childForFieldName("type");
  }
  return null;
}

/** A type expression, and whether the value is its address (`&T{}`, `new(T)`, `&x`). */
export interface Ty {
  node: GoNode;
  addr: boolean;
}

/** The declared type of an expression, as far as declarations in the unit and the file say. */
export function typeOf(expr: GoNode, unit: Locals, depth = 0): Ty | undefined {
  if (depth > 5) return undefined;
  const e = unparen(expr);
  switch (e.type) {
    case "identifier": {
      const b = unit.bindings.resolve(e);
      if (b) return typeOfBinding(b, unit, depth + 1);
      const decl = unit.file.decls.find((d) => d.kind === "var" && d.names.includes(e.text));
      if (!decl) return undefined;
      if (decl.type) return { node: decl.type, addr: false };
      return valueAt(decl.node.childForFieldName("value"), decl.names.indexOf(e.text), decl.names.length, unit, depth);
    }
    case "selector_expression": {
      const base = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      const struct = base && localStruct(pointee(base)?.node ?? base.node, unit.file);
      const name = e.childForFieldName("field")?.text;
      const ft = struct && name ? fieldType(struct, name) : null;
      return ft ? { node: ft, addr: false } : undefined;
    }
    case "index_expression": {
      const base = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      return base && elementOf(base, 1);
    }
    case "unary_expression": {
      const op = e.childForFieldName("operator")?.type;
      const inner = typeOf(e.childForFieldName("operand")!, unit, depth + 1);
      if (!inner) return undefined;
      if (op === "*") return pointee(inner);
      if (op === "&") return inner.addr ? undefined : { node: inner.node, addr: true };
      if (op === "<-") return elementOf(inner, 1);
      return undefined;
    }
    case "composite_literal": {
      const t = e.childForFieldName("type");
      return t ? { node: t, addr: false } : undefined;
    }
    case "call_expression": {
      const fn = e.childForFieldName("function");
      const arg = e.childForFieldName("arguments")?.namedChildren[0];
      if (!fn || fn.type !== "identifier" || !arg || unit.bindings.resolve(fn)) return undefined;
      if (fn.text === "new") return { node: arg, addr: true };
      if (fn.text === "make") return { node: arg, addr: false };
      return undefined;
    }
    default:
      return undefined;
  }
}

function typeOfBinding(b: Binding, unit: Locals, depth: number): Ty | undefined {
  if (b.decl.type === "variadic_parameter_declaration") return undefined;
  if (b.type) return { node: b.type, addr: false };
  if (b.decl.type === "short_var_declaration") {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    return valueAt(b.decl.childForFieldName("right"), left.findIndex((l) => l?.id === b.id.id), left.length, unit, depth);
  }
  if (b.decl.type === "var_spec") {
    const names = b.decl.childrenForFieldName("name").filter((n) => n?.type === "identifier");
    return valueAt(b.decl.childForFieldName("value"), names.findIndex((n) => n?.id === b.id.id), names.length, unit, depth);
  }
  if (b.kind === "range") {
    const left = b.decl.childForFieldName("left")?.namedChildren ?? [];
    const i = left.findIndex((l) => l?.id === b.id.id);
    const over = typeOf(b.decl.childForFieldName("right")!, unit, depth + 1);
    return over && i >= 0 ? elementOf(over, i) : undefined;
  }
  return undefined;
}

/** The value assigned to the i-th of n names, when there is one value per name. */
function valueAt(values: GoNode | null, i: number, n: number, unit: Locals, depth: number): Ty | undefined {
  const list = values?.namedChildren.filter((v) => v && v.type !== "comment") ?? [];
  return i >= 0 && list.length === n && list[i] ? typeOf(list[i]!, unit, depth + 1) : undefined;
}

/** `*T` → `T`; `&x` → type of x. */
export function pointee(t: Ty): Ty | undefined {
  if (t.addr) return { node: t.node, addr: false };
  const n = unparenType(t.node);
  return n.type === "pointer_type" && n.namedChildren[0] ? { node: n.namedChildren[0], addr: false } : undefined;
}

/** What ranging or indexing yields: position 0 is the key (the element for channels), 1 the element or map value. */
function elementOf(t: Ty, position: number): Ty | undefined {
  let n = unparenType(t.node);
  if (!t.addr && n.type === "pointer_type" && n.namedChildren[0]) n = unparenType(n.namedChildren[0]); // *[N]T
  const field =
    n.type === "map_type" ? (position === 0 ? "key" : "value")
    : n.type === "channel_type" ? (position === 0 ? "value" : undefined)
    : ["slice_type", "array_type", "implicit_length_array_type"].includes(n.type) && position === 1 ? "element"
    : undefined;
  const el = field ? n.childForFieldName(field) : null;
  return el ? { node: el, addr: false } : undefined;
}
