// Recall and false alarms of ptrguard on the other tools' own labelled test suites (go vet's
// lostcancel, loopclosure, copylock and unsafeptr; staticcheck's SA2000 and SA1015; revive's
// fixtures for the rules in our catalog; containedctx; tickeryzer; exportloopref).
//
//   npx tsx scripts/peers.ts [--dir /work/ext/peers] [--suite ID] [--json] [--verbose] [--out]
//   npx tsx scripts/peers.ts --draft FILE...   (a first classification of a new peer file)
// --verbose lists our findings on lines the peer leaves unlabelled, --out the lines classified
// outside the catalog.
//
// The suites are not in this repository (their code stays theirs): fetch each repository at the
// commit scripts/peers.json names and extract its testdata under --dir (the layout is in
// docs/precision.md ("Recall on the peers' own labelled test suites")). scripts/peers.json says, for every line a peer labels as a bug
// (`// want`, `//@ diag(...)`, `// MATCH`), whether it falls inside our catalog and under which
// rule, or why not; and which lines are explicit negatives (a line of the bug's shape the peer's
// test asserts is silent, most with a comment saying so). The script runs the engine on each file
// whole, with every rule (context-in-struct included), and counts:
//   - recall: in-catalog bug lines caught by a finding of the named rule on that line, on the line
//     our finding is expected at (`site`: the `go`/`defer`/`g.Go`/`t.Run` statement whose closure
//     reads the variable, naming it), or through a related location on that line;
//   - negatives flagged: any finding on an explicit negative line;
//   - other findings: findings on lines the peer leaves unlabelled (not a bug line or its site),
//     which the peer's test would also reject.
// It fails (exit 1) when a labelled line of a listed file is not classified in peers.json, or
// when a classified line carries no label any more (the suite moved: re-run --draft).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { rules } from "../rules/index.js";
import { analyze } from "../src/analyzer/engine.js";
import type { Finding } from "../src/analyzer/types.js";
import { ROOT } from "../src/analyzer/testing.js";

interface Bug {
  line: number;
  /** Our rule whose definition the line meets. */
  rule?: string;
  /** Why the line is outside the catalog. */
  out?: string;
  /** Where our finding is expected when not on the line itself (the closure's go/defer/g.Go/t.Run line). */
  site?: number;
  /** The variable the finding at `site` must name. */
  name?: string;
  note?: string;
}

interface Negative {
  line: number;
  note: string;
}

interface FileEntry {
  /** go.mod text for this file; overrides the suite's. A txtar file's own go.mod section wins. */
  goMod?: string | null;
  bugs: Bug[];
  negatives: Negative[];
}

interface Suite {
  id: string;
  repo: string;
  commit: string;
  /** Under --dir. */
  dir: string;
  goMod?: string | null;
  /** path under dir (a txtar section as `file.txtar:section.go`) → its classification. */
  files: Record<string, FileEntry>;
  /** Labelled files of the folder left out, with the reason (another rule of the peer's, outside our catalog). */
  skip?: Record<string, string>;
}

interface Data {
  suites: Suite[];
}

