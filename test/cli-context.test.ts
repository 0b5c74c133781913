// `ptrguard check` with a diff reads the rest of each touched file's package as read-only context
// (issue 10): same directory, same package clause, same build; bounded per package.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addedFileDiff, packageContext, type LocalSource } from "../src/local.js";
import { ROOT } from "../src/analyzer/testing.js";
import type { Finding } from "../src/analyzer/types.js";
import { toSarif } from "../src/report/sarif.js";
import { toText } from "../src/report/text.js";
import { rules } from "../rules/index.js";

const BIN = path.join(ROOT, "bin/ptrguard.js");

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-pkg-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

const touched = (dir: string, p: string, text: string): LocalSource => ({ file: { path: p, content: text, goMod: null, diff: addedFileDiff(p, text) }, repoPath: p });

describe("package context from disk", () => {
  it("gives each touched file its package's siblings in the default build, as context", async () => {
    const a = "package store\n\nfunc A() {}\n";
    const ext = "package store_test\n\nfunc TestX() {}\n";
    const dir = tree({
      "store/a.go": a,
      "store/b.go": "// Copyright.\n\npackage store\n\nfunc B() {}\n",
      "store/c_windows.go": "package store\n",
      "store/d_linux.go": "package store\n",
      "store/gen.go": "//go:build ignore\n\npackage main\n",
      "store/other.go": "package other\n",
      "store/e.go": "//go:build integration\n\npackage store\n",
      "store/f.go": "package store\n\nfunc F() {}\n",
      "store/b_test.go": "package store\n",
      "store/x_test.go": ext,
      "store/y_test.go": "package store_test\n",
      "store/sub/z.go": "package store\n",
      "vendor/v/v.go": "package v\n",
      "vendor/v/w.go": "package v\n",
    });
    const sources = [touched(dir, "store/a.go", a), touched(dir, "store/x_test.go", ext), touched(dir, "vendor/v/v.go", "package v\n")];
    const excluded = (p: string) => (p === "store/f.go" ? "matches `paths_ignore`" : undefined);
    const ctx = await packageContext(sources, dir, dir, excluded);
    const of = (s: LocalSource) => (ctx.of.get(s) ?? []).map((f) => `${f.path}${f.context ? "" : " (not context!)"}`);
    expect(of(sources[0]!)).toEqual(["store/b.go", "store/d_linux.go"]);
    expect(of(sources[1]!)).toEqual(["store/y_test.go"]);
    expect(of(sources[2]!)).toEqual([]);
    expect(ctx).toMatchObject({ notes: [], unread: 0 });
    expect(ctx.of.get(sources[0]!)![0]).toMatchObject({ content: "// Copyright.\n\npackage store\n\nfunc B() {}\n", context: true });
  });

  it("two touched files of one package are each other's context", async () => {
    const a = "package p\n";
    const b = "package p\n\nfunc B() {}\n";
    const dir = tree({ "a.go": a, "b.go": b, "c.go": "package p\n" });
    const sources = [touched(dir, "a.go", a), touched(dir, "b.go", b)];
    const ctx = await packageContext(sources, dir, dir, () => undefined);
    expect(ctx.of.get(sources[0]!)!.map((f) => [f.path, f.context, f.diff])).toEqual([
      ["c.go", true, undefined],
      ["b.go", true, undefined],
    ]);
    expect(sources.map((s) => s.file.partialPackage)).toEqual([undefined, undefined]);
  });

  it("a package over the bounds is marked partial, so no rule claims what nothing in it does", async () => {
    const a = "package p\n";
    const dir = tree({ "a.go": a, "b.go": "package p\n", "c.go": "package p\n" });
    const sources = [touched(dir, "a.go", a)];
    const ctx = await packageContext(sources, dir, dir, () => undefined, { files: 1, bytes: 1 << 20 });
    expect(ctx.of.get(sources[0]!)!.map((f) => f.path)).toEqual(["b.go"]);
    expect(ctx.unread).toBe(1);
    expect(sources[0]!.file.partialPackage).toBe(true);
  });
});

