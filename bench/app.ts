// The App against the demo's GitHub stand-in over loopback HTTP, with the production Octokit
// settings (src/github/throttle.ts): GitHub API calls per run for a 1-file and a 100-file pull
// request, and a one-file review's wall time against its CPU time (goal: wall within 2x CPU).
// The stand-in runs in a process of its own, so the CPU time is the app's. On a machine shared
// with other work the review also waits for a CPU: `...Uncontended` ratios take the main thread's
// run-queue wait (Linux schedstat) out of the wall time. Controls: the same review with no
// throttle at all, and with Probot's default throttle (writes and every GraphQL call spaced a
// second apart).
import { fork, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { loadGo } from "../src/analyzer/parser.js";
import { githubPatch, packageRoot, type DemoFile, type DemoRepo, type PullMeta, type Tree } from "../src/demo/fixture.js";
import { limitedOctokit } from "../src/github/throttle.js";
import { createApp } from "../src/index.js";
import type { AppMetrics } from "../src/review/deps.js";

export interface AppBench {
  /** GitHub API calls of a first run (the installation token not counted). */
  callsOneFile: number;
  callsHundredFiles: number;
  /** A one-file review (medians of the runs after the first). */
  oneFileWallMs: number;
  oneFileCpuMs: number;
  wallCpuRatio: number;
  /** The main thread's run-queue wait (waiting for a CPU other work holds), median; 0 off Linux. */
  oneFileRunQueueMs: number;
  /** Wall time less the run-queue wait, over CPU time: the ratio on a machine of its own. */
  wallCpuRatioUncontended: number;
  /** The control: the same review with no throttle at all (on a busy machine wall exceeds CPU for reasons of its own). */
  noThrottleWallCpuRatio: number;
  noThrottleWallCpuRatioUncontended: number;
  /** The same review with Probot's default throttle. */
  probotDefaultWallCpuRatio: number;
}

const ROOT = packageRoot();
const fixture = (rel: string) => readFileSync(path.join(ROOT, "fixtures/app", rel), "utf8");
const sha = (seed: string) => Buffer.from(seed.padEnd(20, "-").slice(0, 20)).toString("hex");

const META = JSON.parse(readFileSync(path.join(ROOT, "fixtures/demo/pr.json"), "utf8")) as PullMeta;

/** A pull request of `n` Go files: svc/fetch.go with two findings and n-1 small files in their own directories. */
export function repoOf(n: number): DemoRepo {
  const meta = META;
  const base: Tree = new Map([["go.mod", fixture("go.mod")], ["svc/fetch.go", fixture("suggestion/base/svc/fetch.go")]]);
  const head: Tree = new Map([...base, ["svc/fetch.go", fixture("suggestion/head/svc/fetch.go")]]);
  for (let i = 1; i < n; i++) head.set(`pkg/p${i}/p.go`, `package p${i}\n\nfunc F() int { return ${i} }\n`);
  const files: DemoFile[] = [];
  for (const name of [...head.keys()].sort()) {
    const before = base.get(name);
    const after = head.get(name)!;
    if (before === after) continue;
    const { patch, additions, deletions } = githubPatch(before ?? "", after);
    files.push({ filename: name, status: before === undefined ? "added" : "modified", additions, deletions, changes: additions + deletions, patch });
  }
  const baseSha = sha(`base${n}`);
  const headSha = sha(`head${n}`);
  const trees = new Map([
    [baseSha, base],
    [headSha, head],
  ]);
  return { meta, base, head, baseSha, headSha, files, treeAt: (s) => trees.get(s) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quiet: AppMetrics = { webhookReceived: () => {}, runFinished: () => {}, findingsReported: () => {}, githubCall: () => {} };

interface Run {
  calls: number;
  wallMs: number;
  cpuMs: number;
  /** Time the main thread was ready to run but waited for a CPU (Linux; 0 elsewhere). */
  runQueueMs: number;
}

/**
 * The main thread's time spent waiting on a run queue so far, in ms (Linux's schedstat: on a
 * machine shared with other work, a review waits for a CPU, which is not the app's doing).
 */
function runQueueMs(): number {
  try {
    return Number(readFileSync("/proc/self/schedstat", "utf8").split(" ")[1]) / 1e6 || 0;
  } catch {
    return 0;
  }
}

/** One reply of the stand-in's process (bench/standin-child.ts). */
function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the stand-in exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (m) => {
      child.off("exit", onExit);
      resolve(m as T);
    });
    if (msg) child.send(msg);
  });
}

