// `npm run bench [-- --json]`: parse throughput, analysis cost per touched function and peak RSS
// on a generated corpus of about 200,000 lines of Go, and the cost of a one-line change in a
// 10,000-line file (which must grow with the diff, not with the file).
import { analyzeSync, type SourceFile } from "../src/analyzer/engine.js";
import { loadGo, parseGo } from "../src/analyzer/parser.js";
import { parsePatch } from "../src/diff/diff.js";
import { rules } from "../rules/index.js";
import { appBench, printAppBench } from "./app.js";
import { benchCli, printCli } from "./cli.js";
import { file } from "./corpus.js";
import { largeFileChange, wholeTreeFloor } from "./engine.js";
import { printQueueBench, queueBench } from "./queue.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const t0 = performance.now();
  await loadGo();
  const startupMs = performance.now() - t0;

  // ~200,000 lines: 100 files of ~2,000 lines.
  const corpus: SourceFile[] = Array.from({ length: 100 }, (_, n) => ({ path: `f${n}.go`, content: file(2000, n), goMod: "module m\n\ngo 1.21\n" }));
  const lines = corpus.reduce((n, f) => n + f.content.split("\n").length, 0);
  const bytes = corpus.reduce((n, f) => n + Buffer.byteLength(f.content), 0);

  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  const p0 = performance.now();
  const pc0 = process.cpuUsage();
  for (const f of corpus) parseGo(f.content).delete();
  const parseMs = performance.now() - p0;
  const parseCpuMs = cpuMs(pc0);

  const a0 = performance.now();
  const ac0 = process.cpuUsage();
  const full = analyzeSync(corpus, { rules });
  const analysisMs = performance.now() - a0;
  const analysisCpuMs = cpuMs(ac0);

  // One-line change in a 10,000-line file: scope new (head and rebuilt base).
  const big = file(10_000, 7);
  const bigLines = big.split("\n");
  const target = bigLines.findIndex((l, idx) => idx > 5000 && l.includes("ctx, cancel := context.WithTimeout")) + 1;
  const changed = bigLines.map((l, idx) => (idx === target ? l.replace("2*time.Second", "3*time.Second") : l)).join("\n");
  const patch = `@@ -${target},3 +${target},3 @@\n ${bigLines[target - 1]}\n-${bigLines[target]}\n+${changed.split("\n")[target]}\n ${bigLines[target + 1]}\n`;
  const diff = parsePatch(patch, "big.go");
  const runs: number[] = [];
  for (let k = 0; k < 30; k++) {
    const s = performance.now();
    analyzeSync([{ path: "big.go", content: changed, diff, goMod: "go 1.21\n" }], { rules });
    runs.push(performance.now() - s);
  }
  const large = largeFileChange(file, rules);
  const fullFile: number[] = [];
  for (let k = 0; k < 5; k++) {
    const s = performance.now();
    analyzeSync([{ path: "big.go", content: changed, goMod: "go 1.21\n" }], { rules });
    fullFile.push(performance.now() - s);
  }

  const result = {
    corpusLines: lines,
    corpusMB: +(bytes / 1e6).toFixed(2),
    startupMs: +startupMs.toFixed(1),
    parseMBps: +(bytes / 1e6 / (parseMs / 1000)).toFixed(2),
    wholeTreeMBps: +(bytes / 1e6 / (analysisMs / 1000)).toFixed(2),
    // The same two by CPU time (parse and analysis are single-threaded): steadier than wall time
    // on a shared machine, where other processes stretch the wall clock but not this one's CPU.
    parseCpuMBps: +(bytes / 1e6 / (parseCpuMs / 1000)).toFixed(2),
    wholeTreeCpuMBps: +(bytes / 1e6 / (analysisCpuMs / 1000)).toFixed(2),
    // The floor under wholeTreeMBps (bench/engine.ts): the engine with no rule logic.
    wholeTreeFloor: wholeTreeFloor(corpus, rules[0]!),
    analysisMsPerFunction: +(analysisMs / full.unitsAnalyzed).toFixed(4),
    functionsAnalyzed: full.unitsAnalyzed,
    findings: full.findings.length,
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    oneLineChangeMs: +median(runs).toFixed(2),
    wholeFileMs: +median(fullFile).toFixed(2),
    // A failing App bench is reported as such; it does not hide the engine's numbers.
    app: await appBench().catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })),
    ...benchCli(),
    ...large,
  };
  // The run queue (bench/queue.ts): webhook answers under a burst, runs per second.
  const queue = process.argv.includes("--no-queue") ? undefined : await queueBench();
  if (json) {
    process.stdout.write(JSON.stringify({ ...result, ...(queue ? { queue } : {}) }) + "\n");
    return;
  }
  console.log(`corpus: ${lines} lines, ${result.corpusMB} MB in ${corpus.length} files`);
  console.log(`start-up (WASM grammar): ${result.startupMs} ms`);
  console.log(`parse: ${result.parseMBps} MB/s`);
  console.log(`whole tree (parse and all rules): ${result.wholeTreeMBps} MB/s (goal: at least 0.6 x parse = ${(0.6 * result.parseMBps).toFixed(2)})`);
  console.log(`by CPU time: parse ${result.parseCpuMBps} MB/s, whole tree ${result.wholeTreeCpuMBps} MB/s (${(result.wholeTreeCpuMBps / result.parseCpuMBps).toFixed(2)} x parse)`);
  console.log(`floor, by CPU time: engine with no rule ${result.wholeTreeFloor.noRulesCpuMBps} MB/s, with the one node-index walk ${result.wholeTreeFloor.indexOnlyCpuMBps} MB/s (${(result.wholeTreeFloor.indexOnlyCpuMBps / result.parseCpuMBps).toFixed(2)} x parse)`);
  const floor = result.wholeTreeFloor;
  const x = (mbps: number) => (mbps / floor.parseWarmCpuMBps).toFixed(2);
  console.log(`  against parsing alone measured warm, ${floor.parseWarmCpuMBps} MB/s:`);
  console.log(`  parse + visiting every node once with a cursor: ${floor.cursorVisitCpuMBps} MB/s (${x(floor.cursorVisitCpuMBps)} x parse); parse + handing JS only the syntax nodes rules look for: ${floor.syntaxNodesCpuMBps} MB/s (${x(floor.syntaxNodesCpuMBps)} x parse), then ${floor.nodeReadNs} ns to read a node's type and start`);
  console.log(`analysis: ${result.analysisMsPerFunction} ms per function (${full.unitsAnalyzed} functions, all rules, ${result.findings} findings)`);
  console.log(`one-line change in a 10,000-line file: ${result.oneLineChangeMs} ms (median of ${runs.length}; whole file: ${result.wholeFileMs} ms)`);
  console.log(`one-line change in a 50,000-line file: ${result.oneLineChange50kMs} ms, ${result.oneFunctionToWholeFileRatio} of the whole file's ${result.wholeFile50kMs} ms (goal: at most 0.03)`);
  console.log(`peak RSS: ${result.peakRssMB} MB`);
  if ("error" in result.app) console.log(`app: FAILED (${result.app.error})`);
  else printAppBench(result.app);
  printCli(result);
  if (queue) printQueueBench(queue);
}

await main();
