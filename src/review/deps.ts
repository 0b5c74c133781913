// What the app depends on, passed in rather than imported: the rule registry, the clock, the
// metrics, the GitHub layer and the logger. `defaultDeps()` is production; tests, the server
// and the demo replace parts of it.
import type { Context, Logger } from "probot";
import { rules as registry } from "../../rules/index.js";
import type { Rule } from "../analyzer/types.js";
import { createGitHub, type GitHubTarget } from "../github/octokit.js";
import type { GitHub } from "../github/types.js";
import { metrics as promMetrics, type RunOutcome } from "../metrics.js";
import type { analyse } from "./analyse.js";

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface AppMetrics {
  webhookReceived(event: string): void;
  runFinished(outcome: RunOutcome, seconds: number): void;
  findingsReported(rule: string, count?: number): void;
  githubCall(route: string, status: number, rateLimitRemaining?: number): void;
}

export interface AppDeps {
  rules: readonly Rule[];
  clock: Clock;
  metrics: AppMetrics;
  /** The GitHub layer for one repository of an installation (built by the worker from the job). */
  github(target: GitHubTarget): GitHub;
  /** The analysis step; the server puts it on a worker-thread pool. Default: in this thread. */
  analyse?: typeof analyse;
  /** The logger for one delivery (Probot's carries the delivery id). */
  logger(context: Context): Logger;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function defaultDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = overrides.clock ?? systemClock;
  const metrics = overrides.metrics ?? promMetrics;
  return {
    rules: overrides.rules ?? registry,
    clock,
    metrics,
    github: overrides.github ?? ((target) => createGitHub(target, { sleep: (ms) => clock.sleep(ms), metrics })),
    ...(overrides.analyse ? { analyse: overrides.analyse } : {}),
    logger: overrides.logger ?? ((context) => context.log),
  };
}
