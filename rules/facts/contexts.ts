// Contexts that are never done (issue 10, shape 7): a select case on the Done channel of a context
// nobody can cancel, written in a function that had the caller's context at hand. Such a case is
// no way out: goroutine-no-exit (a loop whose only exit is that case), goroutine-send-leak and
// goroutine-recv-leak (through mayLeave: a send or receive whose select "can give up" only there).
//
//	func (w *Watcher) Watch(ctx context.Context) {
//		bg := context.Background()         // the caller's ctx was available
//		go func() {
//			for {
//				select {
//				case ev := <-w.events:
//					w.handle(ev)
//				case <-bg.Done():          // can never fire: Background is never cancelled
//					return
//				}
//			}
//		}()
//	}
//
// Never done: `context.Background()`, `context.TODO()`, `context.WithoutCancel(x)`, and
// `context.WithValue(x, k, v)` of such an x; a local declared with one of those and never
// assigned again; a parameter of a goroutine's func literal given one of those as its argument.
// Anything derived through WithCancel, WithTimeout, WithDeadline (or unknown code) may be done.
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { packageCallee } from "./calls.js";
import { contains, unparen } from "./syntax.js";

export interface DeadContext {
  /** How the case names the context: `bg`, `context.Background()`. */
  name: string;
  /** The `context.Background()` / `context.TODO()` / `context.WithoutCancel(...)` call it comes from. */
  origin: GoNode;
  /** The context.Context parameter of a function around the origin: the caller's context, at hand. */
  param: GoNode;
}

const ROOTS = ["Background", "TODO", "WithoutCancel"];
const MAX_DEPTH = 4;

/** `x` of a call `x.Done()` without arguments (parentheses stripped), or undefined. */
export function doneOperand(e: GoNode): GoNode | undefined {
  const call = unparen(e);
  const sel = call.type === "call_expression" ? unparen(call.childForFieldName("function")!) : null;
  if (sel?.type !== "selector_expression" || sel.childForFieldName("field")?.text !== "Done") return undefined;
  if ((call.childForFieldName("arguments")?.namedChildren.length ?? 0) !== 0) return undefined;
  return unparen(sel.childForFieldName("operand")!);
}

/** `x` of a select case `case <-x.Done():` (or `case v := <-x.Done():`), or undefined. */
export function doneCaseOperand(clause: GoNode): GoNode | undefined {
  const comm = clause.childForFieldName("communication");
  const right = comm?.type === "receive_statement" ? comm.childForFieldName("right") : comm?.type === "expression_statement" ? comm.namedChildren[0] : comm;
  const recv = right ? unparen(right) : null;
  if (recv?.type !== "unary_expression" || recv.childForFieldName("operator")?.type !== "<-") return undefined;
  return doneOperand(recv.childForFieldName("operand")!);
}

/** The case receives from `x.Done()` with x a context that is never cancelled (see above). */
export function deadContext(clause: GoNode, unit: Unit): DeadContext | undefined {
  const x = doneCaseOperand(clause);
  if (!x || !unit.file.source.includes("context")) return undefined;
  return uncancellable(x, unit);
}

/** The context expression `x` is never done, and a function around its origin had the caller's ctx (see above). */
export function uncancellable(x: GoNode, unit: Unit): DeadContext | undefined {
  const origin = neverDone(x, unit);
  if (!origin) return undefined;
  const param = contextParam(origin, unit);
  return param ? { name: x.text, origin, param } : undefined;
}

/** The context package function a call invokes ("WithValue"), if any. */
function contextCall(e: GoNode, unit: Unit): string | undefined {
  const c = e.type === "call_expression" ? packageCallee(e, unit, ["context"]) : undefined;
  return c && c.pkg === "context" ? c.name : undefined;
}

/** The root call (`context.Background()`, `context.TODO()`) an expression's context comes from, when it is never done. */
export function neverDone(expr: GoNode, unit: Unit): GoNode | undefined {
  return rootContext(expr, unit, 0);
}

