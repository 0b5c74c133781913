// Suppression directives as golangci-lint users write them: //nolint, //nolint:all and
// //nolint:ptrguard; a directive above a declaration covers all of it; //ptrguard:ignore-file;
// unknown rule ids; and "suppresses nothing" judged with every rule enabled.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze, type SourceFile } from "../src/analyzer/engine.js";
import type { Rule } from "../src/analyzer/types.js";
import { main } from "../src/cli.js";
import { DEFAULT_CONFIG } from "../src/config.js";
import { parsePatch } from "../src/diff/diff.js";
import { analyse } from "../src/review/analyse.js";
import lostCancel from "../rules/lost-cancel/index.js";
import { rules as registry } from "../rules/index.js";

const GO_MOD = "module example.com/p\n\ngo 1.22\n";

/** A lost cancel in `f` (finding on line 11) and, unless `ticker` is false, a ticker never stopped in `poll`. */
const SOURCE = (above = "", inside = "") => `package p

import (
	"context"
	"time"
)

${above}func f(parent context.Context) error {
	${inside}
	x := 1
	ctx, _ := context.WithCancel(parent)
	_ = x
	return ctx.Err()
}

func poll(done chan struct{}) {
	tick := time.NewTicker(time.Second)
	for {
		select {
		case <-tick.C:
		case <-done:
			return
		}
	}
}
`;

async function run(content: string, options: { rules?: readonly Rule[]; registry?: readonly Rule[]; diff?: SourceFile["diff"] } = {}): Promise<string[]> {
  const file: SourceFile = { path: "p.go", content, goMod: GO_MOD, ...(options.diff ? { diff: options.diff } : {}) };
  const result = await analyze([file], { rules: options.rules ?? registry, ...(options.registry ? { registry: options.registry } : {}) });
  return result.findings.map((f) => `${f.line}:${f.rule}${f.rule === "ignore-directive" ? `: ${f.message}` : ""}`);
}

describe("without directives", () => {
  it("the sample has a lost cancel on line 11 and a ticker never stopped on line 17", async () => {
    expect(await run(SOURCE())).toEqual(["11:lost-cancel", "17:ticker-not-stopped"]);
  });
});

describe("//nolint", () => {
  it("//nolint, //nolint:all and //nolint:ptrguard silence a finding at the end of its line", async () => {
    for (const d of ["//nolint", "//nolint:all", "//nolint:ptrguard", "//nolint:errcheck,ptrguard // the parent is short-lived"]) {
      expect(await run(SOURCE().replace("context.WithCancel(parent)", `context.WithCancel(parent) ${d}`)), d).toEqual(["17:ticker-not-stopped"]);
    }
  });

  it("//nolint:errcheck and //nolintx are for something else", async () => {
    for (const d of ["//nolint:errcheck", "//nolintx"]) {
      expect(await run(SOURCE().replace("context.WithCancel(parent)", `context.WithCancel(parent) ${d}`)), d).toEqual(["11:lost-cancel", "17:ticker-not-stopped"]);
    }
  });

  it("above a func, covers the whole function and nothing after it", async () => {
    expect(await run(SOURCE("//nolint:ptrguard\n"))).toEqual(["18:ticker-not-stopped"]);
    expect(await run(SOURCE("//nolint:all\n"))).toEqual(["18:ticker-not-stopped"]);
  });

  it("between the doc comment and the func, covers the function too", async () => {
    expect(await run(SOURCE("// f derives a context.\n//nolint:ptrguard\n"))).toEqual(["19:ticker-not-stopped"]);
    expect(await run(SOURCE("//nolint:ptrguard\n// f derives a context.\n"))).toEqual(["19:ticker-not-stopped"]);
  });

  it("on a line of its own above a statement, covers that statement only", async () => {
    // On line 9, above `x := 1` (line 10): the finding on line 11 is not covered.
    expect(await run(SOURCE("", "//nolint:ptrguard"))).toEqual(["9:ignore-directive: this //nolint directive suppresses nothing: remove it", "11:lost-cancel", "17:ticker-not-stopped"]);
  });

  it("an unused bare //nolint or //nolint:all is left alone (it may be for another linter); an unused //nolint:ptrguard is reported", async () => {
    // At the end of line 12 it covers lines 12 and 13, where there is no finding.
    const clean = (d: string) => SOURCE().replace("\t_ = x", `\t_ = x ${d}`);
    expect(await run(clean("//nolint"))).toEqual(["11:lost-cancel", "17:ticker-not-stopped"]);
    expect(await run(clean("//nolint:all"))).toEqual(["11:lost-cancel", "17:ticker-not-stopped"]);
    expect(await run(clean("//nolint:ptrguard"))).toEqual(["11:lost-cancel", "12:ignore-directive: this //nolint directive suppresses nothing: remove it", "17:ticker-not-stopped"]);
  });
});

