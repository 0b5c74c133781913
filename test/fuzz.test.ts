// Fuzz: the engine fed mutated Go sources (from fixtures/) and random diffs, a fixed number of
// iterations from a fixed seed, through the review step the App and the CLI use (src/review/
// analyse.ts) with the production limits. Whatever the input: no exception escapes, every file is
// analysed or skipped with a reason, findings point inside their file, and the per-file time
// budget's mechanism (which names a file that ran over it) names none. Speed itself is measured by
// the bench, never here. A failure prints the seed and iteration, and writes the input to a file.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SCOPES, type SourceFile } from "../src/analyzer/engine.js";
import { ROOT } from "../src/analyzer/testing.js";
import { DEFAULT_CONFIG, type Config } from "../src/config.js";
import { DiffError, parsePatch, type FileDiff } from "../src/diff/diff.js";
import { analyse } from "../src/review/analyse.js";
import { localPatch } from "../src/review/files.js";
import { DEFAULT_LIMITS } from "../src/review/limits.js";
import { rules } from "../rules/index.js";

// Fixed in CI; PTRGUARD_FUZZ_SEED and PTRGUARD_FUZZ_ITERATIONS explore further by hand.
const SEED = Number(process.env.PTRGUARD_FUZZ_SEED ?? 0x9e3779b9) >>> 0;
const ITERATIONS = Number(process.env.PTRGUARD_FUZZ_ITERATIONS ?? 240);

/** mulberry32: a small, fast, seeded PRNG (the same sequence on every machine). */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}
type Rng = ReturnType<typeof prng>;

function goFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) goFiles(full, out);
    else if (e.endsWith(".go")) out.push(full);
  }
  return out;
}

// Go fragments that break or bend the grammar: unbalanced brackets, half statements, the shapes
// the rules look for, Go 1.26's new(expr), odd text (NUL, U+FFFD, CR, astral characters).
const TOKENS = [
  "{", "}", "(", ")", "[", "]", ";", "\n", "\r\n", "\t", " ", ",", ".", ":=", "=", "<-", "...",
  "go func() {", "defer ", "for {", "for i := range xs {", "select {", "case <-ctx.Done():", "default:",
  "return", "break", "continue", "goto L", "L:", "func", "func (s *S) M() {", "type T struct {", "interface{}",
  "ctx, _ := context.WithCancel(ctx)", "t := time.NewTicker(d)", "wg.Add(1)", "go f(&v)", "ch <- v", "x := <-ch",
  "unsafe.Pointer(&x)", "uintptr(p)", "b[:n]", "new(uint64(10))", "new(", "make(chan int)", "time.After(d)",
  "//ptrguard:ignore lost-cancel -- why", "//nolint", "/*", "*/", '"', "`", "'", "\\", "0x", "1e9",
  "\u0000", "\uFFFD", "é", "𝔤", "\u2028", "package p", "import \"context\"", "//go:build go1.21",
];

function mutate(src: string, r: Rng): string {
  let s = src;
  const ops = 1 + r.int(4);
  for (let k = 0; k < ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(7)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(Math.min(s.length, at + 1 + r.int(80)));
        break;
      case 1: // insert fragments
        s = s.slice(0, at) + Array.from({ length: 1 + r.int(3) }, () => r.pick(TOKENS)).join(r.pick(["", " ", "\n"])) + s.slice(at);
        break;
      case 2: { // duplicate a line elsewhere
        const lines = s.split("\n");
        lines.splice(r.int(lines.length + 1), 0, r.pick(lines));
        s = lines.join("\n");
        break;
      }
      case 3: { // swap two lines
        const lines = s.split("\n");
        const i = r.int(lines.length);
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join("\n");
        break;
      }
      case 4: // truncate
        s = s.slice(0, at);
        break;
      case 5: // repeat a span (deep nesting, long files)
        s = s.slice(0, at) + s.slice(at, at + r.int(200)).repeat(1 + r.int(20)) + s.slice(at);
        break;
      default: // flip one character
        if (s.length > 0) s = s.slice(0, at) + String.fromCharCode(32 + r.int(95)) + s.slice(at + 1);
    }
  }
  return s;
}

/** A random hunk list: line numbers and counts that may or may not fit the file. */
function randomPatch(lines: number, r: Rng): string {
  let out = "";
  let oldAt = 1 + r.int(Math.max(1, lines));
  let newAt = oldAt + r.int(5) - 2;
  for (let h = 1 + r.int(3); h > 0; h--) {
    const body: string[] = [];
    let o = 0;
    let n = 0;
    for (let i = r.int(8); i >= 0; i--) {
      const kind = r.pick([" ", " ", "+", "-", "+"]);
      body.push(kind + r.pick(TOKENS).replace(/\r?\n/g, ""));
      if (kind !== "+") o++;
      if (kind !== "-") n++;
    }
    // Sometimes the header lies about the counts.
    const lie = r.int(6) === 0 ? r.int(5) : 0;
    out += `@@ -${Math.max(0, oldAt)},${o + lie} +${Math.max(0, newAt)},${n} @@\n${body.join("\n")}\n`;
    oldAt += o + 1 + r.int(20);
    newAt += n + 1 + r.int(20);
  }
  return out;
}

