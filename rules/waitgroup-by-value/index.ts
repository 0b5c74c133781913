// waitgroup-by-value: a sync.WaitGroup, Mutex, RWMutex, Once or Cond (or a struct of the file or
// of the function that holds one by value) is copied, and the code then works on the copy.
//
//	func worker(id int, wg sync.WaitGroup) { defer wg.Done() }   // parameter
//	func (c Counter) Inc() { c.mu.Lock(); ... }                  // value receiver
//	for _, c := range counters { c.mu.Lock() }                   // range value (also `for _, c = range`)
//	snapshot := *c                                                // assignment
import type { Binding, GoNode, RelatedLocation, Rule, RuleContext, TextEdit, Unit } from "../../src/analyzer/types.js";
import { importsAny } from "../facts/calls.js";
import { isWrite } from "../facts/definitions.js";
import { docsUrl } from "../facts/meta.js";
import { spanOf, unparen } from "../facts/syntax.js";
import { type Ty, typeOf, unparenType } from "../facts/types.js";
import { type Lock, lockHeld } from "./locks.js";

const rule: Rule = {
  meta: {
    id: "waitgroup-by-value",
    title: "sync type copied by value",
    severity: "error",
    fixable: true,
    summary: "a sync.WaitGroup, Mutex, RWMutex, Once or Cond (or a struct holding one) is passed, received, ranged over or assigned by value",
    why:
      "A WaitGroup, Mutex, Once or Cond is a small state word that goroutines park on, and a copy gets a state word of its own. " +
      "Done on a copied WaitGroup never reaches the original's counter, so the goroutine parked in the original's Wait sleeps forever; " +
      "Lock on a copied Mutex excludes no one, and a copy taken while the original is locked stays locked for good.",
    docs: docsUrl("waitgroup-by-value"),
    messages: {
      receiver: "value receiver {{name}} copies {{what}}: {{consequence}}",
      param: "parameter {{name}} receives a copy of {{what}}: {{consequence}}",
      range: "range value {{name}} copies each element of {{over}}, {{what}}: {{consequence}}",
      assign: "{{copy}} copies {{what}}: {{consequence}}",
    },
  },
  // Package-level variables too: `var report = func(s Stats) {...}` takes its parameter by value.
  kinds: ["func", "method", "var"],
  appliesTo: (file) => importsAny(file, ["sync"]),
  check,
};
export default rule;

