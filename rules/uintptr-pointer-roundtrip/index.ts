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
import { resolveBindings } from "../../src/analyzer/bindings.js";
import type { GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { importsAny } from "../facts/calls.js";
import { argsOf, conversionsBack, definitions, isBuiltinCall, listOf, numericAddress, resolveType, slotOf, type Address, type SlotKey } from "../facts/memory.js";
import { docsUrl } from "../facts/meta.js";
import { contains, spanOf, unparen } from "../facts/syntax.js";

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
  const bindings = file.memo("uintptr-pointer-roundtrip:bindings", () => new Map<number, ReturnType<typeof resolveBindings>>());
  const resolveIn = (fn: GoNode) => {
    if (fn.id === unit.node.id) return unit.bindings.resolve;
    let b = bindings.get(fn.id);
    if (!b) bindings.set(fn.id, (b = resolveBindings(fn)));
    return b.resolve;
  };
  const backs = conversionsBack(file, unit.node.tree.rootNode, resolveIn);
  for (const s of found) {
    const sites = (backs.get(s.key) ?? []).filter((c) => !contains(s.node, c));
    if (sites.length === 0) continue;
    const what = s.address.pointee.text.replace(/\s+/g, " ");
    const target = what.startsWith("&") ? what.slice(1) : `*${what}`;
    const first = sites[0]!;
    const where = enclosingName(first, unit);
    ctx.report({
      span: spanOf(s.node),
      message:
        `${s.label} keeps the address of ${target} as a uintptr, which the collector neither traces nor updates, ` +
        `so ${target} can be freed or moved before ${first.text.replace(/\s+/g, " ")} on line ${file.lineOf(first.startIndex)}${where} turns the number back into a pointer; ` +
        `keep an unsafe.Pointer and convert to uintptr only inside the expression that does the arithmetic`,
      related: sites.map((c) => ({ ...spanOf(c), message: "the number is converted back to a pointer here" })),
    });
  }
}

// v := uintptr(unsafe.Pointer(p)); x.f = ...; m[k] = ...; s = append(s, ...); T{f: ...}
function stores(unit: Unit): Store[] {
  const out: Store[] = [];
  const resolve = unit.bindings.resolve;
  const add = (node: GoNode, target: GoNode, key: SlotKey | null, address: Address | null, label = target.text) => {
    if (key && address && !isHeaderField(target, unit)) out.push({ node, target, key, address, label });
  };
  for (const node of unit.node.descendantsOfType(["assignment_statement", "short_var_declaration", "var_spec", "keyed_element"])) {
    if (!node) continue;
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
