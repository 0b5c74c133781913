// Valid Go the parser alone would get wrong (issue 9, "Syntax the grammar does not know"):
// Go 1.26's new(expr), which tree-sitter-go's grammar does not know, and a valid UTF-8 file that
// contains U+FFFD. Neither may cost findings or print a wrong note; a file that really is not
// UTF-8 is still skipped.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import { loadGo, NEW_EXPR_CALLEE, parseGo } from "../src/analyzer/parser.js";
import { decodeUtf8 } from "../src/analyzer/source.js";
import { ROOT } from "../src/analyzer/testing.js";
import type { Rule } from "../src/analyzer/types.js";
import lostCancel from "../rules/lost-cancel/index.js";

const fixture = (p: string) => readFileSync(path.join(ROOT, "fixtures/cli", p));
const BIN = path.join(ROOT, "bin/ptrguard.js");
const ptrguard = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("Go 1.26 new(expr)", () => {
  it("parses without an error: each new(expr) is a call, new(T) stays the builtin", async () => {
    await loadGo();
    const src = "package p\n\nfunc f(n int) (*int, *uint64, *T) {\n\treturn new(n + 1), new(uint64(10)), new(T)\n}\n\ntype T struct{}\n";
    const tree = parseGo(src);
    try {
      expect(tree.rootNode.hasError).toBe(false);
      const callees = tree.rootNode.descendantsOfType("call_expression").map((c) => `${c!.childForFieldName("function")!.text}(${c!.childForFieldName("arguments")!.namedChildren.map((a) => a!.type).join(",")})`);
      expect(callees).toEqual([`${NEW_EXPR_CALLEE}(binary_expression)`, `${NEW_EXPR_CALLEE}(call_expression)`, "uint64(int_literal)", "new(type_identifier)"]);
    } finally {
      tree.delete();
    }
  });

  it("a valid file: no syntax-error note, and its finding is reported (CLI, exit 1)", () => {
    const r = ptrguard(["check", "--format", "json", "fixtures/cli/go126/limits.go"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { rule: string; line: number }) => `${f.rule}:${f.line}`)).toEqual(["lost-cancel:18"]);
  });

  it("messages and fixes that quote the call read `new`, not the parser's stand-in", async () => {
    const quote: Rule = {
      meta: { ...lostCancel.meta, id: "quote", fixable: true, messages: { call: "calls {{code}}" } },
      kinds: ["func"],
      check: (c) => {
        for (const call of c.unit.node.descendantsOfType("call_expression")) {
          const fn = call!.childForFieldName("function")!;
          // new(f(x)) is reported; the fix makes it new(f(x) + 0), which is not.
          const arg = call!.childForFieldName("arguments")!.namedChildren[0]!;
          if (fn.text !== NEW_EXPR_CALLEE || arg.type !== "call_expression") continue;
          const span = { start: call!.startIndex, end: call!.endIndex };
          const fix = { description: "add zero", edits: [{ ...span, text: `${fn.text}(${arg.text} + 0)` }] };
          c.report({ span, messageId: "call", data: { code: call!.text }, related: [{ ...span, message: `${call!.text} here` }], fix });
        }
      },
    };
    const content = "package p\n\nfunc f() *uint64 {\n\treturn new(uint64(10))\n}\n";
    const r = await analyze([{ path: "p.go", content }], { rules: [quote] });
    expect(r.notes).toEqual([]);
    expect(r.findings.map((f) => [f.message, f.related[0]!.message, f.fix?.edits[0]!.newText])).toEqual([["calls new(uint64(10))", "new(uint64(10)) here", "new(uint64(10) + 0)"]]);
  });

  it("a real syntax error next to new(expr) is still noted, and the rest still analysed", async () => {
    const content = readFileSync(path.join(ROOT, "fixtures/cli/go126/limits.go"), "utf8") + "\nfunc Broken( {\n";
    const r = await analyze([{ path: "limits.go", content }], { rules: [lostCancel] });
    expect(r.findings.map((f) => f.line)).toEqual([18]);
    expect(r.notes).toEqual([{ path: "limits.go", reason: "syntax error near line 28; the declarations that parsed were analysed" }]);
  });
});

