// Recall on real bug-fix commits: mines the histories of bare git mirrors for commits whose message
// says they fix a leak or a lifetime bug of the catalog, runs the built CLI on the code before the
// fix (the first parent) and after it, and records whether a finding in the functions the fix
// changes was there before and is gone after ("caught"), is still there ("not fixed by the
// commit"), or was never there ("missed"). Hand verdicts in docs/fixes-judgments.json say whether
// each commit really fixes an in-catalog bug and which rule should catch it; recall is caught /
// in-catalog fixes. docs/fixes.md reports the measurement.
//
//   npm run build && npx tsx scripts/fixes.ts                 (mines, runs both sides, prints tables)
//   npx tsx scripts/fixes.ts --no-run                         (reuses <out>/<owner>+<name>.fixes.json)
//   npx tsx scripts/fixes.ts --no-run --again SHA ...         (re-runs those commits only, after a fix)
//   npx tsx scripts/fixes.ts --no-run --unjudged              (prints each unjudged commit's diff stat)
//
// A commit is mined when it is reachable from the mirror's HEAD, is not a merge, and its message
// matches one of KEYWORDS (case-insensitive); a first-parent merge whose message matches is mined
// too (against its first parent) when none of the commits it merges matches by itself. For each,
// the changed .go files are taken (the non-test ones; the test ones only when the fix is in tests
// alone), and each of their directories (with go.mod files on the way to the root) is written at
// the parent and at the commit. The CLI runs `ptrguard check FILE... --format json --fail-on none
// --scope file` on each side (the changed files, named one by one, so the rest of their package is
// read as context) with the default configuration otherwise. A function is "changed"
// when a diff hunk touches it on either side (top-level declarations, by name: `Recv.Name`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { findGitDir, git, materialise } from "./gitdata.js";
import { enclosingFunc, type Finding } from "./precision.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// What a commit message must say to be mined (git's extended regular expressions, case-insensitive).
export const KEYWORDS: readonly { name: string; re: string }[] = [
  { name: "goroutine leak", re: "goroutine.{0,20}leak|leak.{0,20}goroutine" },
  { name: "blocked goroutine", re: "(blocked|stuck|hanging|dangling|orphan(ed)?) goroutine|goroutines? (is |are |gets? )?(blocked|stuck|hang)" },
  { name: "time.After", re: "time\\.After([^F]|$)" },
  { name: "ticker/timer not stopped", re: "(ticker|timer).{0,30}(leak|stop)|(leak|stop).{0,20}(ticker|timer)" },
  { name: "context/cancel leak", re: "context leak|cancel.{0,10}leak|leak.{0,20}(context|cancel)|lostcancel" },
  { name: "WaitGroup Add", re: "wg\\.Add|WaitGroup\\.?Add|Add.{0,20}WaitGroup" },
  { name: "loop variable", re: "loop ?var|range var|&v([^a-z]|$)|captur.{0,30}(loop|range|variable)" },
  { name: "AfterFunc", re: "AfterFunc" },
  { name: "memory retention", re: "memory leak|retain.{0,20}(memory|backing|buffer|slice|array)|sub-?slice" },
];

// The mirrors run by default (those present under --mirror-dir; --repo replaces the list).
export const DEFAULT_REPOS = [
  "nats-io/nats-server",
  "etcd-io/etcd",
  "caddyserver/caddy",
  "traefik/traefik",
  "hashicorp/nomad",
  "dgraph-io/badger",
  "grpc/grpc-go",
  "hashicorp/raft",
  "prometheus/prometheus",
  "containerd/containerd",
];

export type FixVerdict = "in-catalog" | "out-of-catalog" | "not-a-fix";

export interface FixJudgment {
  repo: string;
  commit: string; // a prefix (12 hex digits) of the mined commit
  verdict: FixVerdict;
  rule?: string; // in-catalog: the rule whose page covers the bug
  why: string; // the bug's shape as the diff shows it; for a miss, why the rule did not see it
}

export interface Hit {
  rule: string;
  path: string;
  func: string;
  line: number;
  message: string;
}

export type Status = "caught" | "not fixed" | "missed" | "error";

