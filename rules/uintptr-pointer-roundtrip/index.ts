// uintptr-pointer-roundtrip: an address is stored as a uintptr (a variable, a field, a map or
// slice element) and later turned back into a pointer in a separate expression.
//
//	base := uintptr(unsafe.Pointer(&buf[0]))       // reported: the address becomes a number here
//	...
//	b := *(*byte)(unsafe.Pointer(base + i))        // converted back (go vet reports this line)
//
//	c := &Cursor{base: uintptr(unsafe.Pointer(p))} // a keyed field is a field store
//	func (c *Cursor) At(i uintptr) *T { return (*T)(unsafe.Pointer(c.base + i)) }
//
// Silent for `unsafe.Pointer(uintptr(unsafe.Pointer(p)) + off)` in one expression, numbers that are
// only passed to syscalls, addresses of C, mmap or static memory, and reflect.SliceHeader /
// StringHeader Data fields (unsafe's rule 6, which go vet checks).
import type { GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { numericAddress, type Address } from "../facts/addresses.js";
import { importsAny, isBuiltinCall, packageCallee } from "../facts/calls.js";
import { definitions } from "../facts/definitions.js";
import { docsUrl } from "../facts/meta.js";
import { argsOf, contains, listOf, spanOf, unparen } from "../facts/syntax.js";
import { resolveType } from "../facts/types.js";
import { conversionsBack, type SlotKey, slotOf } from "./slots.js";

const HEADER = /(slice|string)_?header/i;

const rule: Rule = {
  meta: {
    id: "uintptr-pointer-roundtrip",
    title: "Address kept as a uintptr and converted back",
    severity: "error",
    fixable: false,
    summary: "uintptr(unsafe.Pointer(p)) is stored in a variable, field or element and later converted back to a pointer",
    why:
      "A uintptr is a plain number to the collector: holding one does not keep the object alive, and the runtime does not " +
      "update it when a goroutine stack grows and moves its variables. Between the store and the conversion back the object " +
      "can be freed and its memory reused, or moved, so the pointer made from the number points at something else.",
    docs: docsUrl("uintptr-pointer-roundtrip"),
    messages: {
      roundtrip: "{{slot}} keeps the address of {{target}} as a uintptr: the object can move or be freed before line {{back}}{{where}} converts it back",
      copied: "{{slot}} keeps the address of {{target}} as a uintptr, copied into {{copy}}: the object can move or be freed before line {{back}}{{where}} converts it back",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => importsAny(file, ["unsafe"]),
  check,
};
export default rule;

interface Store {
  node: GoNode;
  target: GoNode;
  /** How the message names the slot: `base`, `c.cur`, `handles[o.id]`, `field base of Cursor`. */
  label: string;
  key: SlotKey;
  address: Address;
}

function check(ctx: RuleContext): void {
  const { unit, file } = ctx;
  const found = stores(unit);
  if (found.length === 0) return;
  const resolveIn = (fn: GoNode) => file.bindingsOf(fn).resolve;
  const backs = conversionsBack(file, file.wholeRoot(), resolveIn);
  for (const s of found) {
    const direct = (backs.get(s.key) ?? []).filter((c) => !contains(s.node, c));
    // base := uintptr(...); return &Iter{cur: base}: the copy in the field is converted back
    const copies = direct.length > 0 ? [] : copiesOf(s, unit).map((c) => ({ ...c, sites: (backs.get(c.key) ?? []).filter((x) => !contains(s.node, x)) }));
    const via = copies.find((c) => c.sites.length > 0);
    const sites = direct.length > 0 ? direct : (via?.sites ?? []);
    if (sites.length === 0) continue;
    const what = s.address.pointee.text.replace(/\s+/g, " ");
    const target = what.startsWith("&") ? what.slice(1) : `*${what}`;
    const first = sites[0]!;
    const where = enclosingName(first, unit);
    ctx.report({
      span: spanOf(s.node),
      messageId: via ? "copied" : "roundtrip",
      data: { slot: s.label, target, copy: via ? `${via.label} on line ${file.lineOf(via.node.startIndex)}` : "", back: file.lineOf(first.startIndex), where },
      related: sites.map((c) => ({ ...spanOf(c), message: "the number is converted back to a pointer here" })),
    });
  }
}

/** Slots a stored local is copied into, as is or with arithmetic: `T{cur: base, end: base + n}`, `x.p = base`. */
function copiesOf(s: Store, unit: Unit): { key: SlotKey; label: string; node: GoNode }[] {
  const t = unparen(s.target);
  const b = t.type === "identifier" ? (unit.bindings.declaredBy(t) ?? unit.bindings.resolve(t)) : undefined;
  if (!b || !s.key.startsWith("L")) return [];
  const out: { key: SlotKey; label: string; node: GoNode }[] = [];
  for (const use of b.uses) {
    if (use.endIndex <= s.node.startIndex) continue;
    // Up through parentheses, arithmetic and uintptr(...) conversions.
    let v: GoNode = use;
    for (;;) {
      const p = v.parent;
      if (p?.type === "parenthesized_expression") v = p;
      else if (p?.type === "binary_expression" && ["+", "-", "&", "&^", "|"].includes(p.childForFieldName("operator")?.type ?? "")) v = p;
      else break;
    }
    const holder = v.parent;
    if (holder?.type === "literal_element") {
      const keyed = holder.parent?.type === "keyed_element" && holder.parent.childForFieldName("value")?.id === holder.id ? holder.parent : null;
      const lit = (keyed ?? holder).parent?.parent;
      const type = lit?.type === "composite_literal" ? lit.childForFieldName("type") : null;
      const struct = resolveType(type, unit.file);
      if (!type || HEADER.test(type.text) || ["map_type", "slice_type", "array_type", "implicit_length_array_type"].includes(struct?.type ?? "")) continue;
      let name: string | undefined;
      if (keyed) {
        const key = keyed.childForFieldName("key")?.namedChildren[0];
        name = key?.type === "identifier" ? key.text : undefined;
      } else if (struct?.type === "struct_type") {
        const elements = holder.parent!.namedChildren.filter((c) => c && c.type !== "comment");
        name = fieldNames(struct)[elements.findIndex((c) => c?.id === holder.id)];
      }
      if (name) out.push({ key: `F:${name}`, label: `field ${name} of ${type.text}`, node: holder });
      continue;
    }
    const list = holder?.type === "expression_list" ? holder : null;
    const stmt = list?.parent;
    if (!list || !stmt || !["assignment_statement", "short_var_declaration"].includes(stmt.type) || stmt.childForFieldName("right")?.id !== list.id) continue;
    if (stmt.type === "assignment_statement" && stmt.childForFieldName("operator")?.type !== "=") continue;
    const left = listOf(stmt.childForFieldName("left"));
    const right = listOf(list);
    const l = left.length === right.length ? left[right.findIndex((r) => r.id === v.id)] : undefined;
    const key = l && !isHeaderField(l, unit) ? slotOf(l, unit.bindings.resolve, unit.file) : null;
    if (l && key) out.push({ key, label: l.text, node: stmt });
  }
  return out;
}

// v := uintptr(unsafe.Pointer(p)); x.f = ...; m[k] = ...; s = append(s, ...); T{f: ...}
function stores(unit: Unit): Store[] {
  const out: Store[] = [];
  const resolve = unit.bindings.resolve;
  const add = (node: GoNode, target: GoNode, key: SlotKey | null, address: Address | null, label = target.text) => {
    if (key && address && !isHeaderField(target, unit)) out.push({ node, target, key, address, label });
  };
  for (const node of unit.nodes(["assignment_statement", "short_var_declaration", "var_spec", "keyed_element", "literal_value", "call_expression"])) {
    if (!node) continue;
    if (node.type === "call_expression") {
      // atomic.StoreUintptr(&s.top, uintptr(unsafe.Pointer(n))), s.top.CompareAndSwap(old, uintptr(...))
      const store = atomicStore(node, unit);
      if (store) add(store.stmt, store.target, slotOf(store.target, resolve, unit.file), numericAddress(store.value, unit));
      continue;
    }
    if (node.type === "literal_value") {
      // view{uintptr(unsafe.Pointer(&b[0])), len(b)}: positional fields of a struct the file declares
      const lit = node.parent;
      const type = lit?.type === "composite_literal" ? lit.childForFieldName("type") : null;
      const struct = resolveType(type, unit.file);
      if (!type || struct?.type !== "struct_type" || HEADER.test(type.text)) continue;
      const names = fieldNames(struct);
      const elements = node.namedChildren.filter((c): c is GoNode => !!c && c.type !== "comment");
      if (elements.some((e) => e.type !== "literal_element") || elements.length !== names.length) continue;
      elements.forEach((e, i) => {
        const value = e.namedChildren[0];
        const name = names[i];
        if (value && name) add(e, e, `F:${name}`, numericAddress(value, unit), `field ${name} of ${type.text}`);
      });
      continue;
    }
    if (node.type === "keyed_element") {
      // A keyed field of a struct literal; map, slice and array literals are not field stores.
      const key = node.childForFieldName("key")?.namedChildren[0];
      const value = node.childForFieldName("value")?.namedChildren[0];
      const lit = node.parent?.parent;
      const type = lit?.type === "composite_literal" ? lit.childForFieldName("type") : null;
      if (!key || key.type !== "identifier" || !value || !type || HEADER.test(type.text)) continue;
      if (["map_type", "slice_type", "array_type", "implicit_length_array_type"].includes(resolveType(type, unit.file)?.type ?? "")) continue;
      add(node, key, `F:${key.text}`, numericAddress(value, unit), `field ${key.text} of ${type.text}`);
      continue;
    }
    if (node.type === "assignment_statement" && node.childForFieldName("operator")?.type !== "=") continue;
    const left = node.type === "var_spec" ? node.childrenForFieldName("name").filter((n): n is GoNode => n?.type === "identifier") : listOf(node.childForFieldName("left"));
    const right = listOf(node.childForFieldName(node.type === "var_spec" ? "value" : "right"));
    if (left.length !== right.length) continue;
    left.forEach((l, i) => {
      const r = unparen(right[i]!);
      const slot = slotOf(l, resolve, unit.file);
      if (isBuiltinCall(r, "append", unit)) {
        for (const arg of argsOf(r).slice(1)) if (arg.type !== "variadic_argument") add(node, l, slot && `E:${slot}`, numericAddress(arg, unit));
      } else add(node, l, slot, numericAddress(r, unit));
    });
  }
  return out;
}

const ATOMIC_STORES: Record<string, number> = { StoreUintptr: 1, SwapUintptr: 1, CompareAndSwapUintptr: 2 };
const ATOMIC_METHODS: Record<string, number> = { Store: 1, Swap: 1, CompareAndSwap: 2 };

/** The place and the new value of an atomic store of a number, as a statement or inside a condition. */
function atomicStore(call: GoNode, unit: Unit): { stmt: GoNode; target: GoNode; value: GoNode } | null {
  const fn = unparen(call.childForFieldName("function")!);
  if (fn.type !== "selector_expression") return null;
  const args = argsOf(call);
  const name = fn.childForFieldName("field")!.text;
  const stmt = call.parent?.type === "expression_statement" ? call.parent : call;
  const c = packageCallee(call, unit);
  if (c) {
    if (c.pkg !== "sync/atomic" || !(name in ATOMIC_STORES) || args.length !== ATOMIC_STORES[name]! + 1) return null;
    const target = unparen(args[0]!);
    if (target.type !== "unary_expression" || target.childForFieldName("operator")?.type !== "&") return null;
    return { stmt, target: target.childForFieldName("operand")!, value: args[args.length - 1]! };
  }
  // A method of atomic.Uintptr: the operand is a variable or field, not a package.
  if (!(name in ATOMIC_METHODS) || args.length !== ATOMIC_METHODS[name] || !importsAny(unit.file, ["sync/atomic"])) return null;
  return { stmt, target: fn.childForFieldName("operand")!, value: args[args.length - 1]! };
}

/** The field names of a struct type in declaration order (an embedded field is named by its type). */
function fieldNames(struct: GoNode): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  const list = struct.namedChildren.find((c) => c?.type === "field_declaration_list");
  for (const f of list?.namedChildren ?? []) {
    if (f?.type !== "field_declaration") continue;
    const names = f.childrenForFieldName("name").filter((n): n is GoNode => !!n);
    if (names.length > 0) out.push(...names.map((n) => n.text));
    else out.push(f.childForFieldName("type")?.text.replace(/^\*/, "").split(".").pop());
  }
  return out;
}

// hdr.Data = uintptr(unsafe.Pointer(p)) through a *reflect.SliceHeader that points at a real slice
// is unsafe's documented pattern 6; go vet checks the header cases.
function isHeaderField(target: GoNode, unit: Unit): boolean {
  let n = unparen(target);
  if (n.type !== "selector_expression") return false;
  const operand = n.childForFieldName("operand")!;
  if (HEADER.test(operand.text)) return true;
  n = unparen(operand);
  while (n.type === "selector_expression" || n.type === "index_expression") n = unparen(n.childForFieldName("operand")!);
  const b = n.type === "identifier" ? unit.bindings.resolve(n) : undefined;
  return !!b && (HEADER.test(b.type?.text ?? "") || definitions(b, unit).some((d) => HEADER.test(d.value?.text ?? "")));
}

/** ` (in Name)` when the conversion sits in another top-level function of the file. */
function enclosingName(node: GoNode, unit: Unit): string {
  let top: GoNode | null = node;
  while (top && top.parent?.type !== "source_file") top = top.parent;
  if (!top || top.id === unit.node.id) return "";
  const name = top.childForFieldName("name")?.text;
  if (!name || (top.type !== "function_declaration" && top.type !== "method_declaration")) return "";
  const recv = top.type === "method_declaration" ? top.childForFieldName("receiver")?.descendantsOfType("type_identifier")[0]?.text : undefined;
  return ` in ${recv ? `${recv}.` : ""}${name}`;
}
