// The rule pages prove themselves: every Incorrect example is flagged by its page's rule, every
// Correct one is clean (of every rule), and each page has at least one of each.
//
// Convention (parsed by scripts/doc-examples.ts): an example is the ```go fence right after a line
// `<!-- example: incorrect -->` or `<!-- example: correct -->` in rules/<id>/README.md, and holds a
// complete Go file. Tokens after the kind give its context: `go1.21` (the go line of the go.mod it is
// analysed with; without it there is no go.mod), `godebug:asynctimerchan=1` (a godebug line of that
// go.mod), `file:x_test.go` (its file name). Every ```go fence in a page's "## Examples" section must
// be marked. scripts/check-go.sh checks the same examples with gofmt and the Go toolchain.
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { pageExamples } from "../scripts/doc-examples.js";
import { analyze } from "../src/analyzer/engine.js";

describe("rule page examples", () => {
  for (const rule of rules) {
    const id = rule.meta.id;
    const { examples, problems } = pageExamples(id);

    it(`${id}: the page marks its examples, at least one Incorrect and one Correct`, () => {
      expect(problems).toEqual([]);
      expect(examples.filter((e) => e.kind === "incorrect").length, `${id}: Incorrect examples`).toBeGreaterThanOrEqual(1);
      expect(examples.filter((e) => e.kind === "correct").length, `${id}: Correct examples`).toBeGreaterThanOrEqual(1);
    });

    for (const ex of examples) {
      const where = `rules/${id}/README.md:${ex.line}`;
      it(`${id}: the ${ex.kind} example at line ${ex.line}${ex.goVersion ? ` (go ${ex.goVersion})` : ""} is ${ex.kind === "incorrect" ? "flagged" : "clean"}`, async () => {
        // A Correct example is analysed with every rule: code a page recommends must not be
        // flagged by another rule either.
        const result = await analyze([{ path: `rules/${id}/${ex.file}`, content: ex.code, goMod: ex.goMod }], { rules: ex.kind === "correct" ? rules : [rule] });
        // The example parses and every rule ran: a syntax error would make "clean" meaningless.
        expect(result.skipped, where).toEqual([]);
        expect(result.notes, where).toEqual([]);
        const found = result.findings.map((f) => `${f.rule} ${f.line}: ${f.message}`);
        if (ex.kind === "incorrect") expect(found.length, `${where}: not flagged by ${id}`).toBeGreaterThan(0);
        else expect(found, `${where}: flagged`).toEqual([]);
      });
    }
  }
});