type Case = { file: SourceFile; scope: Config["scope"]; how: string };

function makeCase(corpus: { path: string; text: string }[], r: Rng): Case {
  const base = r.pick(corpus);
  const head = mutate(base.text, r);
  const scope = r.pick(SCOPES);
  const goMod = r.pick([null, "module m\n\ngo 1.21\n", "module m\n\ngo 1.22\n", "module m\n\ngo 1.26\ngodebug asynctimerchan=1\n", "go 1.x\n\x00"]);
  const name = base.path.replace(/^.*fixtures\//, "");
  const kind = r.int(5);
  let diff: FileDiff | undefined;
  let how = "no diff";
  try {
    if (kind === 1 || kind === 2) {
      // A real diff from the fixture (or a mutation of it) to the mutated head.
      const from = kind === 1 ? base.text : mutate(base.text, r);
      diff = parsePatch(localPatch(name, from, head), name, "modified");
      how = kind === 1 ? "diff from the fixture" : "diff from another mutation";
    } else if (kind === 3) {
      diff = parsePatch(randomPatch(head.split("\n").length, r), name, r.pick(["modified", "renamed", "added"] as const), "old.go");
      how = "random hunks";
    } else if (kind === 4) {
      diff = parsePatch(localPatch(name, "", head), name, "added");
      how = "added file";
    }
  } catch (err) {
    // A patch the diff parser refuses never reaches the engine.
    if (!(err instanceof DiffError)) throw err;
    diff = undefined;
    how = "diff refused by the parser";
  }
  return { file: { path: name, content: head, goMod, ...(diff ? { diff } : {}) }, scope, how };
}

describe("fuzz: mutated Go and random diffs", () => {
  it(`${ITERATIONS} iterations from seed ${SEED.toString(16)}: no exception, every file accounted for, findings inside the file, no file over its time budget`, async () => {
    const corpus = goFiles(path.join(ROOT, "fixtures")).map((p) => ({ path: p, text: readFileSync(p, "utf8") })).filter((f) => f.text.length < 64 * 1024);
    expect(corpus.length).toBeGreaterThan(100);
    const r = prng(SEED);
    const config: Config = { ...DEFAULT_CONFIG, rules: { "context-in-struct": "on" }, paths_ignore: [] };
    let analysed = 0;
    let findings = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const c = makeCase(corpus, r);
      const where = () => {
        const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-fuzz-"));
        writeFileSync(path.join(dir, "input.go"), c.file.content);
        if (c.file.diff) writeFileSync(path.join(dir, "diff.json"), JSON.stringify(c.file.diff, null, 1));
        return `seed ${SEED.toString(16)}, iteration ${i}, ${c.file.path} (${c.how}, scope ${c.scope}); input written to ${dir}`;
      };
      let a;
      try {
        a = await analyse([{ file: c.file, githubDiff: c.file.diff }], rules, { ...config, scope: c.scope }, DEFAULT_LIMITS);
      } catch (err) {
        throw new Error(`analyse threw at ${where()}: ${(err as Error).stack ?? String(err)}`);
      }
      const accounted = a.filesAnalyzed + a.skipped.filter((s) => s.path === c.file.path).length;
      if (accounted !== 1) throw new Error(`the file is neither analysed nor skipped once at ${where()}`);
      const over = a.notes.filter((n) => /to analyse \(the budget per file/.test(n.reason));
      if (over.length > 0) throw new Error(`over the per-file budget at ${where()}: ${over[0]!.reason}`);
      const lineCount = c.file.content.split("\n").length;
      for (const f of a.findings) {
        if (f.path !== c.file.path || f.line < 1 || f.line > lineCount || f.endLine < f.line || f.column < 1) {
          throw new Error(`a finding outside the file (${f.rule} at ${f.line}:${f.column}) at ${where()}`);
        }
      }
      // A rule that throws is caught by the engine (its findings there are missing), but it is a bug.
      for (const n of a.notes) {
        if (!/^syntax error near line \d+; the declarations that parsed were analysed$/.test(n.reason)) throw new Error(`note "${n.reason}" at ${where()}`);
      }
      analysed += a.filesAnalyzed;
      findings += a.findings.length;
    }
    // The cases exercise the analysis, not only the skips.
    expect(analysed).toBeGreaterThan(ITERATIONS / 2);
    expect(findings).toBeGreaterThan(0);
  }, 120_000);
});
