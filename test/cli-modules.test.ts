// The CLI loads only what a command uses: `--version` neither the engine nor the App, a check
// neither the App (Probot, the GitHub layer, the demo) nor, without a config file, YAML; never Ajv's compiler.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../src/analyzer/testing.js";

function loaded(args: string[], cwd = ROOT): string[] {
  const trace = path.join(mkdtempSync(path.join(tmpdir(), "ptrguard-trace-")), "modules.txt");
  const r = spawnSync(process.execPath, ["--require", path.join(ROOT, "test/helpers/trace-require.cjs"), "--import", path.join(ROOT, "test/helpers/trace-register.mjs"), path.join(ROOT, "bin/ptrguard.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TRACE_FILE: trace },
  });
  expect(r.status, r.stderr).not.toBe(3);
  // Our modules by path, packages by name.
  const names = readFileSync(trace, "utf8")
    .trim()
    .split("\n")
    .filter((u) => u.startsWith("file:") && !u.includes("/test/helpers/"))
    .map((u) => {
      const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(u);
      // Ajv by file: its compiler is heavy, its runtime helpers are not.
      return pkg ? `npm:${pkg[1]}${pkg[1] === "ajv" ? "/" + pkg[2] : ""}` : u.replace("file://" + ROOT + "/", "");
    });
  return [...new Set(names)].sort();
}

describe("what each command loads", () => {
  it("--version: the command, its version and commander only", () => {
    expect(loaded(["--version"])).toEqual(["bin/ptrguard.js", "dist/src/cli.js", "dist/src/version.js", "npm:commander"]);
  });

  it("a check: the engine and the rules, never Probot, the GitHub layer, the demo, YAML or Ajv's compiler", () => {
    const mods = loaded(["check", "--format", "json", "fixtures/rules/lost-cancel/aliased.go"]);
    expect(mods).toContain("dist/src/analyzer/engine.js");
    expect(mods).toContain("dist/rules/lost-cancel/index.js");
    // The config validator is compiled ahead of time, with no Ajv runtime at all.
    expect(mods.filter((m) => m.startsWith("npm:"))).toEqual(["npm:commander", "npm:parse-diff", "npm:web-tree-sitter"]);
    expect(mods.filter((m) => /^dist\/src\/(github|handlers|demo|server|index)\b|^dist\/src\/review\/(?!analyse|limits|package)/.test(m))).toEqual([]);
  });

  it("a check with a .github/ptrguard.yml loads YAML too, and still not Ajv's compiler", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-cfg-"));
    mkdirSync(path.join(dir, ".git"));
    mkdirSync(path.join(dir, ".github"));
    writeFileSync(path.join(dir, ".github/ptrguard.yml"), "fail_on: warning\n");
    writeFileSync(path.join(dir, "a.go"), "package a\n");
    const npm = loaded(["check", "a.go"], dir).filter((m) => m.startsWith("npm:"));
    expect(npm).toContain("npm:yaml");
    expect(npm.filter((m) => m.startsWith("npm:ajv"))).toEqual([]);
  });
});
