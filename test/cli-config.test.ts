// `ptrguard check` in a Go repository as a developer runs it: the repository's
// .github/ptrguard.yml, the flags over it, git diffs from anywhere in the tree, the terminal.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_CODES, FAIL_ON_VALUES, main, SCOPE_VALUES, TEST_FINDINGS_VALUES, type Io } from "../src/cli.js";
import { SCOPES, TEST_FINDINGS } from "../src/analyzer/engine.js";
import { FAIL_ON_VALUES as CONFIG_FAIL_ON } from "../src/config-schema.js";
import { CLEAN, CTX_IN_STRUCT, goRepo, LOST_CANCEL } from "./helpers/gorepo.js";

async function ptrguard(args: string[], cwd: string, extra: Partial<Io> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { cwd, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), ...extra });
  return { code, stdout, stderr };
}
const where = (stdout: string) => (JSON.parse(stdout) as { findings: { rule: string; path: string; line: number; severity: string }[] }).findings.map((f) => `${f.path}:${f.line} ${f.rule} ${f.severity}`);

describe("the configuration", () => {
  it("without a file: the opinion rule context-in-struct is off, every other rule on", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.write("svc/server.go", CTX_IN_STRUCT);
    const r = await ptrguard(["check", "--format", "json"], repo.dir);
    expect(where(r.stdout)).toEqual(["svc/fetch.go:10 lost-cancel error"]);
    expect(r.code).toBe(1);
  });

  it("context-in-struct runs when the file switches it on, or --enable / --rule asks for it; fail_on error (a warning alone exits 0)", async () => {
    const repo = goRepo();
    repo.write("svc/server.go", CTX_IN_STRUCT);
    for (const args of [["--enable", "context-in-struct"], ["--rule", "context-in-struct"]]) {
      const r = await ptrguard(["check", "--format", "json", ...args], repo.dir);
      expect(where(r.stdout)).toEqual(["svc/server.go:7 context-in-struct warning"]);
      expect(r.code).toBe(0);
    }
    repo.write(".github/ptrguard.yml", "rules:\n  context-in-struct: on\n");
    expect(where((await ptrguard(["check", "--format", "json"], repo.dir)).stdout)).toEqual(["svc/server.go:7 context-in-struct warning"]);
    repo.write(".github/ptrguard.yml", "rules:\n  context-in-struct: error\n");
    const r = await ptrguard(["check", "--format", "json"], repo.dir);
    expect(where(r.stdout)).toEqual(["svc/server.go:7 context-in-struct error"]);
    expect(r.code).toBe(1);
    // Switched on in the file, --rule naming another rule still runs only that one.
    expect(where((await ptrguard(["check", "--format", "json", "--rule", "lost-cancel"], repo.dir)).stdout)).toEqual([]);
  });

  it("honours .github/ptrguard.yml at the repository root, from a subdirectory too", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.write("svc/server.go", CTX_IN_STRUCT);
    repo.write("gen/fetch.go", LOST_CANCEL.replace("package svc", "package gen"));
    repo.write(".github/ptrguard.yml", "rules:\n  lost-cancel: warning\n  context-in-struct: off\npaths_ignore: [gen/**]\nfail_on: warning\n");
    const r = await ptrguard(["check", "--format", "json", "."], repo.dir);
    expect(where(r.stdout)).toEqual(["svc/fetch.go:10 lost-cancel warning"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ptrguard: skipped 1 file matching paths_ignore or --exclude (--verbose lists them)\n");
    const sub = await ptrguard(["check", "--format", "json", "."], path.join(repo.dir, "svc"));
    expect(where(sub.stdout)).toEqual(["fetch.go:10 lost-cancel warning"]);
  });

  it("flags override it: --enable, --disable, --exclude, --fail-on, --scope", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.write("svc/server.go", CTX_IN_STRUCT);
    repo.write(".github/ptrguard.yml", "rules:\n  context-in-struct: off\n");
    expect(where((await ptrguard(["check", "--format", "json", "--enable", "context-in-struct", "--disable", "lost-cancel"], repo.dir)).stdout)).toEqual(["svc/server.go:7 context-in-struct warning"]);
    const excluded = await ptrguard(["check", "--format", "json", "--exclude", "svc/fetch.go", "--verbose"], repo.dir);
    expect(where(excluded.stdout)).toEqual([]);
    expect(excluded.stderr).toBe("ptrguard: skipped svc/fetch.go: matches `paths_ignore`\n");
    expect((await ptrguard(["check", "--format", "json", "--fail-on", "none"], repo.dir)).code).toBe(0);
  });

  it("--config FILE instead; a missing one is exit 2; problems are warnings on stderr", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.write("ci/ptrguard.yml", "rules:\n  lost-cancel: off\nfail_on: critical\n");
    const r = await ptrguard(["check", "--format", "json", "--config", "ci/ptrguard.yml"], repo.dir);
    expect(where(r.stdout)).toEqual([]);
    expect(r.stderr).toBe('ptrguard: ci/ptrguard.yml: `fail_on` must be one of `error`, `warning`, `info`, `none`; got `"critical"`, so the default `"error"` is used\n');
    expect(await ptrguard(["check", "--config", "nope.yml"], repo.dir)).toEqual({ code: 2, stdout: "", stderr: `ptrguard: cannot read the configuration file ${path.join(repo.dir, "nope.yml")}\n` });
    expect((await ptrguard(["check", "--disable", "no-such-rule"], repo.dir)).code).toBe(2);
  });
});

