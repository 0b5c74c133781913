// Which expressions are WaitGroups, and when two expressions name the same one
// (waitgroup-add-in-goroutine, and goroutine-no-exit's Wait that a skipped Done never releases).
import type { GoNode, Unit } from "../../src/analyzer/types.js";
import { syncType } from "./locks.js";
import { unparen } from "./syntax.js";
import { localStruct, pointee, typeOf, unparenType } from "./types.js";

const WG_NAME = /^wg([A-Z0-9_]|$)|(wg|Wg|WG)$|[wW]ait[gG]roup/;

/**
 * Whether `x` in `x.Add(n)` is a sync.WaitGroup: by its declared type when the file shows it,
 * else by a WaitGroup-like name (`wg`, `s.wg`, `workersWG`, `waitGroup`).
 */
export function isWaitGroup(expr: GoNode, unit: Unit): boolean {
  const t = typeOf(expr, unit);
  if (t) {
    const v = t.addr ? t : pointee(t) ?? t;
    return syncType(v.node, unit.file) === "sync.WaitGroup" || embedsWaitGroup(v.node, unit);
  }
  const e = unparen(expr);
  const name = e.type === "selector_expression" ? e.childForFieldName("field")?.text : e.type === "identifier" ? e.text : undefined;
  return !!name && WG_NAME.test(name);
}

/**
 * A struct of the file that embeds a WaitGroup (`struct { sync.WaitGroup; ... }`, or `*sync.WaitGroup`),
 * so `x.Add` is the WaitGroup's, unless the file declares an `Add` method on the struct itself.
 */
function embedsWaitGroup(type: GoNode, unit: Unit): boolean {
  const struct = localStruct(type, unit.file);
  if (!struct) return false;
  const embedded = struct.descendantsOfType("field_declaration").some((f) => {
    if (!f || f.parent?.parent?.id !== struct.id || f.childForFieldName("name")) return false;
    const ft = f.childForFieldName("type");
    return !!ft && syncType(ft, unit.file) === "sync.WaitGroup";
  });
  if (!embedded) return false;
  let t = unparenType(type);
  if (t.type === "generic_type") t = t.childForFieldName("type") ?? t;
  return !declaresMethod(unit, t.text, "Add");
}

/** The file declares method `name` on type `typeName` (value or pointer receiver). */
function declaresMethod(unit: Unit, typeName: string, name: string): boolean {
  return unit.file.wholeRoot().namedChildren.some((d) => {
    if (d?.type !== "method_declaration" || d.childForFieldName("name")?.text !== name) return false;
    const recv = d.childForFieldName("receiver")?.namedChildren.find((p) => p?.type === "parameter_declaration");
    const rt = recv?.childForFieldName("type");
    return !!rt && rt.descendantsOfType("type_identifier").concat(rt.type === "type_identifier" ? [rt] : []).some((id) => id?.text === typeName);
  });
}

/** The identifier an expression like `wg`, `s.wg`, `s.pool.wg` starts from. */
export function rootIdentifier(expr: GoNode): GoNode | undefined {
  let e = unparen(expr);
  while (e.type === "selector_expression") e = unparen(e.childForFieldName("operand")!);
  return e.type === "identifier" ? e : undefined;
}

/** Two expressions that name the same variable: same text, and the same binding at the root. */
export function sameVariable(a: GoNode, b: GoNode, unit: Unit): boolean {
  if (unparen(a).text.replace(/\s+/g, "") !== unparen(b).text.replace(/\s+/g, "")) return false;
  const ra = rootIdentifier(a);
  const rb = rootIdentifier(b);
  if (!ra || !rb) return false;
  return unit.bindings.resolve(ra)?.id.id === unit.bindings.resolve(rb)?.id.id;
}