/** A peer's label on a line: go/analysis' `// want`, staticcheck's `//@ diag(`, revive's `// MATCH`. */
const LABEL = /\/\/\s*want\s|\/\/@\s*diag\(|\/\/\s*MATCH\s/;
/** Comments that state a line is not reported (for --draft). */
const NEGATIVE_COMMENT = /\/\/.*(not reported|not a diagnostic|shall not match|not flagged|\bOK\b|this is ok|no diagnostic|FIX variable)/i;

interface Unit {
  key: string;
  /** The text analysed. */
  content: string;
  /** Line of the analysed text's first line in the peer's file, minus 1. */
  offset: number;
  goMod: string | null;
  path: string;
}

function units(dir: string, key: string, suite: Suite, entry: FileEntry | undefined): Unit {
  const [file, section] = key.split(":");
  const text = readFileSync(path.join(dir, file!), "utf8");
  if (!section) {
    const goMod = entry?.goMod !== undefined ? entry.goMod : suite.goMod !== undefined ? suite.goMod : nearestGoMod(path.join(dir, file!), dir);
    return { key, content: text, offset: 0, goMod, path: file! };
  }
  const parts = txtar(text);
  const part = parts.find((p) => p.name === section);
  if (!part) throw new Error(`${suite.id}: ${file} has no section ${section}`);
  const mod = parts.find((p) => p.name === "go.mod");
  return { key, content: part.content, offset: part.offset, goMod: mod ? mod.content : null, path: `${file}/${section}` };
}

function txtar(text: string): { name: string; content: string; offset: number }[] {
  const lines = text.split("\n");
  const out: { name: string; content: string; offset: number }[] = [];
  let cur: { name: string; lines: string[]; offset: number } | undefined;
  lines.forEach((l, i) => {
    const m = /^-- (.+) --$/.exec(l);
    if (m) {
      if (cur) out.push({ name: cur.name, content: cur.lines.join("\n"), offset: cur.offset });
      cur = { name: m[1]!, lines: [], offset: i + 1 };
    } else cur?.lines.push(l);
  });
  if (cur) out.push({ name: cur.name, content: cur.lines.join("\n"), offset: cur.offset });
  return out;
}

function nearestGoMod(file: string, stop: string): string | null {
  for (let d = path.dirname(file); d.startsWith(stop); d = path.dirname(d)) {
    const m = path.join(d, "go.mod");
    if (existsSync(m)) return readFileSync(m, "utf8");
    if (d === stop) break;
  }
  return null;
}

/** Lines (1-based, in the unit's text) that carry a peer's label. */
function labelled(u: Unit): number[] {
  return u.content.split("\n").flatMap((l, i) => (LABEL.test(l) ? [i + 1] : []));
}

interface SuiteResult {
  id: string;
  repo: string;
  commit: string;
  bugLines: number;
  inCatalog: number;
  caught: { key: string; line: number; rule: string }[];
  missed: { key: string; line: number; rule: string; note?: string; got: string[] }[];
  outOfCatalog: { key: string; line: number; out: string; flaggedBy: string[] }[];
  negatives: number;
  negativesFlagged: { key: string; line: number; note: string; findings: string[] }[];
  other: { key: string; line: number; findings: string[] }[];
  problems: string[];
}

async function runSuite(root: string, suite: Suite): Promise<SuiteResult> {
  const dir = path.join(root, suite.dir);
  const res: SuiteResult = { id: suite.id, repo: suite.repo, commit: suite.commit, bugLines: 0, inCatalog: 0, caught: [], missed: [], outOfCatalog: [], negatives: 0, negativesFlagged: [], other: [], problems: [] };
  if (!existsSync(dir)) {
    res.problems.push(`${dir} is missing: extract ${suite.repo}@${suite.commit} there (see docs/precision.md ("Recall on the peers' own labelled test suites"))`);
    return res;
  }
  for (const [key, entry] of Object.entries(suite.files)) {
    const u = units(dir, key, suite, entry);
    const result = await analyze([{ path: u.path, content: u.content, goMod: u.goMod }], { rules, scope: "file" });
    for (const n of result.notes) res.problems.push(`${key}: note: ${n.reason}`);
    for (const s of result.skipped) res.problems.push(`${key}: skipped: ${s.reason}`);
    const findings = result.findings.map((f) => ({ ...f, line: f.line + u.offset, related: f.related.map((r) => ({ ...r, line: r.line + u.offset })) }));
    const labels = new Set(labelled(u).map((l) => l + u.offset));
    const classified = new Set(entry.bugs.map((b) => b.line));
    for (const l of labels) if (!classified.has(l)) res.problems.push(`${key}:${l}: labelled by the peer but not classified in peers.json`);
    for (const l of classified) if (!labels.has(l)) res.problems.push(`${key}:${l}: classified in peers.json but carries no label`);
    const explained = new Set<Finding>();
    const describe = (f: Finding) => `${f.rule}@${f.line}: ${f.message}`;
    for (const bug of entry.bugs) {
      res.bugLines++;
      const on = findings.filter((f) => f.line === bug.line);
      if (!bug.rule) {
        on.forEach((f) => explained.add(f));
        res.outOfCatalog.push({ key, line: bug.line, out: bug.out ?? "", flaggedBy: on.map(describe) });
        continue;
      }
      res.inCatalog++;
      const hits = findings.filter(
        (f) =>
          f.rule === bug.rule &&
          (f.line === bug.line ||
            f.related.some((r) => r.line === bug.line) ||
            (bug.site !== undefined && f.line === bug.site && (!bug.name || new RegExp(`\\b${bug.name}\\b`).test(f.message)))),
      );
      hits.forEach((f) => explained.add(f));
      on.forEach((f) => explained.add(f)); // another rule on a bug line is not a false alarm
      if (hits.length) res.caught.push({ key, line: bug.line, rule: bug.rule });
      else res.missed.push({ key, line: bug.line, rule: bug.rule, note: bug.note, got: [...on, ...findings.filter((f) => bug.site !== undefined && f.line === bug.site)].map(describe) });
    }
    for (const neg of entry.negatives) {
      res.negatives++;
      const on = findings.filter((f) => f.line === neg.line);
      on.forEach((f) => explained.add(f));
      if (on.length) res.negativesFlagged.push({ key, line: neg.line, note: neg.note, findings: on.map(describe) });
    }
    for (const f of findings) if (!explained.has(f)) res.other.push({ key, line: f.line, findings: [describe(f)] });
  }
  return res;
}

/** A first classification of a peer file: its labelled lines and the lines whose comment says they are silent. */
function draft(file: string): void {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const bugs = lines.flatMap((l, i) => (LABEL.test(l) ? [{ line: i + 1, rule: "?", text: l.trim().slice(0, 100) }] : []));
  const negatives = lines.flatMap((l, i) => (!LABEL.test(l) && NEGATIVE_COMMENT.test(l) ? [{ line: i + 1, note: l.trim().slice(0, 100) }] : []));
  console.log(JSON.stringify({ [file]: { bugs, negatives } }, null, 2));
}

function pct(a: number, b: number): string {
  return b === 0 ? "n/a" : (a / b).toFixed(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args[0] === "--draft") {
    args.slice(1).forEach(draft);
    return;
  }
  const root = at("--dir") ?? process.env.PEERS_DIR ?? "/work/ext/peers";
  const data = JSON.parse(readFileSync(path.join(ROOT, "scripts/peers.json"), "utf8")) as Data;
  const only = at("--suite");
  const results: SuiteResult[] = [];
  for (const suite of data.suites) if (!only || suite.id === only) results.push(await runSuite(root, suite));
  // Files of a suite's folder with labels that peers.json does not list.
  for (const suite of data.suites) {
    const dir = path.join(root, suite.dir);
    if (!existsSync(dir)) continue;
    const listed = new Set([...Object.keys(suite.files).map((k) => k.split(":")[0]), ...Object.keys(suite.skip ?? {})]);
    for (const f of walk(dir)) {
      const rel = path.relative(dir, f);
      if (!listed.has(rel) && LABEL.test(readFileSync(f, "utf8"))) results.find((r) => r.id === suite.id)?.problems.push(`${rel}: labelled file not listed in peers.json`);
    }
  }
  if (args.includes("--json")) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log("| suite | bug lines | in catalog | caught | recall | explicit negatives | flagged | other findings |");
    console.log("|---|---|---|---|---|---|---|---|");
    let tIn = 0, tCaught = 0, tNeg = 0, tFlag = 0, tBug = 0, tOther = 0;
    for (const r of results) {
      console.log(`| ${r.id} | ${r.bugLines} | ${r.inCatalog} | ${r.caught.length} | ${pct(r.caught.length, r.inCatalog)} | ${r.negatives} | ${r.negativesFlagged.length} | ${r.other.length} |`);
      tBug += r.bugLines; tIn += r.inCatalog; tCaught += r.caught.length; tNeg += r.negatives; tFlag += r.negativesFlagged.length; tOther += r.other.length;
    }
    console.log(`| **all** | ${tBug} | ${tIn} | ${tCaught} | ${pct(tCaught, tIn)} | ${tNeg} | ${tFlag} | ${tOther} |`);
    for (const r of results) {
      const verbose = args.includes("--verbose");
      const outs = args.includes("--out");
      if (!r.missed.length && !r.negativesFlagged.length && !r.problems.length && !(verbose && r.other.length) && !(outs && r.outOfCatalog.length)) continue;
      console.log(`\n## ${r.id}`);
      for (const m of r.missed) console.log(`missed ${m.key}:${m.line} (${m.rule})${m.note ? ` — ${m.note}` : ""}${m.got.length ? `; found instead: ${m.got.join(" | ")}` : ""}`);
      for (const n of r.negativesFlagged) console.log(`negative flagged ${n.key}:${n.line} (${n.note}): ${n.findings.join(" | ")}`);
      if (verbose) for (const o of r.other) console.log(`other ${o.key}:${o.line}: ${o.findings.join(" | ")}`);
      if (outs) for (const o of r.outOfCatalog) console.log(`out of catalog ${o.key}:${o.line}: ${o.out}${o.flaggedBy.length ? ` (flagged: ${o.flaggedBy.join(" | ")})` : ""}`);
      for (const p of r.problems) console.log(`problem: ${p}`);
    }
  }
  if (results.some((r) => r.problems.some((p) => /not classified|no label|not listed|missing/.test(p)))) process.exitCode = 1;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? walk(full) : /\.(go|txtar)$/.test(n) ? [full] : [];
  });
}

await main();
