// Measures what the App posts on pull requests: for each repository of docs/precision-repos.json,
// the last N first-parent commits ending at the listed commit are replayed as pull requests. For a
// commit C with first parent P, C's tree is materialised (Go files, go.mod, go.work and
// .github/ptrguard.yml only; the mirrors are partial), `git diff P C -- '*.go'` is written to a file
// and the built CLI runs `ptrguard check --diff FILE --format json` in the tree's root with the
// default configuration (scope `new`: only what the commit introduced). Every finding is scored
// against the hand judgments in docs/pr-precision-judgments.json.
//
//   npm run build && npx tsx scripts/pr-precision.ts -n 40          (runs, prints the tables)
//   npx tsx scripts/pr-precision.ts --no-run                        (reuses <runs-dir>/<dir>.pr.json)
//   npx tsx scripts/pr-precision.ts --resume --again SHA ...        (re-runs those commits only, after a fix)
//   npx tsx scripts/pr-precision.ts --no-run --sample               (prints every unjudged finding
//                                                                    with its function at the commit)
//
// The git data comes from --mirror-dir/<owner>+<name>/ (a bare git directory somewhere below it).
// A judgment has the key of scripts/precision.ts (repository, path, rule, enclosing function,
// collapsed code line, `#n`) plus the commit the finding was posted on.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import {
  funcSource,
  judgmentKey,
  locate,
  pct,
  ratio,
  type Finding,
  type Judgment,
  type Located,
  type RepoEntry,
  type Verdict,
} from "./precision.js";
import { findGitDir, git, materialise } from "./gitdata.js";

export interface PrJudgment extends Judgment {
  commit: string;
}

export interface CommitRun {
  commit: string;
  parent: string;
  subject: string;
  goFiles: number; // .go files the diff changes
  missing?: string[]; // changed .go files whose blob the mirror lacks, left out of the diff
  exitCode: number | null;
  ms: number;
  stderr: string;
  findings: Finding[];
}

export interface RepoRun {
  repo: string;
  head: string;
  n: number;
  args: string[];
  commits: CommitRun[]; // oldest first; commits whose diff has no .go file are left out
  skipped: string[]; // commits without a .go change
}

interface PrLocated extends Located {
  commit: string;
  prKey: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function prKey(j: { repo: string; path: string; rule: string; func: string; code: string; n?: number; commit: string }): string {
  return `${judgmentKey(j)}@${j.commit}`;
}

// Paths of the .go files changed between a and b whose old or new blob the mirror does not hold.
function missingBlobs(gitDir: string, a: string, b: string): string[] {
  const raw = git(gitDir, ["diff", "--raw", "--no-abbrev", "--no-renames", "-z", a, b, "--", "*.go"]).toString().split("\0");
  const ids = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) /.exec(raw[i]!);
    if (!m) continue;
    ids.set(raw[i + 1]!, [m[1]!, m[2]!].filter((id) => !/^0+$/.test(id)));
  }
  const all = [...new Set([...ids.values()].flat())];
  if (all.length === 0) return [];
  const out = git(gitDir, ["cat-file", "--batch-check"], all.join("\n") + "\n").toString();
  const absent = new Set(out.split("\n").filter((l) => / missing$/.test(l)).map((l) => l.split(" ")[0]!));
  return [...ids].filter(([, v]) => v.some((id) => absent.has(id))).map(([p]) => p);
}