export interface Candidate {
  commit: string;
  parent: string;
  subject: string;
  keywords: string[];
  files: string[]; // the changed .go files checked
  testsOnly: boolean; // the fix changes only _test.go files
  funcs: Record<string, string[]>; // path -> changed top-level functions
  status: Status;
  caught: Hit[]; // at the parent, in a changed function, gone at the commit
  notFixed: Hit[]; // at the parent, in a changed function, still there at the commit
  added: Hit[]; // at the commit, in a changed function, not at the parent
  error?: string;
}

export interface RepoFixes {
  repo: string;
  head: string;
  args: string[]; // extra ptrguard check arguments of the run
  candidates: Candidate[];
}

interface Side {
  dir: string;
  current: Map<string, string>;
}

function mine(gitDir: string): { commit: string; parent: string; subject: string; keywords: string[] }[] {
  const grep = KEYWORDS.flatMap((k) => [`--grep=${k.re}`]);
  const parse = (out: string) =>
    out
      .split("\0")
      .filter((r) => r.trim())
      .map((r) => {
        const [commit, parents, ...msg] = r.trim().split("\n");
        return { commit: commit!, parent: (parents ?? "").split(" ")[0] ?? "", message: msg.join("\n") };
      });
  const plain = parse(git(gitDir, ["log", "--no-merges", "-i", "-E", ...grep, "--format=%H%n%P%n%B%x00", "HEAD"]).toString());
  const merges = parse(git(gitDir, ["log", "--first-parent", "--merges", "-i", "-E", ...grep, "--format=%H%n%P%n%B%x00", "HEAD"]).toString()).filter(
    (m) => git(gitDir, ["rev-list", "--no-merges", "-i", "-E", ...grep, "-n", "1", `${m.parent}..${m.commit}`]).toString().trim() === "",
  );
  return [...plain, ...merges]
    .filter((c) => c.parent)
    .map((c) => ({
      commit: c.commit,
      parent: c.parent,
      subject: c.message.split("\n")[0] ?? "",
      keywords: KEYWORDS.filter((k) => new RegExp(k.re, "i").test(c.message)).map((k) => k.name),
    }));
}

// Changed line ranges of each file on the old (a) and new (b) side, from `git diff -U0`.
export function hunks(diff: string): Map<string, { a: [number, number][]; b: [number, number][] }> {
  const out = new Map<string, { a: [number, number][]; b: [number, number][] }>();
  let cur: { a: [number, number][]; b: [number, number][] } | undefined;
  for (const l of diff.split("\n")) {
    const f = /^diff --git a\/(.*) b\/(.*)$/.exec(l);
    if (f) {
      cur = { a: [], b: [] };
      out.set(f[2]!, cur);
      continue;
    }
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (h && cur) {
      const [a, an, b, bn] = [Number(h[1]), h[2] === undefined ? 1 : Number(h[2]), Number(h[3]), h[4] === undefined ? 1 : Number(h[4])];
      // An empty side is a point between two lines: both neighbours count.
      cur.a.push(an === 0 ? [a, a + 1] : [a, a + an - 1]);
      cur.b.push(bn === 0 ? [b, b + 1] : [b, b + bn - 1]);
    }
  }
  return out;
}

function lines(gitDir: string, commit: string, p: string): string[] {
  try {
    return git(gitDir, ["show", `${commit}:${p}`]).toString().split("\n");
  } catch {
    return [];
  }
}

function funcsIn(src: string[], ranges: [number, number][]): Set<string> {
  const s = new Set<string>();
  for (const [from, to] of ranges) for (let l = Math.max(1, from); l <= Math.min(to, src.length); l++) s.add(enclosingFunc(src, l));
  s.delete("");
  return s;
}

