// subslice-retention: a small re-slice of a large local buffer is stored where it outlives the
// call: a struct field, a package-level variable, map or slice, or a channel.
//
//	data, err := io.ReadAll(r)                 // or os.ReadFile, make([]byte, 64<<10), a pooled
//	...                                        // buffer, ReadSlice of a large bufio.Reader
//	s.name = data[4:12]                        // pins all of data
//	index[key] = line[i:j]                     // line := data[a:b]: re-slices of re-slices count
//	out <- buf[:n]
//
// Silent for copies (bytes.Clone, strings.Clone, append([]byte(nil), ...), string(b[i:j])),
// `b[:]`/`b[:0]` (the buffer itself), locals and literals that do not outlive the call, buffers not
// provably large (parameters, computed make sizes), and fields of a struct that also keeps the
// whole buffer. Also (queue.ts): `q.items = q.items[1:]` keeping popped pointers in the array.
import type { GoNode, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { isBuiltinCall } from "../facts/calls.js";
import { defBefore, definitions } from "../facts/definitions.js";
import { docsUrl } from "../facts/meta.js";
import { argsOf, listOf, spanOf, unparen } from "../facts/syntax.js";
import { resolveType } from "../facts/types.js";
import { type Buffer, bufferOf, coversNearlyAll, reachesEnd, startsAtZero } from "./buffers.js";
import { checkQueues } from "./queue.js";

const rule: Rule = {
  meta: {
    id: "subslice-retention",
    title: "Small sub-slice pins a large buffer",
    severity: "warning",
    fixable: true,
    summary: "a re-slice of a large buffer is stored in a field, a package-level table or a channel, pinning the whole buffer",
    why:
      "A slice or string is a view into its backing array, and the collector keeps the whole array alive while any view " +
      "of it is reachable: a 10-byte re-slice stored in a long-lived field or cache holds on to the entire file or request " +
      "body it was cut from. Copying the part releases the buffer.",
    docs: docsUrl("subslice-retention"),
    messages: {
      stored: "{{value}} re-slices {{origin}} ({{how}}): storing it in {{target}} keeps the whole buffer alive",
      sent: "{{value}} re-slices {{origin}} ({{how}}): sending it on {{target}} hands the receiver the whole buffer",
      queue: "{{target}} = {{slice}} leaves the dropped {{elem}} values reachable in the backing array until append outgrows it",
    },
  },
  kinds: ["func", "method"],
  // Cheap exit: no slice expression, and no bytes/strings call that returns a part of its argument.
  appliesTo: (file) => /\[[^\]\n]*:|\.(?:Trim\w*|Split\w*|Fields\w*|Cut\w*)\(/.test(file.source),
  check,
};
export default rule;

interface Store {
  /** The statement, keyed element or send that stores. */
  node: GoNode;
  value: GoNode;
  /** Where it goes: `s.name`, `the field Name of Entry`, `index[k]`, the channel `out`. */
  target: string;
  /** For field stores: the struct expression (`s`), or the composite literal. */
  owner?: GoNode;
  /** For assignments: the target (`s.name`, `index[k]`). */
  lhs?: GoNode;
  channel?: boolean;
}

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  if (!mayCut(unit)) return;
  const stores = storesOf(unit);
  for (const s of stores) {
    const buf = bufferOf(s.value, unit);
    if (!buf?.sub || !outlives(s, unit) || keepsWholeBuffer(s, buf, stores, unit)) continue;
    const fix = cloneFix(s.value, buf, unit);
    const v = s.value.text.replace(/\s+/g, " ");
    const origin = !buf.name ? "a large buffer" : buf.name === v ? `the original ${buf.name}` : buf.name;
    ctx.report({
      span: spanOf(s.node),
      messageId: s.channel ? "sent" : "stored",
      data: { value: v, origin, how: buf.how, target: s.target },
      related: [{ ...spanOf(buf.origin), message: "the large buffer comes from here" }],
      fix: { description: `copy the re-slice with ${fix.name}`, edits: [fix.edit] },
    });
  }
  checkQueues(ctx);
}

// Cheap exit before any store is resolved: a part of a buffer comes from a slice expression or
// from a bytes/strings Split/Fields/Cut call in the same function; without one, nothing is a part.
const PARTS = /^(Split|SplitN|SplitAfter|SplitAfterN|Fields|FieldsFunc|Cut|CutPrefix|CutSuffix)$/;
function mayCut(unit: Unit): boolean {
  if (unit.nodes("slice_expression").length > 0) return true;
  return unit.nodes("call_expression").some((c) => {
    const fn = unparen(c.childForFieldName("function")!);
    const name = fn.type === "selector_expression" ? fn.childForFieldName("field")?.text : fn.type === "identifier" ? fn.text : undefined;
    return PARTS.test(name ?? "");
  });
}

function storesOf(unit: Unit): Store[] {
  const out: Store[] = [];
  for (const node of unit.nodes(["assignment_statement", "send_statement", "keyed_element"])) {
    if (!node) continue;
    if (node.type === "send_statement") {
      const value = node.childForFieldName("value");
      if (value) out.push({ node, value, target: node.childForFieldName("channel")!.text, channel: true });
    } else if (node.type === "keyed_element") {
      // T{name: v}, &T{name: v}: a field store (map, slice and array literals are not).
      const key = node.childForFieldName("key")?.namedChildren[0];
      const value = node.childForFieldName("value")?.namedChildren[0];
      const lit = node.parent?.parent;
      const type = lit?.type === "composite_literal" ? lit.childForFieldName("type") : null;
      if (key?.type !== "identifier" || !value || !type) continue;
      if (["map_type", "slice_type", "array_type", "implicit_length_array_type"].includes(resolveType(type, unit.file)?.type ?? "")) continue;
      // Nested literals (`&Outer{Inner: Inner{...}, ...}`) build one value: the outermost owns them all.
      let owner = lit!;
      for (let p = owner.parent; p && ["literal_element", "keyed_element", "literal_value", "composite_literal", "unary_expression"].includes(p.type); p = p.parent)
        if (p.type === "composite_literal") owner = p;
      out.push({ node, value, target: `the field ${key.text} of ${type.text}`, owner });
    } else if (node.childForFieldName("operator")?.type === "=") {
      const left = listOf(node.childForFieldName("left"));
      const right = listOf(node.childForFieldName("right"));
      left.forEach((l, i) => {
        const dest = destination(l, unit);
        if (!dest) return;
        const r = right.length === left.length ? unparen(right[i]!) : undefined;
        const values = !r ? [] : isBuiltinCall(r, "append", unit) ? argsOf(r).slice(1).filter((a) => a.type !== "variadic_argument") : [r];
        for (const value of [...values, ...dest.keys]) out.push({ node, value, target: l.text, owner: dest.owner, lhs: l });
      });
    }
  }
  return out;
}

/**
 * Where an assignment target lives, if it outlives the call: `x.f`, `x.m[k]`, `pkgVar`,
 * `pkgMap[k]`, `pkg.Var`; with the map keys on the way (a key is stored too).
 */
function destination(lhs: GoNode, unit: Unit): { owner?: GoNode; keys: GoNode[] } | undefined {
  const keys: GoNode[] = [];
  let n = unparen(lhs);
  let owner: GoNode | undefined;
  for (;;) {
    if (n.type === "index_expression") {
      keys.push(n.childForFieldName("index")!);
      n = unparen(n.childForFieldName("operand")!);
    } else if (n.type === "selector_expression") {
      const op = unparen(n.childForFieldName("operand")!);
      if (op.type === "identifier" && !unit.bindings.resolve(op) && unit.file.imports.some((i) => i.name === op.text)) return { keys };
      owner ??= op;
      n = op;
    } else if (n.type === "unary_expression" && n.childForFieldName("operator")?.type === "*" && !owner && keys.length === 0) {
      // `*r = b[1:]` in a method with a pointer receiver r (an UnmarshalJSON that keeps its input)
      const op = unparen(n.childForFieldName("operand")!);
      return op.type === "identifier" && unit.bindings.resolve(op)?.kind === "receiver" ? { owner: op, keys } : undefined;
    } else if (n.type === "identifier") {
      if (n.text === "_") return undefined; // `_ = x` stores nothing
      return owner || !unit.bindings.resolve(n) ? { owner, keys } : undefined;
    } else return owner ? { owner, keys } : undefined;
  }
}

/**
 * The store outlives the call: a send on a channel; a package-level variable or table; a field
 * (or element) of a pointer receiver or parameter; a local struct or composite literal that itself
 * escapes: returned, sent, or stored in one of those. A literal used and dropped
 * (`d := &decbuf{B: b[:n-4]}; return d.decode()`) or only passed to a call (a request struct handed
 * to `client.Do`) does not.
 */
function outlives(s: Store, unit: Unit): boolean {
  if (s.channel) return true;
  if (s.owner?.type === "composite_literal") return valueEscapes(s.owner, unit, 0);
  return s.lhs ? placeOutlives(s.lhs, unit, 0) : false;
}

/** An assignment target that outlives the call: rooted at a package-level name, a pointer receiver or parameter, or an escaping local. */
function placeOutlives(lhs: GoNode, unit: Unit, depth: number): boolean {
  let n = unparen(lhs);
  let shared = false; // through a map or slice element: storage the value's copies share
  for (;;) {
    if (n.type === "selector_expression") {
      const op = unparen(n.childForFieldName("operand")!);
      if (op.type === "identifier" && !unit.bindings.resolve(op) && unit.file.imports.some((i) => i.name === op.text)) return true; // pkg.Var
      n = op;
    } else if (n.type === "index_expression" || (n.type === "unary_expression" && n.childForFieldName("operator")?.type === "*")) {
      shared = true;
      n = unparen(n.childForFieldName("operand")!);
    } else break;
  }
  if (n.type !== "identifier" || n.text === "_") return false;
  const b = unit.bindings.resolve(n);
  if (!b) return true; // a package-level variable
  // A value receiver's own fields die with the call; a map or slice it holds is the caller's too.
  if (b.kind === "receiver" || b.kind === "param") return shared || ["pointer_type", "map_type", "slice_type"].includes(b.type?.type ?? "");
  if (b.kind !== "var" || depth >= 4) return false;
  // e := &t.entries[i]: a pointer into a place that outlives the call.
  const first = definitions(b, unit)[0];
  const v = first?.value && !first.multi ? unparen(first.value) : null;
  if (v?.type === "unary_expression" && v.childForFieldName("operator")?.type === "&" && unparen(v.childForFieldName("operand")!).type !== "composite_literal") {
    if (placeOutlives(v.childForFieldName("operand")!, unit, depth + 1)) return true;
  }
  return b.uses.some((u) => u.startIndex > lhs.startIndex - 1 && valueEscapes(u, unit, depth + 1));
}

/**
 * A value (a local's use, a composite literal) that leaves the call: returned, sent on a channel,
 * assigned or appended to a place that outlives the call, an element of a literal that does, or
 * the value of a local that does.
 */
function valueEscapes(value: GoNode, unit: Unit, depth: number): boolean {
  if (depth > 4) return false;
  let n = value;
  for (;;) {
    const p = n.parent;
    if (!p) return false;
    if (p.type === "parenthesized_expression" || (p.type === "unary_expression" && p.childForFieldName("operator")?.type === "&")) n = p;
    else if (["literal_element", "keyed_element", "literal_value", "composite_literal"].includes(p.type)) n = p;
    else if (p.type === "argument_list" && isBuiltinCall(p.parent!, "append", unit) && p.namedChildren[0]?.id !== n.id) n = p.parent!;
    else break;
  }
  const p = n.parent;
  if (!p) return false;
  if (p.type === "expression_list" && p.parent?.type === "return_statement") return true;
  if (p.type === "send_statement") return p.childForFieldName("value")?.id === n.id;
  if (p.type === "expression_list" && (p.parent?.type === "assignment_statement" || p.parent?.type === "short_var_declaration" || p.parent?.type === "var_spec")) {
    const stmt = p.parent;
    const rightField = stmt.type === "var_spec" ? "value" : "right";
    if (stmt.childForFieldName(rightField)?.id !== p.id) return false;
    const right = listOf(p);
    const i = right.findIndex((r) => r.id === n.id);
    const left = stmt.type === "var_spec" ? stmt.childrenForFieldName("name").filter((x): x is GoNode => x?.type === "identifier") : listOf(stmt.childForFieldName("left"));
    const target = left.length === right.length ? left[i] : undefined;
    if (!target) return false;
    if (stmt.type === "assignment_statement") return placeOutlives(target, unit, depth + 1);
    const b = unit.bindings.declaredBy(target);
    return !!b && b.uses.some((u) => valueEscapes(u, unit, depth + 1));
  }
  return false;
}

/**
 * The struct keeps the whole buffer anyway: `m.raw = data; m.body = data[12:]`, or its fields
 * partition it (`YCbCr{Y: b[:i0], Cb: b[i0:i1], Cr: b[i1:]}`, `Path: s[:i], Version: s[i+1:]`).
 */
function keepsWholeBuffer(s: Store, buf: Buffer, stores: Store[], unit: Unit): boolean {
  if (!s.owner) return false;
  const siblings = stores.filter((o) => {
    if (!o.owner || o.owner.text !== s.owner!.text || (s.owner!.type === "composite_literal" && o.owner.id !== s.owner!.id)) return false;
    return bufferOf(o.value, unit)?.origin.id === buf.origin.id;
  });
  if (siblings.some((o) => o !== s && !bufferOf(o.value, unit)!.sub)) return true;
  const size = buf.origin.type === "call_expression" && isBuiltinCall(buf.origin, "make", unit) ? argsOf(buf.origin)[1]?.text : undefined;
  const slices = siblings.map((o) => directSlice(o.value, buf, unit)).filter((x): x is GoNode => !!x);
  if (slices.length >= 2 && slices.some((x) => startsAtZero(x)) && slices.some((x) => reachesEnd(x, size))) return true;
  // Adjacent parts of a whole allocation that keep all but a small header and trailer, stored
  // together: in one literal, or by statements of one block (not one part per branch).
  if (!buf.allocation) return false;
  const block = (o: Store) => (o.owner?.type === "composite_literal" ? o.owner : o.node.parent);
  const together = siblings.filter((o) => block(o)?.id === block(s)?.id);
  return coversNearlyAll(together.map((o) => directSlice(o.value, buf, unit)).filter((x): x is GoNode => !!x), unit);
}

/** The `name[i:j]` a stored value is, directly or through one local, when `name` holds the buffer itself. */
function directSlice(value: GoNode, buf: Buffer, unit: Unit): GoNode | undefined {
  let v = unparen(value);
  const b = v.type === "identifier" ? unit.bindings.resolve(v) : undefined;
  if (b) {
    const d = defBefore(b, v.startIndex, unit);
    if (!d?.value || d.multi) return undefined;
    v = unparen(d.value);
  }
  const op = v.type === "slice_expression" ? unparen(v.childForFieldName("operand")!) : undefined;
  return op?.type === "identifier" && op.text === buf.name && !bufferOf(op, unit)?.sub ? v : undefined;
}

// bytes.Clone (Go 1.20) / strings.Clone (Go 1.18) when imported; otherwise a copy any Go accepts.
function cloneFix(value: GoNode, buf: Buffer, unit: Unit): { name: string; edit: TextEdit } {
  const v = unit.file.goVersion;
  const minor = v && v.major === 1 ? v.minor : v ? 99 : -1;
  const pkg = buf.kind === "bytes" ? "bytes" : "strings";
  const name = unit.file.importName(pkg);
  const usable = !!name && name !== "." && minor >= (pkg === "bytes" ? 20 : 18) && !unit.bindings.all.some((b) => b.name === name);
  const text = value.text;
  if (usable) return { name: `${pkg}.Clone`, edit: { ...spanOf(value), text: `${name}.Clone(${text})` } };
  if (buf.kind === "bytes") return { name: "append([]byte(nil), ...)", edit: { ...spanOf(value), text: `append([]byte(nil), ${tightSlices(value)}...)` } };
  return { name: "string([]byte(...))", edit: { ...spanOf(value), text: `string([]byte(${text}))` } };
}

/**
 * The value's text as gofmt prints it as one argument of a call with several: there it drops the
 * blanks around the colons of slice expressions (`b[1 : len(b)-1]` becomes `b[1:len(b)-1]`).
 */
function tightSlices(value: GoNode): string {
  const cuts: { start: number; end: number }[] = [];
  for (const slice of value.descendantsOfType("slice_expression")) {
    for (const c of slice?.children ?? []) {
      if (c?.type !== ":") continue;
      const prev = c.previousSibling;
      const next = c.nextSibling;
      if (prev && prev.type !== "[" && prev.endIndex < c.startIndex) cuts.push({ start: prev.endIndex, end: c.startIndex });
      if (next && next.type !== "]" && c.endIndex < next.startIndex) cuts.push({ start: c.endIndex, end: next.startIndex });
    }
  }
  let text = value.text;
  for (const cut of cuts.sort((a, b) => b.start - a.start)) text = text.slice(0, cut.start - value.startIndex) + text.slice(cut.end - value.startIndex);
  return text;
}