/** The root call (`context.Background()`) an expression's context comes from, when it is never done. */
function rootContext(expr: GoNode, unit: Unit, depth: number): GoNode | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const x = unparen(expr);
  const name = contextCall(x, unit);
  if (name && ROOTS.includes(name)) return x;
  if (name === "WithValue") {
    const parent = x.childForFieldName("arguments")?.namedChildren.find((a) => !!a && a.type !== "comment");
    return parent ? rootContext(parent, unit, depth + 1) : undefined;
  }
  if (x.type !== "identifier") return undefined;
  const b = unit.bindings.resolve(x);
  if (!b || (b.kind !== "var" && b.kind !== "param")) return undefined;
  // Assigned again (`bg = ctx`, `bg, cancel = context.WithCancel(bg)`) or its address taken: it may be cancellable then.
  const assigned = b.uses.some((u) => {
    if (u.parent?.type === "unary_expression" && u.parent.childForFieldName("operator")?.type === "&") return true;
    const p = u.parent?.type === "expression_list" ? u.parent.parent : u.parent;
    return (p?.type === "assignment_statement" || p?.type === "short_var_declaration") && !!p.childForFieldName("left") && contains(p.childForFieldName("left")!, u);
  });
  if (assigned) return undefined;
  const value = b.kind === "var" ? declaredValue(b.decl, b.id) : goArgument(b.decl, b.id);
  return value ? rootContext(value, unit, depth + 1) : undefined;
}

/** The value a `x := v` / `var x = v` gives the identifier, one value per name. */
function declaredValue(d: GoNode, id: GoNode): GoNode | undefined {
  if (d.type !== "short_var_declaration" && d.type !== "var_spec") return undefined;
  const names = (d.type === "short_var_declaration" ? d.childForFieldName("left")?.namedChildren : d.childrenForFieldName("name"))?.filter((n) => n?.type === "identifier") ?? [];
  const values = d.childForFieldName(d.type === "short_var_declaration" ? "right" : "value")?.namedChildren.filter((n) => !!n && n.type !== "comment") ?? [];
  const i = names.findIndex((n) => n?.id === id.id);
  return i >= 0 && values.length === names.length ? (values[i] ?? undefined) : undefined;
}

//	go func(ctx context.Context) { ... }(context.Background())
/** The argument a goroutine's func literal receives for this parameter. */
function goArgument(decl: GoNode, id: GoNode): GoNode | undefined {
  const list = decl.parent;
  const lit = list?.parent;
  const call = lit?.parent;
  if (list?.type !== "parameter_list" || lit?.type !== "func_literal" || call?.type !== "call_expression" || call.parent?.type !== "go_statement") return undefined;
  const names: (GoNode | null)[] = [];
  for (const p of list.namedChildren) {
    if (p?.type === "variadic_parameter_declaration") return undefined;
    if (p?.type !== "parameter_declaration") continue;
    const ids = p.childrenForFieldName("name");
    names.push(...(ids.length > 0 ? ids : [null]));
  }
  const i = names.findIndex((n) => n?.id === id.id);
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => !!a && a.type !== "comment") ?? [];
  return i >= 0 && args.length === names.length ? (args[i] ?? undefined) : undefined;
}

/** A `context.Context` parameter of a function around `node` (the caller's context, at hand). */
function contextParam(node: GoNode, unit: Unit): GoNode | undefined {
  const ctxName = unit.file.importName("context");
  if (!ctxName) return undefined;
  for (let f: GoNode | null = node.parent; f; f = f.parent) {
    if (f.type !== "function_declaration" && f.type !== "method_declaration" && f.type !== "func_literal") continue;
    for (const p of f.childForFieldName("parameters")?.namedChildren ?? []) {
      const t = p?.type === "parameter_declaration" ? p.childForFieldName("type") : null;
      if (t?.type !== "qualified_type" || t.text.replace(/\s+/g, "") !== `${ctxName}.Context`) continue;
      const id = p!.childrenForFieldName("name").find((n) => n?.type === "identifier" && n.text !== "_");
      if (id) return id;
    }
  }
  return undefined;
}
