// `t.C` of a ticker or timer (only this rule asks).
import type { GoNode, Unit } from "../../src/analyzer/types.js";

/** `t.C` where t is the given identifier's binding: the ticker's or timer's channel. */
export function isChannelOf(expr: GoNode, unit: Unit, id: GoNode): boolean {
  if (expr.type !== "selector_expression" || expr.childForFieldName("field")?.text !== "C") return false;
  const op = expr.childForFieldName("operand");
  return op?.type === "identifier" && unit.bindings.resolve(op) === unit.bindings.declaredBy(id);
}
