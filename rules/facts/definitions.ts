// Definitions: what a local name holds. Its declaration and every later `=` to it, in source
// order; the one that reaches a point; whether a use writes it.
import type { Binding, GoNode, Unit } from "../../src/analyzer/types.js";
import { listOf, operatorOf } from "./syntax.js";

export interface Def {
  /** The assigned expression; null for parameters, range variables and the like. */
  value: GoNode | null;
  /** The declaring or assigning statement. */
  stmt: GoNode;
  /** `a, b := f()`: the value is one result of a multi-value expression. */
  multi: boolean;
}

/** Every definition of a local, in source order (memoised per unit). */
export function definitions(b: Binding, unit: Unit): Def[] {
  const cache = unit.memo("memory:defs", () => new Map<Binding, Def[]>());
  let defs = cache.get(b);
  if (!defs) cache.set(b, (defs = definitionsOf(b)));
  return defs;
}

/** Every definition of a local, in source order. */
export function definitionsOf(b: Binding): Def[] {
  const defs: Def[] = [];
  const decl = b.decl;
  if (decl.type === "short_var_declaration" || decl.type === "var_spec") {
    const left = decl.type === "var_spec" ? decl.childrenForFieldName("name").filter((n): n is GoNode => !!n && n.type === "identifier") : listOf(decl.childForFieldName("left"));
    const right = listOf(decl.childForFieldName(decl.type === "var_spec" ? "value" : "right"));
    defs.push(aligned(left, right, b.id, decl));
  } else defs.push({ value: null, stmt: decl, multi: false });
  for (const u of b.uses) {
    const list = u.parent;
    const stmt = list?.parent;
    if (list?.type !== "expression_list" || stmt?.type !== "assignment_statement" || operatorOf(stmt) !== "=") continue;
    if (stmt.childForFieldName("left")?.id !== list.id) continue;
    defs.push(aligned(listOf(list), listOf(stmt.childForFieldName("right")), u, stmt));
  }
  return defs.sort((x, y) => x.stmt.startIndex - y.stmt.startIndex);
}

function aligned(left: GoNode[], right: GoNode[], target: GoNode, stmt: GoNode): Def {
  const i = left.findIndex((l) => l.id === target.id);
  if (right.length === left.length) return { value: right[i] ?? null, stmt, multi: false };
  if (right.length === 1 && i === 0) return { value: right[0]!, stmt, multi: true };
  return { value: null, stmt, multi: true };
}

/** The last definition of a local that ends before `at`. */
export function defBefore(b: Binding, at: number, unit: Unit): Def | undefined {
  const defs = definitions(b, unit).filter((d) => d.stmt.endIndex <= at || (d.value === null && d.stmt.startIndex <= at));
  return defs[defs.length - 1];
}

/** True when a use of a variable writes it: `v = ...`, `v++`, `v += ...`, `&v`. */
export function isWrite(use: GoNode): boolean {
  let n: GoNode = use;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "inc_statement" || p.type === "dec_statement") return true;
  if (p.type === "unary_expression" && p.childForFieldName("operator")?.type === "&") return true;
  if (p.type === "expression_list" && p.parent?.type === "assignment_statement") return p.parent.childForFieldName("left")?.id === p.id;
  return false;
}
