// Re-runs the whole-tree precision measurement of docs/precision.md and scores it against the
// hand judgments in docs/precision-judgments.json.
//
//   npm run build && npx tsx scripts/precision.ts                 (runs ptrguard, prints the table)
//   npx tsx scripts/precision.ts --no-run                         (reuses the last run's JSON)
//   npx tsx scripts/precision.ts --sample 25 --seed 9             (prints a seeded sample of the
//                                                                  unjudged findings, with code)
//   npx tsx scripts/precision.ts --setup                          (prints how to get the sources)
//
// The repositories and commits are listed in docs/precision-repos.json; their sources live outside
// the git tree (--repos-dir, default $PTRGUARD_PRECISION_REPOS or /work/ext/repos/<name>). Every
// run uses the default configuration (the repositories carry no .github/ptrguard.yml) plus
// --args (default: `--disable context-in-struct`, the default once issue 9's opinion-rule change
// lands; `--args ""` runs exactly the built-in default).
//
// A judgment is keyed by repository, path, rule, the enclosing function's name and the finding's
// source line with its whitespace collapsed, plus `#n` for the n-th identical key in that function:
// so judgments survive line shifts and edits elsewhere in the file. A judgment whose finding is no
// longer reported is listed as "gone" (a fixed false positive, or a lost true one: check which).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";

export type Verdict = "true" | "false" | "debatable";

export interface RepoEntry {
  repo: string; // owner/name
  commit: string;
  dir: string; // under --repos-dir
  lines?: number; // non-vendored Go lines at the commit, for the report
}

export interface Judgment {
  repo: string;
  path: string;
  rule: string;
  func: string;
  code: string;
  n?: number;
  verdict: Verdict;
  reason: string;
  shape?: string; // a short name for a false or debatable shape, shared by the cases that have it
}

export interface Finding {
  rule: string;
  severity: string;
  path: string;
  line: number;
  message: string;
}

export interface Located extends Finding {
  repo: string;
  func: string;
  code: string;
  n: number;
  key: string;
  test: boolean;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function normaliseCode(line: string): string {
  return line.replace(/\/\/.*$/, "").trim().replace(/\s+/g, " ");
}

// The name of the top-level function or method declaration that holds line `line` (1-based):
// `Name` or `Recv.Name` (pointer and type parameters dropped); "" outside any function.
export function enclosingFunc(lines: readonly string[], line: number): string {
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (/^}\s*$/.test(l) && i < line - 1) return "";
    const m = /^func\s*(?:\(\s*(?:\w+\s+)?\*?\s*(\w+)[^)]*\)\s*)?(\w+)/.exec(l);
    if (m) return m[1] ? `${m[1]}.${m[2]}` : m[2]!;
  }
  return "";
}

export function judgmentKey(j: { repo: string; path: string; rule: string; func: string; code: string; n?: number }): string {
  return [j.repo, j.path, j.rule, j.func, j.code].join("|") + ((j.n ?? 1) > 1 ? `#${j.n}` : "");
}

// Gives each finding its key; findings with the same base key are numbered in line order.
export function locate(repo: string, findings: readonly Finding[], source: (p: string) => string[]): Located[] {
  const seen = new Map<string, number>();
  const sorted = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.rule.localeCompare(b.rule));
  return sorted.map((f) => {
    const lines = source(f.path);
    const func = enclosingFunc(lines, f.line);
    const code = normaliseCode(lines[f.line - 1] ?? "");
    const base = judgmentKey({ repo, path: f.path, rule: f.rule, func, code });
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { ...f, repo, func, code, n, key: judgmentKey({ repo, path: f.path, rule: f.rule, func, code, n }), test: /_test\.go$/.test(f.path) };
  });
}

// The proposals of docs/precision.md, as filters on what the default configuration posts today.
export const WHAT_IF: { name: string; drops: (f: { rule: string; message: string; test: boolean }) => boolean }[] = [
  { name: "send/recv leaks reached only when a test has failed", drops: (f) => f.rule.startsWith("goroutine-") && /if the test fails/.test(f.message) },
  { name: "timer findings in _test.go (time-after-in-loop, ticker-not-stopped)", drops: (f) => f.test && (f.rule === "time-after-in-loop" || f.rule === "ticker-not-stopped") },
  { name: "time.Timer left to fire once (ticker-not-stopped's timer case)", drops: (f) => f.rule === "ticker-not-stopped" && /stays in the runtime's timer heap until it fires/.test(f.message) },
  { name: "afterfunc-untracked off by default (opt-in, like context-in-struct)", drops: (f) => f.rule === "afterfunc-untracked" },
];

// mulberry32: a small seeded generator, so a sample can be drawn again.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededSample<T>(items: readonly T[], n: number, seed: number): T[] {
  const a = [...items];
  const r = rng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

export function funcSource(lines: readonly string[], line: number, max = 160): string {
  let start = line - 1;
  while (start > 0 && !/^func\b/.test(lines[start]!)) start--;
  let end = line - 1;
  while (end < lines.length - 1 && !/^}\s*$/.test(lines[end]!)) end++;
  if (end - start > max) {
    start = Math.max(start, line - 1 - max / 2);
    end = Math.min(end, line - 1 + max / 2);
  }
  return lines
    .slice(start, end + 1)
    .map((l, i) => `${String(start + i + 1).padStart(5)}${start + i + 1 === line ? ">" : " "} ${l}`)
    .join("\n");
}