describe("//ptrguard:ignore", () => {
  it("above a func, covers the whole function for the rules it names", async () => {
    expect(await run(SOURCE("//ptrguard:ignore lost-cancel -- the caller cancels parent at once\n"))).toEqual(["18:ticker-not-stopped"]);
    expect(await run(SOURCE("//ptrguard:ignore ticker-not-stopped -- wrong rule\n"))).toEqual([
      "8:ignore-directive: this //ptrguard:ignore directive suppresses nothing: remove it",
      "12:lost-cancel",
      "18:ticker-not-stopped",
    ]);
  });

  it("a typo'd rule id is an unknown rule id, with the nearest id, and silences nothing", async () => {
    expect(await run(SOURCE("//ptrguard:ignore lost-cancle -- the caller cancels parent at once\n"))).toEqual([
      "8:ignore-directive: //ptrguard:ignore names an unknown rule id: `lost-cancle` (did you mean `lost-cancel`?); `ptrguard rules` lists the ids",
      "12:lost-cancel",
      "18:ticker-not-stopped",
    ]);
    expect(await run(SOURCE("//ptrguard:ignore lost-cancel,no-such-rule -- reason\n"))).toEqual([
      "8:ignore-directive: //ptrguard:ignore names an unknown rule id: `no-such-rule`; `ptrguard rules` lists the ids",
      "18:ticker-not-stopped",
    ]);
  });

  it("names no rule, or gives no reason: said so", async () => {
    expect(await run(SOURCE("//ptrguard:ignore -- because\n"))).toEqual([
      "8:ignore-directive: //ptrguard:ignore names no rule: write //ptrguard:ignore <rule-id> -- <reason>",
      "12:lost-cancel",
      "18:ticker-not-stopped",
    ]);
    expect(await run(SOURCE("//ptrguard:ignore lost-cancel\n"))).toEqual(["8:ignore-directive: //ptrguard:ignore lost-cancel gives no reason: say why the finding is wrong here", "18:ticker-not-stopped"]);
  });
});

describe("//ptrguard:ignore-file", () => {
  const header = (d: string) => SOURCE().replace("package p\n", `${d}\npackage p\n`);

  it("silences every finding of the rules it names in the file", async () => {
    expect(await run(header("//ptrguard:ignore-file ticker-not-stopped -- pollers live as long as the process"))).toEqual(["12:lost-cancel"]);
    expect(await run(header("//ptrguard:ignore-file ticker-not-stopped,lost-cancel -- generated by hand"))).toEqual([]);
  });

  it("with nothing to silence in a file analysed whole, suppresses nothing", async () => {
    expect(await run(header("//ptrguard:ignore-file waitgroup-by-value -- no WaitGroup here"))).toEqual([
      "1:ignore-directive: this //ptrguard:ignore-file directive suppresses nothing: remove it",
      "12:lost-cancel",
      "18:ticker-not-stopped",
    ]);
  });

  it("in a diff that touches only f, is not judged: poll was not analysed", async () => {
    const content = header("//ptrguard:ignore-file waitgroup-by-value -- no WaitGroup here");
    const diff = parsePatch("@@ -11,3 +11,3 @@\n \tx := 1\n-\tctx, cancel := context.WithCancel(parent)\n+\tctx, _ := context.WithCancel(parent)\n \t_ = x\n", "p.go");
    expect(await run(content, { diff })).toEqual(["12:lost-cancel"]);
  });

  it("without a reason or with an unknown id, says so", async () => {
    expect(await run(header("//ptrguard:ignore-file ticker-not-stopped"))).toEqual([
      "1:ignore-directive: //ptrguard:ignore-file ticker-not-stopped gives no reason: say why the finding is wrong here",
      "12:lost-cancel",
    ]);
    expect(await run(header("//ptrguard:ignore-file ticker-stopped -- pollers"))).toEqual([
      "1:ignore-directive: //ptrguard:ignore-file names an unknown rule id: `ticker-stopped` (did you mean `ticker-not-stopped`?); `ptrguard rules` lists the ids",
      "12:lost-cancel",
      "18:ticker-not-stopped",
    ]);
  });
});

