// The real `ptrguard` bin, spawned as a user would run it: stdout, stderr and exit codes.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../src/version.js";
import { ROOT } from "../src/analyzer/testing.js";

const DOCS = `https://github.com/ptrguard/ptrguard/blob/v${VERSION}`;

const BIN = path.join(ROOT, "bin/ptrguard.js");
function ptrguard(args: string[], cwd = ROOT, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const scoping = path.join(ROOT, "fixtures/diffs/scoping");

describe("ptrguard check --format json", () => {
  it("prints lost-cancel findings with fixes on a fixture tree and exits 1", () => {
    const r = ptrguard(["check", "--format", "json", "fixtures/rules/lost-cancel/aliased.go"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      findings: [
        {
          rule: "lost-cancel",
          severity: "error",
          path: "fixtures/rules/lost-cancel/aliased.go",
          line: 10,
          column: 2,
          endLine: 10,
          endColumn: 51,
          message: "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline",
          docs: `${DOCS}/rules/lost-cancel/README.md`,
          fix: {
            description: "name the cancel function and defer it",
            edits: [
              { line: 10, column: 7, endLine: 10, endColumn: 8, newText: "cancel" },
              { line: 10, column: 174, endLine: 10, endColumn: 174, newText: "\n\tdefer cancel()" },
            ],
            suggestion: { startLine: 10, endLine: 10, replacement: '\tctx, cancel := ctxpkg.WithTimeout(parent, time.Second) // want "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline"\n\tdefer cancel()' },
          },
        },
      ],
    });
  });

  it('prints {"findings":[]} and exits 0 on a clean tree', () => {
    const r = ptrguard(["check", "--format", "json", "fixtures/cli/clean"]);
    expect(r).toEqual({ code: 0, stdout: '{"findings":[]}\n', stderr: "" });
  });

  it("sorts by path and line, with paths relative to the current directory (--rule picks rules)", () => {
    const r = ptrguard(["check", "--format", "json", "--rule", "lost-cancel", "flagged.go", "go121", "aliased.go"], path.join(ROOT, "fixtures/rules/lost-cancel"));
    const findings = JSON.parse(r.stdout).findings as { path: string; line: number }[];
    expect(findings.map((f) => `${f.path}:${f.line}`)).toEqual([
      "aliased.go:10",
      "flagged.go:16",
      "flagged.go:22",
      "flagged.go:32",
      "flagged.go:42",
      "flagged.go:56",
      "flagged.go:64",
      "flagged.go:75",
      "flagged.go:83",
      "flagged.go:97",
      "flagged.go:107",
      "go121/cause.go:15",
      "go121/cause.go:20",
      "go121/cause.go:41",
    ]);
  });
});

describe("ptrguard check with a diff", () => {
  it("--diff FILE reports only what the diff introduced (scope new)", () => {
    const r = ptrguard(["check", "--format", "json", "--diff", "../change.diff"], path.join(scoping, "head"));
    expect(JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line)).toEqual([31, 47]);
    expect(r.code).toBe(1);
  });

  it("--diff - reads the diff from stdin; --scope function widens it", () => {
    const r = ptrguard(["check", "--format", "json", "--scope", "function", "--diff", "-"], path.join(scoping, "head"), readFileSync(path.join(scoping, "change.diff"), "utf8"));
    expect(JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line)).toEqual([21, 31, 47]);
  });

  it("--git REV diffs the working tree against a revision", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-git-"));
    const git = (...a: string[]) => spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...a], { cwd: dir, encoding: "utf8" });
    copyFileSync(path.join(scoping, "base/service.go"), path.join(dir, "service.go"));
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "base");
    copyFileSync(path.join(scoping, "head/service.go"), path.join(dir, "service.go"));
    const r = ptrguard(["check", "--format", "json", "--git", "HEAD"], dir);
    expect(JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line)).toEqual([31, 47]);
  });
});

