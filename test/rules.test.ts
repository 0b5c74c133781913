// Every rule × every fixture: wanted lines are reported, all others stay silent, fixes match
// their golden files, and re-analysing a golden file shows the fixed findings gone.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { applyAllFixes, findingsFor, goFilesIn, ROOT, runFixture } from "./helpers/fixtures.js";

for (const rule of rules) {
  const id = rule.meta.id;
  const dir = path.join(ROOT, "fixtures/rules", id);
  const files = goFilesIn(dir);

  describe(id, () => {
    it("has fixtures", () => {
      expect(files.length).toBeGreaterThan(0);
    });

    for (const file of files) {
      const name = path.relative(dir, file);
      it(`${name}: reports exactly the wanted lines`, async () => {
        const out = await runFixture(file, rule);
        expect({ missing: out.missing, noisy: out.noisy }).toEqual({ missing: [], noisy: [] });
      });

      it(`${name}: fixes match the golden file and remove the findings`, async () => {
        const source = readFileSync(file, "utf8");
        const { findings } = await runFixture(file, rule);
        const fixed = findings.filter((f) => f.fix);
        const golden = `${file}.golden`;
        if (fixed.length === 0) {
          expect(existsSync(golden), `${name}.golden exists but no finding has a fix`).toBe(false);
          return;
        }
        expect(existsSync(golden), `${name} has fixes but no ${name}.golden`).toBe(true);
        const after = applyAllFixes(source, fixed);
        expect(after).toBe(readFileSync(golden, "utf8"));
        const again = await findingsFor(file, after, rule);
        expect(again.length).toBe(findings.length - fixed.length);
      });
    }
  });
}
