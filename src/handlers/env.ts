// The run environment of one webhook delivery, from the app's dependencies.
import type { Context, Logger } from "probot";
import type { AppDeps } from "../review/deps.js";
import type { RunEnv } from "../review/run.js";

export function runEnv(context: Context, deps: AppDeps, log: Logger): RunEnv {
  return { github: deps.github(context), rules: deps.rules, clock: deps.clock, log, metrics: deps.metrics };
}
