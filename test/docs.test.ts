// The registry, the rule folders, their doc pages, their fixtures and the generated table agree.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { renderRulesTable } from "../scripts/rules-table.js";
import { VERSION } from "../src/version.js";
import { goFilesIn, parseWants, ROOT } from "../src/analyzer/testing.js";
import { main } from "../src/cli.js";

const ids = rules.map((r) => r.meta.id);

describe("rule registry and docs", () => {
  it("lists every rule folder once, sorted by id", () => {
    const folders = readdirSync(path.join(ROOT, "rules"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "facts")
      .map((d) => d.name)
      .sort();
    expect(ids).toEqual(folders);
    expect([...ids].sort()).toEqual(ids);
  });

  it("rules/README.md is the table generated from the metadata (npx tsx scripts/rules-table.ts)", () => {
    expect(readFileSync(path.join(ROOT, "rules/README.md"), "utf8")).toBe(renderRulesTable());
  });

  for (const rule of rules) {
    const id = rule.meta.id;
    it(`${id}: complete metadata, a doc page, and enough fixtures`, () => {
      expect(rule.meta.docs).toBe(`https://github.com/ptrguard/ptrguard/blob/v${VERSION}/rules/${id}/README.md`);
      expect(rule.meta.summary).not.toMatch(/TODO/);
      expect(rule.meta.why).not.toMatch(/TODO/);
      expect(rule.meta.why).toMatch(/^[A-Z].{40,}\.$/s);
      const doc = path.join(ROOT, "rules", id, "README.md");
      expect(existsSync(doc), `${id} has no README.md`).toBe(true);
      expect(readFileSync(doc, "utf8").split("\n")[0]).toBe(`# ${id}`);
      const files = goFilesIn(path.join(ROOT, "fixtures/rules", id));
      const flagged = files.reduce((n, f) => n + new Set(parseWants(readFileSync(f, "utf8")).map((w) => w.line)).size, 0);
      expect(flagged, `${id}: flagged cases`).toBeGreaterThanOrEqual(8);
      // Silent look-alikes: top-level functions with no wanted line.
      const silent = files.flatMap((f) => readFileSync(f, "utf8").split(/^(?=func )/m).slice(1)).filter((fn) => !fn.includes("// want ")).length;
      expect(silent, `${id}: silent look-alikes`).toBeGreaterThanOrEqual(8);
    });
  }
});

describe("docs/formats.md", () => {
  it("the text example is a real run of `ptrguard check` in fixtures/cli/formats (stdout, then stderr)", async () => {
    let out = "";
    let err = "";
    const code = await main(["check"], { cwd: path.join(ROOT, "fixtures/cli/formats"), stdout: (s) => (out += s), stderr: (s) => (err += s) });
    expect(code).toBe(1);
    const doc = readFileSync(path.join(ROOT, "docs/formats.md"), "utf8");
    const block = /## text\n[\s\S]*?```\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(`$ ptrguard check\n${out}${err}`);
  });
});