function runRepo(
  r: RepoEntry,
  gitDir: string,
  n: number,
  treesDir: string,
  runsDir: string,
  cliArgs: string[],
  log: (s: string) => void,
  previous?: RepoRun,
  again: readonly string[] = [],
): RepoRun {
  const commits = git(gitDir, ["rev-list", "--first-parent", "-n", String(n), r.commit]).toString().trim().split("\n").reverse();
  const tree = path.join(treesDir, r.dir);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const diffs = path.join(runsDir, `${r.dir}.diffs`);
  mkdirSync(diffs, { recursive: true });
  const current = new Map<string, string>();
  const run: RepoRun = { repo: r.repo, head: r.commit, n, args: cliArgs, commits: [], skipped: [] };
  const cli = path.join(root, "bin/ptrguard.js");
  // --resume: a commit the previous run (same head and arguments) checked is not run again.
  const done = new Map<string, CommitRun>();
  if (previous && previous.head === r.commit && previous.args.join(" ") === cliArgs.join(" ")) for (const c of previous.commits) done.set(c.commit, c);
  const skippedBefore = new Set(previous?.head === r.commit ? previous.skipped : []);
  for (const c of commits) {
    const old = done.get(c);
    if (old && !again.some((a) => c.startsWith(a))) {
      run.commits.push(old);
      continue;
    }
    if (skippedBefore.has(c)) {
      run.skipped.push(c);
      continue;
    }
    const [parent] = git(gitDir, ["rev-list", "--parents", "-n", "1", c]).toString().trim().split(" ").slice(1);
    if (!parent) {
      run.skipped.push(c);
      continue;
    }
    const names = git(gitDir, ["diff", "--name-only", "-z", parent, c, "--", "*.go"]).toString().split("\0").filter(Boolean);
    if (names.length === 0) {
      run.skipped.push(c);
      continue;
    }
    // A .go blob the partial mirror lacks (a huge generated file, say) cannot be diffed: that file
    // is left out of the diff and recorded.
    const missing = missingBlobs(gitDir, parent, c);
    const diffFile = path.join(diffs, `${c}.diff`);
    writeFileSync(diffFile, git(gitDir, ["diff", parent, c, "--", "*.go", ...missing.map((p) => `:(exclude,literal)${p}`)]));
    materialise(gitDir, c, tree, current);
    const t0 = Date.now();
    const res = spawnSync(process.execPath, [cli, "check", "--diff", diffFile, "--format", "json", "--fail-on", "none", ...cliArgs], {
      cwd: tree,
      maxBuffer: 1 << 28,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const ms = Date.now() - t0;
    let findings: Finding[] = [];
    try {
      findings = (JSON.parse(res.stdout) as { findings: Finding[] }).findings;
    } catch {
      // Recorded as an error below (exit code and stderr kept).
    }
    const subject = git(gitDir, ["log", "-1", "--format=%s", c]).toString().trim();
    run.commits.push({ commit: c, parent, subject, goFiles: names.length, ...(missing.length ? { missing } : {}), exitCode: res.status, ms, stderr: res.stderr, findings });
    log(`${r.repo} ${c.slice(0, 12)} ${names.length} files, exit ${res.status}, ${ms} ms, ${findings.length} findings`);
  }
  return run;
}

function main(): void {
  const program = new Command()
    .option("--repos <file>", "the repositories and head commits", path.join(root, "docs/precision-repos.json"))
    .option("--judgments <file>", "the hand judgments", path.join(root, "docs/pr-precision-judgments.json"))
    .option("--mirror-dir <dir>", "where the bare git data is (<dir>/<owner>+<name>/...)", "/work/.mirror")
    .option("--trees-dir <dir>", "where each repository's tree is materialised", "/tmp/pr-trees")
    .option("--runs-dir <dir>", "where each run's JSON (and the diffs) are written and read", "/tmp/pr-runs")
    .option("-n, --commits <n>", "first-parent commits per repository, ending at the listed commit", (v) => Number(v), 40)
    .option("--repo <name>", "only this repository (owner/name), repeatable", (v: string, a: string[]) => [...a, v], [] as string[])
    .option("--args <args>", "extra ptrguard check arguments (default: none, the built-in default)", "")
    .option("--no-run", "reuse <runs-dir>/<dir>.pr.json from the last run")
    .option("--resume", "run only the commits the last run (same head and --args) did not check; built code changes are not noticed")
    .option("--again <sha>", "with --resume: run this commit (a prefix) again all the same, after a fix; repeatable", (v: string, a: string[]) => [...a, v], [] as string[])
    .option("--sample", "print every unjudged finding with its function at the commit")
    .parse();
  const opts = program.opts<{
    repos: string;
    judgments: string;
    mirrorDir: string;
    treesDir: string;
    runsDir: string;
    commits: number;
    repo: string[];
    args: string;
    run: boolean;
    resume?: boolean;
    again: string[];
    sample?: boolean;
  }>();

  const repos = (JSON.parse(readFileSync(opts.repos, "utf8")) as RepoEntry[]).filter((r) => opts.repo.length === 0 || opts.repo.includes(r.repo));
  const judgments = existsSync(opts.judgments) ? (JSON.parse(readFileSync(opts.judgments, "utf8")) as PrJudgment[]) : [];
  const byKey = new Map<string, PrJudgment>();
  for (const j of judgments) {
    const k = prKey(j);
    if (byKey.has(k)) throw new Error(`duplicate judgment ${k}`);
    byKey.set(k, j);
  }
  mkdirSync(opts.runsDir, { recursive: true });

  const all: PrLocated[] = [];
  const runs: { r: RepoEntry; gitDir: string; run: RepoRun }[] = [];
  for (const r of repos) {
    const gitDir = findGitDir(path.join(opts.mirrorDir, r.repo.replace("/", "+")));
    if (!gitDir) {
      console.error(`no git data for ${r.repo} under ${opts.mirrorDir}`);
      continue;
    }
    const out = path.join(opts.runsDir, `${r.dir}.pr.json`);
    let run: RepoRun;
    if (opts.run) {
      const t0 = Date.now();
      const previous = opts.resume && existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as RepoRun) : undefined;
      const args = opts.args.split(/\s+/).filter(Boolean);
      run = runRepo(r, gitDir, opts.commits, opts.treesDir, opts.runsDir, args, (s) => console.error(s), previous, opts.again);
      writeFileSync(out, JSON.stringify(run, null, 1));
      console.error(`${r.repo}: ${run.commits.length} commits with Go changes in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } else {
      if (!existsSync(out)) {
        console.error(`no run for ${r.repo} (${out})`);
        continue;
      }
      run = JSON.parse(readFileSync(out, "utf8")) as RepoRun;
    }
    runs.push({ r, gitDir, run });
    for (const c of run.commits) {
      const cache = new Map<string, string[]>();
      const source = (p: string): string[] => {
        let l = cache.get(p);
        if (!l) cache.set(p, (l = git(gitDir, ["show", `${c.commit}:${p}`]).toString().split("\n")));
        return l;
      };
      for (const f of locate(r.repo, c.findings, source)) all.push({ ...f, commit: c.commit, prKey: `${f.key}@${c.commit}` });
    }
  }

  if (opts.sample) {
    for (const f of all.filter((x) => !byKey.has(x.prKey))) {
      const gitDir = runs.find((x) => x.r.repo === f.repo)!.gitDir;
      const lines = git(gitDir, ["show", `${f.commit}:${f.path}`]).toString().split("\n");
      console.log(`\n### ${f.rule} ${f.repo}@${f.commit.slice(0, 12)} ${f.path}:${f.line} [${f.severity}]\n${f.message}`);
      console.log(JSON.stringify({ repo: f.repo, commit: f.commit, path: f.path, rule: f.rule, func: f.func, code: f.code, ...(f.n > 1 ? { n: f.n } : {}) }));
      console.log(funcSource(lines, f.line));
    }
    return;
  }

  // Per repository: commits replayed, CLI time, errors.
  console.log(`| repository | commits (first-parent, ending at) | with a Go change | of which unreadable | CLI time (s) | not exit 0 | findings | judged |\n|---|---|---|---|---|---|---|---|`);
  const problems: string[] = [];
  for (const { r, run } of runs) {
    const fs = all.filter((f) => f.repo === r.repo);
    const bad = run.commits.filter((c) => c.exitCode !== 0);
    const secs = run.commits.reduce((s, c) => s + c.ms, 0) / 1000;
    console.log(
      `| ${r.repo} | ${run.n} to ${r.commit.slice(0, 12)} | ${run.commits.length} | ${run.commits.filter((c) => c.missing && c.missing.length >= c.goFiles).length} | ${secs.toFixed(0)} | ${bad.length} | ${fs.length} | ${fs.filter((f) => byKey.has(f.prKey)).length} |`,
    );
    for (const c of run.commits) {
      // The CLI's usual stderr is one summary line of skipped files; anything else is worth a look.
      const odd = c.stderr
        .split("\n")
        .filter((l) => l.trim() && !/^ptrguard: skipped \d+ /.test(l) && !/^ptrguard: no Go files to analyse \(the diff only deletes Go files\)$/.test(l));
      // A commit whose every changed .go blob the mirror lacks has an empty diff: not the CLI's doing.
      if (c.missing && c.missing.length >= c.goFiles) continue;
      const note = c.missing?.length ? ` (left out, blob absent from the mirror: ${c.missing.join(", ")})` : "";
      if (c.exitCode !== 0 || odd.length) problems.push(`${r.repo}@${c.commit.slice(0, 12)} exit ${c.exitCode}: ${odd.join(" / ").slice(0, 400)}${note}`);
    }
  }

  const rulesSeen = [...new Set(all.map((f) => f.rule))].sort();
  const tot = { found: 0, tests: 0, judged: 0, t: 0, f: 0, d: 0 };
  console.log(`\n| rule | posted | in _test.go | judged | true | false | debatable | precision (T/(T+F)) | debatable share |\n|---|---|---|---|---|---|---|---|---|`);
  for (const rule of rulesSeen) {
    const fs = all.filter((f) => f.rule === rule);
    const js = fs.map((f) => byKey.get(f.prKey)).filter((j): j is PrJudgment => !!j);
    const count = (v: Verdict) => js.filter((j) => j.verdict === v).length;
    const [t, f, d] = [count("true"), count("false"), count("debatable")];
    const tests = fs.filter((x) => x.test).length;
    tot.found += fs.length;
    tot.tests += tests;
    tot.judged += js.length;
    tot.t += t;
    tot.f += f;
    tot.d += d;
    console.log(`| ${rule} | ${fs.length} | ${tests} | ${js.length} | ${t} | ${f} | ${d} | ${ratio(t, t + f)} | ${pct(d, js.length)} |`);
  }
  console.log(`| **all** | ${tot.found} | ${tot.tests} | ${tot.judged} | ${tot.t} | ${tot.f} | ${tot.d} | ${ratio(tot.t, tot.t + tot.f)} | ${pct(tot.d, tot.judged)} |`);

  const shapes = new Map<string, number>();
  for (const f of all) {
    const j = byKey.get(f.prKey);
    if (!j || j.verdict === "true") continue;
    const k = `${j.rule} (${j.verdict}): ${j.shape ?? j.reason}`;
    shapes.set(k, (shapes.get(k) ?? 0) + 1);
  }
  if (shapes.size) {
    console.log(`\nFalse and debatable shapes posted:`);
    for (const [k, n] of [...shapes].sort()) console.log(`- ${k} [${n}]`);
  }
  if (problems.length) {
    console.log(`\nCLI runs with a non-zero exit or unexpected stderr (${problems.length}):`);
    for (const p of problems) console.log(`- ${p}`);
  }
  const live = new Set(all.map((f) => f.prKey));
  const gone = judgments.filter((j) => runs.some((x) => x.r.repo === j.repo) && !live.has(prKey(j)));
  if (gone.length) {
    console.log(`\nJudged but no longer posted (${gone.length}):`);
    for (const j of gone) console.log(`- [${j.verdict}] ${j.rule} ${j.repo}@${j.commit.slice(0, 12)} ${j.path} ${j.func}: \`${j.code}\``);
  }
  const unjudged = all.filter((f) => !byKey.has(f.prKey));
  console.log(`\nNot yet judged (${unjudged.length}; --sample prints them with their code):`);
  for (const f of unjudged) console.log(`- ${f.rule} ${f.repo}@${f.commit.slice(0, 12)} ${f.path}:${f.line} ${f.func}: ${f.message.slice(0, 140)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
