// Which siblings of a touched Go file are its package's read-only context (src/review/package.ts).
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { DEFAULT_CONFIG } from "../src/config.js";
import { analyse, packageBatches } from "../src/review/analyse.js";
import type { Source } from "../src/review/files.js";
import { buildMatches, buildOf, constraintOf, nameConstraint, overBoundsNote, packageName, preselect, samePackage } from "../src/review/package.js";

const go = (pkg: string, header = "") => `${header}${header ? "\n\n" : ""}package ${pkg}\n\nfunc F() {}\n`;

describe("package context: names", () => {
  it("reads GOOS/GOARCH suffixes as go/build does", () => {
    expect(nameConstraint("poll_linux.go")).toEqual({ goos: "linux" });
    expect(nameConstraint("poll_windows_arm64_test.go")).toEqual({ goos: "windows", goarch: "arm64" });
    expect(nameConstraint("asm_amd64.go")).toEqual({ goarch: "amd64" });
    // The part before the first `_` never counts.
    expect(nameConstraint("linux.go")).toEqual({});
    expect(nameConstraint("server.go")).toEqual({});
  });

  it("preselects the build's Go files within the bounds, tests only for a touched test", () => {
    const entries = ["a.go", "b.go", "b_windows.go", "c_linux.go", "a_test.go", "_skip.go", "README.md", "d.go"].map((name) => ({ name, bytes: 100 }));
    expect(preselect(entries, ["a.go"]).read.map((e) => e.name)).toEqual(["b.go", "c_linux.go", "d.go"]);
    expect(preselect(entries, ["b_windows.go"]).read.map((e) => e.name)).toEqual(["a.go", "b.go", "d.go"]);
    expect(preselect(entries, ["a_test.go"]).read.map((e) => e.name)).toEqual(["a.go", "b.go", "c_linux.go", "d.go"]);
    const cut = preselect(entries, ["a.go"], { files: 2, bytes: 1 << 20 });
    expect(cut.read.map((e) => e.name)).toEqual(["b.go", "c_linux.go"]);
    expect(cut).toMatchObject({ overFiles: 1, overBytes: 100 });
    expect(preselect(entries, ["a.go"], { files: 60, bytes: 250 })).toMatchObject({ overFiles: 1, overBytes: 100 });
  });
});

describe("package context: contents", () => {
  it("reads the package clause after comments", () => {
    expect(packageName("// Copyright\n/* multi\nline */\n//go:build linux\n\npackage store // x\n")).toBe("store");
    expect(packageName("// no clause\n")).toBeUndefined();
  });

  it("evaluates //go:build for the default build: custom tags off, cgo undecided", () => {
    const b = buildOf("a.go", go("p"));
    expect(b).toMatchObject({ goos: "linux", goarch: "amd64" });
    expect(buildMatches("x.go", go("p", "//go:build linux && amd64"), b)).toBe(true);
    expect(buildMatches("x.go", go("p", "//go:build windows"), b)).toBe(false);
    expect(buildMatches("x.go", go("p", "//go:build unix && !js"), b)).toBe(true);
    expect(buildMatches("x.go", go("p", "//go:build integration"), b)).toBe(false);
    expect(buildMatches("x.go", go("p", "//go:build ignore"), b)).toBe(false);
    expect(buildMatches("x.go", go("p", "//go:build cgo"), b)).toBe(true);
    expect(buildMatches("x.go", go("p", "//go:build go1.21"), b)).toBe(true);
    expect(buildMatches("x.go", go("p", "// +build darwin freebsd"), b)).toBe(false);
    expect(buildMatches("x.go", go("p", "// +build linux,!386"), b)).toBe(true);
    expect(constraintOf("package p\n//go:build windows\n")).toBeUndefined();
  });

  it("takes the build of the touched file: its OS, its custom tags", () => {
    expect(buildOf("a.go", go("p", "//go:build windows"))).toMatchObject({ goos: "windows", goarch: "amd64" });
    const tagged = buildOf("a.go", go("p", "//go:build integration"));
    expect(buildMatches("x.go", go("p", "//go:build integration"), tagged)).toBe(true);
  });

  it("groups by package: in-package tests see the package, external tests their own files", () => {
    const sib = [
      { name: "a.go", text: go("store") },
      { name: "b.go", text: go("store") },
      { name: "gen.go", text: go("main", "//go:build ignore") },
      { name: "doc.go", text: "// Package store.\npackage store\n" },
      { name: "b_test.go", text: go("store") },
      { name: "x_test.go", text: go("store_test") },
      { name: "y_test.go", text: go("store_test") },
      { name: "w_windows.go", text: go("store") },
    ];
    const names = (t: { name: string; text: string }) => samePackage(t, sib).map((s) => s.name);
    expect(names({ name: "a.go", text: go("store") })).toEqual(["b.go", "doc.go"]);
    expect(names({ name: "a_test.go", text: go("store") })).toEqual(["a.go", "b.go", "doc.go", "b_test.go"]);
    expect(names({ name: "x_test.go", text: go("store_test") })).toEqual(["y_test.go"]);
  });

  it("says what the bounds left out", () => {
    expect(overBoundsNote("pkg/big", { files: 40, bytes: 3 << 20 })).toBe("Package context: 40 files of pkg/big/ (3 MiB) not read: at most 60 files / 4 MiB per package are read as context.");
  });
});

