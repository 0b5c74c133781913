// A whole-tree run in text is read from the top: errors first, then warnings, then info (each by
// path and line), and the summary closes with a count per rule. JSON keeps the engine's order.
import { describe, expect, it } from "vitest";
import { main, type Io } from "../src/cli.js";
import type { Finding } from "../src/analyzer/types.js";
import { ruleCountLine, toText } from "../src/report/text.js";
import { CTX_IN_STRUCT, goRepo, LOST_CANCEL } from "./helpers/gorepo.js";

async function ptrguard(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const io: Io = { cwd, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const finding = (path: string, line: number, rule: string, severity: Finding["severity"]): Finding => ({
  rule,
  severity,
  path,
  line,
  column: 1,
  endLine: line,
  endColumn: 2,
  message: "m",
  related: [],
  unit: "f",
  code: "x",
  docs: "d",
  title: "t",
  why: "w",
});

describe("text output of a whole tree", () => {
  it("lists errors, then warnings, then info, each by path and line; JSON keeps path order", async () => {
    const repo = goRepo();
    repo.write("a/server.go", CTX_IN_STRUCT);
    repo.write("b/fetch.go", LOST_CANCEL);
    repo.write("c/fetch.go", LOST_CANCEL);
    const text = await ptrguard(["check", "--enable", "context-in-struct", "."], repo.dir);
    expect(text.code).toBe(1);
    const heads = text.stdout.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l)).map((l) => l.replace(/^(\S+:\d+):\d+: (\w+): .*\[(.+)\]$/, "$1 $2 $3"));
    expect(heads).toEqual(["b/fetch.go:10 error lost-cancel", "c/fetch.go:10 error lost-cancel", "a/server.go:7 warning context-in-struct"]);
    expect(text.stderr).toBe("3 findings (2 error, 1 warning, 0 info) in 4 files analysed\nby rule: 2 lost-cancel, 1 context-in-struct\n");

    const json = await ptrguard(["check", "--format", "json", "--enable", "context-in-struct", "."], repo.dir);
    expect(JSON.parse(json.stdout).findings.map((f: Finding) => f.path)).toEqual(["a/server.go", "b/fetch.go", "c/fetch.go"]);
    expect(json.stderr).toBe("");
  });

  it("no findings: no count line", async () => {
    const repo = goRepo();
    const r = await ptrguard(["check", "."], repo.dir);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "0 findings (0 error, 0 warning, 0 info) in 1 file analysed\n" });
  });

  it("orders by severity, path, line and column, and counts each rule, most first then by id", () => {
    const fs = [finding("a.go", 9, "r-info", "info"), finding("b.go", 2, "r-warn", "warning"), finding("a.go", 3, "r-warn", "warning"), finding("z.go", 1, "r-err", "error"), finding("a.go", 1, "r-info", "info")];
    expect(toText(fs).split("\n").filter(Boolean).map((l) => l.split(": ")[0])).toEqual(["z.go:1:1", "a.go:3:1", "b.go:2:1", "a.go:1:1", "a.go:9:1"]);
    expect(ruleCountLine(fs)).toBe("by rule: 2 r-info, 2 r-warn, 1 r-err");
    expect(ruleCountLine([])).toBe("");
  });
});
