// Runs ptrguard (whole file, every rule) over GoBench's GoKer blocking kernels and says, for each,
// whether a finding lands on a labelled line: a line of the kernel's file that the README's
// backtrace shows a blocked goroutine parked on, or where a blocked goroutine was created.
//
//	npx tsx scripts/goker.ts [GOBENCH_DIR] [--json] [--kernel etcd_6857]
//
// GOBENCH_DIR defaults to /work/ext/gobench (a clone of github.com/timmyyuan/gobench). The kernels'
// classes come from gobench/configures/goker/blocking.json. Nothing here knows any kernel: the
// script only reads the benchmark's own files and reports.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { rules } from "../rules/index.js";
import { analyze } from "../src/analyzer/engine.js";
import { loadGo, parseGo } from "../src/analyzer/parser.js";
import type { Finding } from "../src/analyzer/types.js";

export interface KernelResult {
  id: string;
  type: string;
  subtype: string;
  /** Lines of the kernel file a blocked goroutine is parked on. */
  blocked: number[];
  /** Lines where a blocked goroutine was started. */
  created: number[];
  findings: { rule: string; line: number; message: string; related: number[] }[];
  /** A finding (or one of its related locations) is on a labelled line. */
  flagged: boolean;
}

const args = process.argv.slice(2);
const json = args.includes("--json");
const only = args.includes("--kernel") ? args[args.indexOf("--kernel") + 1] : undefined;
const root = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--kernel") ?? "/work/ext/gobench";
const base = existsSync(path.join(root, "gobench/goker")) ? path.join(root, "gobench") : root;

/** Line ranges of the file's functions and methods: "F" or "T.m". */
function functionRanges(source: string): Map<string, { start: number; end: number; gos: number[] }> {
  const out = new Map<string, { start: number; end: number; gos: number[] }>();
  const tree = parseGo(source);
  try {
    for (const d of tree.rootNode.namedChildren) {
      if (!d || (d.type !== "function_declaration" && d.type !== "method_declaration")) continue;
      const name = d.childForFieldName("name")?.text ?? "";
      const recv = d.type === "method_declaration" ? d.childForFieldName("receiver")?.descendantsOfType("type_identifier")[0]?.text : undefined;
      const gos = d.descendantsOfType("go_statement").map((g) => g!.startPosition.row + 1);
      out.set(recv ? `${recv}.${name}` : name, { start: d.startPosition.row + 1, end: d.endPosition.row + 1, gos });
    }
  } finally {
    tree.delete();
  }
  return out;
}

/**
 * The kernel file's labelled lines, read from the README's backtrace: the top frame of each
 * blocked goroutine and the line that created it. Some backtraces were taken from an older
 * version of the file; a frame whose line is not inside the function it names is then mapped
 * by that name: the blocked frame to the whole function, the creating frame to its go statements
 * (closures, `F.func1`, are not mapped).
 */