/** How many lines may separate a func literal's parameter from its call argument for a fix. */
const MAX_FIX_LINES = 12;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  const file = unit.file;
  const fns = unit.kind === "var" ? unit.nodes("func_literal") : [unit.node, ...unit.nodes("func_literal")];
  for (const fn of fns) {
    // func (c Counter) Value() int
    const recv = declarations(fn.childForFieldName("receiver"))[0];
    const recvLock = recv && lockOf(recv, unit);
    if (recv && recvLock) {
      const name = recv.childForFieldName("name")?.text ?? "_";
      ctx.report({
        span: firstLine(fn, unit),
        messageId: "receiver",
        data: { name, what: describe(recvLock, recv), consequence: consequence(recvLock, name) },
        related: firstUses(recv, unit),
      });
    }
    // func worker(id int, wg sync.WaitGroup)
    for (const param of declarations(fn.childForFieldName("parameters"))) {
      const lock = lockOf(param, unit);
      if (!lock) continue;
      const names = param.childrenForFieldName("name").filter((n): n is GoNode => !!n && n.type === "identifier");
      const name = names.map((n) => n.text).join(", ") || "_";
      ctx.report({
        span: spanOf(param),
        messageId: "param",
        data: { name, what: describe(lock, param), consequence: consequence(lock, names[0]?.text ?? "it") },
        related: firstUses(param, unit),
        fix: pointerFix(unit, fn, param),
      });
    }
  }

  // for _, c := range counters    for _, c = range counters (into a variable declared before)
  for (const range of unit.nodes("range_clause")) {
    if (!range) continue;
    const define = range.children.some((t) => t?.type === ":=");
    if (!define && !range.children.some((t) => t?.type === "=")) continue;
    const left = range.childForFieldName("left")?.namedChildren ?? [];
    const value = left[1] ?? (isChannel(range, unit) ? left[0] : null);
    if (!value || value.text === "_" || (define ? value.type !== "identifier" : !isExistingValue(value))) continue;
    // `=` stores each element into `mu`, `t.mu`, `xs[i]` or `*p`: the target's declared type says
    // what the copy is (an `any` target holds no lock to use, as go vet sees it), else the element's.
    const t = define ? typeOf(value, unit) : (typeOf(value, unit) ?? rangedValue(range, unit));
    const lock = t && !t.addr ? lockHeld(t.node, file) : undefined;
    if (!lock) continue;
    const over = range.childForFieldName("right")!.text;
    ctx.report({
      span: firstLine(range.parent ?? range, unit),
      messageId: "range",
      data: { name: value.text, over, what: describe(lock, null, t!.node), consequence: consequence(lock, value.text) },
    });
  }

  // local := *c    mu := s.mu    var wg = other
  for (const stmt of unit.nodes(["short_var_declaration", "assignment_statement", "var_spec"])) {
    if (!stmt) continue;
    if (stmt.type === "assignment_statement" && stmt.childForFieldName("operator")?.type !== "=") continue;
    const left = stmt.type === "var_spec" ? stmt.childrenForFieldName("name").filter((n): n is GoNode => n?.type === "identifier") : (stmt.childForFieldName("left")?.namedChildren ?? []);
    let right: (GoNode | null)[] = (stmt.childForFieldName("right") ?? stmt.childForFieldName("value"))?.namedChildren.filter((n) => n && n.type !== "comment") ?? [];
    // v, ok := m[k]: the comma-ok read copies the map value into v.
    if (left.length === 2 && right.length === 1 && unparen(right[0]!).type === "index_expression") right = [right[0]!, null];
    if (right.length !== left.length) continue;
    right.forEach((value, i) => {
      const target = left[i];
      if (!value || !target || target.text === "_" || !isExistingValue(value)) return;
      const copyText = stmt.type === "var_spec" ? `var ${target.text} = ${value.text}` : `${target.text} ${stmt.type === "assignment_statement" ? "=" : ":="} ${value.text}`;
      const t = typeOf(value, unit);
      const lock = t && !t.addr ? lockHeld(t.node, file) : undefined;
      if (!lock) return;
      ctx.report({
        span: firstLine(stmt.type === "var_spec" ? stmt.parent! : stmt, unit),
        messageId: "assign",
        data: { copy: copyText, what: describe(lock, null, t!.node), consequence: consequence(lock, target.text) },
      });
    });
  }
}

/** parameter_declaration nodes of a parameter list (variadic ones left out: the callee gets a slice). */
function declarations(list: GoNode | null): GoNode[] {
  return (list?.namedChildren ?? []).filter((p): p is GoNode => p?.type === "parameter_declaration");
}

function lockOf(decl: GoNode, unit: Unit): Lock | undefined {
  const type = decl.childForFieldName("type");
  return type && unparenType(type).type !== "pointer_type" ? lockHeld(type, unit.file) : undefined;
}

/** An addressable value that already exists: `x`, `x.f`, `x[i]`, `*p` (not a literal or a call result). */
function isExistingValue(value: GoNode): boolean {
  const v = unparen(value);
  if (v.type === "unary_expression") return v.childForFieldName("operator")?.type === "*";
  return v.type === "identifier" || v.type === "selector_expression" || v.type === "index_expression";
}

/** The type of the values a range clause yields into its value position (the element; a map's value; a channel's element). */
function rangedValue(range: GoNode, unit: Unit): Ty | undefined {
  const over = typeOf(range.childForFieldName("right")!, unit);
  if (!over) return undefined;
  let n = unparenType(over.node);
  if (!over.addr && n.type === "pointer_type" && n.namedChildren[0]) n = unparenType(n.namedChildren[0]); // *[N]T
  const field = n.type === "map_type" ? "value" : n.type === "channel_type" ? "value" : ["slice_type", "array_type", "implicit_length_array_type"].includes(n.type) ? "element" : null;
  const el = field ? n.childForFieldName(field) : null;
  return el ? { node: el, addr: false } : undefined;
}

function isChannel(range: GoNode, unit: Unit): boolean {
  const t = typeOf(range.childForFieldName("right")!, unit);
  return !!t && !t.addr && unparenType(t.node).type === "channel_type";
}

function typeText(decl: GoNode): string {
  return decl.childForFieldName("type")?.text ?? "T";
}

/** "a sync.WaitGroup", "a Counter, which holds a sync.Mutex (field mu)", "an Index, which embeds a sync.RWMutex". */
function describe(lock: Lock, decl: GoNode | null, type?: GoNode): string {
  const written = type?.text ?? (decl ? typeText(decl) : "");
  const a = (s: string) => `${/^[AEIOU]/.test(s) ? "an" : "a"} ${s}`;
  if (lock.path === "") return a(lock.lock);
  if (lock.path === lock.lock.slice("sync.".length)) return `${a(written)}, which embeds a ${lock.lock}`;
  return `${a(written)}, which holds a ${lock.lock} (field ${lock.path})`;
}