describe("ptrguard check --git: a function moved to another file", () => {
  const LEAKY = "// FetchAll leaks its context's cancel function.\nfunc FetchAll(parent context.Context) error {\n\tctx, _ := context.WithCancel(parent)\n\treturn use(ctx)\n}\n";
  const HEADER = 'package svc\n\nimport "context"\n\n';
  const USE = "func use(ctx context.Context) error { return ctx.Err() }\n";

  it("brings its old findings along: nothing is new, exit 0; a copy that stays in both files is new", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-move-"));
    const git = (...a: string[]) => spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...a], { cwd: dir, encoding: "utf8" });
    writeFileSync(path.join(dir, "go.mod"), "module example.com/svc\n\ngo 1.21\n");
    writeFileSync(path.join(dir, "fetch.go"), HEADER + USE + "\n" + LEAKY);
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "base");
    // FetchAll moves from fetch.go (which keeps use) to client.go, a new file.
    writeFileSync(path.join(dir, "fetch.go"), HEADER + USE);
    writeFileSync(path.join(dir, "client.go"), HEADER + LEAKY);
    const moved = ptrguard(["check", "--format", "json", "--git", "HEAD"], dir);
    expect({ code: moved.code, findings: JSON.parse(moved.stdout).findings }).toEqual({ code: 0, findings: [] });
    // Had fetch.go kept its FetchAll, client.go's would be a new function (of another package build, say).
    git("checkout", "-q", "fetch.go");
    const copied = ptrguard(["check", "--format", "json", "--git", "HEAD"], dir);
    expect(JSON.parse(copied.stdout).findings.map((f: { path: string; line: number; rule: string }) => `${f.path}:${f.line}:${f.rule}`)).toEqual(["client.go:7:lost-cancel"]);
  });
});

describe("output formats", () => {
  const file = "fixtures/rules/lost-cancel/aliased.go";
  it("text: like go vet, with the fix as a unified diff under it, no colour when not a terminal", () => {
    const r = ptrguard(["check", file]);
    expect(r.stdout).toBe(
      "fixtures/rules/lost-cancel/aliased.go:10:2: error: the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline [lost-cancel]\n" +
        "    suggested fix (name the cancel function and defer it):\n" +
        "    --- a/fixtures/rules/lost-cancel/aliased.go\n" +
        "    +++ b/fixtures/rules/lost-cancel/aliased.go\n" +
        "    @@ -10,1 +10,2 @@\n" +
        '    -\tctx, _ := ctxpkg.WithTimeout(parent, time.Second) // want "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline"\n' +
        '    +\tctx, cancel := ctxpkg.WithTimeout(parent, time.Second) // want "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline"\n' +
        "    +\tdefer cancel()\n",
    );
    expect(r.stderr).toBe("1 finding (1 error, 0 warning, 0 info) in 1 file analysed\nby rule: 1 lost-cancel\n");
  });

  it("colour on a terminal (util-linux `script` gives the command one), none with NO_COLOR or in a pipe", () => {
    const onTty = (env: NodeJS.ProcessEnv) =>
      spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" check ${file}`, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 }).stdout;
    const { NO_COLOR: _unset, ...env } = process.env;
    expect(spawnSync("script", ["-qec", "true", "/dev/null"]).status).toBe(0);
    expect(onTty({ ...env, NO_COLOR: "" })).toContain(`\x1b[1m${file}:10:2:\x1b[22m \x1b[31merror:\x1b[39m`);
    expect(onTty({ NO_COLOR: "1" })).toContain(`${file}:10:2: error: `);
    expect(onTty({ NO_COLOR: "1" })).not.toContain("\x1b[");
  });

  it("sarif: 2.1.0 with helpUri per rule and fixes per result", () => {
    const log = JSON.parse(ptrguard(["check", "--format", "sarif", file]).stdout);
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe("ptrguard");
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === "lost-cancel");
    expect(rule.helpUri).toBe(`${DOCS}/rules/lost-cancel/README.md`);
    expect(run.results).toHaveLength(1);
    expect(run.results[0].ruleId).toBe("lost-cancel");
    expect(run.results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: file, uriBaseId: "%SRCROOT%" },
      region: { startLine: 10, startColumn: 2, endLine: 10, endColumn: 51 },
    });
    expect(run.results[0].fixes[0].artifactChanges[0].replacements[1]).toEqual({
      deletedRegion: { startLine: 10, startColumn: 174, endLine: 10, endColumn: 174 },
      insertedContent: { text: "\n\tdefer cancel()" },
    });
  });

  it("rdjsonl: one reviewdog diagnostic per line, with suggestions", () => {
    const lines = ptrguard(["check", "--format", "rdjsonl", file]).stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const d = JSON.parse(lines[0]!);
    expect(d.location).toEqual({ path: file, range: { start: { line: 10, column: 2 }, end: { line: 10, column: 51 } } });
    expect(d.severity).toBe("ERROR");
    expect(d.code).toEqual({ value: "lost-cancel", url: `${DOCS}/rules/lost-cancel/README.md` });
    // One linewise suggestion (lines only: the whole of line 10) holding the whole fix.
    expect(d.suggestions).toEqual([{ range: { start: { line: 10 }, end: { line: 10 } }, text: '\tctx, cancel := ctxpkg.WithTimeout(parent, time.Second) // want "the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline"\n\tdefer cancel()' }]);
  });

  it("--fail-on none exits 0 even with findings; --fail-on error ignores warnings", () => {
    expect(ptrguard(["check", "--fail-on", "none", file]).code).toBe(0);
    expect(ptrguard(["check", "--fail-on", "error", file]).code).toBe(1);
  });
});

