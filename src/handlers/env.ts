// The run environment of one webhook delivery, from the app's dependencies, and its name for metrics.
import type { Context, Logger } from "probot";
import type { AppDeps } from "../review/deps.js";
import type { RunEnv } from "../review/run.js";

export function runEnv(context: Context, deps: AppDeps, log: Logger): RunEnv {
  const { owner, repo } = context.repo();
  return { github: deps.github(context), rules: deps.rules, clock: deps.clock, log, metrics: deps.metrics, delivery: context.id, repo: `${owner}/${repo}` };
}

/** `pull_request.opened`, or the bare event name when the payload has no action. */
export function eventName(context: Context): string {
  const action = (context.payload as { action?: unknown }).action;
  return typeof action === "string" ? `${context.name}.${action}` : context.name;
}
