// Every rule × every fixture, through the analysistest-style harness (src/analyzer/testing.ts):
// each finding matches a `// want "regexp"` of its line (related locations included where the want
// lists them), no want is left over, the fixes give the golden file, and the rule run on the
// golden file no longer reports the fixed findings.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { checkGolden, goFilesIn, ROOT, runFixture } from "../src/analyzer/testing.js";

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
      it(`${name}: every finding is wanted, every want is found`, async () => {
        const out = await runFixture(file, rule);
        expect(out.problems).toEqual([]);
      });

      it(`${name}: fixes give the golden file, and the rule is silent there at the fixed findings`, async () => {
        const { findings } = await runFixture(file, rule);
        expect(await checkGolden(file, rule, findings)).toEqual([]);
      });
    }
  });
}
