// Prometheus metrics (prom-client). The App calls these at fixed points; the server exposes
// the registry on GET /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "ptrguard_" });

const webhooks = new Counter({ name: "ptrguard_webhooks_received_total", help: "Webhooks received, by event", labelNames: ["event"], registers: [registry] });
const runs = new Counter({ name: "ptrguard_runs_total", help: "Review runs, by outcome", labelNames: ["outcome"], registers: [registry] });
const findings = new Counter({ name: "ptrguard_findings_total", help: "Findings reported, by rule", labelNames: ["rule"], registers: [registry] });
const apiCalls = new Counter({ name: "ptrguard_github_api_calls_total", help: "GitHub API calls, by route and status", labelNames: ["route", "status"], registers: [registry] });
const rateLimit = new Gauge({ name: "ptrguard_github_rate_limit_remaining", help: "x-ratelimit-remaining of the last GitHub response", registers: [registry] });
const duration = new Histogram({
  name: "ptrguard_run_duration_seconds",
  help: "Duration of a review run",
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

const queueDepth = new Gauge({ name: "ptrguard_queue_depth", help: "Run requests waiting and running in this process's view of the queue", labelNames: ["state"], registers: [registry] });
const queueWait = new Histogram({
  name: "ptrguard_queue_wait_seconds",
  help: "Time from a webhook's acceptance to the start of its run",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** What the run queues report. */
export interface QueueMetrics {
  depth(waiting: number, active: number): void;
  waited(seconds: number): void;
}

export const queueMetrics: QueueMetrics = {
  depth(waiting, active) {
    queueDepth.set({ state: "waiting" }, waiting);
    queueDepth.set({ state: "active" }, active);
  },
  waited(seconds) {
    queueWait.observe(seconds);
  },
};

export type RunOutcome = "success" | "failure" | "neutral" | "error" | "superseded";

export const metrics = {
  webhookReceived(event: string): void {
    webhooks.inc({ event });
  },
  runFinished(outcome: RunOutcome, seconds: number): void {
    runs.inc({ outcome });
    duration.observe(seconds);
  },
  findingsReported(rule: string, count = 1): void {
    findings.inc({ rule }, count);
  },
  githubCall(route: string, status: number, rateLimitRemaining?: number): void {
    apiCalls.inc({ route, status: String(status) });
    if (rateLimitRemaining !== undefined && Number.isFinite(rateLimitRemaining)) rateLimit.set(rateLimitRemaining);
  },
};