export function pct(n: number, d: number): string {
  return d === 0 ? "–" : `${((100 * n) / d).toFixed(0)} %`;
}

export function ratio(n: number, d: number): string {
  return d === 0 ? "–" : (n / d).toFixed(2);
}

function main(): void {
  const program = new Command()
    .option("--repos <file>", "the repositories and commits", path.join(root, "docs/precision-repos.json"))
    .option("--judgments <file>", "the hand judgments", path.join(root, "docs/precision-judgments.json"))
    .option("--repos-dir <dir>", "where the sources are", process.env.PTRGUARD_PRECISION_REPOS ?? "/work/ext/repos")
    .option("--args <args>", "extra ptrguard check arguments", "--disable context-in-struct")
    .option("--no-run", "reuse <runs-dir>/<dir>.ptrguard.json from the last run")
    .option("--runs-dir <dir>", "where each run's JSON is written and read (default: --repos-dir), so parallel checkouts keep their runs apart")
    .option("--sample <n>", "print up to n unjudged findings per rule (seeded), with their function", (v) => Number(v))
    .option("--seed <n>", "the sample's seed", (v) => Number(v), 9)
    .option("--rule <id>", "only this rule in --sample")
    .option("--setup", "print the commands that bring the sources")
    .option("--no-tests", "leave out findings in _test.go files (what a default that skipped tests would post)")
    .option("--what-if", "leave out what docs/precision.md proposes the default should not post (see WHAT_IF)")
    .parse();
  const opts = program.opts<{
    repos: string;
    judgments: string;
    reposDir: string;
    args: string;
    run: boolean;
    runsDir?: string;
    sample?: number;
    seed: number;
    rule?: string;
    setup?: boolean;
    tests: boolean;
    whatIf?: boolean;
  }>();

  const repos = JSON.parse(readFileSync(opts.repos, "utf8")) as RepoEntry[];
  if (opts.setup) {
    for (const r of repos) {
      const dir = path.join(opts.reposDir, r.dir);
      console.log(`git clone --filter=blob:none https://github.com/${r.repo}.git ${dir}.git-src && git -C ${dir}.git-src archive ${r.commit} | (mkdir -p ${dir} && tar -x -C ${dir})`);
    }
    return;
  }
  const judgments = existsSync(opts.judgments) ? (JSON.parse(readFileSync(opts.judgments, "utf8")) as Judgment[]) : [];
  const byKey = new Map<string, Judgment>();
  for (const j of judgments) {
    const k = judgmentKey(j);
    if (byKey.has(k)) throw new Error(`duplicate judgment ${k}`);
    byKey.set(k, j);
  }

  const cli = path.join(root, "bin/ptrguard.js");
  // A fresh --runs-dir (one per branch, under /tmp) is made on first use.
  if (opts.run && opts.runsDir) mkdirSync(opts.runsDir, { recursive: true });
  const all: Located[] = [];
  const missing: string[] = [];
  for (const r of repos) {
    const dir = path.join(opts.reposDir, r.dir);
    if (!existsSync(dir)) {
      missing.push(`${r.repo} (${dir}; --setup prints how to get it)`);
      continue;
    }
    const out = path.join(opts.runsDir ?? opts.reposDir, `${r.dir}.ptrguard.json`);
    if (opts.run) {
      const args = [cli, "check", "--format", "json", "--fail-on", "none", ...opts.args.split(/\s+/).filter(Boolean), "."];
      const json = execFileSync(process.execPath, args, { cwd: dir, maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"] }).toString();
      writeFileSync(out, json);
    }
    const findings = (JSON.parse(readFileSync(out, "utf8")) as { findings: Finding[] }).findings;
    const cache = new Map<string, string[]>();
    const source = (p: string): string[] => {
      let l = cache.get(p);
      if (!l) cache.set(p, (l = readFileSync(path.join(dir, p), "utf8").split("\n")));
      return l;
    };
    all.push(...locate(r.repo, findings, source).filter((f) => (opts.tests || !f.test) && !(opts.whatIf && WHAT_IF.some((w) => w.drops(f)))));
  }
  if (missing.length) console.error(`missing sources: ${missing.join(", ")}`);

  if (opts.sample) {
    const rulesSeen = [...new Set(all.map((f) => f.rule))].sort();
    for (const rule of rulesSeen) {
      if (opts.rule && rule !== opts.rule) continue;
      const unjudged = all.filter((f) => f.rule === rule && !byKey.has(f.key));
      const judged = all.filter((f) => f.rule === rule && byKey.has(f.key)).length;
      const want = Math.max(0, opts.sample - judged);
      for (const f of seededSample(unjudged, want, opts.seed)) {
        const dir = path.join(opts.reposDir, repos.find((r) => r.repo === f.repo)!.dir);
        const lines = readFileSync(path.join(dir, f.path), "utf8").split("\n");
        console.log(`\n### ${f.rule} ${f.repo} ${f.path}:${f.line} [${f.severity}]\n${f.message}`);
        console.log(JSON.stringify({ repo: f.repo, path: f.path, rule: f.rule, func: f.func, code: f.code, ...(f.n > 1 ? { n: f.n } : {}) }));
        console.log(funcSource(lines, f.line));
      }
    }
    return;
  }

  // The table.
  const rulesSeen = [...new Set(all.map((f) => f.rule))].sort();
  const rows: string[] = [];
  const tot = { found: 0, tests: 0, judged: 0, t: 0, f: 0, d: 0, estD: 0 };
  for (const rule of rulesSeen) {
    const fs = all.filter((f) => f.rule === rule);
    const js = fs.map((f) => byKey.get(f.key)).filter((j): j is Judgment => !!j);
    const t = js.filter((j) => j.verdict === "true").length;
    const f = js.filter((j) => j.verdict === "false").length;
    const d = js.filter((j) => j.verdict === "debatable").length;
    const tests = fs.filter((x) => x.test).length;
    tot.found += fs.length;
    tot.tests += tests;
    tot.judged += js.length;
    tot.t += t;
    tot.f += f;
    tot.d += d;
    if (js.length) tot.estD += (fs.length * d) / js.length;
    rows.push(`| ${rule} | ${fs.length} | ${tests} | ${js.length} | ${t} | ${f} | ${d} | ${ratio(t, t + f)} | ${pct(d, js.length)} |`);
  }
  console.log(`| rule | reported | in _test.go | judged | true | false | debatable | precision (T/(T+F)) | debatable share of judged |`);
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) console.log(r);
  console.log(
    `| **all** | ${tot.found} | ${tot.tests} | ${tot.judged} | ${tot.t} | ${tot.f} | ${tot.d} | ${ratio(tot.t, tot.t + tot.f)} | ${pct(tot.d, tot.judged)} |`,
  );
  const every = judgments.filter((j) => (opts.tests || !/_test\.go$/.test(j.path)) && !opts.whatIf && repos.some((r) => r.repo === j.repo));
  const count = (v: Verdict) => every.filter((j) => j.verdict === v).length;
  console.log(
    `\nAll ${every.length} judgments, including findings no longer reported: ${count("true")} true, ${count("false")} false, ${count("debatable")} debatable` +
      ` (precision ${ratio(count("true"), count("true") + count("false"))}, debatable ${pct(count("debatable"), every.length)}).`,
  );
  console.log(
    `\nDebatable share of what is posted, each rule's judged share weighted by its reported count: ${pct(tot.estD, tot.found)}` +
      (tot.judged < tot.found ? ` (unjudged rules count as 0)` : ""),
  );

  console.log(`\n| repository | commit | findings | judged |\n|---|---|---|---|`);
  for (const r of repos) {
    const fs = all.filter((f) => f.repo === r.repo);
    console.log(`| ${r.repo} | ${r.commit.slice(0, 12)} | ${fs.length} | ${fs.filter((f) => byKey.has(f.key)).length} |`);
  }

  const shapes = new Map<string, { rule: string; verdict: Verdict; n: number }>();
  for (const f of all) {
    const j = byKey.get(f.key);
    if (!j || j.verdict === "true" || !j.shape) continue;
    const k = `${j.rule}|${j.verdict}|${j.shape}`;
    const s = shapes.get(k) ?? { rule: j.rule, verdict: j.verdict, n: 0 };
    s.n++;
    shapes.set(k, s);
  }
  if (shapes.size) {
    console.log(`\nFalse and debatable shapes still reported:`);
    for (const [k, s] of [...shapes].sort()) console.log(`- ${s.rule} (${s.verdict}, ${s.n}): ${k.split("|")[2]}`);
  }

  const live = new Set(all.map((f) => f.key));
  const gone = judgments.filter((j) => (opts.tests || !/_test\.go$/.test(j.path)) && !live.has(judgmentKey(j)) && repos.some((r) => r.repo === j.repo && existsSync(path.join(opts.reposDir, r.dir))));
  if (gone.length) {
    console.log(`\nJudged but no longer reported (${gone.length}):`);
    for (const j of gone) console.log(`- [${j.verdict}] ${j.rule} ${j.repo} ${j.path} ${j.func}: \`${j.code}\`${j.shape ? ` (${j.shape})` : ""}`);
  }
  const unjudged = all.filter((f) => !byKey.has(f.key));
  console.log(`\nNot yet judged (${unjudged.length}; --sample N prints them with their code):`);
  for (const f of unjudged) console.log(`- ${f.rule} ${f.repo} ${f.path}:${f.line} ${f.func}: ${f.message.slice(0, 140)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
