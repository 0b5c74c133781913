// The CLI's fixed cost, measured as a user pays it: whole processes, each timed from spawn to exit
// (median of several runs), next to `node -e 0` in the same run so the difference is ptrguard's own.
// cliOneLineDiffMs: `ptrguard check --diff` of a one-line change in a 49-line file, no config;
// cliOneLineDiffConfigMs: the same with a .github/ptrguard.yml (YAML and Ajv loaded).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPatch } from "diff";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/ptrguard.js");

function timeRuns(args: string[], cwd: string, runs: number): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    ms.push(performance.now() - s);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return +[...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!.toFixed(1);
}

export interface CliBench {
  nodeStartMs: number;
  cliVersionMs: number;
  cliOneLineDiffMs: number;
  cliOneLineDiffConfigMs: number;
}

export function benchCli(runs = 11): CliBench {
  const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-bench-cli-"));
  try {
    const source = readFileSync(path.join(ROOT, "fixtures/diffs/scoping/head/service.go"), "utf8");
    const changed = source.replace("ctx, cancel := context.WithTimeout(parent, time.Second)", "ctx, cancel := context.WithTimeout(parent, 2*time.Second)");
    if (changed === source) throw new Error("the bench's one-line change did not apply");
    writeFileSync(path.join(dir, "go.mod"), "module example.com/bench\n\ngo 1.21\n");
    writeFileSync(path.join(dir, "service.go"), changed);
    writeFileSync(path.join(dir, "one.diff"), createPatch("service.go", source, changed).replace(/^Index: .*\n=+\n/, "").replace(/^--- service.go.*$/m, "--- a/service.go").replace(/^\+\+\+ service.go.*$/m, "+++ b/service.go"));
    const check = [BIN, "check", "--diff", "one.diff"];
    timeRuns(check, dir, 2); // warm the file cache
    const nodeStartMs = timeRuns(["-e", "0"], dir, runs);
    const cliVersionMs = timeRuns([BIN, "--version"], dir, runs);
    const cliOneLineDiffMs = timeRuns(check, dir, runs);
    mkdirSync(path.join(dir, ".github"));
    writeFileSync(path.join(dir, ".github/ptrguard.yml"), "rules:\n  afterfunc-untracked: off\npaths_ignore: [gen/**]\nfail_on: warning\n");
    const cliOneLineDiffConfigMs = timeRuns(check, dir, runs);
    return { nodeStartMs, cliVersionMs, cliOneLineDiffMs, cliOneLineDiffConfigMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printCli(r: CliBench): void {
  console.log(`CLI, whole process (median): node -e 0 ${r.nodeStartMs} ms; ptrguard --version ${r.cliVersionMs} ms; one-line diff check ${r.cliOneLineDiffMs} ms (${r.cliOneLineDiffConfigMs} ms with a .github/ptrguard.yml)`);
}
