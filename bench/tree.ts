// Whole-tree throughput on real Go code, by CPU time: the directories given are analysed as
// `ptrguard check DIR` steps them (one package at a time), with the default rules, and compared
// with parsing the same files. The bench corpus (bench/corpus.ts) is dense by design: every
// function has something for several rules. Real trees are not, so this is the other half of the
// picture.
//
//   npm run build && node dist/bench/tree.js /usr/share/go-1.19/src [--per-rule]
import path from "node:path";
import { Command } from "commander";
import { byPackage } from "../src/cli/check.js";
import { analyzeSync } from "../src/analyzer/engine.js";
import { loadGo, parseGo } from "../src/analyzer/parser.js";
import type { Rule } from "../src/analyzer/types.js";
import { loadSources } from "../src/local.js";
import { rules } from "../rules/index.js";

const cpuMs = (run: () => void): number => {
  const c = process.cpuUsage();
  run();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const program = new Command("tree").argument("<dirs...>").option("--per-rule", "also each rule alone, over the engine with no rule").parse();
  const dirs = program.args.map((d) => path.resolve(d));
  const opts = program.opts<{ perRule?: boolean }>();
  await loadGo();
  const sources = (await Promise.all(dirs.map((d) => loadSources([d], undefined, d, d)))).flat();
  const steps = byPackage(sources).map((step) => step.map((s) => s.file));
  const files = steps.flat().filter((f) => !f.invalidUtf8 && !/(^|\/)(vendor|testdata)\//.test(f.path));
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  const defaults = rules.filter((r) => !r.meta.optIn);
  const analyse = (set: readonly Rule[]) => cpuMs(() => {
    for (const step of steps) analyzeSync(step, { rules: set });
  });
  analyse(defaults); // warm-up
  const parse = cpuMs(() => {
    for (const f of files) parseGo(f.content).delete();
  });
  const all = analyse(defaults);
  const mbps = (ms: number) => +(bytes / 1e3 / ms).toFixed(2);
  const result: Record<string, unknown> = {
    files: files.length,
    MB: +(bytes / 1e6).toFixed(2),
    parseCpuMBps: mbps(parse),
    wholeTreeCpuMBps: mbps(all),
    ratio: +(parse / all).toFixed(2),
  };
  if (opts.perRule) {
    const none: Rule = { meta: { ...defaults[0]!.meta, id: "bench-none" }, kinds: ["func", "method"], check: () => {} };
    const base = analyse([none]);
    result.noRulesCpuMs = Math.round(base);
    result.perRuleCpuMsOverNoRules = Object.fromEntries(defaults.map((r) => [r.meta.id, Math.round(analyse([r]) - base)]));
  }
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

await main();
