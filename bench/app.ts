// The App against the demo's GitHub stand-in over loopback HTTP, with the production Octokit
// settings (src/github/throttle.ts): GitHub API calls per run for a 1-file and a 100-file pull
// request, and a one-file review's wall time against its CPU time (goal: wall within 2x CPU).
// For comparison, the same one-file review with Probot's default throttle (writes and every
// GraphQL call spaced a second apart).
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { loadGo } from "../src/analyzer/parser.js";
import { pullRequestOpened } from "../src/demo/events.js";
import { githubPatch, packageRoot, type DemoFile, type DemoRepo, type PullMeta, type Tree } from "../src/demo/fixture.js";
import { GitHubStandIn } from "../src/demo/standin.js";
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
  /** The control: the same review with no throttle at all (on a busy machine wall exceeds CPU for reasons of its own). */
  noThrottleWallCpuRatio: number;
  /** The same review with Probot's default throttle. */
  probotDefaultWallCpuRatio: number;
}

const ROOT = packageRoot();
const fixture = (rel: string) => readFileSync(path.join(ROOT, "fixtures/app", rel), "utf8");
const sha = (seed: string) => Buffer.from(seed.padEnd(20, "-").slice(0, 20)).toString("hex");

/** A pull request of `n` Go files: svc/fetch.go with two findings and n-1 small files in their own directories. */
function repoOf(n: number): DemoRepo {
  const meta = JSON.parse(readFileSync(path.join(ROOT, "fixtures/demo/pr.json"), "utf8")) as PullMeta;
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
}

/** Runs the review of the stand-in's pull request `runs` times (its posts cleared in between). */
export async function review(n: number, Octokit: typeof ProbotOctokit, runs: number): Promise<Run[]> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  const repo = repoOf(n);
  const standIn = new GitHubStandIn(repo, privateKey);
  await standIn.start();
  try {
    const probot = new Probot({ appId: repo.meta.appId, privateKey, baseUrl: standIn.url, Octokit, log: pino({ level: "silent" }) });
    await probot.load(createApp({ metrics: quiet }));
    const out: Run[] = [];
    for (let i = 0; i < runs; i++) {
      for (const list of Object.values(standIn.posted)) list.length = 0;
      standIn.calls.length = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await probot.receive({ id: `bench-${n}-${i}`, name: "pull_request", payload: pullRequestOpened(standIn) } as Parameters<Probot["receive"]>[0]);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (standIn.unknown.length > 0) throw new Error(`the app called what the stand-in does not serve: ${JSON.stringify(standIn.unknown)}`);
      if (standIn.posted.reviews.length !== 1) throw new Error(`expected one review, got ${standIn.posted.reviews.length}`);
      out.push({ calls: standIn.calls.filter((c) => !c.path.includes("/access_tokens")).length, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    return out;
  } finally {
    await standIn.stop();
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
  const none = (await review(1, limitedOctokit().defaults((o: { throttle?: object }) => ({ ...o, throttle: { ...o.throttle, enabled: false } })) as typeof ProbotOctokit, 7)).slice(1);
  const probot = (await review(1, ProbotOctokit, 2))[1]!;
  return {
    callsOneFile: one[0]!.calls,
    callsHundredFiles: hundred[0]!.calls,
    oneFileWallMs: +wall.toFixed(1),
    oneFileCpuMs: +cpu.toFixed(1),
    wallCpuRatio: +(wall / cpu).toFixed(2),
    noThrottleWallCpuRatio: +(median(none.map((r) => r.wallMs)) / median(none.map((r) => r.cpuMs))).toFixed(2),
    probotDefaultWallCpuRatio: +(probot.wallMs / probot.cpuMs).toFixed(2),
  };
}

export function printAppBench(a: AppBench): void {
  console.log(`app: GitHub calls per run: ${a.callsOneFile} for a 1-file PR, ${a.callsHundredFiles} for a 100-file PR (budget: 5 + files/100)`);
  console.log(`app: one-file review: ${a.oneFileWallMs} ms wall, ${a.oneFileCpuMs} ms CPU, wall/CPU ${a.wallCpuRatio} (no throttle: ${a.noThrottleWallCpuRatio}; Probot's default throttle: ${a.probotDefaultWallCpuRatio})`);
}
