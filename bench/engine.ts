// Engine metrics of `npm run bench`: whole-tree throughput against parse throughput, and what a
// one-line change in a 50,000-line file costs with scope `new` against analysing that whole file.
// Goals (issue 8): wholeTreeMBps >= 0.6 x parseMBps; oneFunctionToWholeFileRatio <= 0.03.
import { analyzeSync, type SourceFile } from "../src/analyzer/engine.js";
import { INDEXED_TYPES } from "../src/analyzer/nodeindex.js";
import { parseGo } from "../src/analyzer/parser.js";
import type { Rule } from "../src/analyzer/types.js";
import { parsePatch } from "../src/diff/diff.js";

export interface EngineMetrics {
  /** A one-line change in a 50,000-line file, scope new (head, touched function only): median ms. */
  oneLineChange50kMs: number;
  /** The whole 50,000-line file analysed (no diff): median ms. */
  wholeFile50kMs: number;
  /** oneLineChange50kMs / wholeFile50kMs. */
  oneFunctionToWholeFileRatio: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `file(lines, seed)` is the bench's corpus generator. */
export function largeFileChange(file: (lines: number, seed: number) => string, rules: readonly Rule[]): EngineMetrics {
  const big = file(50_000, 11);
  const lines = big.split("\n");
  // Change the timeout of a Fetch function near the middle: `2*time.Second` becomes `3*time.Second`.
  const target = lines.findIndex((l, i) => i > 25_000 && l.includes("ctx, cancel := context.WithTimeout")) + 1;
  const changed = lines.map((l, i) => (i === target ? l.replace("2*time.Second", "3*time.Second") : l)).join("\n");
  const patch = `@@ -${target},3 +${target},3 @@\n ${lines[target - 1]}\n-${lines[target]}\n+${changed.split("\n")[target]}\n ${lines[target + 1]}\n`;
  const diff = parsePatch(patch, "big.go");
  const goMod = "module m\n\ngo 1.21\n";
  const runs: number[] = [];
  for (let k = 0; k < 30; k++) {
    const s = performance.now();
    analyzeSync([{ path: "big.go", content: changed, diff, goMod }], { rules });
    runs.push(performance.now() - s);
  }
  const whole: number[] = [];
  for (let k = 0; k < 3; k++) {
    const s = performance.now();
    analyzeSync([{ path: "big.go", content: changed, goMod }], { rules });
    whole.push(performance.now() - s);
  }
  const one = median(runs);
  const all = median(whole);
  return { oneLineChange50kMs: +one.toFixed(2), wholeFile50kMs: +all.toFixed(1), oneFunctionToWholeFileRatio: +(one / all).toFixed(4) };
}

export interface FloorMetrics {
  /** Parsing alone, measured here after the runs above have warmed the JIT: the floors' own yardstick (CPU MB/s). */
  parseWarmCpuMBps: number;
  /** The corpus through the engine with one rule that does nothing: parse, units, views (CPU MB/s). */
  noRulesCpuMBps: number;
  /** The same with one rule that asks the shared node index for one type: the one walk every rule set needs (CPU MB/s). */
  indexOnlyCpuMBps: number;
  /**
   * Parse, then visit every node once with a TreeCursor, reading nothing: what any analysis that
   * looks at each node once costs through web-tree-sitter, before it does anything (CPU MB/s).
   */
  cursorVisitCpuMBps: number;
  /**
   * Parse, then only hand JavaScript the nodes of the syntax types the rules look for, identifiers
   * left out (one descendantsOfType per file, in WASM), reading no property (CPU MB/s).
   */
  syntaxNodesCpuMBps: number;
  /** Reading `type` and `startIndex` of one such node: ns per node. */
  nodeReadNs: number;
}

/**
 * What the engine costs before any rule logic, by CPU time: the floor under wholeTreeMBps. With
 * web-tree-sitter every node the index visits crosses into WASM and allocates, so the one walk
 * alone costs about as much as parsing (measured 3 December: indexOnly ≈ 0.47 × parse).
 */
export function wholeTreeFloor(corpus: readonly SourceFile[], template: Rule): FloorMetrics {
  const bytes = corpus.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  const cpu = (run: () => void) => {
    const c = process.cpuUsage();
    run();
    const u = process.cpuUsage(c);
    return (u.user + u.system) / 1000;
  };
  const none: Rule = { meta: { ...template.meta, id: "bench-none" }, kinds: ["func", "method"], check: () => {} };
  const index: Rule = { meta: { ...template.meta, id: "bench-index" }, kinds: ["func", "method"], check: (ctx) => void ctx.unit.nodes("call_expression") };
  const mbps = (ms: number) => +(bytes / 1e3 / ms).toFixed(2);
  const syntaxTypes = INDEXED_TYPES.filter((t) => t !== "identifier");
  let sum = 0;
  const syntaxMs = cpu(() => {
    for (const f of corpus) {
      const tree = parseGo(f.content);
      sum += tree.rootNode.descendantsOfType(syntaxTypes).length;
      tree.delete();
    }
  });
  sum = 0;
  const trees = corpus.map((f) => parseGo(f.content));
  const live = trees.flatMap((t) => t.rootNode.descendantsOfType(syntaxTypes).filter((n) => n !== null));
  const readMs = cpu(() => {
    for (const n of live) sum += n.type.length + n.startIndex;
  });
  for (const t of trees) t.delete();
  const parseWarm = cpu(() => {
    for (const f of corpus) parseGo(f.content).delete();
  });
  return {
    parseWarmCpuMBps: mbps(parseWarm),
    noRulesCpuMBps: mbps(cpu(() => analyzeSync(corpus, { rules: [none] }))),
    indexOnlyCpuMBps: mbps(cpu(() => analyzeSync(corpus, { rules: [index] }))),
    cursorVisitCpuMBps: mbps(
      cpu(() => {
        for (const f of corpus) {
          const tree = parseGo(f.content);
          const c = tree.walk();
          for (let depth = 0; depth >= 0; ) {
            if (c.gotoFirstChild()) depth++;
            else {
              while (depth >= 0 && !c.gotoNextSibling()) depth = c.gotoParent() ? depth - 1 : -1;
            }
          }
          c.delete();
          tree.delete();
        }
      }),
    ),
    syntaxNodesCpuMBps: mbps(syntaxMs),
    nodeReadNs: sum > 0 ? Math.round((readMs * 1e6) / live.length) : 0,
  };
}