// A test whose pinger is left blocked only once the test has failed (t.Error, then return), and a
// test loop with a pending time.After per round: their harm ends with the test binary.
const FAILING_ONLY = `package svc

import (
	"testing"
	"time"
)

func ping() error { return nil }

func TestPing(t *testing.T) {
	errc := make(chan error)
	go func() {
		errc <- ping()
	}()
	select {
	case err := <-errc:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(time.Second):
		t.Error("no answer to ping")
		return
	}
}

func TestDrain(t *testing.T) {
	events := make(chan int, 3)
	for i := 0; i < 3; i++ {
		events <- i
	}
	close(events)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-time.After(time.Second):
			t.Fatal("stuck")
		}
	}
}
`;

// Skipped in short mode after the goroutine started: the test passes and the pinger stays blocked.
const PASSING_LEAK = `package svc

import "testing"

func TestPingShort(t *testing.T) {
	errc := make(chan error)
	go func() {
		errc <- ping()
	}()
	if testing.Short() {
		return
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
`;

describe("findings in test code (test_findings)", () => {
  it("by default leaves out leaks only a failing test reaches and timers in _test.go, and keeps a passing test's leak", async () => {
    const repo = goRepo();
    repo.write("svc/ping_test.go", FAILING_ONLY);
    const quiet = await ptrguard(["check", "--format", "json"], repo.dir);
    expect(where(quiet.stdout)).toEqual([]);
    expect(quiet.code).toBe(0);
    repo.write("svc/short_test.go", PASSING_LEAK);
    const r = await ptrguard(["check", "--format", "json"], repo.dir);
    expect(where(r.stdout)).toEqual(["svc/short_test.go:6 goroutine-send-leak error"]);
    expect((JSON.parse(r.stdout) as { findings: { message: string }[] }).findings[0]!.message).toBe(
      "errc is unbuffered: if the function returns on line 11 without receiving, the goroutine started on line 7 blocks forever",
    );
    expect(r.code).toBe(1);
  });

  it("test_findings: all in the file, or --test-findings all, reports them: the failing test's leak at warning, saying so", async () => {
    const repo = goRepo();
    repo.write("svc/ping_test.go", FAILING_ONLY);
    repo.write(".github/ptrguard.yml", "test_findings: all\n");
    const r = await ptrguard(["check", "--format", "json"], repo.dir);
    const findings = (JSON.parse(r.stdout) as { findings: { rule: string; line: number; severity: string; message: string }[] }).findings;
    expect(findings.map((f) => `${f.line} ${f.rule} ${f.severity}: ${f.message}`)).toEqual([
      "11 goroutine-send-leak warning: errc is unbuffered: if the test fails on line 21, the sender on line 13 stays blocked forever",
      "38 time-after-in-loop warning: time.After starts a timer each round; rounds that leave the select through the case on line 34 leave it pending until it fires",
    ]);
    expect(r.code).toBe(0); // warnings, below fail_on error
    expect((await ptrguard(["check", "--format", "json", "--fail-on", "warning"], repo.dir)).code).toBe(1);
    // The flag overrides the file, either way.
    expect(where((await ptrguard(["check", "--format", "json", "--test-findings", "bugs"], repo.dir)).stdout)).toEqual([]);
    repo.write(".github/ptrguard.yml", "fail_on: warning\n");
    const flag = await ptrguard(["check", "--format", "json", "--test-findings", "all"], repo.dir);
    expect(where(flag.stdout)).toEqual(["svc/ping_test.go:11 goroutine-send-leak warning", "svc/ping_test.go:38 time-after-in-loop warning"]);
    expect(flag.code).toBe(1);
  });

  it("a bad value is a warning on stderr, and the default (bugs) is used; a bad flag value is exit 2", async () => {
    const repo = goRepo();
    repo.write("svc/ping_test.go", FAILING_ONLY);
    repo.write(".github/ptrguard.yml", "test_findings: yes\n");
    const r = await ptrguard(["check", "--format", "json"], repo.dir);
    expect(where(r.stdout)).toEqual([]);
    expect(r.stderr).toBe('ptrguard: .github/ptrguard.yml: `test_findings` must be one of `bugs`, `all`; got `"yes"`, so the default `"bugs"` is used\n');
    expect(r.code).toBe(0);
    const bad = await ptrguard(["check", "--test-findings", "some"], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: option '--test-findings <which>' argument 'some' is invalid. Allowed choices are bugs, all.");
  });
});

describe("diffs as git users expect", () => {
  it("git diff | ptrguard check --diff - from a subdirectory takes the paths from the repository root", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.git("add", "-N", "svc/fetch.go");
    const diff = repo.git("diff");
    const r = await ptrguard(["check", "--format", "json", "--diff", "-"], path.join(repo.dir, "svc"), { stdin: (await import("node:stream")).Readable.from([diff]) });
    expect(where(r.stdout)).toEqual(["fetch.go:10 lost-cancel error"]);
    expect(r.code).toBe(1);
  });

  it("--git REF compares with the merge base, as a pull request does, and sees untracked Go files", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL); // an old bug, already on main
    repo.git("add", ".");
    repo.git("commit", "-qm", "fetch");
    repo.git("checkout", "-qb", "feature");
    repo.write("svc/clean.go", CLEAN + "\nfunc Sub(a, b int) int { return a - b }\n");
    repo.git("commit", "-qam", "sub");
    // main moves on and edits Fetch; this branch never touched it.
    repo.git("checkout", "-q", "main");
    repo.write("svc/fetch.go", LOST_CANCEL.replace("\treturn ctx.Err()", "\t// main was here\n\treturn ctx.Err()"));
    repo.git("commit", "-qam", "main edits Fetch");
    repo.git("checkout", "-q", "feature");
    repo.write("svc/new.go", LOST_CANCEL.replace("func Fetch", "func Fetch2"));
    const args = ["check", "--format", "json", "--scope", "function"];
    const r = await ptrguard([...args, "--git", "main"], path.join(repo.dir, "svc"));
    expect(where(r.stdout)).toEqual(["new.go:10 lost-cancel error"]);
    // Against main's tip, Fetch would count as touched and its old bug would be reported.
    const tip = await ptrguard([...args, "--diff", "-"], repo.dir, { stdin: (await import("node:stream")).Readable.from([repo.git("diff", "main")]) });
    expect(where(tip.stdout)).toEqual(["svc/fetch.go:10 lost-cancel error"]);
    expect((await ptrguard(["check", "--git", "no-such-ref"], repo.dir)).code).toBe(2);
  });

  it("--staged analyses what is staged, as staged", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.git("add", "svc/fetch.go");
    repo.write("svc/fetch.go", CLEAN); // fixed in the working tree, not yet staged
    const r = await ptrguard(["check", "--format", "json", "--staged"], repo.dir);
    expect(where(r.stdout)).toEqual(["svc/fetch.go:10 lost-cancel error"]);
    expect(where((await ptrguard(["check", "--format", "json", "--git", "HEAD"], repo.dir)).stdout)).toEqual([]);
  });

  it("--staged reads the index as bytes: a staged file that is not UTF-8 is skipped as the tree walk skips it", async () => {
    const repo = goRepo();
    // Latin-1 in a comment: not UTF-8 (decoded loosely, it would become U+FFFD and be analysed).
    const latin1 = Buffer.concat([Buffer.from(LOST_CANCEL.replace("// Fetch asks", "// Fetch (caf")), Buffer.from([0xe9]), Buffer.from(") asks")]);
    writeFileSync(path.join(repo.dir, "svc/fetch.go"), latin1);
    repo.git("add", "svc/fetch.go");
    repo.write("svc/fetch.go", LOST_CANCEL); // valid UTF-8 in the working tree, not staged
    const skipped = "ptrguard: skipped svc/fetch.go: binary or not UTF-8\n";
    const staged = await ptrguard(["check", "--format", "json", "--staged"], repo.dir);
    expect(staged).toEqual({ code: 0, stdout: '{"findings":[]}\n', stderr: skipped });
    // The same bytes in the working tree: the tree walk says the same.
    writeFileSync(path.join(repo.dir, "svc/fetch.go"), latin1);
    expect(await ptrguard(["check", "--format", "json", "svc"], repo.dir)).toEqual({ code: 0, stdout: '{"findings":[]}\n', stderr: skipped });
    // A valid staged file that contains U+FFFD itself is analysed.
    repo.write("svc/fetch.go", LOST_CANCEL.replace("// Fetch asks", "// Fetch (\uFFFD) asks"));
    repo.git("add", "svc/fetch.go");
    expect(where((await ptrguard(["check", "--format", "json", "--staged"], repo.dir)).stdout)).toEqual(["svc/fetch.go:10 lost-cancel error"]);
  });
});

