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
    const route = routeOf(options);
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

/** A low-cardinality label: the route template, or the GraphQL operation name. */
export function routeOf(options: { method: string; url: string; query?: unknown }): string {
  if (options.url.endsWith("/graphql") && typeof options.query === "string") {
    const op = /^\s*(query|mutation)\s+(\w+)/.exec(options.query);
    return `POST /graphql ${op ? op[2] : "anonymous"}`;
  }
  let url = options.url;
  // Pagination follows absolute `link` URLs: back to a template.
  if (/^https?:\/\//.test(url)) {
    url = new URL(url).pathname.replace(/^\/api\/v3/, "").replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}").replace(/\/\d+(?=\/|$)/g, "/{id}");
  }
  return `${options.method} ${url.split("?")[0]}`;
}

function remaining(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.["x-ratelimit-remaining"];
  return v === undefined ? undefined : Number(v);
}
