// Package-level variables of the file, their types, and the places rooted at them (only this
// rule asks, so it lives in its folder, not in rules/facts/).
import type { FileView, GoNode, PackageDecl, Unit } from "../../src/analyzer/types.js";
import { rawKind } from "../facts/addresses.js";
import { argsOf, listOf, unparen } from "../facts/syntax.js";
import { fieldType, resolveType } from "../facts/types.js";

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
