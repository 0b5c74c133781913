// The CLI's fixed cost, measured as a user pays it: whole processes, each timed from spawn to exit
// (median of several runs) and by CPU time (mean, from /proc: steadier on a shared machine), next
// to `node -e 0` in the same run so the difference is ptrguard's own.
// cliOneLineDiffMs: `ptrguard check --diff` of a one-line change in a 49-line file, no config;
// cliOneLineDiffConfigMs: the same with a .github/ptrguard.yml (YAML and Ajv loaded).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPatch } from "diff";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/ptrguard.js");

/** CPU time (user + system, ms) of this process's waited-for children, from /proc (Linux); null elsewhere. */
function childrenCpuMs(): number | null {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
    // After the command name: field 3 is index 0, so cutime (16) and cstime (17) are 13 and 14.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Median wall time of `runs` processes, and their mean CPU time (what a loaded machine distorts least). */
function timeRuns(args: string[], cwd: string, runs: number): { ms: number; cpuMs: number | null } {
  const ms: number[] = [];
  const cpu0 = childrenCpuMs();
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    ms.push(performance.now() - s);
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.toString()}`);
  }
  const cpu1 = childrenCpuMs();
  return { ms: +[...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!.toFixed(1), cpuMs: cpu0 === null || cpu1 === null ? null : +((cpu1 - cpu0) / runs).toFixed(1) };
}

export interface CliBench {
  nodeStartMs: number;
  cliVersionMs: number;
  cliOneLineDiffMs: number;
  cliOneLineDiffConfigMs: number;
  /** The same, as CPU time (user + system) per process. */
  nodeStartCpuMs: number | null;
  cliVersionCpuMs: number | null;
  cliOneLineDiffCpuMs: number | null;
  cliOneLineDiffConfigCpuMs: number | null;
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
    const node = timeRuns(["-e", "0"], dir, runs);
    const version = timeRuns([BIN, "--version"], dir, runs);
    const oneLine = timeRuns(check, dir, runs);
    mkdirSync(path.join(dir, ".github"));
    writeFileSync(path.join(dir, ".github/ptrguard.yml"), "rules:\n  afterfunc-untracked: off\npaths_ignore: [gen/**]\nfail_on: warning\n");
    const withConfig = timeRuns(check, dir, runs);
    return {
      nodeStartMs: node.ms,
      cliVersionMs: version.ms,
      cliOneLineDiffMs: oneLine.ms,
      cliOneLineDiffConfigMs: withConfig.ms,
      nodeStartCpuMs: node.cpuMs,
      cliVersionCpuMs: version.cpuMs,
      cliOneLineDiffCpuMs: oneLine.cpuMs,
      cliOneLineDiffConfigCpuMs: withConfig.cpuMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printCli(r: CliBench): void {
  console.log(`CLI, whole process (median wall / mean CPU): node -e 0 ${r.nodeStartMs} / ${r.nodeStartCpuMs} ms; ptrguard --version ${r.cliVersionMs} / ${r.cliVersionCpuMs} ms; one-line diff check ${r.cliOneLineDiffMs} / ${r.cliOneLineDiffCpuMs} ms (${r.cliOneLineDiffConfigMs} / ${r.cliOneLineDiffConfigCpuMs} ms with a .github/ptrguard.yml)`);
}