function runSide(gitDir: string, commit: string, side: Side, files: string[], testsOnly: boolean, extra: readonly string[]): { findings: Finding[]; error?: string } {
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f)))];
  const mods = new Set<string>();
  for (const d of dirs) for (let x = d; ; x = path.posix.dirname(x)) {
    mods.add(x === "." ? "go.mod" : `${x}/go.mod`);
    if (x === ".") break;
  }
  const dirSet = new Set(dirs);
  materialise(gitDir, commit, side.dir, side.current, [...dirs.map((d) => (d === "." ? "." : `${d}/`)), ...mods], (p) => {
    if (mods.has(p)) return true;
    if (!p.endsWith(".go") || !dirSet.has(path.posix.dirname(p))) return false;
    return testsOnly || !p.endsWith("_test.go") || files.includes(p);
  });
  // The changed files named one by one: the CLI reads the rest of their package as context.
  const args = files.filter((f) => existsSync(path.join(side.dir, f)));
  if (args.length === 0) return { findings: [] };
  const res = spawnSync(process.execPath, [path.join(root, "bin/ptrguard.js"), "check", ...args, "--format", "json", "--fail-on", "none", "--scope", "file", ...extra], {
    cwd: side.dir,
    maxBuffer: 1 << 28,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  try {
    return { findings: (JSON.parse(res.stdout) as { findings: Finding[] }).findings };
  } catch {
    return { findings: [], error: `exit ${res.status}: ${res.stderr.slice(0, 300)}` };
  }
}

function runCandidate(gitDir: string, c: ReturnType<typeof mine>[number], sides: { parent: Side; commit: Side }, extra: readonly string[]): Candidate {
  const changed = git(gitDir, ["diff", "--name-only", "--no-renames", "-z", c.parent, c.commit, "--", "*.go"]).toString().split("\0").filter(Boolean);
  const nonTest = changed.filter((f) => !f.endsWith("_test.go") && !/(^|\/)(vendor|testdata)\//.test(f));
  const testsOnly = nonTest.length === 0;
  const files = testsOnly ? changed.filter((f) => !/(^|\/)(vendor|testdata)\//.test(f)) : nonTest;
  const base: Candidate = { ...c, files, testsOnly, funcs: {}, status: "missed", caught: [], notFixed: [], added: [] };
  if (files.length === 0) return { ...base, status: "error", error: "no Go file changed" };
  const hs = hunks(git(gitDir, ["diff", "-U0", "--no-renames", c.parent, c.commit, "--", ...files]).toString());
  const src = { parent: new Map<string, string[]>(), commit: new Map<string, string[]>() };
  for (const f of files) {
    src.parent.set(f, lines(gitDir, c.parent, f));
    src.commit.set(f, lines(gitDir, c.commit, f));
    const h = hs.get(f);
    if (!h) continue;
    const fs = new Set([...funcsIn(src.parent.get(f)!, h.a), ...funcsIn(src.commit.get(f)!, h.b)]);
    if (fs.size) base.funcs[f] = [...fs].sort();
  }
  const at = (which: "parent" | "commit"): { hits: Hit[]; error?: string } => {
    const r = runSide(gitDir, which === "parent" ? c.parent : c.commit, sides[which], files, testsOnly, extra);
    const hits: Hit[] = [];
    for (const f of r.findings) {
      const fn = base.funcs[f.path];
      if (!fn) continue;
      const func = enclosingFunc(src[which].get(f.path) ?? [], f.line);
      if (fn.includes(func)) hits.push({ rule: f.rule, path: f.path, func, line: f.line, message: f.message });
    }
    return { hits, ...(r.error ? { error: r.error } : {}) };
  };
  const p = at("parent");
  const n = at("commit");
  if (p.error || n.error) return { ...base, status: "error", error: p.error ?? n.error };
  const key = (h: Hit) => `${h.path}|${h.rule}|${h.func}`;
  const left = new Map<string, number>();
  for (const h of n.hits) left.set(key(h), (left.get(key(h)) ?? 0) + 1);
  for (const h of p.hits) {
    const k = key(h);
    const m = left.get(k) ?? 0;
    if (m > 0) {
      left.set(k, m - 1);
      base.notFixed.push(h);
    } else base.caught.push(h);
  }
  const have = new Map<string, number>();
  for (const h of p.hits) have.set(key(h), (have.get(key(h)) ?? 0) + 1);
  for (const h of n.hits) {
    const m = have.get(key(h)) ?? 0;
    if (m > 0) have.set(key(h), m - 1);
    else base.added.push(h);
  }
  base.status = base.caught.length ? "caught" : base.notFixed.length ? "not fixed" : "missed";
  return base;
}

function ratio(a: number, b: number): string {
  return b === 0 ? "-" : (a / b).toFixed(2);
}

function main(): void {
  const program = new Command()
    .option("--mirror-dir <dir>", "where the bare git data is (<dir>/<owner>+<name>/...)", "/work/.mirror")
    .option("--repo <name>", "only this repository (owner/name), repeatable; default: DEFAULT_REPOS that are present", (v: string, a: string[]) => [...a, v], [] as string[])
    .option("--all", "every repository under --mirror-dir")
    .option("--out <dir>", "where each repository's JSON is written and read", "/tmp/fixes")
    .option("--trees-dir <dir>", "where the two sides are materialised", "/tmp/fixes-trees")
    .option("--judgments <file>", "the hand verdicts", path.join(root, "docs/fixes-judgments.json"))
    .option("--no-run", "reuse <out>/<owner>+<name>.fixes.json from the last run")
    .option("--again <sha>", "run this commit (a prefix) again, the others are reused; repeatable", (v: string, a: string[]) => [...a, v], [] as string[])
    .option("--args <args>", "extra ptrguard check arguments (e.g. `--test-findings all`; default: none)", "")
    .option("--unjudged", "print every unjudged candidate with its diff stat and findings")
    .parse();
  const opts = program.opts<{ args: string; mirrorDir: string; repo: string[]; all?: boolean; out: string; treesDir: string; judgments: string; run: boolean; again: string[]; unjudged?: boolean }>();
  const repos = opts.repo.length
    ? opts.repo
    : opts.all
      ? readdirSync(opts.mirrorDir).filter((d) => d.includes("+")).map((d) => d.replace("+", "/"))
      : DEFAULT_REPOS.filter((r) => existsSync(path.join(opts.mirrorDir, r.replace("/", "+"))));
  const judgments = existsSync(opts.judgments) ? (JSON.parse(readFileSync(opts.judgments, "utf8")) as FixJudgment[]) : [];
  const judge = (repo: string, commit: string) => judgments.find((j) => j.repo === repo && commit.startsWith(j.commit));
  mkdirSync(opts.out, { recursive: true });

  console.log(`Keywords (git log -i -E --grep):\n${KEYWORDS.map((k) => `- ${k.name}: \`${k.re}\``).join("\n")}\n`);
  const results: RepoFixes[] = [];
  for (const repo of repos) {
    const gitDir = findGitDir(path.join(opts.mirrorDir, repo.replace("/", "+")));
    if (!gitDir) {
      console.error(`no git data for ${repo} under ${opts.mirrorDir}`);
      continue;
    }
    const out = path.join(opts.out, `${repo.replace("/", "+")}.fixes.json`);
    const previous = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as RepoFixes) : undefined;
    let run: RepoFixes;
    if (opts.run || opts.again.length) {
      const head = git(gitDir, ["rev-parse", "HEAD"]).toString().trim();
      const mined = opts.run ? mine(gitDir) : (previous?.candidates ?? []).map(({ commit, parent, subject, keywords }) => ({ commit, parent, subject, keywords }));
      const tree = path.join(opts.treesDir, repo.replace("/", "+"));
      rmSync(tree, { recursive: true, force: true });
      const sides = { parent: { dir: path.join(tree, "parent"), current: new Map<string, string>() }, commit: { dir: path.join(tree, "commit"), current: new Map<string, string>() } };
      mkdirSync(sides.parent.dir, { recursive: true });
      mkdirSync(sides.commit.dir, { recursive: true });
      const t0 = Date.now();
      const args = opts.args.split(/\s+/).filter(Boolean);
      const candidates: Candidate[] = [];
      for (const c of mined) {
        const old = previous?.candidates.find((x) => x.commit === c.commit);
        if (old && !opts.run && !opts.again.some((a) => c.commit.startsWith(a))) {
          candidates.push(old);
          continue;
        }
        const r = runCandidate(gitDir, c, sides, args);
        candidates.push(r);
        console.error(`${repo} ${c.commit.slice(0, 12)} ${r.status} ${r.caught.map((h) => h.rule).join(",")} ${c.subject.slice(0, 70)}`);
      }
      run = { repo, head, args, candidates };
      writeFileSync(out, JSON.stringify(run, null, 1));
      console.error(`${repo}: ${candidates.length} candidates in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } else {
      if (!previous) {
        console.error(`no run for ${repo} (${out})`);
        continue;
      }
      run = previous;
    }
    results.push(run);
  }

  if (opts.unjudged) {
    for (const r of results) {
      const gitDir = findGitDir(path.join(opts.mirrorDir, r.repo.replace("/", "+")))!;
      for (const c of r.candidates.filter((c) => !judge(r.repo, c.commit))) {
        console.log(`\n### ${r.repo} ${c.commit.slice(0, 12)} [${c.status}] ${c.subject}`);
        console.log(git(gitDir, ["diff", "--stat=100", c.parent, c.commit, "--", "*.go"]).toString().trimEnd());
        for (const h of [...c.caught, ...c.notFixed]) console.log(`  ${c.caught.includes(h) ? "caught" : "not fixed"}: ${h.rule} ${h.path}:${h.line} ${h.func}`);
      }
    }
    return;
  }

  // Every candidate with its status and verdict.
  console.log(`| repository | commit | subject | status | rules at the parent, gone after | verdict | rule |\n|---|---|---|---|---|---|---|`);
  for (const r of results)
    for (const c of r.candidates) {
      const j = judge(r.repo, c.commit);
      console.log(
        `| ${r.repo} | ${c.commit.slice(0, 12)} | ${c.subject.replace(/\|/g, "\\|").slice(0, 70)} | ${c.status} | ${[...new Set(c.caught.map((h) => h.rule))].join(", ")} | ${j?.verdict ?? "unjudged"} | ${j?.rule ?? ""} |`,
      );
    }

  // A judged in-catalog fix counts as caught when a finding of its rule is gone after the fix.
  const rows = results.flatMap((r) =>
    r.candidates.map((c) => {
      const j = judge(r.repo, c.commit);
      const caught = !!j && j.verdict === "in-catalog" && c.caught.some((h) => h.rule === j.rule);
      return { repo: r.repo, c, j, caught };
    }),
  );
  const inCat = rows.filter((x) => x.j?.verdict === "in-catalog");
  console.log(`\n| repository | candidates | judged | not a fix | out of catalog | in catalog | caught | missed | recall |\n|---|---|---|---|---|---|---|---|---|`);
  const sum = (xs: typeof rows) => {
    const ic = xs.filter((x) => x.j?.verdict === "in-catalog");
    const caught = ic.filter((x) => x.caught).length;
    return `${xs.length} | ${xs.filter((x) => x.j).length} | ${xs.filter((x) => x.j?.verdict === "not-a-fix").length} | ${xs.filter((x) => x.j?.verdict === "out-of-catalog").length} | ${ic.length} | ${caught} | ${ic.length - caught} | ${ratio(caught, ic.length)}`;
  };
  for (const r of results) console.log(`| ${r.repo} | ${sum(rows.filter((x) => x.repo === r.repo))} |`);
  console.log(`| **all** | ${sum(rows)} |`);

  console.log(`\n| rule | in-catalog fixes | caught | missed | recall |\n|---|---|---|---|---|`);
  for (const rule of [...new Set(inCat.map((x) => x.j!.rule ?? "?"))].sort()) {
    const xs = inCat.filter((x) => (x.j!.rule ?? "?") === rule);
    const caught = xs.filter((x) => x.caught).length;
    console.log(`| ${rule} | ${xs.length} | ${caught} | ${xs.length - caught} | ${ratio(caught, xs.length)} |`);
  }
  const missed = inCat.filter((x) => !x.caught);
  if (missed.length) {
    console.log(`\nIn-catalog fixes missed (${missed.length}):`);
    for (const x of missed) console.log(`- ${x.repo}@${x.c.commit.slice(0, 12)} ${x.j!.rule} [${x.c.status}]: ${x.j!.why}`);
  }
  const stale = judgments.filter((j) => results.some((r) => r.repo === j.repo) && !rows.some((x) => x.repo === j.repo && x.c.commit.startsWith(j.commit)));
  if (stale.length) console.log(`\nJudgments with no mined commit (${stale.length}): ${stale.map((j) => `${j.repo}@${j.commit}`).join(", ")}`);
  const errors = rows.filter((x) => x.c.status === "error");
  if (errors.length) console.log(`\nCandidates not checked (${errors.length}): ${errors.map((x) => `${x.repo}@${x.c.commit.slice(0, 12)} (${x.c.error})`).join("; ")}`);
  const unjudged = rows.filter((x) => !x.j).length;
  if (unjudged) console.log(`\nNot yet judged: ${unjudged} (--unjudged prints them)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
