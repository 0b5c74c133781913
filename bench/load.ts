// Shared by the load bench and the load and fault tests: a redis-server of our own, app replicas as child processes,
// the GitHub stand-in with many pull requests, signed deliveries, and what a user would check on
// each pull request afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHmac, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { loadDemoRepo, packageRoot } from "../src/demo/fixture.js";
import { GitHubStandIn, type CheckRun } from "../src/demo/standin.js";
import { freePort, freePorts, rsaPem, start, waitFor, type Child } from "./proc.js";

const ROOT = packageRoot();

export const SECRET = "load-test-secret";

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  child: Child;
  /** Stops it (SIGTERM: it writes its append-only file) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server on a free loopback port, with an append-only file (as production should run it). */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-redis-"));
  const launch = async () => {
    const child = start(process.env.REDIS_SERVER ?? "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir], { cwd: dir, env: process.env });
    await waitFor("redis-server to accept connections", 15_000, async () => {
      if (child.proc.exitCode !== null) throw new Error(`redis-server exited: ${child.stdout()}${child.stderr()}`);
      return /Ready to accept connections/.test(child.stdout()) ? true : undefined;
    });
    return child;
  };
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    child: await launch(),
    async restart(downMs = 500) {
      await server.child.kill();
      await new Promise((r) => setTimeout(r, downMs));
      server.child = await launch();
    },
    async stop() {
      await server.child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface Replica {
  child: Child;
  url: string;
  webhookUrl: string;
}

/** The replica script: compiled under dist/ (npm run bench), from source through tsx (tests). */
const replicaArgs = (): string[] => (fileURLToPath(import.meta.url).endsWith(".ts") ? ["--import", "tsx", "bench/replica.ts"] : ["dist/bench/replica.js"]);

/** An app replica (bench/replica.ts) as a child process; resolves once it is ready. */
export async function startReplica(env: Record<string, string>): Promise<Replica> {
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const child = start(process.execPath, replicaArgs(), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", PORT: String(port), METRICS_PORT: String(metricsPort), WEBHOOK_SECRET: SECRET, LOG_LEVEL: "warn", ...env },
  });
  const url = await waitFor("the replica to be ready", 60_000, async () => {
    if (child.proc.exitCode !== null) throw new Error(`the replica exited ${child.proc.exitCode}: ${child.stderr().slice(-3000)}`);
    const m = /\{"ready":"([^"]+)"\}/.exec(child.stdout());
    return m?.[1];
  });
  return { child, url, webhookUrl: url + "/api/github/webhooks" };
}

export interface Fleet {
  standIn: GitHubStandIn;
  key: string;
  env: Record<string, string>;
}

/** The stand-in serving the demo repository with `pulls` open pull requests numbered from 101. */
export async function standInWith(pulls: number): Promise<Fleet> {
  const repo = loadDemoRepo();
  const key = rsaPem();
  const standIn = new GitHubStandIn(repo, key);
  for (let i = 0; i < pulls; i++) standIn.addPull(101 + i);
  await standIn.start();
  return { standIn, key, env: { APP_ID: String(repo.meta.appId), PRIVATE_KEY: key, STANDIN_URL: standIn.url } };
}

export interface Sent {
  event: string;
  id: string;
  pr: number;
  explicit: boolean;
  sentAt: number;
  status: number;
  ms: number;
}

/** POSTs one signed delivery; `id` reuses a delivery id (a redelivery). */
export async function send(webhookUrl: string, event: string, payload: object, pr: number, id = randomUUID()): Promise<Sent> {
  const body = JSON.stringify(payload);
  const sentAt = Date.now();
  let status = 0;
  try {
    const res = await fetch(webhookUrl, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
        "x-hub-signature-256": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
      },
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    await res.text();
  } catch {
    status = 0;
  }
  return { event, id, pr, explicit: event !== "pull_request", sentAt, status, ms: Date.now() - sentAt };
}

export function pullRequestEvent(s: GitHubStandIn, pr: number, action: "opened" | "synchronize"): object {
  const { meta } = s.repo;
  return { action, number: pr, pull_request: s.pullJson(pr), repository: s.repositoryJson(), installation: { id: meta.installationId }, sender: { login: meta.author, type: "User" } };
}

