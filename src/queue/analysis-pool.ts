// The analysis off the event loop: a pool of worker threads (tinypool) runs `analyse`, so
// webhooks, health probes and other runs are served while a large PR is parsed. Each run's
// analysis has a time budget on its thread (which runs nothing else meanwhile): past it the
// thread is stopped and the run completes with a clear message instead of stalling the others.
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import { Tinypool } from "tinypool";
import type { Rule } from "../analyzer/types.js";
import { DEFAULT_CONFIG, type Config } from "../config.js";
import type { Analysis } from "../review/analyse.js";
import type { Source } from "../review/files.js";
import type { AnalysisTask } from "./analysis-worker.js";

export class BudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`the analysis took longer than its budget of ${Math.round(budgetMs / 1000)} s and was stopped`);
    this.name = "BudgetExceeded";
  }
}

export interface AnalysisPool {
  analyse(sources: readonly Source[], rules: readonly Rule[], config: Config): Promise<Analysis>;
  close(): Promise<void>;
}

/** The worker module next to this one: compiled `.js` in production; from source, a shim that loads tsx. */
function workerFile(): string {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith(".ts") ? self.replace(/analysis-pool\.ts$/, "analysis-worker.dev.mjs") : self.replace(/analysis-pool\.js$/, "analysis-worker.js");
}

export function createAnalysisPool(options: { threads: number; budgetMs: number; onError?: (err: unknown) => void }): AnalysisPool {
  const threads = Math.max(1, options.threads);
  const filename = workerFile();
  const pool = new Tinypool({
    filename,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
  // A thread that dies is replaced by the pool; its task rejects. Never an unhandled 'error'.
  pool.on("error", (err: unknown) => options.onError?.(err));
  // Warm up: the first thread loads the rules and the grammar now, not during the first webhooks.
  void pool.run({ sources: [], ruleIds: [], config: DEFAULT_CONFIG } satisfies AnalysisTask).catch((err: unknown) => options.onError?.(err));
  // One task per thread at a time, so the budget counts from when a thread takes the task.
  const limit = pLimit(threads);
  return {
    analyse: (sources, rules, config) =>
      limit(async () => {
        const task: AnalysisTask = { sources: [...sources], ruleIds: rules.map((r) => r.meta.id), config };
        const budget = new AbortController();
        const timer = setTimeout(() => budget.abort(), options.budgetMs);
        try {
          const r = (await pool.run(task, { signal: budget.signal })) as Omit<Analysis, "incomplete" | "enabled"> & { incomplete: string[]; enabled: string[] };
          return { ...r, incomplete: new Set(r.incomplete), enabled: new Set(r.enabled) };
        } catch (err) {
          if (budget.signal.aborted) throw new BudgetExceeded(options.budgetMs);
          throw err;
        } finally {
          clearTimeout(timer);
        }
      }),
    close: () => pool.destroy(),
  };
}
