// The engine: touched units, scopes, directives, skipped files, Go versions, fixes, broken Go.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, engineStats, MAX_FILE_BYTES, tooLargeReason, type SourceFile } from "../src/analyzer/engine.js";
import { applyEdits, OverlappingEditsError } from "../src/analyzer/fixes.js";
import { buildConstraintVersion, goModVersion } from "../src/analyzer/gofile.js";
import { funcLines, movesIn } from "../src/analyzer/moves.js";
import type { Rule } from "../src/analyzer/types.js";
import { parsePatch, parseUnifiedDiff } from "../src/diff/diff.js";
import { localPatch } from "../src/review/files.js";
import lostCancel from "../rules/lost-cancel/index.js";
import { ROOT } from "../src/analyzer/testing.js";

const scoping = path.join(ROOT, "fixtures/diffs/scoping");
const read = (p: string) => readFileSync(path.join(scoping, p), "utf8");
const rules = [lostCancel];

const LEAK = (name: string, extra = "") => `package p

import "context"

func use(ctx context.Context) error { return ctx.Err() }

// ${name} leaks.${extra}
func ${name}(parent context.Context) error {
	ctx, _ := context.WithCancel(parent)
	return use(ctx)
}
`;

async function lines(files: SourceFile[], scope?: "new" | "added" | "function" | "file") {
  const r = await analyze(files, { rules, ...(scope ? { scope } : {}) });
  return r.findings.map((f) => `${f.path}:${f.line}:${f.unit}`);
}

describe("scopes on the scoping fixture", () => {
  const [diff] = parseUnifiedDiff(read("change.diff"));
  const file: SourceFile = { path: "service.go", content: read("head/service.go"), diff: diff! };

  it("new: only what the pull request introduced (a deleted defer, a new function)", async () => {
    expect(await lines([file], "new")).toEqual(["service.go:31:deletesDefer", "service.go:47:added"]);
  });
  it("added: findings on added lines or with an added related line", async () => {
    expect(await lines([file], "added")).toEqual(["service.go:31:deletesDefer", "service.go:47:added"]);
  });
  it("function: every finding in touched functions, old bugs included", async () => {
    expect(await lines([file], "function")).toEqual(["service.go:21:oldBug", "service.go:31:deletesDefer", "service.go:47:added"]);
  });
  it("file: every finding in the changed file", async () => {
    expect(await lines([file], "file")).toEqual([
      "service.go:15:untouched",
      "service.go:21:oldBug",
      "service.go:31:deletesDefer",
      "service.go:41:docOnly",
      "service.go:47:added",
    ]);
  });
  it("no diff: every unit is touched", async () => {
    expect(await lines([{ path: "service.go", content: read("head/service.go") }])).toHaveLength(5);
  });
  it("GitHub's per-file patch gives the same answer as the whole diff", async () => {
    const patch = read("change.diff").split("\n").slice(4).join("\n");
    const f: SourceFile = { ...file, diff: parsePatch(patch, "service.go") };
    expect(await lines([f], "new")).toEqual(["service.go:31:deletesDefer", "service.go:47:added"]);
  });
});

describe("touched units", () => {
  it("a change to a doc comment only touches nothing", async () => {
    const base = LEAK("f");
    const head = base.replace("// f leaks.", "// f leaks, reworded.");
    const diff = parsePatch("@@ -7,1 +7,1 @@\n-// f leaks.\n+// f leaks, reworded.\n", "p.go");
    expect(await lines([{ path: "p.go", content: head, diff }], "function")).toEqual([]);
  });
  it("a removal inside a function touches it", async () => {
    const head = LEAK("f");
    const diff = parsePatch("@@ -9,3 +9,2 @@\n \tctx, _ := context.WithCancel(parent)\n-\t_ = 1\n \treturn use(ctx)\n", "p.go");
    expect(await lines([{ path: "p.go", content: head, diff }], "function")).toEqual(["p.go:9:f"]);
  });
});

