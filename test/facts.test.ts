// rules/facts/ holds what rules share, grouped by analysis; what only one rule asks lives in that
// rule's folder. The definition of "uses" is in test/helpers/facts-usage.ts: a rule folder uses a
// facts export when one of its files refers to it, or refers to facts code that refers to it
// (followed through any facts module), references resolved by the TypeScript checker.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { factsUsage, type FactsExport } from "./helpers/facts-usage.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const usage: FactsExport[] = factsUsage(root);

describe("rules/facts exports", () => {
  it("finds the shared facts it checks", () => {
    // The checker must see the modules: a broken resolution would make every count 0 or the list empty.
    const keys = usage.map((e) => e.key);
    expect(keys).toEqual(expect.arrayContaining(["syntax.ts:unparen", "calls.ts:packageCallee", "cfg.ts:cfgOf", "definitions.ts:definitions", "types.ts:fieldType"]));
    expect(usage.find((e) => e.key === "syntax.ts:spanOf")!.direct.length).toBeGreaterThanOrEqual(10);
  });

  it("serve at least two rules each", () => {
    const lonely = usage.filter((e) => e.rules.length < 2).map((e) => `${e.key} (used by: ${e.rules.join(", ") || "no rule"})`);
    expect(lonely).toEqual([]);
  });

  it("are imported somewhere outside their own module (types of exported signatures aside)", () => {
    // A function or constant that nothing imports should not be exported.
    const types = /^[A-Z][a-z]/; // interfaces and type aliases are spelled TitleCase here
    const unused = usage.filter((e) => e.direct.length === 0 && e.factsImporters.length === 0 && !types.test(e.name)).map((e) => e.key);
    expect(unused).toEqual([]);
  });

  it("name each helper once", () => {
    const byName = new Map<string, string[]>();
    for (const e of usage) byName.set(e.name, [...(byName.get(e.name) ?? []), e.module]);
    expect([...byName].filter(([, mods]) => mods.length > 1)).toEqual([]);
  });
});