describe("package context: engine calls", () => {
  const src = (p: string, context?: string[]): Source => ({
    file: { path: p, content: "package p\n" },
    githubDiff: undefined,
    ...(context ? { context: context.map((c) => ({ path: c, content: "package p\n", context: true })) } : {}),
  });

  it("groups the changed files of a package (at most 16 per call); files without context stay alone", () => {
    const many = Array.from({ length: 18 }, (_, i) => src(`big/f${i}.go`, ["big/x.go"]));
    const batches = packageBatches([src("a/a.go", ["a/b.go", "a/c.go"]), src("lone.go"), src("a/b.go", ["a/a.go", "a/c.go"]), ...many]);
    expect(batches.map((b) => b.map((s) => s.file.path).join(" "))).toEqual([
      "a/a.go a/b.go",
      "lone.go",
      many.slice(0, 16).map((s) => s.file.path).join(" "),
      many.slice(16).map((s) => s.file.path).join(" "),
    ]);
    // Files analysed whole (no diff) are grouped only when asked (the CLI on a tree: no time budget).
    expect(packageBatches([src("d/a.go"), src("d/b.go")]).map((b) => b.length)).toEqual([1, 1]);
    expect(packageBatches([src("d/a.go"), src("d/b.go"), src("e/c.go")], 60, true).map((b) => b.length)).toEqual([2, 1]);
  });

  it("analyses each changed file once, with its package's context: findings are those of the files alone", async () => {
    const go = (body: string) => `package p\n\nimport "context"\n\n${body}\n`;
    const leak = go("func A(parent context.Context) {\n\tctx, _ := context.WithCancel(parent)\n\t_ = ctx\n}");
    const a = { path: "p/a.go", content: leak };
    const b = { path: "p/b.go", content: leak.replace("func A", "func B") };
    const c = { path: "p/c.go", content: go("func C() {}"), context: true };
    const sources: Source[] = [
      { file: a, githubDiff: undefined, context: [{ ...b, context: true }, c] },
      { file: b, githubDiff: undefined, context: [{ ...a, context: true }, c] },
    ];
    const r = await analyse(sources, rules, { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] });
    expect(r.filesAnalyzed).toBe(2);
    expect(r.findings.map((f) => `${f.path}:${f.line} ${f.rule}`)).toEqual(["p/a.go:6 lost-cancel", "p/b.go:6 lost-cancel"]);
  });
});
