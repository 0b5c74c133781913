// `ptrguard rules` (the catalog) and `ptrguard explain RULE` (a rule's page, in the terminal).
import { readFileSync } from "node:fs";
import path from "node:path";
import { DIRECTIVE_RULE } from "../analyzer/engine.js";
import { InputError } from "../local.js";
import { PACKAGE_ROOT } from "../version.js";
import { rules } from "../../rules/index.js";
import type { Io } from "../cli.js";
import { ANSI, PLAIN } from "../report/style.js";

export function listRules(io: Io): number {
  const st = io.color ? ANSI : PLAIN;
  const rows = [["ID", "SEVERITY", "DEFAULT", "FIX", "WHAT IT FLAGS"], ...rules.map((r) => [r.meta.id, r.meta.severity, r.meta.optIn ? "off" : "on", r.meta.fixable ? "yes" : "no", r.meta.summary])];
  rows.push([DIRECTIVE_RULE, "info", "on", "no", "a //ptrguard:ignore or //nolint directive with no rule, no reason, or nothing to suppress"]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  let out = "";
  rows.forEach((r, i) => {
    const cells = r.slice(0, 4).map((c, k) => c.padEnd(widths[k]!));
    const line = `${cells.join("  ")}  ${r[4]}`;
    out += (i === 0 ? st.bold(line) : line) + "\n";
  });
  out += "\nSet a rule to off, on or a severity in .github/ptrguard.yml (`rules:`), or use --enable/--disable.\n`ptrguard explain RULE` shows a rule's page.\n";
  io.stdout(out);
  return 0;
}

export function explainRule(id: string, io: Io): number {
  const page = id === DIRECTIVE_RULE ? "README.md" : `${id}/README.md`;
  if (id !== DIRECTIVE_RULE && !rules.some((r) => r.meta.id === id)) {
    throw new InputError(`unknown rule: ${id} (\`ptrguard rules\` lists them)`);
  }
  let text = readFileSync(path.join(PACKAGE_ROOT, "rules", page), "utf8");
  if (id === DIRECTIVE_RULE) {
    const at = text.indexOf("## Suppressing a finding");
    if (at >= 0) text = text.slice(at);
  }
  const st = io.color ? ANSI : PLAIN;
  let inCode = false;
  const out = text.split("\n").map((line) => {
    if (line.startsWith("```")) {
      inCode = !inCode;
      return st.dim(line);
    }
    if (inCode) return line;
    return /^#{1,6} /.test(line) ? st.bold(line) : line;
  });
  io.stdout(out.join("\n").replace(/\n*$/, "\n"));
  return 0;
}
