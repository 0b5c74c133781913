// Run-time fix verification (src/analyzer/verify.ts): a suggestion is offered only when the fixed
// function re-parses without errors and the rule no longer fires on it there.
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import type { Rule, RuleContext } from "../src/analyzer/types.js";
import { mapIndex } from "../src/analyzer/verify.js";

/** Flags every `bad` identifier in a function body; its fix replaces it with `replacement`. */
function badRule(replacement: string): Rule {
  return {
    meta: {
      id: "bad-name",
      title: "t",
      severity: "error",
      fixable: true,
      summary: "s",
      why: "w",
      docs: "d",
      messages: { bad: "{{name}} is bad" },
    },
    kinds: ["func"],
    check(ctx: RuleContext) {
      for (const id of ctx.unit.node.descendantsOfType("identifier")) {
        if (id?.text !== "bad") continue;
        ctx.report({
          span: { start: id.startIndex, end: id.endIndex },
          messageId: "bad",
          data: { name: id.text },
          fix: { description: `rename bad to ${replacement}`, edits: [{ start: id.startIndex, end: id.endIndex, text: replacement }] },
        });
      }
    },
  };
}

const SRC = "package p\n\nfunc f() int {\n\tbad := 1\n\treturn bad\n}\n";

describe("fix verification", () => {
  it("offers a fix after which the rule is silent at the finding", async () => {
    const r = await analyze([{ path: "p.go", content: SRC }], { rules: [badRule("good")] });
    expect(r.findings.map((f) => [f.line, f.message, f.fix?.suggestion.replacement])).toEqual([
      [4, "bad is bad", "\tgood := 1"],
      [5, "bad is bad", "\treturn good"],
    ]);
  });

  it("drops a fix after which the rule still fires there, and keeps the finding", async () => {
    const r = await analyze([{ path: "p.go", content: SRC }], { rules: [badRule("bad /* still */")] });
    expect(r.findings.map((f) => [f.line, f.fix])).toEqual([
      [4, undefined],
      [5, undefined],
    ]);
  });

  it("drops a fix whose function no longer parses", async () => {
    const r = await analyze([{ path: "p.go", content: SRC }], { rules: [badRule("good {")] });
    expect(r.findings.map((f) => f.fix)).toEqual([undefined, undefined]);
  });

  it("drops a fix when the rule throws on the fixed code", async () => {
    const rule = badRule("good");
    const check = rule.check;
    let calls = 0;
    rule.check = (ctx) => {
      if (calls++ > 0) throw new Error("boom");
      check(ctx);
    };
    const r = await analyze([{ path: "p.go", content: SRC }], { rules: [rule] });
    expect(r.findings.map((f) => [f.line, f.fix])).toEqual([
      [4, undefined],
      [5, undefined],
    ]);
    expect(r.notes).toEqual([]);
  });

  it("maps indices through the edits", () => {
    const edits = [{ start: 2, end: 4, text: "XYZ" }, { start: 6, end: 6, text: "++" }];
    expect([0, 2, 3, 4, 6, 7].map((i) => mapIndex(edits, i, "start"))).toEqual([0, 2, 2, 5, 7, 10]);
    expect(mapIndex(edits, 3, "end")).toBe(5);
  });
});

describe("messages by id", () => {
  it("renders the template with the data, and a rule that names no message fails loudly", async () => {
    const rule = badRule("good");
    const r = await analyze([{ path: "p.go", content: SRC }], { rules: [{ ...rule, meta: { ...rule.meta, messages: {} } }] });
    expect(r.findings).toEqual([]);
    expect(r.notes).toEqual([{ path: "p.go", reason: 'rule bad-name failed on f (rule bad-name has no message "bad"); its findings there are missing' }]);
  });
});

describe("fix verification in a file with a syntax error elsewhere", () => {
  it("still offers the fix: only the declarations the fix touches must parse", async () => {
    const src = "package p\n\nfunc broken() {\n\tif x {\n}\n\nfunc f() int {\n\tbad := 1\n\treturn bad\n}\n";
    const r = await analyze([{ path: "p.go", content: src }], { rules: [badRule("good")] });
    expect(r.findings.map((f) => [f.line, f.fix?.suggestion.replacement])).toEqual([
      [8, "\tgood := 1"],
      [9, "\treturn good"],
    ]);
  });
});