describe("directives", () => {
  const analyseOne = async (src: string) => (await analyze([{ path: "p.go", content: src }], { rules })).findings.map((f) => `${f.line}:${f.rule}:${f.severity}:${f.message}`);
  it("//ptrguard:ignore with a reason silences the finding on the next line", async () => {
    const src = LEAK("f").replace("\tctx, _ :=", "\t//ptrguard:ignore lost-cancel -- parent is short-lived\n\tctx, _ :=");
    expect(await analyseOne(src)).toEqual([]);
  });
  it("a directive without a reason is reported as info", async () => {
    const src = LEAK("f").replace("\tctx, _ := context.WithCancel(parent)", "\tctx, _ := context.WithCancel(parent) //ptrguard:ignore lost-cancel");
    expect(await analyseOne(src)).toEqual(["9:ignore-directive:info://ptrguard:ignore lost-cancel gives no reason: say why the finding is wrong here"]);
  });
  it("a directive that suppresses nothing is reported as info", async () => {
    const src = LEAK("f").replace("\treturn use(ctx)", "\treturn use(ctx) //ptrguard:ignore lost-cancel not needed").replace("ctx, _ :=", "ctx, cancel :=").replace("\treturn use", "\tdefer cancel()\n\treturn use");
    expect(await analyseOne(src)).toEqual(["11:ignore-directive:info:this //ptrguard:ignore directive suppresses nothing: remove it"]);
  });
  it("//nolint:ptrguard and a bare //nolint silence findings", async () => {
    expect(await analyseOne(LEAK("f").replace("context.WithCancel(parent)", "context.WithCancel(parent) //nolint:ptrguard"))).toEqual([]);
    expect(await analyseOne(LEAK("f").replace("context.WithCancel(parent)", "context.WithCancel(parent) //nolint"))).toEqual([]);
    expect(await analyseOne(LEAK("f").replace("context.WithCancel(parent)", "context.WithCancel(parent) //nolint:errcheck"))).toHaveLength(1);
  });
});

describe("files the engine skips", () => {
  it("skips generated, vendored and binary files, and says why", async () => {
    const r = await analyze(
      [
        { path: "gen.go", content: "// Code generated by protoc-gen-go. DO NOT EDIT.\n\n" + LEAK("f") },
        { path: "vendor/x/y.go", content: LEAK("f") },
        { path: "blob.go", content: "\u0000\u0001ELF" },
      ],
      { rules },
    );
    expect(r.findings).toEqual([]);
    expect(r.skipped).toEqual([
      { path: "gen.go", reason: "generated (Code generated ... DO NOT EDIT)" },
      { path: "vendor/x/y.go", reason: "vendored" },
      { path: "blob.go", reason: "binary or not UTF-8" },
    ]);
  });
});

describe("huge files", () => {
  it("are skipped with their size and the limit, not analysed", async () => {
    const r = await analyze([{ path: "huge.go", content: LEAK("f") }], { rules, maxFileBytes: 100 });
    expect(r.findings).toEqual([]);
    expect(r.skipped).toEqual([{ path: "huge.go", reason: `too large: ${LEAK("f").length} bytes, over the 100 bytes limit` }]);
  });

  it("the limit counts UTF-8 bytes, not characters", async () => {
    // 60 characters of comment, 180 bytes: under a 200-byte limit by characters, over it by bytes.
    const content = LEAK("f", "\n// " + "界".repeat(60));
    const limit = content.length + 50;
    expect(Buffer.byteLength(content)).toBeGreaterThan(limit);
    const r = await analyze([{ path: "wide.go", content }], { rules, maxFileBytes: limit });
    expect(r.skipped).toEqual([{ path: "wide.go", reason: `too large: ${Buffer.byteLength(content)} bytes, over the ${limit} bytes limit` }]);
  });

  it("says how large in MiB: 17.2 MiB over the default 16 MiB", () => {
    expect(tooLargeReason(Math.round(17.2 * 1024 * 1024))).toBe("too large: 17.2 MiB, over the 16 MiB limit");
    expect(MAX_FILE_BYTES).toBe(16 * 1024 * 1024);
  });

  it("a 15 MiB file is analysed: the touched function only, and found", async () => {
    const fn = (i: number) => `func f${i}(parent context.Context) error {\n\tctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n\treturn use(ctx)\n}\n`;
    const header = `package p\n\nimport "context"\n\nfunc use(ctx context.Context) error { return ctx.Err() }\n\n`;
    const count = Math.floor((15 * 1024 * 1024) / (fn(100000).length + 1));
    const fns = Array.from({ length: count }, (_, i) => fn(i));
    const target = Math.floor(count / 2);
    const before = fns.slice(0, target).join("\n") + "\n";
    const targetLine = header.split("\n").length - 1 + before.split("\n").length; // the func line of f<target>
    fns[target] = fns[target]!.replace("\tdefer cancel()\n", "");
    const content = header + fns.join("\n");
    expect(Buffer.byteLength(content)).toBeGreaterThan(14 * 1024 * 1024);
    const diff = parsePatch(`@@ -${targetLine + 2},1 +${targetLine + 1},0 @@\n-\tdefer cancel()\n`, "big.go");
    const r = await analyze([{ path: "big.go", content, diff }], { rules });
    expect(r.skipped).toEqual([]);
    expect(r.findings.map((f) => `${f.line}:${f.unit}`)).toEqual([`${targetLine + 1}:f${target}`]);
    expect(r.unitsAnalyzed).toBe(1);
  }, 60_000);
});