function labels(readme: string, file: string, source: string): { blocked: number[]; created: number[] } {
  const blocked = new Set<number>();
  const created = new Set<number>();
  const name = path.basename(file).replace(/[.]/g, "\\.");
  const fns = functionRanges(source);
  const place = (frame: string, line: number, kind: "blocked" | "created") => {
    const m = /(?:^|\.)(?:\(\*?(\w+)\)\.)?(\w+(?:\.func\d+)*)\(?[^.]*$/.exec(frame.replace(/^created by /, "").replace(/\([^()]*\)$/, ""));
    const key = m ? (m[1] ? `${m[1]}.${m[2]}` : m[2]!) : "";
    const fn = fns.get(key.replace(/\.func\d+$/, ""));
    if (fn && line >= fn.start && line <= fn.end) return (kind === "blocked" ? blocked : created).add(line);
    if (!fn || /\.func\d+$/.test(key)) return;
    if (kind === "created") for (const g of fn.gos) created.add(g);
    else for (let l = fn.start; l <= fn.end; l++) blocked.add(l);
  };
  // One goroutine per paragraph: "goroutine N [chan send]:" then frames, "created by" last.
  for (const g of readme.split(/\n(?=goroutine \d+ \[)/)) {
    const head = /^goroutine \d+ \[([^\]]+)\]/.exec(g);
    if (!head || /running|runnable|syscall|IO wait/.test(head[1]!)) continue;
    const lines = g.split("\n");
    let first = true;
    let prev = "";
    for (const l of lines) {
      const m = new RegExp(`${name}:(\\d+)`).exec(l);
      if (m) {
        if (/^created by/.test(prev.trim())) place(prev.trim(), Number(m[1]), "created");
        else if (first) {
          place(prev.trim(), Number(m[1]), "blocked");
          first = false;
        }
      }
      prev = l;
    }
  }
  return { blocked: [...blocked], created: [...created] };
}

/**
 * Lines the kernel's own comments mark: a `// Gk` comment on a line where the closing timeline
 * ("---- G2 leak ----", "G1, G2 deadlock") says Gk leaks or blocks (every marked goroutine when it
 * says only "deadlock"), and any line whose comment says it blocks ("// G2 block here").
 */
function annotated(source: string): number[] {
  const lines = source.split("\n");
  const verdict = lines.filter((l) => /^\s*\/\/\/.*-{3,}/.test(l)).join(" ");
  const leaking = new Set([...verdict.matchAll(/\b(G\d+)\b(?=[^-]*?(?:leak|block|deadlock|stuck))/gi)].map((m) => m[1]!.toUpperCase()));
  const all = /deadlock/i.test(verdict) && leaking.size === 0;
  const out: number[] = [];
  lines.forEach((l, i) => {
    const c = /\/\/(?!\/)(.*)$/.exec(l);
    if (!c || /^\s*\/\//.test(l)) return;
    const gs = [...c[1]!.matchAll(/\bG(\d+)\b/g)].map((m) => `G${m[1]}`);
    if (/block/i.test(c[1]!) || gs.some((g) => all || leaking.has(g))) out.push(i + 1);
  });
  return out;
}

async function main(): Promise<void> {
  await loadGo();
  const classes = JSON.parse(readFileSync(path.join(base, "configures/goker/blocking.json"), "utf8")) as Record<string, { type: string; subtype: string }>;
  const out: KernelResult[] = [];
  for (const [id, cls] of Object.entries(classes)) {
    if (only && id !== only) continue;
    const [project, num] = id.split("_") as [string, string];
    const dir = path.join(base, "goker/blocking", project, num);
    if (!existsSync(dir)) continue;
    const goFiles = readdirSync(dir).filter((f) => f.endsWith(".go"));
    const readme = existsSync(path.join(dir, "README.md")) ? readFileSync(path.join(dir, "README.md"), "utf8") : "";
    const files = goFiles.map((f) => ({ path: f, content: readFileSync(path.join(dir, f), "utf8") }));
    const result = await analyze(files, { rules, scope: "file" });
    const blocked = new Set<number>();
    const created = new Set<number>();
    for (const f of goFiles) {
      const l = labels(readme, f, readFileSync(path.join(dir, f), "utf8"));
      l.blocked.forEach((n) => blocked.add(n));
      l.created.forEach((n) => created.add(n));
    }
    for (const f of files) for (const n of annotated(f.content)) created.add(n);
    // Some backtraces were taken before the kernel's file was edited: a labelled line that is blank
    // or a lone brace stands for the statement just above it.
    const text = files[0]?.content.split("\n") ?? [];
    const shift = (set: Set<number>) => {
      for (const n of [...set]) {
        let m = n;
        while (m > 1 && /^\s*[{}]?\s*$/.test(text[m - 1] ?? "x")) m--;
        if (m !== n) set.add(m);
      }
    };
    shift(blocked);
    shift(created);
    // A labelled goroutine that runs a named function of the kernel: that function's lines too
    // (the goroutine blocks somewhere in it).
    const fns = functionRanges(files[0]?.content ?? "");
    for (const n of [...created]) {
      const m = /\bgo\s+(?:[\w.]+\.)?(\w+)\(/.exec(text[n - 1] ?? "");
      if (!m) continue;
      for (const [key, r] of fns) if (key === m[1] || key.endsWith(`.${m[1]}`)) for (let l = r.start; l <= r.end; l++) blocked.add(l);
    }
    const label = new Set([...blocked, ...created]);
    const hit = (f: Finding) =>
      label.has(f.line) || f.related.some((r) => !("path" in r && r.path) && label.has(r.line)) || [...f.message.matchAll(/line (\d+)/g)].some((m) => label.has(Number(m[1])));
    out.push({
      id,
      type: cls.type,
      subtype: cls.subtype,
      blocked: [...blocked].sort((a, b) => a - b),
      created: [...created].sort((a, b) => a - b),
      findings: result.findings.map((f) => ({ rule: f.rule, line: f.line, message: f.message, related: f.related.map((r) => r.line) })),
      flagged: result.findings.some(hit),
    });
  }
  if (json) {
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return;
  }
  const groups = new Map<string, KernelResult[]>();
  for (const k of out) groups.set(k.subtype, [...(groups.get(k.subtype) ?? []), k]);
  for (const [sub, ks] of groups) {
    console.log(`\n## ${sub}: ${ks.filter((k) => k.flagged).length}/${ks.length} flagged`);
    for (const k of ks) {
      console.log(`${k.flagged ? "FLAGGED" : "-------"} ${k.id} blocked=${k.blocked.join(",")} created=${k.created.join(",")}`);
      for (const f of k.findings) console.log(`    ${f.line} ${f.rule}: ${f.message}`);
    }
  }
  const channel = out.filter((k) => k.subtype === "Channel" || k.subtype === "Channel & Context");
  console.log(`\nchannel kernels flagged: ${channel.filter((k) => k.flagged).length}/${channel.length}`);
  const mixed = out.filter((k) => k.type === "Mixed Deadlock" || k.subtype === "Channel & Condition Variable");
  console.log(`mixed kernels flagged: ${mixed.filter((k) => k.flagged).length}/${mixed.length}`);
}

await main();