export function recheckEvent(s: GitHubStandIn, pr: number): object {
  const { meta } = s.repo;
  const comment = s.addIssueComment(meta.author, "/ptrguard recheck", pr);
  const pull = s.pullJson(pr);
  return {
    action: "created",
    issue: { number: pr, state: "open", user: pull.user, pull_request: { url: `https://api.github.com/repos/${meta.owner}/${meta.repo}/pulls/${pr}` } },
    comment: { id: comment.id, body: comment.body, user: { login: meta.author, type: "User" } },
    repository: s.repositoryJson(),
    installation: { id: meta.installationId },
    sender: { login: meta.author, type: "User" },
  };
}

/** The check run's "Re-run" button on the PR's current head. */
export function rerunEvent(s: GitHubStandIn, pr: number): object {
  const { meta } = s.repo;
  const head = s.headOf(pr);
  const run = [...s.posted.checkRuns].reverse().find((r) => r.external_id === String(pr) && r.head_sha === head);
  return {
    action: "rerequested",
    check_run: { id: run?.id ?? 1, name: "ptrguard", head_sha: head, external_id: String(pr), pull_requests: [{ number: pr }] },
    repository: s.repositoryJson(),
    installation: { id: meta.installationId },
    sender: { login: meta.author, type: "User" },
  };
}

export function rerunAllEvent(s: GitHubStandIn, pr: number): object {
  const { meta } = s.repo;
  return {
    action: "rerequested",
    check_suite: { id: 5000 + pr, head_sha: s.headOf(pr), pull_requests: [{ number: pr }] },
    repository: s.repositoryJson(),
    installation: { id: meta.installationId },
    sender: { login: meta.author, type: "User" },
  };
}

/** True once no run is left: every check run completed and the stand-in idle for `quietMs`. */
export function settled(s: GitHubStandIn, quietMs = 1500): boolean {
  return s.idleFor() >= quietMs && s.posted.checkRuns.every((r) => r.status === "completed");
}

export interface PullReport {
  pr: number;
  checkRuns: CheckRun[];
  /** Review comments that open a thread (not replies), by fingerprint. */
  fingerprints: Map<string, number>;
  comments: number;
}

export function reportFor(s: GitHubStandIn, pr: number): PullReport {
  const checkRuns = s.posted.checkRuns.filter((r) => r.external_id === String(pr)).sort((a, b) => a.createdAt - b.createdAt);
  const top = s.posted.comments.filter((c) => c.pr === pr && c.inReplyTo === null);
  const fingerprints = new Map<string, number>();
  for (const c of top) {
    const fp = /<!-- ptrguard:fp=(\S+) -->/.exec(c.body)?.[1] ?? `${c.path}:${c.line}`;
    fingerprints.set(fp, (fingerprints.get(fp) ?? 0) + 1);
  }
  return { pr, checkRuns, fingerprints, comments: top.length };
}