describe("the base version with scope new", () => {
  const head = LEAK("f");
  const fixed = head.replace("ctx, _ := context.WithCancel(parent)", "ctx, cancel := context.WithCancel(parent)\n\tdefer cancel()");
  const diffOf = (base: string, next: string) => parsePatch(localPatch("p.go", base, next), "p.go");

  it("is not analysed when the head has no finding", async () => {
    const before = { ...engineStats };
    const r = await analyze([{ path: "p.go", content: fixed, diff: diffOf(head, fixed) }], { rules });
    expect(r.findings).toEqual([]);
    expect(engineStats.versionsAnalyzed - before.versionsAnalyzed).toBe(1);
    expect(engineStats.baseVersionsAnalyzed - before.baseVersionsAnalyzed).toBe(0);
  });

  it("is analysed only in the units the head's findings are in", async () => {
    // The pull request touches f (which leaked before) and g: the base is analysed in f alone.
    const base = head + "\nfunc g() int { return 0 }\n";
    const next = head.replace("return use(ctx)", "return use(ctx) // checked") + "\nfunc g() int { return 1 }\n";
    const before = { ...engineStats };
    const r = await analyze([{ path: "p.go", content: next, diff: diffOf(base, next) }], { rules });
    expect(r.findings).toEqual([]); // the leak was there before the pull request
    expect(engineStats.baseVersionsAnalyzed - before.baseVersionsAnalyzed).toBe(1);
    expect(engineStats.unitsChecked - before.unitsChecked).toBe(2 + 1); // head: f and g; base: f
    // And what the pull request introduces is still reported.
    const r2 = await analyze([{ path: "p.go", content: head, diff: diffOf(fixed, head) }], { rules });
    expect(r2.findings.map((f) => f.unit)).toEqual(["f"]);
  });
});

describe("a unit the diff renames, with scope new", () => {
  const diffOf = (base: string, next: string) => parsePatch(localPatch("p.go", base, next), "p.go");

  it("keeps its base findings: a rename alone posts nothing", async () => {
    const base = LEAK("fetchAll");
    const next = base.replace("func fetchAll(", "func fetchEvery(").replace("// fetchAll leaks.", "// fetchEvery leaks.");
    const r = await analyze([{ path: "p.go", content: next, diff: diffOf(base, next) }], { rules });
    expect(r.findings).toEqual([]);
    // Without the diff, the renamed function's finding is there.
    expect(await lines([{ path: "p.go", content: next }], "file")).toEqual(["p.go:9:fetchEvery"]);
  });

  it("still reports what the renaming diff introduces", async () => {
    const base = LEAK("fetchAll").replace("\treturn use(ctx)", "\tdefer cancelAll()\n\treturn use(ctx)").replace("ctx, _ :=", "ctx, cancelAll :=");
    const next = LEAK("fetchEvery");
    const r = await analyze([{ path: "p.go", content: next, diff: diffOf(base, next) }], { rules });
    expect(r.findings.map((f) => `${f.line}:${f.unit}`)).toEqual(["9:fetchEvery"]);
  });
});