describe("suppresses nothing, judged with every rule enabled", () => {
  const tickerIgnored = SOURCE().replace("\ttick := time.NewTicker", "\t//ptrguard:ignore ticker-not-stopped -- poll runs for the life of the process\n\ttick := time.NewTicker");

  it("a directive for a rule left out of the run is in use when that rule would have reported there", async () => {
    expect(await run(tickerIgnored, { rules: [lostCancel], registry })).toEqual(["11:lost-cancel"]);
    // Without the registry the engine cannot know: it only has the rules it runs.
    expect(await run(tickerIgnored, { rules: [lostCancel] })).toEqual(["11:lost-cancel", "17:ignore-directive: //ptrguard:ignore names an unknown rule id: `ticker-not-stopped`; `ptrguard rules` lists the ids"]);
  });

  it("one for a rule left out that would report nothing there still suppresses nothing", async () => {
    const wrong = SOURCE().replace("\tx := 1", "\t//ptrguard:ignore ticker-not-stopped -- no ticker here\n\tx := 1");
    expect(await run(wrong, { rules: [lostCancel], registry })).toEqual(["10:ignore-directive: this //ptrguard:ignore directive suppresses nothing: remove it", "12:lost-cancel"]);
  });

  it("a directive on a finding that test_findings: bugs leaves out (a ticker in a _test.go file) is in use", async () => {
    const inTest = async (content: string, testFindings?: "bugs" | "all") =>
      (await analyze([{ path: "p_test.go", content, goMod: GO_MOD }], { rules: registry, ...(testFindings ? { testFindings } : {}) })).findings.map((f) => `${f.line}:${f.rule}`);
    expect(await inTest(SOURCE())).toEqual(["11:lost-cancel"]);
    expect(await inTest(SOURCE(), "all")).toEqual(["11:lost-cancel", "17:ticker-not-stopped"]);
    expect(await inTest(tickerIgnored)).toEqual(["11:lost-cancel"]);
    expect(await inTest(tickerIgnored, "all")).toEqual(["11:lost-cancel"]);
  });

  it("the App: a rule `off` in the config", async () => {
    const config = { ...DEFAULT_CONFIG, rules: { "ticker-not-stopped": "off" as const }, paths_ignore: [] };
    const result = await analyse([{ file: { path: "p.go", content: tickerIgnored, goMod: GO_MOD }, githubDiff: undefined }], registry, config);
    expect(result.findings.map((f) => `${f.line}:${f.rule}`)).toEqual(["11:lost-cancel"]);
  });

  describe("the CLI: --rule", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-directives-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("ptrguard check --rule lost-cancel does not call the ticker directive useless", async () => {
      writeFileSync(path.join(dir, "go.mod"), GO_MOD);
      writeFileSync(path.join(dir, "p.go"), tickerIgnored);
      let out = "";
      const code = await main(["check", "--rule", "lost-cancel", "--format", "json", "p.go"], { cwd: dir, stdout: (s) => (out += s), stderr: () => {} });
      const findings = (JSON.parse(out) as { findings: { rule: string; line: number }[] }).findings;
      expect(findings.map((f) => `${f.line}:${f.rule}`)).toEqual(["11:lost-cancel"]);
      expect(code).toBe(1);
    });
  });
});
