// The queue's numbers for `npm run bench`: webhook answer times under the burst of issue 11 (200
// signed deliveries in 10 s across 20 PRs, two replicas on Redis), and review runs per second
// with one and with two workers (replicas sharing Redis). Real processes, a real redis-server
// (Debian's `redis-server` must be installed) and the GitHub stand-in on loopback.
import { loadavg } from "node:os";
import { burst, percentile, pullRequestEvent, send, settled, standInWith, startRedis, startReplica, type Replica } from "./load.js";
import { waitFor } from "./proc.js";

export interface QueueBench {
  deliveries: number;
  webhookP50Ms: number;
  webhookP99Ms: number;
  webhookMaxMs: number;
  /** From the burst's first delivery until the last run finished. */
  burstDrainSeconds: number;
  checkRunsAfterBurst: number;
  runsPerSecondOneWorker: number;
  runsPerSecondTwoWorkers: number;
  /** The machine's 1-minute load average when the bench ended (these numbers are wall times). */
  loadAverage: number;
}

const drain = (s: Parameters<typeof settled>[0], ms: number) => waitFor("the runs to finish", ms, async () => (settled(s, 1000) ? true : undefined));

/** `runs` PRs opened at once; runs per second until every check run completed (the final quiet second not counted). */
async function throughput(url: string, workers: number, runs: number): Promise<number> {
  const fleet = await standInWith(runs);
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < workers; i++) replicas.push(await startReplica({ ...fleet.env, REDIS_URL: url, WORKER_CONCURRENCY: "2", ANALYSIS_THREADS: "1" }));
    const prs = fleet.standIn.pulls().filter((n) => n >= 101);
    const t0 = Date.now();
    await Promise.all(prs.map((pr, i) => send(replicas[i % replicas.length]!.webhookUrl, "pull_request", pullRequestEvent(fleet.standIn, pr, "opened"), pr)));
    const done = () => fleet.standIn.posted.checkRuns.filter((c) => c.status === "completed").length;
    await waitFor(`${runs} completed check runs`, 300_000, async () => (done() >= runs ? true : undefined));
    await drain(fleet.standIn, 300_000);
    const last = Math.max(...fleet.standIn.posted.checkRuns.map((c) => c.completedAt ?? 0));
    return +(fleet.standIn.posted.checkRuns.length / ((last - t0) / 1000)).toFixed(2);
  } finally {
    for (const r of replicas) await r.child.kill();
    await fleet.standIn.stop();
  }
}

export async function queueBench(): Promise<QueueBench> {
  const redis = await startRedis();
  try {
    const fleet = await standInWith(20);
    const replicas: Replica[] = [];
    let sent;
    let drainSeconds: number;
    try {
      for (let i = 0; i < 2; i++) replicas.push(await startReplica({ ...fleet.env, REDIS_URL: redis.url }));
      const t0 = Date.now();
      sent = await burst(fleet.standIn, replicas.map((r) => r.webhookUrl), fleet.standIn.pulls().filter((n) => n >= 101), 50);
      await drain(fleet.standIn, 300_000);
      drainSeconds = (Math.max(...fleet.standIn.posted.checkRuns.map((c) => c.completedAt ?? 0)) - t0) / 1000;
    } finally {
      for (const r of replicas) await r.child.kill();
      await fleet.standIn.stop();
    }
    const ms = sent.map((d) => d.ms);
    return {
      deliveries: sent.length,
      webhookP50Ms: percentile(ms, 50),
      webhookP99Ms: percentile(ms, 99),
      webhookMaxMs: Math.max(...ms),
      burstDrainSeconds: +drainSeconds.toFixed(1),
      checkRunsAfterBurst: fleet.standIn.posted.checkRuns.length,
      runsPerSecondOneWorker: await throughput(redis.url, 1, 30),
      runsPerSecondTwoWorkers: await throughput(redis.url, 2, 30),
      loadAverage: +loadavg()[0]!.toFixed(1),
    };
  } finally {
    await redis.stop();
  }
}

export function printQueueBench(q: QueueBench): void {
  console.log(`webhooks under the burst (${q.deliveries} in 10 s, 20 PRs, 2 replicas on Redis): p50 ${q.webhookP50Ms} ms, p99 ${q.webhookP99Ms} ms, max ${q.webhookMaxMs} ms; drained ${q.burstDrainSeconds} s after the first, ${q.checkRunsAfterBurst} check runs`);
  console.log(`review runs per second (30 PRs opened at once): ${q.runsPerSecondOneWorker} with one worker, ${q.runsPerSecondTwoWorkers} with two (load average ${q.loadAverage})`);
}