describe("a function the diff moves to another file, with scope new", () => {
  const whole = (file: string, text: string, status: "added" | "deleted") => {
    const lines = text.split("\n").slice(0, -1);
    const sign = status === "added" ? "+" : "-";
    const header = status === "added" ? `--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines.length} @@` : `--- a/${file}\n+++ /dev/null\n@@ -1,${lines.length} +0,0 @@`;
    return `diff --git a/${file} b/${file}\n${status === "added" ? "new" : "deleted"} file mode 100644\n${header}\n${lines.map((l) => sign + l).join("\n")}\n`;
  };
  const move = (oldText: string, newText: string) => {
    const diffs = parseUnifiedDiff(whole("old.go", oldText, "deleted") + whole("moved.go", newText, "added"));
    const into = diffs.find((d) => d.newPath === "moved.go")!;
    return { into, moved: movesIn(diffs, () => undefined)(into) };
  };

  it("keeps the old file's findings in it: a move alone posts nothing", async () => {
    const text = LEAK("fetchAll");
    const { into, moved } = move(text, text);
    expect(moved.map((m) => m.path)).toEqual(["old.go"]);
    const r = await analyze([{ path: "moved.go", content: text, diff: into, movedFrom: moved }], { rules });
    expect(r.findings).toEqual([]);
    // Without the old file, the moved function's finding is new.
    const alone = await analyze([{ path: "moved.go", content: text, diff: into }], { rules });
    expect(alone.findings.map((f) => `${f.path}:${f.line}:${f.unit}`)).toEqual(["moved.go:9:fetchAll"]);
  });

  it("still reports what the moving diff introduces", async () => {
    const fixed = LEAK("fetchAll").replace("ctx, _ :=", "ctx, cancel :=").replace("\treturn use(ctx)", "\tdefer cancel()\n\treturn use(ctx)");
    const { into, moved } = move(fixed, LEAK("fetchAll"));
    const r = await analyze([{ path: "moved.go", content: LEAK("fetchAll"), diff: into, movedFrom: moved }], { rules });
    expect(r.findings.map((f) => `${f.path}:${f.line}:${f.unit}`)).toEqual(["moved.go:9:fetchAll"]);
  });

  it("is found by the func lines: a file that removes another function, or the file itself, is not a source", () => {
    const other = "package p\n\nfunc (s *server) other() {}\n";
    const diffs = parseUnifiedDiff(whole("old.go", other, "deleted") + whole("moved.go", LEAK("fetchAll"), "added"));
    expect(funcLines(diffs[0]!, "del")).toEqual(new Set(["server.other"]));
    expect(funcLines(diffs[1]!, "add")).toEqual(new Set(["use", "fetchAll"]));
    const movedFrom = movesIn(diffs, () => undefined);
    expect(movedFrom(diffs[1]!)).toEqual([]);
    expect(movedFrom(diffs[0]!)).toEqual([]);
  });
});

describe("Go version", () => {
  it("reads go.mod's go line (1.22rc1 counts as 1.22) and //go:build constraints", () => {
    expect(goModVersion("module m\n\ngo 1.22rc1\n")).toEqual({ major: 1, minor: 22 });
    expect(goModVersion("module m\n")).toBeNull();
    expect(buildConstraintVersion("//go:build go1.21 && linux\n\npackage p\n")).toEqual({ major: 1, minor: 21 });
    expect(buildConstraintVersion("//go:build go1.21 || go1.23\n\npackage p\n")).toEqual({ major: 1, minor: 21 });
    expect(buildConstraintVersion("//go:build !go1.22\n\npackage p\n")).toBeNull();
    expect(buildConstraintVersion("package p\n\n//go:build go1.21\n")).toBeNull();
  });
  it("a file's build constraint overrides the module, both ways", async () => {
    const seen: unknown[] = [];
    const probe: Rule = { meta: { ...lostCancel.meta, id: "probe" }, kinds: ["func"], check: (c) => void seen.push(c.file.goVersion) };
    await analyze(
      [
        { path: "a.go", content: "//go:build go1.21\n\npackage p\n\nfunc f() {}\n", goMod: "go 1.23\n" },
        { path: "b.go", content: "//go:build go1.23\n\npackage p\n\nfunc f() {}\n", goMod: "go 1.21\n" },
        { path: "c.go", content: "package p\n\nfunc f() {}\n", goMod: "module m\n" },
      ],
      { rules: [probe] },
    );
    expect(seen).toEqual([{ major: 1, minor: 21 }, { major: 1, minor: 23 }, null]);
  });
});

