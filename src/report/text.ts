// go vet-style text: `path:line:col: severity: message [rule-id]`, the suggested lines under it.
import type { Finding } from "../analyzer/types.js";

export function toText(findings: readonly Finding[]): string {
  let out = "";
  for (const f of findings) {
    out += `${f.path}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]\n`;
    for (const r of f.related) out += `    ${f.path}:${r.line}:${r.column}: ${r.message}\n`;
    if (f.fix) {
      const s = f.fix.suggestion;
      const range = s.startLine === s.endLine ? `line ${s.startLine}` : `lines ${s.startLine}-${s.endLine}`;
      out += `    suggested fix (${f.fix.description}), replacing ${range} with:\n`;
      for (const line of s.replacement.split("\n")) out += `        ${line}\n`;
    }
  }
  return out;
}

export function summaryLine(findings: readonly Finding[], files: number): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  const n = findings.length;
  return `${n} finding${n === 1 ? "" : "s"} (${count("error")} error, ${count("warning")} warning, ${count("info")} info) in ${files} file${files === 1 ? "" : "s"} analysed`;
}
