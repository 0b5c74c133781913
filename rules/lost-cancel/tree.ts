// Syntax only this rule asks for (so it lives in its folder, not in rules/facts/).
import type { GoNode } from "../../src/analyzer/types.js";

/** Ancestors from the parent up to (and including) `stop`. */
export function ancestors(node: GoNode, stop?: GoNode): GoNode[] {
  const out: GoNode[] = [];
  for (let p = node.parent; p; p = p.parent) {
    out.push(p);
    if (stop && p.id === stop.id) break;
  }
  return out;
}