describe("fixes", () => {
  it("applyEdits refuses overlapping edits", () => {
    expect(applyEdits("abcdef", [{ start: 1, end: 3, text: "X" }])).toBe("aXdef");
    expect(() => applyEdits("abcdef", [{ start: 1, end: 3, text: "X" }, { start: 2, end: 4, text: "Y" }])).toThrow(OverlappingEditsError);
  });
  it("drops a fix whose result does not parse, keeps the finding", async () => {
    const broken: Rule = {
      meta: { ...lostCancel.meta, id: "bad-fix", fixable: true },
      kinds: ["func"],
      check: (c) => c.report({ span: { start: c.unit.node.startIndex, end: c.unit.node.startIndex + 4 }, messageId: "discarded", data: { fn: "f", leak: "l" }, fix: { description: "d", edits: [{ start: c.unit.node.startIndex, end: c.unit.node.startIndex + 4, text: "func {{" }] } }),
    };
    const r = await analyze([{ path: "p.go", content: "package p\n\nfunc f() {}\n" }], { rules: [broken] });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.fix).toBeUndefined();
  });
});

describe("broken Go", () => {
  it("never throws, analyses the declarations that parsed, and notes the error", async () => {
    const src = readFileSync(path.join(ROOT, "fixtures/cli/broken/broken.go"), "utf8");
    const r = await analyze([{ path: "broken.go", content: src }], { rules });
    expect(r.findings.map((f) => `${f.line}:${f.unit}`)).toEqual(["12:whole"]);
    expect(r.notes[0]!.reason).toMatch(/^syntax error near line \d+; the declarations that parsed were analysed$/);
  });
});

describe("a rule that throws", () => {
  it("loses only its own findings in that unit, and the run says so", async () => {
    const throwing: Rule = { meta: { ...lostCancel.meta, id: "throws" }, kinds: ["func"], check: () => { throw new Error("boom"); } };
    const r = await analyze([{ path: "p.go", content: LEAK("f") }], { rules: [throwing, lostCancel] });
    expect(r.findings.map((f) => `${f.line}:${f.rule}`)).toEqual(["9:lost-cancel"]);
    expect(r.notes).toEqual([
      { path: "p.go", reason: "rule throws failed on use (boom); its findings there are missing" },
      { path: "p.go", reason: "rule throws failed on f (boom); its findings there are missing" },
    ]);
    expect(r.incomplete).toEqual(["p.go"]);
  });
});

describe("partial parsing of large files", () => {
  it("parses only the touched functions, yet gives a rule the whole file when it asks", async () => {
    const filler = Array.from({ length: 400 }, (_, i) => `func g${i}() int {\n\treturn ${i} // enough of these make a file large enough to be parsed in part\n}\n`).join("\n");
    const content = `package p\n\nfunc f() int {\n\treturn 1\n}\n\n${filler}\nfunc other() int {\n\treturn 2\n}\n`;
    const seen: string[] = [];
    const probe: Rule = {
      meta: { ...lostCancel.meta, id: "probe" },
      kinds: ["func"],
      check: (c) => {
        const names = (root: typeof c.unit.node) => root.namedChildren.filter((n) => n?.type === "function_declaration").length;
        seen.push(`${c.unit.name}: parsed ${names(c.unit.node.tree.rootNode)}, whole ${names(c.file.wholeRoot())}`);
      },
    };
    const diff = parsePatch("@@ -4,1 +4,1 @@\n-\treturn 0\n+\treturn 1\n", "big.go");
    await analyze([{ path: "big.go", content, diff }], { rules: [probe], scope: "function" });
    expect(seen).toEqual(["f: parsed 1, whole 402"]);
  });

  it("finds the same thing in a one-line change of a large file as a full analysis", async () => {
    const fns = Array.from({ length: 400 }, (_, i) => `func f${i}(parent context.Context) error {\n\tctx, cancel := context.WithCancel(parent)\n\tdefer cancel()\n\treturn use(ctx)\n}\n`).join("\n");
    const head = `package p\n\nimport "context"\n\nfunc use(ctx context.Context) error { return ctx.Err() }\n\n${fns}`;
    const target = head.split("\n").findIndex((l) => l === "func f200(parent context.Context) error {") + 1;
    const patch = `@@ -${target + 2},1 +${target + 1},0 @@\n-\tdefer cancel()\n`;
    const content = head.split("\n").filter((_, i) => i !== target + 1).join("\n");
    const diff = parsePatch(patch, "big.go");
    const r = await analyze([{ path: "big.go", content, diff }], { rules });
    expect(r.findings.map((f) => `${f.line}:${f.unit}`)).toEqual([`${target + 1}:f200`]);
    expect(r.unitsAnalyzed).toBe(1);
  });
});
