// The Probot app: which events start what. The server (`npm start`, src/server.ts) builds it with
// `createApp(options)`, around the queue its settings choose; `createApp` also takes other
// dependencies (tests, the demo). Handlers only turn a delivery into a run request; the queue's
// workers run it. The default export is what `probot run` loads: it is there for registering the
// app through Probot's manifest flow and for a quick try, and says on load that it is not the
// supported way to serve (see PROBOT_RUN_WARNING).
import type { ApplicationFunction, Context, Logger, Probot, ProbotOctokit } from "probot";
import { onCheckRun, onCheckSuite } from "./handlers/checks.js";
import { eventName, type HandlerDeps } from "./handlers/env.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { queueMetrics } from "./metrics.js";
import { EmbeddedQueue } from "./queue/embedded.js";
import { InlineQueue } from "./queue/inline.js";
import { recoverInProgress } from "./queue/recover.js";
import type { QueueFactory, RunQueue } from "./queue/queue.js";
import { Runner } from "./queue/runner.js";
import { MemoryStore, type Store } from "./queue/store.js";
import { defaultDeps, type AppDeps } from "./review/deps.js";

export interface AppOptions extends Partial<AppDeps> {
  /** The queue the handlers submit to (default: run inline, while the webhook waits). */
  queue?: QueueFactory;
  /** Shared state for locks and de-duplication (default: in memory). */
  store?: Store;
  /** How long a PR's lock lives without renewal. */
  lockTtlMs?: number;
  /** At start, find the check runs a stopped process left in progress and run them again (embedded queue). */
  recover?: { appId: number };
  /** Called once the app is loaded, with its queue and runner (the server closes the queue at stop). */
  onLoad?: (queue: RunQueue, runner: Runner) => void;
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  const deps = defaultDeps(options);
  return (app: Probot) => {
    const runner = new Runner({
      octokit: (id) => app.auth(id) as Promise<ProbotOctokit>,
      deps,
      store: options.store ?? new MemoryStore(),
      log: app.log,
      ...(options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {}),
      openCheckAtStart: options.recover !== undefined,
    });
    const queue = (options.queue ?? ((r) => new InlineQueue(r)))(runner);
    options.onLoad?.(queue, runner);
    if (options.recover) {
      const { appId } = options.recover;
      setTimeout(() => {
        recoverInProgress({ appId, appOctokit: () => app.auth() as Promise<ProbotOctokit>, octokit: (id) => app.auth(id) as Promise<ProbotOctokit>, submit: (req) => queue.submit(req), log: app.log }).catch((err: unknown) =>
          app.log.warn({ err }, "ptrguard: could not look for check runs left in progress"),
        );
      }, 1000).unref();
    }
    const hdeps: HandlerDeps = { ...deps, queue };
    app.onAny(async (context) => deps.metrics.webhookReceived(eventName(context as Context)));
    app.on([...PULL_REQUEST_EVENTS], (context) => onPullRequest(context, hdeps));
    app.on("issue_comment.created", (context) => onIssueComment(context, hdeps));
    app.on(["check_run.rerequested", "check_run.requested_action"], (context) => onCheckRun(context, hdeps));
    app.on("check_suite.rerequested", (context) => onCheckSuite(context, hdeps));
  };
}

/** The embedded queue with the app's defaults: `concurrency` runs at once in this process. */
export const embeddedQueue =
  (concurrency = 4): QueueFactory =>
  (runner) =>
    new EmbeddedQueue(runner, { concurrency, log: runner.log, metrics: queueMetrics });

/** What the server's settings choose: Redis (BullMQ and a shared store) or the embedded queue. */
export async function queueFor(
  settings: { appId: number; redisUrl?: string | undefined; concurrency: number; analysisThreads: number; runBudgetMs: number },
  log: Logger,
  lockMs?: number,
): Promise<{ appOptions: AppOptions; close(): Promise<void> }> {
  const pool = settings.analysisThreads > 0 ? (await import("./queue/analysis-pool.js")).createAnalysisPool({ threads: settings.analysisThreads, budgetMs: settings.runBudgetMs, onError: (err) => log.error({ err }, "ptrguard: an analysis thread failed") }) : undefined;
  const analysis: Partial<AppOptions> = pool ? { analyse: (sources, rules, config) => pool.analyse(sources, rules, config) } : {};
  const close = async () => {
    await pool?.close();
  };
  if (settings.redisUrl) {
    const [{ BullQueue }, { RedisStore }] = await Promise.all([import("./queue/bull.js"), import("./queue/redis-store.js")]);
    const url = settings.redisUrl;
    return {
      close,
      appOptions: {
        ...analysis,
        store: RedisStore.connect(url),
        ...(lockMs ? { lockTtlMs: lockMs } : {}),
        queue: (runner) => new BullQueue(runner, { url, concurrency: settings.concurrency, log, metrics: queueMetrics, ...(lockMs ? { jobLockMs: lockMs } : {}) }),
      },
    };
  }
  // Without Redis nothing outlives the process: what a crash left in progress is found at start.
  return { close, appOptions: { ...analysis, queue: embeddedQueue(settings.concurrency), recover: { appId: settings.appId }, ...(lockMs ? { lockTtlMs: lockMs } : {}) } };
}

export type { AppDeps } from "./review/deps.js";
export { defaultDeps, systemClock } from "./review/deps.js";

/**
 * What `probot run` lacks that `npm start` has: logged once when the default export is loaded.
 * The server's stop, crash recovery, body caps and probes live in src/server.ts, around Probot's
 * webhook verification; `probot run` uses Probot's own server, which has none of them.
 */
export const PROBOT_RUN_WARNING =
  "ptrguard: loaded by `probot run`, which is not the supported way to serve it: a stop (SIGTERM) does not drain the queued runs, " +
  "check runs a crash leaves in progress are not run again, webhook bodies are not capped, and there is no /healthz, /readyz, " +
  "/metrics or Redis queue. Run `npm start` (node dist/src/server.js) instead; `probot run` is for registering the app (docs/deploy.md).";

/** `probot run`: answers at once and runs in this process, with a warning (above). */
const app: ApplicationFunction = (probot, options) => {
  probot.log.warn(PROBOT_RUN_WARNING);
  return createApp({ queue: embeddedQueue() })(probot, options);
};
export default app;
