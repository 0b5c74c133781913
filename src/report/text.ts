// go vet-style text: `path:line:col: severity: message [rule-id]`, each fix under it as a unified diff.
import type { Finding, Severity } from "../analyzer/types.js";
import { PLAIN, type Style } from "./style.js";

/** `diff`'s structuredPatch, passed in so the package is loaded only when a finding has a fix. */
export type StructuredPatch = (
  oldName: string,
  newName: string,
  oldStr: string,
  newStr: string,
  oldHeader: undefined,
  newHeader: undefined,
  options: { context: number },
) => { hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[] };

export interface TextOptions {
  style?: Style;
  /** The analysed contents by path (to show a fix as a diff of the lines it replaces). */
  source?: (path: string) => string | undefined;
  patch?: StructuredPatch;
}

const SEVERITY_STYLE: Record<Severity, keyof Style> = { error: "red", warning: "yellow", info: "blue" };

export function toText(findings: readonly Finding[], opts: TextOptions = {}): string {
  const st = opts.style ?? PLAIN;
  let out = "";
  for (const f of findings) {
    out += `${st.bold(`${f.path}:${f.line}:${f.column}:`)} ${st[SEVERITY_STYLE[f.severity]](`${f.severity}:`)} ${f.message} ${st.dim(`[${f.rule}]`)}\n`;
    for (const r of f.related) out += `    ${r.path ?? f.path}:${r.line}:${r.column}: ${r.message}\n`;
    if (f.fix) out += fixText(f, opts, st);
  }
  return out;
}

function fixText(f: Finding, opts: TextOptions, st: Style): string {
  const s = f.fix!.suggestion;
  const lines = opts.source?.(f.path)?.split("\n");
  if (!lines || !opts.patch || s.endLine > lines.length) {
    const range = s.startLine === s.endLine ? `line ${s.startLine}` : `lines ${s.startLine}-${s.endLine}`;
    let out = `    suggested fix (${f.fix!.description}), replacing ${range} with:\n`;
    for (const line of s.replacement.split("\n")) out += `        ${line}\n`;
    return out;
  }
  const before = lines.slice(s.startLine - 1, s.endLine).join("\n") + "\n";
  const after = s.replacement + "\n";
  const { hunks } = opts.patch(f.path, f.path, before, after, undefined, undefined, { context: 3 });
  let out = `    suggested fix (${f.fix!.description}):\n    ${st.bold(`--- a/${f.path}`)}\n    ${st.bold(`+++ b/${f.path}`)}\n`;
  const shift = s.startLine - 1;
  for (const h of hunks) {
    out += `    ${st.blue(`@@ -${h.oldStart + shift},${h.oldLines} +${h.newStart + shift},${h.newLines} @@`)}\n`;
    for (const l of h.lines) out += `    ${l[0] === "-" ? st.red(l) : l[0] === "+" ? st.green(l) : l}\n`;
  }
  return out;
}

export function summaryLine(findings: readonly Finding[], files: number): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const n = findings.length;
  return `${n} finding${n === 1 ? "" : "s"} (${count("error")} error, ${count("warning")} warning, ${count("info")} info) in ${files} file${files === 1 ? "" : "s"} analysed`;
}
