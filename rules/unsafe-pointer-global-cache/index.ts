// unsafe-pointer-global-cache: a function writes a Go address into a package-level map, slice or
// array whose elements (or map keys) are unsafe.Pointer or uintptr.
//
//	var objects = map[string]unsafe.Pointer{}
//	var byAddr = map[uintptr]*Conn{}
//
//	objects[name] = unsafe.Pointer(obj)                 // pinned for the life of the process
//	byAddr[uintptr(unsafe.Pointer(c))] = c              // a number the collector does not trace
//	p := unsafe.Pointer(&buf[0]); slots = append(slots, p)
//	atomic.StorePointer(&table[i], unsafe.Pointer(n))
//
// Silent for locals, atomic.Pointer[T], addresses of package-level variables (static data), of
// runtime type descriptors, and of C or mmap memory.
import type { GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { addressThrough, rawKind, type Address } from "../facts/addresses.js";
import { importsAny, isBuiltinCall, packageCallee } from "../facts/calls.js";
import { docsUrl } from "../facts/meta.js";
import { argsOf, listOf, spanOf, unparen } from "../facts/syntax.js";
import { resolveType } from "../facts/types.js";
import { packagePlace, type Place, rawElement } from "./places.js";

const ATOMIC_STORES = ["StorePointer", "SwapPointer", "CompareAndSwapPointer", "StoreUintptr", "SwapUintptr", "CompareAndSwapUintptr"];

const rule: Rule = {
  meta: {
    id: "unsafe-pointer-global-cache",
    title: "Raw pointers cached in a package-level table",
    severity: "error",
    fixable: false,
    summary: "a Go address is written into a package-level map, slice or array of unsafe.Pointer or uintptr",
    why:
      "A package-level table is a root of the heap: an unsafe.Pointer stored in it keeps its object, and all the object " +
      "references, reachable until the entry is deleted, with no type to tell what it is. A uintptr stored in it is not " +
      "traced at all: the object can be freed (or, on a goroutine stack, moved) while the table still names its old address.",
    docs: docsUrl("unsafe-pointer-global-cache"),
    messages: {
      uintptr: "package-level {{table}} keeps the address of {{target}} as a uintptr{{key}}: {{target}} can be freed or moved while the entry still names it",
      pointer: "package-level {{table}} holds {{value}}: {{target}} and all it references stay reachable until the entry is deleted",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => importsAny(file, ["unsafe"]),
  check,
};
export default rule;

interface Write {
  stmt: GoNode;
  table: string;
  address: Address;
  /** The address is a map key rather than the stored value. */
  asKey: boolean;
}

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  for (const w of writes(unit)) {
    const a = w.address;
    const line = unit.file.lineOf(a.node.startIndex);
    const here = unit.file.lineOf(w.stmt.startIndex);
    const what = a.pointee.text.replace(/\s+/g, " ");
    const target = what.startsWith("&") ? what.slice(1) : `*${what}`;
    ctx.report({
      span: spanOf(w.stmt),
      messageId: a.numeric ? "uintptr" : "pointer",
      data: { table: w.table, target, key: w.asKey ? " key" : "", value: a.node.text.replace(/\s+/g, " ") },
      related: line === here ? [] : [{ ...spanOf(a.node), message: "the address is taken here" }],
    });
  }
}

function writes(unit: Unit): Write[] {
  const out: Write[] = [];
  for (const stmt of unit.nodes(["assignment_statement", "call_expression"])) {
    if (!stmt) continue;
    if (stmt.type === "assignment_statement") {
      if (stmt.childForFieldName("operator")?.type !== "=") continue;
      const left = listOf(stmt.childForFieldName("left"));
      const right = listOf(stmt.childForFieldName("right"));
      left.forEach((l, i) => {
        const w = writeInto(l, right.length === left.length ? right[i] : undefined, stmt, unit);
        if (w) out.push(w);
      });
    } else {
      // atomic.StorePointer(&table[i], unsafe.Pointer(n))
      const c = packageCallee(stmt, unit, ["sync/atomic"]);
      if (c?.pkg !== "sync/atomic" || !ATOMIC_STORES.includes(c.name)) continue;
      const args = argsOf(stmt);
      const target = args[0] && unparen(args[0]);
      if (target?.type !== "unary_expression" || target.childForFieldName("operator")?.type !== "&") continue;
      const w = writeInto(target.childForFieldName("operand")!, args[args.length - 1], stmt.parent?.type === "expression_statement" ? stmt.parent : stmt, unit);
      if (w) out.push(w);
    }
  }
  return out;
}

// table[k] = v, table = append(table, v), reg.byAddr[k] = v, table[addr] = v
function writeInto(lhs: GoNode, value: GoNode | undefined, stmt: GoNode, unit: Unit): Write | undefined {
  const place = packagePlace(lhs, unit);
  if (!place || !isTable(place, unit)) return undefined;
  const table = tableName(lhs);
  for (const k of place.keys) {
    if (!k.keyType || !rawKind(resolveType(k.keyType, unit.file) ?? k.keyType, unit.file)) continue;
    const a = addressThrough(k.key, unit);
    if (a) return { stmt, table, address: a, asKey: true };
  }
  if (!value || !rawElement(place.type, unit.file)) return undefined;
  const a = storedAddress(value, unit);
  return a ? { stmt, table, address: a, asKey: false } : undefined;
}

/** The write lands in a map, slice or array: through an index, or by replacing the whole table. */
function isTable(place: Place, unit: Unit): boolean {
  if (place.viaIndex) return true;
  const t = resolveType(place.type, unit.file);
  return !!t && ["map_type", "slice_type", "array_type"].includes(t.type);
}

// The address inside a stored value: the value itself, an `append` argument, a composite literal element.
function storedAddress(value: GoNode, unit: Unit, depth = 0): Address | null {
  const v = unparen(value);
  if (depth > 4) return null;
  const a = addressThrough(v, unit);
  if (a) return a;
  if (isBuiltinCall(v, "append", unit)) {
    for (const arg of argsOf(v).slice(1)) {
      const inner = arg.type === "variadic_argument" ? null : storedAddress(arg, unit, depth + 1);
      if (inner) return inner;
    }
    return null;
  }
  // &info{base: uintptr(unsafe.Pointer(p))}: the literal the new pointer points to
  const lit = v.type === "unary_expression" && v.childForFieldName("operator")?.type === "&" ? unparen(v.childForFieldName("operand")!) : null;
  if (lit?.type === "composite_literal") return storedAddress(lit, unit, depth + 1);
  const body = v.type === "composite_literal" ? v.childForFieldName("body") : v.type === "literal_value" ? v : null;
  // Keys are stored only by map literals; in a struct literal they are field names.
  const isMap = v.type === "composite_literal" && resolveType(v.childForFieldName("type"), unit.file)?.type === "map_type";
  for (const el of body?.namedChildren ?? []) {
    const parts = el?.type === "keyed_element" ? [isMap ? el.childForFieldName("key") : null, el.childForFieldName("value")] : [el];
    for (const p of parts) {
      const inner = p?.namedChildren[0] ? storedAddress(p.namedChildren[0], unit, depth + 1) : null;
      if (inner) return inner;
    }
  }
  return null;
}

/** `objects`, `reg.byAddr`, `arena` (of `arena[i].obj`): the table's name without the element index. */
function tableName(lhs: GoNode): string {
  let table = unparen(lhs);
  for (let n = table; n.type === "index_expression" || n.type === "selector_expression"; ) {
    const op = unparen(n.childForFieldName("operand")!);
    if (n.type === "index_expression") table = op;
    n = op;
  }
  while (table.type === "index_expression") table = unparen(table.childForFieldName("operand")!);
  return table.text;
}