/** Check runs of one PR that were in progress at the same time (two publishers at once). */
export function overlaps(runs: CheckRun[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const prev = runs[i - 1]!;
    if (prev.completedAt === null || runs[i]!.createdAt < prev.completedAt) out.push(`${prev.id} (${prev.head_sha.slice(0, 7)}) and ${runs[i]!.id} (${runs[i]!.head_sha.slice(0, 7)})`);
  }
  return out;
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** One PR's ten deliveries, in order: opened, six pushes, a recheck, a Re-run, a Re-run all. The last is a push. */
export const STEPS = ["opened", "push", "push", "recheck", "push", "push", "rerun-all", "push", "rerun", "push"] as const;

/**
 * The burst: `STEPS.length` rounds; in each, one delivery per PR, `gapMs` apart, sent to the
 * replicas in turn (a load balancer). 20 PRs, 50 ms: 200 deliveries in 10 s.
 */
export async function burst(s: GitHubStandIn, targets: string[], prs: number[], gapMs: number, during?: (round: number) => Promise<void>): Promise<Sent[]> {
  const sent: Promise<Sent>[] = [];
  let n = 0;
  const t0 = Date.now();
  for (const [round, step] of STEPS.entries()) {
    if (during) await during(round);
    for (const pr of prs) {
      const due = t0 + n * gapMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const target = targets[n % targets.length]!;
      n++;
      if (step === "opened") sent.push(send(target, "pull_request", pullRequestEvent(s, pr, "opened"), pr));
      else if (step === "push") {
        s.push(pr);
        sent.push(send(target, "pull_request", pullRequestEvent(s, pr, "synchronize"), pr));
      } else if (step === "recheck") sent.push(send(target, "issue_comment", recheckEvent(s, pr), pr));
      else if (step === "rerun") sent.push(send(target, "check_run", rerunEvent(s, pr), pr));
      else sent.push(send(target, "check_suite", rerunAllEvent(s, pr), pr));
    }
  }
  return Promise.all(sent);
}

/** What every PR must look like after the burst; an empty list when all is well. */
export function problemsAfter(s: GitHubStandIn, prs: number[], sent: Sent[], findingsPerPull: number): string[] {
  const problems: string[] = [];
  for (const pr of prs) {
    const r = reportFor(s, pr);
    const head = s.headOf(pr);
    const stuck = r.checkRuns.filter((c) => c.status !== "completed");
    if (stuck.length > 0) problems.push(`#${pr}: ${stuck.length} check runs left ${stuck.map((c) => c.status).join(", ")}`);
    const final = r.checkRuns.filter((c) => c.head_sha === head);
    if (final.length === 0) problems.push(`#${pr}: no check run on the final head ${head.slice(0, 7)}`);
    else if (final.at(-1)!.conclusion !== "failure") problems.push(`#${pr}: the final head's check run ended ${final.at(-1)!.conclusion} (${final.at(-1)!.output.title})`);
    const over = overlaps(r.checkRuns);
    if (over.length > 0) problems.push(`#${pr}: check runs in progress at the same time: ${over.join("; ")}`);
    // A second check run for a head only when someone asked again after the first one finished.
    const byHead = new Map<string, CheckRun[]>();
    for (const c of r.checkRuns) byHead.set(c.head_sha, [...(byHead.get(c.head_sha) ?? []), c]);
    for (const [sha, runs] of byHead) {
      for (let i = 1; i < runs.length; i++) {
        const asked = sent.some((d) => d.pr === pr && d.explicit && d.sentAt >= (runs[i - 1]!.completedAt ?? Infinity));
        if (!asked) problems.push(`#${pr}: ${runs.length} check runs on ${sha.slice(0, 7)} though nobody asked again after the first finished`);
      }
    }
    if (r.comments !== findingsPerPull || r.fingerprints.size !== findingsPerPull) problems.push(`#${pr}: ${r.comments} review comments for ${r.fingerprints.size} findings (want ${findingsPerPull})`);
    for (const [fp, n] of r.fingerprints) if (n > 1) problems.push(`#${pr}: ${fp} posted ${n} times`);
  }
  return problems;
}

export interface Cluster {
  redis: RedisServer | undefined;
  fleet: Fleet;
  replicas: Replica[];
  stop(): Promise<void>;
}

/** The stand-in with `pulls` PRs, a redis-server when `redis`, and `replicas` app processes. */
export async function cluster(o: { pulls: number; replicas: number; redis: boolean; env?: Record<string, string> }): Promise<Cluster> {
  const redis = o.redis ? await startRedis() : undefined;
  const fleet = await standInWith(o.pulls);
  const c: Cluster = {
    redis,
    fleet,
    replicas: [],
    async stop() {
      for (const r of c.replicas) await r.child.kill();
      await fleet.standIn.stop();
      await redis?.stop();
    },
  };
  try {
    for (let i = 0; i < o.replicas; i++) c.replicas.push(await startReplica({ ...fleet.env, ...(redis ? { REDIS_URL: redis.url } : {}), ...o.env }));
  } catch (err) {
    await c.stop();
    throw err;
  }
  return c;
}
