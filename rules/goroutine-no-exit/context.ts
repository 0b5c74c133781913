// goroutine-no-exit, issue 10 shape 7: a select case on the Done channel of a context nobody can
// cancel, written in a function that had the caller's context at hand.
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
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { packageCallee } from "../facts/calls.js";
import { contains, unparen } from "../facts/syntax.js";

export interface DeadContext {
  /** How the case names the context: `bg`, `context.Background()`. */
  name: string;
  /** The `context.Background()` / `context.TODO()` call. */
  origin: GoNode;
  /** The context.Context parameter of an enclosing function that could have been used. */
  param: GoNode;
}

const ROOTS = ["Background", "TODO"];

/** The case receives from `x.Done()` with x a context that is never cancelled (see above). */
export function deadContext(clause: GoNode, unit: Unit): DeadContext | undefined {
  const comm = clause.childForFieldName("communication");
  const right = comm?.type === "receive_statement" ? comm.childForFieldName("right") : null;
  const recv = right ? unparen(right) : null;
  if (recv?.type !== "unary_expression" || recv.childForFieldName("operator")?.type !== "<-") return undefined;
  const call = unparen(recv.childForFieldName("operand")!);
  const sel = call.type === "call_expression" ? unparen(call.childForFieldName("function")!) : null;
  if (sel?.type !== "selector_expression" || sel.childForFieldName("field")?.text !== "Done") return undefined;
  if ((call.childForFieldName("arguments")?.namedChildren.length ?? 0) !== 0) return undefined;
  const x = unparen(sel.childForFieldName("operand")!);
  const origin = rootContext(x, unit);
  if (!origin) return undefined;
  const param = contextParam(origin, unit);
  return param ? { name: x.text, origin, param } : undefined;
}

function isRoot(e: GoNode, unit: Unit): boolean {
  const c = e.type === "call_expression" ? packageCallee(e, unit, ["context"]) : undefined;
  return !!c && c.pkg === "context" && ROOTS.includes(c.name);
}

/** `context.Background()` itself, or a local declared with it and never assigned again. */
function rootContext(x: GoNode, unit: Unit): GoNode | undefined {
  if (isRoot(x, unit)) return x;
  if (x.type !== "identifier") return undefined;
  const b = unit.bindings.resolve(x);
  if (!b || b.kind !== "var") return undefined;
  const d = b.decl;
  const names = (d.type === "short_var_declaration" ? d.childForFieldName("left") : d)?.namedChildren.filter((n) => n?.type === "identifier") ?? [];
  const values = d.childForFieldName(d.type === "short_var_declaration" ? "right" : "value")?.namedChildren.filter((n) => !!n && n.type !== "comment") ?? [];
  const i = names.findIndex((n) => n?.id === b.id.id);
  const value = i >= 0 && values.length === names.length ? values[i] : undefined;
  if (!value || !isRoot(unparen(value), unit)) return undefined;
  // Assigned again (`bg = ctx`, `bg, cancel = context.WithCancel(bg)`): it may be cancellable then.
  const assigned = b.uses.some((u) => {
    const p = u.parent?.type === "expression_list" ? u.parent.parent : u.parent;
    return p?.type === "assignment_statement" && !!p.childForFieldName("left") && contains(p.childForFieldName("left")!, u);
  });
  return assigned ? undefined : unparen(value);
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
