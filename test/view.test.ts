// What rules see of the engine: only src/analyzer/types.ts, and the per-file view's helpers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import type { Rule } from "../src/analyzer/types.js";
import lostCancel from "../rules/lost-cancel/index.js";
import { ROOT } from "../src/analyzer/testing.js";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? tsFiles(full) : n.endsWith(".ts") ? [full] : [];
  });
}

describe("rules and the engine", () => {
  it("rules import nothing of src/analyzer but its types", () => {
    const offending = tsFiles(path.join(ROOT, "rules")).flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/from\s+"([^"]*src\/analyzer\/[^"]*)"/g)]
        .map((m) => m[1]!)
        .filter((p) => !p.endsWith("/types.js"))
        .map((p) => `${path.relative(ROOT, f)}: ${p}`),
    );
    expect(offending).toEqual([]);
  });
});

describe("the file view", () => {
  const seen: string[] = [];
  const probe: Rule = {
    meta: { ...lostCancel.meta, id: "probe" },
    kinds: ["func"],
    check: ({ unit, file }) => {
      const lit = unit.nodes("func_literal")[0]!;
      const inLit = file.bindingsOf(lit).all.map((b) => b.name);
      seen.push(
        `${file.goAtLeast("1.21")} ${file.goAtLeast("1.22")} ${file.goAtLeast("1.22", "module")} ` +
          `${inLit.join(",")} same=${file.bindingsOf(unit.node) === file.bindingsOf(unit.node)} ` +
          `calls=${unit.nodes("call_expression").length} own=${unit.nodesInFunction("call_expression").length}`,
      );
    },
  };
  const src = `//go:build go1.21\n\npackage p\n\nfunc f(n int) {\n\tg := func(x int) { println(x) }\n\tg(n)\n}\n`;

  it("goAtLeast reads the build constraint or the module; bindingsOf resolves any function once", async () => {
    await analyze([{ path: "p.go", content: src, goMod: "module m\n\ngo 1.20\n" }], { rules: [probe] });
    await analyze([{ path: "p.go", content: src.replace("//go:build go1.21\n\n", "") }], { rules: [probe] });
    expect(seen).toEqual([
      "true false false x same=true calls=2 own=1",
      "null null null x same=true calls=2 own=1",
    ]);
  });
});