describe("ptrguard check --diff in a large package", () => {
  it("reads at most 60 siblings and says so in the summary line; --verbose names the package", () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 70; i++) files[`big/f${String(i).padStart(2, "0")}.go`] = `package big\n\nfunc F${i}() {}\n`;
    const dir = tree(files);
    writeFileSync(path.join(dir, "change.diff"), "--- a/big/f00.go\n+++ b/big/f00.go\n@@ -3 +3 @@\n-func F0() {}\n+func F0() { _ = 1 }\n");
    writeFileSync(path.join(dir, "big/f00.go"), "package big\n\nfunc F0() { _ = 1 }\n");
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, "check", "--diff", "change.diff", ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    const r = run([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "0 findings (0 error, 0 warning, 0 info) in 1 file analysed; 9 sibling files of 1 package not read as context (over 60 files / 4 MiB per package; --verbose names them)\n",
    );
    expect(run(["--verbose"]).stderr).toContain("ptrguard: Package context: 9 files of big/ (243 bytes) not read: at most 60 files / 4 MiB per package are read as context.\n");
    // JSON (a contract) is unchanged.
    expect(run(["--format", "json"]).stdout).toBe('{"findings":[]}\n');
    // A file named on its own gets its package as context too; a directory's files are all analysed.
    const plain = (args: string[]) => spawnSync(process.execPath, [BIN, "check", ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 }).stderr;
    expect(plain(["big/f00.go"])).toBe("0 findings (0 error, 0 warning, 0 info) in 1 file analysed; 9 sibling files of 1 package not read as context (over 60 files / 4 MiB per package; --verbose names them)\n");
    expect(plain(["big"])).toBe("0 findings (0 error, 0 warning, 0 info) in 70 files analysed\n");
  });
});

describe("ptrguard check on a directory larger than one step", () => {
  const files: Record<string, string> = {};
  for (let i = 1; i < 69; i++) files[`big/f${String(i).padStart(2, "0")}.go`] = `package big\n\nfunc F${i}() {}\n`;
  files["big/f00.go"] = "package big\n\ntype S struct{ results chan int }\n\nfunc New() *S { return &S{results: make(chan int)} }\n\nfunc (s *S) Put(v int) {\n\ts.results <- v\n}\n";
  const check = (dir: string) => spawnSync(process.execPath, [BIN, "check", "--format", "json", "big"], { cwd: dir, encoding: "utf8", timeout: 60_000 });

  it("the receive in the 70th file is out of the first step's sight: nothing is claimed about the package", () => {
    const dir = tree({ ...files, "big/f69.go": "package big\n\nfunc (s *S) Next() int { return <-s.results }\n" });
    const r = check(dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('{"findings":[]}\n');
  });

  it("non-test files that fit one step are their whole package, however many test files the directory has", () => {
    const tests: Record<string, string> = {};
    for (let i = 1; i < 69; i++) tests[`big/f${String(i).padStart(2, "0")}_test.go`] = `package big\n\nimport "testing"\n\nfunc TestF${i}(t *testing.T) {}\n`;
    const dir = tree({ ...tests, "big/f00.go": files["big/f00.go"]!, "big/f01.go": "package big\n\nfunc F1() {}\n" });
    const r = check(dir);
    const out = JSON.parse(r.stdout) as { findings: { rule: string; path: string; line: number; message: string }[] };
    expect(out.findings.map((f) => `${f.rule}:${f.path}:${f.line}: ${f.message}`)).toEqual(["goroutine-send-leak:big/f00.go:8: nothing in the package receives from s.results: this send blocks forever"]);
  });

  it("in a package that fits one step the same send with no receive anywhere is reported", () => {
    const dir = tree({ "big/f00.go": files["big/f00.go"]!, "big/f01.go": "package big\n\nfunc F1() {}\n" });
    const r = check(dir);
    const out = JSON.parse(r.stdout) as { findings: { rule: string; line: number; message: string }[] };
    expect(out.findings.map((f) => `${f.rule}:${f.line}: ${f.message}`)).toEqual(["goroutine-send-leak:8: nothing in the package receives from s.results: this send blocks forever"]);
  });
});

describe("a related location in another file of the package", () => {
  const finding: Finding = {
    rule: "goroutine-send-leak",
    severity: "error",
    path: "svc/run.go",
    line: 12,
    column: 2,
    endLine: 12,
    endColumn: 20,
    message: "w.events is never drained after Stop",
    related: [
      { line: 10, column: 2, endLine: 10, endColumn: 8, message: "the goroutine starts here" },
      { path: "svc/events.go", line: 88, column: 3, endLine: 88, endColumn: 15, message: "the sender in run() blocks here" },
    ],
    unit: "W.Start",
    code: "go w.run()",
    docs: "https://example.com",
    title: "t",
    why: "w",
  };

  it("text output names its file as file:line:column", () => {
    expect(toText([finding])).toBe(
      "svc/run.go:12:2: error: w.events is never drained after Stop [goroutine-send-leak]\n" +
        "    svc/run.go:10:2: the goroutine starts here\n" +
        "    svc/events.go:88:3: the sender in run() blocks here\n",
    );
  });

  it("SARIF puts it in its own file (the CLI passes the context files' texts)", () => {
    const texts = new Map([
      ["svc/run.go", "package svc\n".repeat(20)],
      ["svc/events.go", "package svc\n".repeat(90)],
    ]);
    const sarif = JSON.parse(toSarif([finding], rules, "0.0.0", texts));
    expect(sarif.runs[0].results[0].relatedLocations.map((r: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }) => `${r.physicalLocation.artifactLocation.uri}:${r.physicalLocation.region.startLine}`)).toEqual([
      "svc/run.go:10",
      "svc/events.go:88",
    ]);
  });
});
