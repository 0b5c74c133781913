// The per-unit node index answers exactly what a walk of the syntax tree would, from one walk.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { INDEXED_TYPES, indexStats, NodeIndex } from "../src/analyzer/nodeindex.js";
import { loadGo, parseGo } from "../src/analyzer/parser.js";
import type { GoNode } from "../src/analyzer/types.js";
import { listUnits } from "../src/analyzer/units.js";
import { descendantsInFunction } from "../rules/facts/syntax.js";
import { goFilesIn, ROOT } from "../src/analyzer/testing.js";

beforeAll(async () => {
  await loadGo();
});

const ids = (ns: (GoNode | null)[]) => ns.map((n) => `${n!.type}@${n!.startIndex}-${n!.endIndex}`).join(" ");

const QUERIES: string[][] = [
  ["call_expression"],
  ["func_literal"],
  ["go_statement", "defer_statement"],
  ["assignment_statement", "short_var_declaration", "var_spec", "keyed_element", "literal_value", "call_expression"],
  ["return_statement", "goto_statement", "expression_statement"],
  ["identifier"],
  ["identifier", "selector_expression"],
];

describe("NodeIndex", () => {
  // Every rule fixture: a few hundred functions of every shape the rules look at.
  const files = goFilesIn(path.join(ROOT, "fixtures/rules"));

  it("gives what descendantsOfType gives, over a unit and under any node of it, in source order", () => {
    let checked = 0;
    const wrong: string[] = [];
    const same = (what: string, got: string, want: string) => {
      checked++;
      if (got !== want && wrong.length < 5) wrong.push(`${what}:\n got  ${got}\n want ${want}`);
    };
    for (const file of files) {
      const tree = parseGo(readFileSync(file, "utf8"));
      for (const u of listUnits(tree.rootNode)) {
        if (!u.body) continue;
        const index = new NodeIndex(u.node);
        // Sub-roots: every statement, call and literal of the unit (same-span parents included).
        const roots = [u.node, ...u.node.descendantsOfType(["expression_statement", "call_expression", "func_literal", "block", "for_statement"])];
        for (const q of QUERIES) {
          same(`${u.name} ${q}`, ids(index.nodes(q)), ids(u.node.descendantsOfType(q)));
          for (const r of roots) same(`${u.name} ${q} under ${r!.type}@${r!.startIndex}`, ids(index.nodes(q, r!)), ids(r!.descendantsOfType(q)));
        }
        for (const fn of [u.node, ...u.node.descendantsOfType("func_literal")]) {
          for (const q of [["call_expression"], ["return_statement", "break_statement", "func_literal"], ["identifier"]]) {
            same(`${u.name} ${q} in ${fn!.type}@${fn!.startIndex}`, ids(index.nodesInFunction(q, fn!)), ids(descendantsInFunction(fn!, q)));
          }
        }
      }
      tree.delete();
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  }, 120_000);

  it("walks each unit once, however many queries of indexed types it answers", () => {
    const tree = parseGo("package p\nfunc f() { go func() { defer g(); h() }(); for i := range xs { _ = &i } }\n");
    const unit = listUnits(tree.rootNode)[0]!;
    const before = indexStats.walks;
    const index = new NodeIndex(unit.node);
    for (let i = 0; i < 3; i++) for (const t of INDEXED_TYPES) index.nodes(t);
    expect(ids(index.nodes(["go_statement", "defer_statement"]))).toEqual(ids(unit.node.descendantsOfType(["go_statement", "defer_statement"])));
    expect(indexStats.walks - before).toBe(1);
    tree.delete();
  });
});