describe("bad input", () => {
  it("a missing path: exit 2 and one line on stderr", () => {
    expect(ptrguard(["check", "no/such/dir"])).toEqual({ code: 2, stdout: "", stderr: "ptrguard: no such file or directory: no/such/dir\n" });
  });
  it("an unreadable diff file: exit 2", () => {
    expect(ptrguard(["check", "--diff", "missing.diff"])).toEqual({ code: 2, stdout: "", stderr: "ptrguard: cannot read diff file: missing.diff\n" });
  });
  it("a garbage diff: exit 2", () => {
    expect(ptrguard(["check", "--diff", "-"], ROOT, "this is not a diff\n")).toEqual({ code: 2, stdout: "", stderr: "ptrguard: cannot parse the diff: not a unified diff\n" });
  });
  it("a diff naming files that are not there: exit 2", () => {
    const r = ptrguard(["check", "--diff", "change.diff"], scoping);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `ptrguard: the diff names service.go, which is not in ${ROOT} or ${scoping}\n` });
  });
  it("an unknown rule or format: exit 2", () => {
    expect(ptrguard(["check", "--rule", "no-such-rule", "fixtures/cli/clean"]).code).toBe(2);
    const r = ptrguard(["check", "--format", "xml", "fixtures/cli/clean"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif, rdjsonl.\n");
  });
  it("a binary file named .go is skipped with a note, exit 0", () => {
    expect(ptrguard(["check", "--format", "json", "fixtures/cli/binary"])).toEqual({
      code: 0,
      stdout: '{"findings":[]}\n',
      stderr: "ptrguard: skipped fixtures/cli/binary/blob.go: binary or not UTF-8\n",
    });
  });
  it("a file with syntax errors: the rest is analysed, the error noted", () => {
    const r = ptrguard(["check", "--format", "json", "fixtures/cli/broken"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { line: number }) => f.line)).toEqual([12]);
    expect(r.stderr).toMatch(/^ptrguard: fixtures\/cli\/broken\/broken\.go: syntax error near line \d+; the declarations that parsed were analysed\n$/);
  });
  it("a diff that only deletes a Go file: no findings, a note that says so, exit 0", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-deleted-"));
    const diff = "diff --git a/old.go b/old.go\ndeleted file mode 100644\nindex 1111111..0000000\n--- a/old.go\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-package p\n-\n-func f() {}\n";
    expect(ptrguard(["check", "--format", "json", "--diff", "-"], dir, diff)).toEqual({
      code: 0,
      stdout: '{"findings":[]}\n',
      stderr: "ptrguard: no Go files to analyse (the diff only deletes Go files)\n",
    });
  });
  it("an empty directory: no findings, a note, exit 0", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-empty-"));
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub/README"), "not go");
    expect(ptrguard(["check", "--format", "json", "."], dir)).toEqual({ code: 0, stdout: '{"findings":[]}\n', stderr: "ptrguard: no Go files to analyse in .\n" });
  });
});
