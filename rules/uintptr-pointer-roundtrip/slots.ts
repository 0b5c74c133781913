// Where a number lives, and where it is turned back into a pointer (only this
// rule asks, so it lives in its folder, not in rules/facts/).
import type { Binding, FileView, GoNode } from "../../src/analyzer/types.js";
import { definitionsOf } from "../facts/definitions.js";
import { argsOf, listOf, operatorOf, unparen } from "../facts/syntax.js";

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
