// Writes NAME.go.golden for every fixture of the given rules from the fixes ptrguard offers
// today. Review the diff of what it writes: a golden file is the proof a fix is right.
//   npx tsx scripts/write-golden.ts <rule-id> [...]
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { rules } from "../rules/index.js";
import { applyAllFixes, findingsFor, goFilesIn, ROOT } from "../src/analyzer/testing.js";

for (const id of process.argv.slice(2)) {
  const rule = rules.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`unknown rule ${id}`);
  for (const file of goFilesIn(path.join(ROOT, "fixtures/rules", id))) {
    const source = readFileSync(file, "utf8");
    const fixed = (await findingsFor(file, source, rule)).filter((f) => f.fix);
    const golden = `${file}.golden`;
    if (fixed.length === 0) {
      if (existsSync(golden)) rmSync(golden);
      continue;
    }
    writeFileSync(golden, applyAllFixes(source, fixed));
    console.log(`wrote ${path.relative(ROOT, golden)} (${fixed.length} fixes)`);
  }
}
