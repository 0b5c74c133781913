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