/**
 * Runs the review of the stand-in's pull request `runs` times (its posts cleared in between). The
 * stand-in runs in a process of its own: the CPU time measured here is the app's alone.
 */
export async function review(n: number, Octokit: typeof ProbotOctokit, runs: number): Promise<Run[]> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  const here = fileURLToPath(import.meta.url);
  // From source (tsx, vitest) the child's TypeScript is loaded by tsx; from dist/ by plain node.
  const ext = path.extname(here);
  const child = fork(path.join(path.dirname(here), `standin-child${ext}`), [String(n)], { env: { ...process.env, PRIVATE_KEY: privateKey }, execArgv: ext === ".ts" ? ["--import", "tsx"] : [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const { url, payload } = await ask<{ url: string; payload: Record<string, unknown> }>(child, "");
    const probot = new Probot({ appId: META.appId, privateKey, baseUrl: url, Octokit, log: pino({ level: process.env.BENCH_LOG ?? "silent" }) });
    await probot.load(createApp({ metrics: quiet }));
    const out: Run[] = [];
    for (let i = 0; i < runs; i++) {
      await ask(child, "reset");
      // The runner treats a request received in the millisecond its last run for the same head
      // completed as answered by that run (src/queue/runner.ts): start each review a little later.
      await new Promise((r) => setTimeout(r, 5));
      const cpu0 = process.cpuUsage();
      const q0 = runQueueMs();
      const t0 = performance.now();
      await probot.receive({ id: `bench-${n}-${i}`, name: "pull_request", payload } as Parameters<Probot["receive"]>[0]);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const queued = runQueueMs() - q0;
      const r = await ask<{ calls: number; reviews: number; unknown: unknown[] }>(child, "report");
      if (r.unknown.length > 0) throw new Error(`the app called what the stand-in does not serve: ${JSON.stringify(r.unknown)}`);
      if (r.reviews !== 1) throw new Error(`expected one review, got ${r.reviews}`);
      out.push({ calls: r.calls, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, runQueueMs: queued });
    }
    return out;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      if (child.connected) child.send("stop");
      else child.kill();
      await exited;
    }
  }
}

export async function appBench(): Promise<AppBench> {
  await loadGo();
  const one = await review(1, limitedOctokit(), 9);
  const hundred = await review(100, limitedOctokit(), 1);
  // Runs after the first: the installation token is cached, as it is for an hour in production.
  const warm = one.slice(1);
  const wall = median(warm.map((r) => r.wallMs));
  const cpu = median(warm.map((r) => r.cpuMs));
  const uncontended = (rs: Run[]) => median(rs.map((r) => r.wallMs - r.runQueueMs)) / median(rs.map((r) => r.cpuMs));
  const none = (await review(1, limitedOctokit().defaults((o: { throttle?: object }) => ({ ...o, throttle: { ...o.throttle, enabled: false } })) as typeof ProbotOctokit, 7)).slice(1);
  const probot = (await review(1, ProbotOctokit, 2))[1]!;
  return {
    callsOneFile: one[0]!.calls,
    callsHundredFiles: hundred[0]!.calls,
    oneFileWallMs: +wall.toFixed(1),
    oneFileCpuMs: +cpu.toFixed(1),
    wallCpuRatio: +(wall / cpu).toFixed(2),
    oneFileRunQueueMs: +median(warm.map((r) => r.runQueueMs)).toFixed(1),
    wallCpuRatioUncontended: +uncontended(warm).toFixed(2),
    noThrottleWallCpuRatio: +(median(none.map((r) => r.wallMs)) / median(none.map((r) => r.cpuMs))).toFixed(2),
    noThrottleWallCpuRatioUncontended: +uncontended(none).toFixed(2),
    probotDefaultWallCpuRatio: +(probot.wallMs / probot.cpuMs).toFixed(2),
  };
}

export function printAppBench(a: AppBench): void {
  console.log(`app: GitHub calls per run: ${a.callsOneFile} for a 1-file PR, ${a.callsHundredFiles} for a 100-file PR (budget: 5 + files/100)`);
  console.log(`app: one-file review: ${a.oneFileWallMs} ms wall, ${a.oneFileCpuMs} ms CPU, wall/CPU ${a.wallCpuRatio} (no throttle: ${a.noThrottleWallCpuRatio}; Probot's default throttle: ${a.probotDefaultWallCpuRatio})`);
  console.log(`app: the same without the ${a.oneFileRunQueueMs} ms spent waiting for a CPU: wall/CPU ${a.wallCpuRatioUncontended} (goal: at most 2; no throttle: ${a.noThrottleWallCpuRatioUncontended})`);
}