describe("the terminal", () => {
  it("colours on a terminal only", async () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    const plain = await ptrguard(["check"], repo.dir);
    expect(plain.stdout).not.toContain("\x1b[");
    const coloured = await ptrguard(["check"], repo.dir, { color: true });
    expect(coloured.stdout).toContain("\x1b[1msvc/fetch.go:10:2:\x1b[22m \x1b[31merror:\x1b[39m");
    expect(coloured.stdout).toContain("\x1b[32m+\tdefer cancel()\x1b[39m");
  });

  it("shows progress on stderr for long runs, then clears it; one line for vendored and generated files", async () => {
    const repo = goRepo();
    for (let i = 0; i < 20; i++) repo.write(`svc/f${i}.go`, CLEAN.replace("Add", `Add${i}`));
    for (let i = 0; i < 3; i++) repo.write(`vendor/x/v${i}.go`, CLEAN);
    repo.write("svc/gen.go", "// Code generated by hand. DO NOT EDIT.\n\n" + CLEAN.replace("Add", "Gen"));
    const r = await ptrguard(["check"], repo.dir, { progress: true, progressAfterMs: 0 });
    expect(r.stderr).toBe(
      // One step per directory (its files are each other's evidence): svc/ (22 files), then vendor/.
      "\rptrguard: 22/25 files analysed\x1b[K\r\x1b[K" +
        "ptrguard: skipped 3 vendored files, 1 generated file (--verbose lists them)\n" +
        "0 findings (0 error, 0 warning, 0 info) in 21 files analysed\n",
    );
    const quiet = await ptrguard(["check"], repo.dir);
    expect(quiet.stderr).not.toContain("files analysed\x1b[K");
    const verbose = await ptrguard(["check", "--verbose"], repo.dir);
    expect(verbose.stderr.split("\n").filter((l) => l.startsWith("ptrguard: skipped"))).toEqual([
      "ptrguard: skipped svc/gen.go: generated (Code generated ... DO NOT EDIT)",
      "ptrguard: skipped vendor/x/v0.go: vendored",
      "ptrguard: skipped vendor/x/v1.go: vendored",
      "ptrguard: skipped vendor/x/v2.go: vendored",
    ]);
  });

  it("bare ptrguard: usage on stderr, exit 2; --help lists the exit codes and every value", async () => {
    const bare = await ptrguard([], ".");
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: ptrguard \[options\] \[command\]/);
    expect((await ptrguard(["--help"], ".")).stdout).toContain(EXIT_CODES);
    const help = (await ptrguard(["check", "--help"], ".")).stdout.replace(/\s+/g, " ");
    expect(help).toContain(EXIT_CODES.replace(/\s+/g, " "));
    expect(help).toContain('(choices: "text", "json", "sarif", "rdjsonl", default: "text")');
    expect(help).toContain('(choices: "new", "added", "function", "file")');
    expect(help).toContain('(choices: "error", "warning", "info", "none")');
    expect(help).toContain('(choices: "bugs", "all")');
    expect(help).toContain("merge base");
    expect(SCOPE_VALUES).toEqual(SCOPES);
    expect(FAIL_ON_VALUES).toEqual(CONFIG_FAIL_ON);
    expect(TEST_FINDINGS_VALUES).toEqual(TEST_FINDINGS);
  });

  it("ptrguard rules lists id, severity, default and a line; explain shows the page", async () => {
    const rules = await ptrguard(["rules"], ".");
    expect(rules.code).toBe(0);
    expect(rules.stdout.split("\n")[0]).toMatch(/^ID +SEVERITY +DEFAULT +FIX +WHAT IT FLAGS$/);
    expect(rules.stdout).toMatch(/^lost-cancel +error +on +yes +the cancel function/m);
    expect(rules.stdout).toMatch(/^ignore-directive +info +on +no +/m);
    const page = await ptrguard(["explain", "lost-cancel"], ".");
    expect(page.stdout.startsWith("# lost-cancel\n\nFlags the cancel function")).toBe(true);
    expect((await ptrguard(["explain", "ignore-directive"], ".")).stdout.startsWith("## Suppressing a finding")).toBe(true);
    expect(await ptrguard(["explain", "nope"], ".")).toEqual({ code: 2, stdout: "", stderr: "ptrguard: unknown rule: nope (`ptrguard rules` lists them)\n" });
  });
});
