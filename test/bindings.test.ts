// Local name resolution: which declaration each identifier refers to.
import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BINDING_TYPES, resolveBindings, resolveFlat } from "../src/analyzer/bindings.js";
import type { Binding, Bindings, GoNode } from "../src/analyzer/types.js";
import { ROOT } from "../src/analyzer/testing.js";
import { loadGo, parseGo } from "../src/analyzer/parser.js";

beforeAll(async () => {
  await loadGo();
});

/** For each use of `name`, the line of the declaration it resolves to (or null). */
function resolveAll(src: string, name: string): (number | null)[] {
  const tree = parseGo(src);
  const fn = tree.rootNode.namedChildren.find((n) => n?.type === "function_declaration")!;
  const b = resolveBindings(fn);
  const out = fn
    .descendantsOfType("identifier")
    .filter((id) => id!.text === name && !b.declaredBy(id!))
    .map((id) => {
      const d = b.resolve(id!);
      return d ? d.id.startPosition.row + 1 : null;
    });
  tree.delete();
  return out;
}

describe("resolveBindings", () => {
  it("follows block scoping, := redeclaration and shadowing", () => {
    const src = `package p
func f(x int) int {
	if x := x + 1; x > 0 {
		return x
	}
	y, x := 1, 2
	{
		x := 3
		_ = x
	}
	return x + y
}
`;
    // uses of x: line 3 (rhs: the parameter), line 3 (cond: the if's x), line 4, line 6 (:= reuses the
    // parameter, declared in the same scope), line 9 (the inner x), line 11 (the parameter)
    expect(resolveAll(src, "x")).toEqual([2, 3, 3, 2, 8, 2]);
  });

  it("closures see the enclosing function's locals; range and type-switch variables are scoped", () => {
    const src = `package p
func f(items []any) {
	for i, it := range items {
		go func() {
			_ = it
		}()
		switch v := it.(type) {
		case int:
			_ = v + i
		}
	}
	_ = items
}
`;
    expect(resolveAll(src, "it")).toEqual([3, 3]);
    expect(resolveAll(src, "v")).toEqual([7]);
    expect(resolveAll(src, "items")).toEqual([2, 2]);
  });

  it("leaves package names, fields and unknown names unresolved", () => {
    const src = `package p
func f(s S) {
	fmt.Println(s.fmt, other)
}
`;
    expect(resolveAll(src, "fmt")).toEqual([null]);
    expect(resolveAll(src, "other")).toEqual([null]);
  });

  it("gives the same answers from the unit's flat list (resolveFlat) as from the walk, on every fixture function", () => {
    const files = readdirSync(path.join(ROOT, "fixtures"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".go") || f.endsWith(".golden"));
    const key = (b: Binding | undefined) => (b ? `${b.name}@${b.id.id}/${b.kind}/${b.decl.id}/${b.type?.id ?? "-"}` : "none");
    const dump = (b: Bindings) => b.all.map((x) => `${key(x)}:${x.uses.map((u) => u.id).join(",")}`);
    let fns = 0;
    for (const f of files) {
      const tree = parseGo(readFileSync(path.join(ROOT, "fixtures", f), "utf8"));
      for (const fn of tree.rootNode.namedChildren) {
        if (fn?.type !== "function_declaration" && fn?.type !== "method_declaration") continue;
        const walked = resolveBindings(fn);
        const flat = resolveFlat(fn, fn.descendantsOfType([...BINDING_TYPES]).filter((n): n is GoNode => !!n));
        expect(flat, `${f}:${fn.startPosition.row + 1}`).toBeDefined();
        expect(dump(flat!), `${f}:${fn.startPosition.row + 1}`).toEqual(dump(walked));
        const differ = fn.descendantsOfType("identifier").filter((id) => key(flat!.resolve(id!)) !== key(walked.resolve(id!)) || key(flat!.declaredBy(id!)) !== key(walked.declaredBy(id!)));
        expect(differ.map((id) => `${f}:${id!.startPosition.row + 1} ${id!.text}`)).toEqual([]);
        fns++;
      }
      tree.delete();
    }
    expect(fns).toBeGreaterThan(500);
  }, 120_000);
});
