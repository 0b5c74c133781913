// One analysis on a worker thread of the pool (analysis-pool.ts): the sources, the ids of the
// rules to run and the config come in as plain data; the result goes back as plain data.
import { rules as registry } from "../../rules/index.js";
import { loadGo } from "../analyzer/parser.js";
import type { Config } from "../config.js";
import { analyse } from "../review/analyse.js";
import type { Source } from "../review/files.js";

export interface AnalysisTask {
  sources: Source[];
  ruleIds: string[];
  config: Config;
}

export default async function analyseTask(task: AnalysisTask) {
  await loadGo();
  const ids = new Set(task.ruleIds);
  const result = await analyse(task.sources, registry.filter((r) => ids.has(r.meta.id)), task.config);
  return { ...result, incomplete: [...result.incomplete], enabled: [...result.enabled] };
}