function consequence(lock: Lock, name: string): string {
  const at = lock.path === "" ? name : `${name}${lock.path.startsWith("[") ? "" : "."}${lock.path}`;
  switch (lock.lock) {
    case "sync.WaitGroup":
      return `Add and Done on ${at} miss the original's counter, which Wait watches`;
    case "sync.Once":
      return `${at}.Do runs its function again for every copy`;
    case "sync.Cond":
      return `Signal and Broadcast on ${at} wake no goroutine waiting on the original`;
    default:
      return `locking ${at} locks only the copy`;
  }
}

/** The first use of each declared name, as related locations. */
function firstUses(decl: GoNode, unit: Unit): RelatedLocation[] {
  return bindingsOf(decl, unit).flatMap((b) => (b.uses[0] ? [{ ...spanOf(b.uses[0]), message: `${b.name} (the copy) is used here` }] : []));
}

function bindingsOf(decl: GoNode, unit: Unit): Binding[] {
  return decl.childrenForFieldName("name").flatMap((n) => {
    const b = n ? unit.bindings.declaredBy(n) : undefined;
    return b ? [b] : [];
  });
}

/**
 * `wg sync.WaitGroup` becomes `wg *sync.WaitGroup` when every use is a field access or method call
 * that writes nothing (`wg.Done()`, `c.mu.Lock()`, `c.n` read). A func literal called on the spot
 * also gets `&` on its argument; a named function's callers must pass `&x` themselves.
 */
function pointerFix(unit: Unit, fn: GoNode, param: GoNode) {
  const type = param.childForFieldName("type");
  const bindings = bindingsOf(param, unit);
  if (!type || bindings.length === 0 || !bindings.every((b) => b.uses.every(readsThroughSelector))) return undefined;
  const edits: TextEdit[] = [{ start: type.startIndex, end: type.startIndex, text: "*" }];
  if (fn.type === "func_literal") {
    const args = calledWith(fn);
    if (!args) return undefined;
    const params = declarations(fn.childForFieldName("parameters"));
    const before = params.slice(0, params.findIndex((p) => p.id === param.id)).reduce((n, p) => n + Math.max(1, p.childrenForFieldName("name").filter((x) => x?.type === "identifier").length), 0);
    for (let i = 0; i < bindings.length; i++) {
      const arg = args[before + i];
      if (!arg || !["identifier", "selector_expression"].includes(arg.type)) return undefined;
      if (unit.file.lineOf(arg.startIndex) - unit.file.lineOf(param.startIndex) > MAX_FIX_LINES) return undefined;
      edits.push({ start: arg.startIndex, end: arg.startIndex, text: "&" });
    }
    return { description: `take *${type.text} and pass the address`, edits };
  }
  return { description: `take *${type.text}; call sites must pass &${bindings[0]!.name} (the address) instead of the value`, edits };
}

/** `x.f...` that is not written: assigned, incremented, or its address taken. */
function readsThroughSelector(use: GoNode): boolean {
  let n: GoNode = use;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  if (n.parent?.type !== "selector_expression" || n.parent.childForFieldName("operand")?.id !== n.id) return false;
  let top: GoNode = n.parent;
  while (top.parent && (top.parent.type === "selector_expression" || top.parent.type === "index_expression" || top.parent.type === "parenthesized_expression")) {
    if (top.parent.type === "index_expression" && top.parent.childForFieldName("operand")?.id !== top.id) break;
    top = top.parent;
  }
  return !isWrite(top);
}

/** The arguments of `func(...) {...}(args)`, when the literal is called right where it is written. */
function calledWith(lit: GoNode): GoNode[] | undefined {
  let n: GoNode = lit;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const call = n.parent;
  if (call?.type !== "call_expression" || call.childForFieldName("function")?.id !== n.id) return undefined;
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment") ?? [];
  return args.some((a) => a.type === "variadic_argument") ? undefined : args.map(unparen);
}

/** The node's span cut at the end of its first line. */
function firstLine(node: GoNode, unit: Unit) {
  const nl = unit.file.source.indexOf("\n", node.startIndex);
  return { start: node.startIndex, end: nl === -1 || nl > node.endIndex ? node.endIndex : nl };
}
