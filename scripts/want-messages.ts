// Rewrites old-style fixture wants, `// want "rule-id"`, into message regexps derived from the
// findings the rule reports on that line today, with their related locations:
//
//	// want "rule-id"   →   // want "ch is unbuffered: if .*" related:"line 12: this send blocks until someone receives"
//
// Wants that are already regexps are left alone, so running it again changes nothing. A golden
// file that was up to date gets the same want comments (its fixes re-applied to the new text).
// Review the diff: the generated patterns bless what the rule says today.
//   npx tsx scripts/want-messages.ts              (every rule's fixtures)
//   npx tsx scripts/want-messages.ts <rule-id>... (only those rules)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rules } from "../rules/index.js";
import { applyAllFixes, findingsFor, goFilesIn, OLD_STYLE, parseWants, relatedText, ROOT } from "../src/analyzer/testing.js";
import type { Finding, Rule } from "../src/analyzer/types.js";

/** A regexp that matches `text` itself: metacharacters escaped, except `.`, which matches itself anyway. */
export function patternFor(text: string): string {
  return text.replace(/[\\^$*+?()[\]{}|]/g, "\\$&");
}

/** The pattern as a want token: "..." when it has no quote, else `...`, else "..." with \" escapes. */
export function quote(pattern: string): string {
  if (!pattern.includes('"')) return `"${pattern}"`;
  if (!pattern.includes("`")) return `\`${pattern}\``;
  return `"${pattern.replace(/"/g, '\\"')}"`;
}

/** The want tokens for one finding: its message, then one related:"..." per related location. */
export function wantFor(f: Finding): string {
  return [quote(patternFor(f.message)), ...f.related.map((r) => `related:${quote(patternFor(relatedText(r)))}`)].join(" ");
}

/** The source with the old-style wants of `rule` rewritten; `unresolved` lists lines with no finding to derive from. */
export function rewrite(source: string, findings: readonly Finding[], rule: Rule): { text: string; changed: number; unresolved: number[] } {
  const wants = parseWants(source);
  const lines = source.split("\n");
  let changed = 0;
  const unresolved: number[] = [];
  for (const line of new Set(wants.filter((w) => OLD_STYLE.test(w.source)).map((w) => w.line))) {
    const own = wants.filter((w) => w.line === line);
    if (own.some((w) => OLD_STYLE.test(w.source) && w.source !== rule.meta.id)) continue; // another rule's want
    const kept = own.filter((w) => !OLD_STYLE.test(w.source));
    // Findings the line's existing regexps already claim stay theirs.
    const rest = findings.filter((f) => f.line === line).sort((a, b) => a.column - b.column);
    for (const w of kept) {
      const i = rest.findIndex((f) => w.regexp.test(f.message));
      if (i >= 0) rest.splice(i, 1);
    }
    if (rest.length === 0) {
      unresolved.push(line);
      continue;
    }
    const text = lines[line - 1]!;
    const cr = text.endsWith("\r") ? "\r" : "";
    const at = text.indexOf("// want ");
    const tokens = kept.map((w) => [quote(w.source), ...w.related.map((r) => `related:${quote(r.source)}`)].join(" "));
    lines[line - 1] = `${text.slice(0, at)}// want ${[...tokens, ...rest.map(wantFor)].join(" ")}${cr}`;
    changed++;
  }
  return { text: lines.join("\n"), changed, unresolved };
}

async function main(ids: string[]): Promise<void> {
  const chosen = ids.length ? ids.map((id) => rules.find((r) => r.meta.id === id) ?? fail(`unknown rule ${id}`)) : rules;
  for (const rule of chosen) {
    for (const file of goFilesIn(path.join(ROOT, "fixtures/rules", rule.meta.id))) {
      const source = readFileSync(file, "utf8");
      if (!parseWants(source).some((w) => OLD_STYLE.test(w.source))) continue;
      const findings = await findingsFor(file, source, rule);
      const { text, changed, unresolved } = rewrite(source, findings, rule);
      const rel = path.relative(ROOT, file);
      if (changed > 0) {
        writeFileSync(file, text);
        console.log(`${rel}: ${changed} want line(s) rewritten`);
        await carryGolden(file, source, findings, text, rule);
      }
      for (const l of unresolved) console.error(`${rel}:${l}: old-style want but the rule reports nothing here: fix the fixture or the rule`);
    }
  }
}

/**
 * NAME.go.golden repeats the fixture's want comments: when it was exactly the old fixture with its
 * fixes applied, it becomes the new fixture with the same fixes applied (nothing else changes).
 * A golden file that was already stale is left alone, with a warning.
 */
async function carryGolden(file: string, before: string, findings: readonly Finding[], after: string, rule: Rule): Promise<void> {
  const golden = `${file}.golden`;
  if (!existsSync(golden)) return;
  const rel = path.relative(ROOT, golden);
  const fixedBefore = findings.filter((f) => f.fix);
  if (fixedBefore.length === 0 || readFileSync(golden, "utf8") !== applyAllFixes(before, fixedBefore)) {
    console.error(`${rel}: stale before the rewrite, left alone: check it, then npx tsx scripts/write-golden.ts ${rule.meta.id}`);
    return;
  }
  const fixedAfter = (await findingsFor(file, after, rule)).filter((f) => f.fix);
  writeFileSync(golden, applyAllFixes(after, fixedAfter));
  console.log(`${rel}: want comments carried over`);
}

function fail(message: string): never {
  throw new Error(message);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
