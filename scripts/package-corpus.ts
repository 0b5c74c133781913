// Runs goroutine-send-leak and goroutine-recv-leak over a Go source tree, each directory analysed
// as one package (every file under analysis, its siblings as its package files), and prints the
// findings of the cross-function checks (summaries, channel fields, returned channels, locks):
// the precision measurement of docs/precision.md ("GoBench GoKer") on real repositories.
//
//	npx tsx scripts/package-corpus.ts /path/to/repo
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { analyze } from "../src/analyzer/engine.js";
import { ruleById } from "../rules/index.js";
const rules = ["goroutine-send-leak", "goroutine-recv-leak"].map((r) => ruleById(r)!);
const root = process.argv[2]!;
// The messages of the cross-function checks (rules/goroutine-*/{fields,named,producers,unshared,across,locked}.ts).
const NEW = /nothing in the package|once .* takes|nothing can receive|returns is dropped|stops reading the channel|started on line \d+ blocks forever on its send \(|nothing sends on or closes|never ends: this goroutine|which cancels|is received with/;
const dirs: string[] = [];
const walk = (d: string) => {
  let go = false;
  for (const n of readdirSync(d)) {
    if (n === "vendor" || n === "testdata" || n.startsWith(".")) continue;
    const p = path.join(d, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else if (n.endsWith(".go")) go = true;
  }
  if (go) dirs.push(d);
};
walk(root);
let total = 0, files = 0;
const t0 = Date.now();
for (const d of dirs) {
  const fs = readdirSync(d).filter((n) => n.endsWith(".go")).map((n) => ({ path: path.relative(root, path.join(d, n)), content: readFileSync(path.join(d, n), "utf8") }));
  files += fs.length;
  const r = await analyze(fs, { rules, scope: "file" });
  for (const f of r.findings) {
    if (!NEW.test(f.message)) continue;
    total++;
    console.log(`${f.path}:${f.line}: ${f.message}`);
  }
}
console.error(`${dirs.length} dirs, ${files} files, ${total} new findings, ${Date.now() - t0} ms`);