describe("a package's own func new", () => {
  // nomad's command/agent/monitor declares `func new(buf int, ...)` and its test calls
  // `new(5, logger, &opts)`: the grammar reads each `new(` as the builtin, whose first argument
  // is a type, so `new(5, ...)` was an error and `new(n, ...)` hid the use of `n`.
  const decl = "package monitor\n\nimport \"context\"\n\ntype monitor struct{ stop func() }\n\nfunc new(stop func(), buf int, name string) *monitor {\n\treturn &monitor{stop: stop}\n}\n\nfunc New(buf int) *monitor {\n\t_, cancel := context.WithCancel(context.Background())\n\treturn new(cancel, buf, \"m\")\n}\n";
  const test = "package monitor\n\nimport (\n\t\"context\"\n\t\"testing\"\n)\n\nfunc TestDropped(t *testing.T) {\n\t_, cancel := context.WithCancel(context.Background())\n\tm := new(cancel, 5, \"x\")\n\tm.stop()\n\tvar n int\n\t_ = new(n)\n}\n";

  it("the declaration and each call with several arguments read as one function, its arguments as expressions", async () => {
    await loadGo();
    for (const [src, want] of [
      [decl, [`${NEW_EXPR_CALLEE}(identifier,identifier,interpreted_string_literal)`]],
      // The file does not declare new: a one-argument call stays the builtin's shape.
      [test, [`${NEW_EXPR_CALLEE}(identifier,int_literal,interpreted_string_literal)`, "new(type_identifier)"]],
    ] as const) {
      const tree = parseGo(src);
      try {
        expect(tree.rootNode.hasError).toBe(false);
        const calls = tree.rootNode.descendantsOfType("call_expression").filter((c) => /^n.w$/.test(c!.childForFieldName("function")!.text));
        expect(calls.map((c) => `${c!.childForFieldName("function")!.text}(${c!.childForFieldName("arguments")!.namedChildren.map((a) => a!.type).join(",")})`)).toEqual(want);
        const names = tree.rootNode.descendantsOfType("function_declaration").map((d) => d!.childForFieldName("name")!.text);
        if (src === decl) expect(names).toEqual([NEW_EXPR_CALLEE, "New"]);
      } finally {
        tree.delete();
      }
    }
  });

  it("in a file that declares func new, a one-argument call is its too; a method named new is left alone", async () => {
    await loadGo();
    const src = "package p\n\ntype T struct{}\n\nfunc new(n int) *T { return nil }\n\nfunc (t *T) new(a, b int) {}\n\nfunc f(n int, t *T) {\n\t_ = new(n)\n\tt.new(1, 2)\n}\n";
    const tree = parseGo(src);
    try {
      expect(tree.rootNode.hasError).toBe(false);
      const calls = tree.rootNode.descendantsOfType("call_expression").map((c) => `${c!.childForFieldName("function")!.text}(${c!.childForFieldName("arguments")!.namedChildren.map((a) => a!.type).join(",")})`);
      expect(calls).toEqual([`${NEW_EXPR_CALLEE}(identifier)`, "t.new(int_literal,int_literal)"]);
      expect(tree.rootNode.descendantsOfType("method_declaration").map((d) => d!.childForFieldName("name")!.text)).toEqual(["new"]);
    } finally {
      tree.delete();
    }
  });

  it("engine: no note, and a cancel handed to it as the first argument is not lost", async () => {
    const r = await analyze([{ path: "m/monitor.go", content: decl }, { path: "m/monitor_test.go", content: test }], { rules: [lostCancel] });
    expect(r.notes).toEqual([]);
    expect(r.findings).toEqual([]);
  });
});

describe("UTF-8", () => {
  it("decodes strictly: U+FFFD itself is valid, a Latin-1 byte is not", () => {
    expect(decodeUtf8(Buffer.from("x := \"\uFFFD\"", "utf8"))).toBe("x := \"\uFFFD\"");
    expect(decodeUtf8(fixture("latin1/latin1.go"))).toBeUndefined();
    expect(decodeUtf8(Buffer.from("\uFEFFpackage p\n", "utf8"))).toBe("\uFEFFpackage p\n");
  });

  it("a valid file containing U+FFFD is analysed (engine)", async () => {
    const content = decodeUtf8(fixture("go126/replacement.go"))!;
    expect(content).toContain("\uFFFD");
    const r = await analyze([{ path: "replacement.go", content }], { rules: [lostCancel] });
    expect(r.skipped).toEqual([]);
    expect(r.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(["lost-cancel:10"]);
  });

  it("the CLI analyses the U+FFFD file and skips the Latin-1 one by name", () => {
    const r = ptrguard(["check", "--format", "json", "fixtures/cli/go126/replacement.go", "fixtures/cli/latin1"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { path: string; line: number }) => `${f.path}:${f.line}`)).toEqual(["fixtures/cli/go126/replacement.go:10"]);
    expect(r.stderr).toBe("ptrguard: skipped fixtures/cli/latin1/latin1.go: binary or not UTF-8\n");
  });
});

describe("UTF-8 in the App's blobs", () => {
  it("text whose UTF-8 length differs from the blob's size had bytes replaced: skipped as binary; a blob holding U+FFFD itself is text", async () => {
    const { readBlobs } = await import("../src/github/blobs.js");
    const octokit = {
      graphql: async () => ({
        repository: {
          f0: { text: "a\uFFFD", isBinary: false, isTruncated: false, byteSize: 4 },
          f1: { text: "a\uFFFD", isBinary: false, isTruncated: false, byteSize: 2 },
        },
      }),
    } as unknown as Parameters<typeof readBlobs>[0];
    const { blobs } = await readBlobs(octokit, { owner: "o", repo: "r" }, [{ ref: "h", path: "ok.go" }, { ref: "h", path: "latin1.go" }]);
    expect(blobs).toEqual([{ kind: "text", text: "a\uFFFD" }, { kind: "binary" }]);
  });
});
