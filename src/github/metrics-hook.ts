// Counts every GitHub call by route and status, and keeps the last rate-limit reading.
import type { ProbotOctokit } from "probot";

export interface CallMetrics {
  githubCall(route: string, status: number, rateLimitRemaining?: number): void;
}

const hooked = new WeakSet<object>();

export function installMetricsHook(octokit: ProbotOctokit, metrics: CallMetrics): void {
  if (hooked.has(octokit)) return;
  hooked.add(octokit);
  octokit.hook.wrap("request", async (request, options) => {
    const route = `${options.method} ${options.url}`;
    try {
      const response = await request(options);
      metrics.githubCall(route, response.status, remaining(response.headers));
      return response;
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Record<string, unknown> } };
      metrics.githubCall(route, e.status ?? 0, remaining(e.response?.headers));
      throw err;
    }
  });
}

function remaining(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.["x-ratelimit-remaining"];
  return v === undefined ? undefined : Number(v);
}
