// loopvar-capture's realistic fixtures are written against Go 1.21 (one variable per loop). The
// same code under Go 1.22, where every iteration has its own variables, must be silent: checked
// here on the very same files rather than on a copy of them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import loopvarCapture from "../rules/loopvar-capture/index.js";
import { goFilesIn, matchWants, parseWants, ROOT } from "../src/analyzer/testing.js";

const dir = path.join(ROOT, "fixtures/rules/loopvar-capture/realistic");

describe("loopvar-capture across the Go 1.22 boundary", () => {
  for (const file of goFilesIn(dir)) {
    const name = path.relative(dir, file);
    it(`${name}: flagged under go 1.21, silent under go 1.22`, async () => {
      const content = readFileSync(file, "utf8");
      const run = async (goMod: string) =>
        (await analyze([{ path: name, content, goMod }], { rules: [loopvarCapture] })).findings.filter((f) => f.rule === "loopvar-capture");
      expect(matchWants(await run("module m\n\ngo 1.21\n"), parseWants(content)).problems).toEqual([]);
      expect(await run("module m\n\ngo 1.22\n")).toEqual([]);
    });
  }
});
