// Rule messages: declared by id in each rule's metadata, one short sentence in go vet's style, and
// short over the whole fixture corpus (median ≤ 120 characters, none over 200).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { placeholders, renderMessage } from "../src/analyzer/messages.js";
import { findingsFor, goFilesIn, ROOT } from "../src/analyzer/testing.js";

describe("meta.messages", () => {
  for (const rule of rules) {
    const id = rule.meta.id;
    it(`${id}: every message is one lower-case line without a final period, and every id is used`, () => {
      // A rule may span several files of its folder (index.ts and helpers such as queue.ts).
      const dir = path.join(ROOT, "rules", id);
      const source = readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(path.join(dir, f), "utf8")).join("\n");
      const entries = Object.entries(rule.meta.messages);
      expect(entries.length).toBeGreaterThan(0);
      for (const [key, template] of entries) {
        expect(template, `${id}.${key}`).not.toMatch(/^[A-Z]|\.$|\n/);
        expect(template.length, `${id}.${key} is too long as a template`).toBeLessThanOrEqual(160);
        // Used by a report: `messageId: "key"` or a conditional naming "key".
        expect(source.includes(`"${key}"`), `${id}: message "${key}" is declared but never reported`).toBe(true);
      }
      for (const m of source.matchAll(/messageId: "(\w+)"/g)) expect(Object.keys(rule.meta.messages), `${id} reports an undeclared message`).toContain(m[1]);
    });
  }

  it("renders placeholders and refuses unknown ids or missing data", () => {
    const meta = { id: "r", messages: { m: "{{a}} and {{ b }}" } };
    expect(placeholders(meta.messages.m)).toEqual(["a", "b"]);
    expect(renderMessage(meta, "m", { a: "x", b: 2 })).toBe("x and 2");
    expect(() => renderMessage(meta, "n")).toThrow('rule r has no message "n"');
    expect(() => renderMessage(meta, "m", { a: "x" })).toThrow('rule r, message "m": no value for {{b}}');
  });
});

describe("message length over the fixtures", () => {
  it("median ≤ 120 characters, none over 200", async () => {
    const lengths: number[] = [];
    const long: string[] = [];
    for (const rule of rules) {
      for (const file of goFilesIn(path.join(ROOT, "fixtures/rules", rule.meta.id))) {
        for (const f of await findingsFor(file, readFileSync(file, "utf8"), rule)) {
          lengths.push(f.message.length);
          if (f.message.length > 200) long.push(`${path.relative(ROOT, file)}:${f.line}: ${f.message}`);
        }
      }
    }
    lengths.sort((a, b) => a - b);
    const mid = lengths.length / 2;
    const median = lengths.length % 2 ? lengths[Math.floor(mid)]! : (lengths[mid - 1]! + lengths[mid]!) / 2;
    expect(lengths.length).toBeGreaterThan(400);
    expect(long).toEqual([]);
    expect(median).toBeLessThanOrEqual(120);
  }, 120_000); // analyses every fixture: slow on a loaded machine, never a timing assertion
});
