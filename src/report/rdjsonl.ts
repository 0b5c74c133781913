// reviewdog's diagnostic format (rdjsonl): one JSON object per line, suggestions included.
import type { Finding } from "../analyzer/types.js";

const SEVERITY = { error: "ERROR", warning: "WARNING", info: "INFO" } as const;

export function toRdjsonl(findings: readonly Finding[]): string {
  return findings
    .map((f) =>
      JSON.stringify({
        message: f.message,
        location: {
          path: f.path,
          range: { start: { line: f.line, column: f.column }, end: { line: f.endLine, column: f.endColumn } },
        },
        severity: SEVERITY[f.severity],
        source: { name: "ptrguard", url: "https://github.com/ptrguard/ptrguard" },
        code: { value: f.rule, url: f.docs },
        ...(f.fix
          ? {
              suggestions: f.fix.edits.map((e) => ({
                range: { start: { line: e.line, column: e.column }, end: { line: e.endLine, column: e.endColumn } },
                text: e.newText,
              })),
            }
          : {}),
        ...(f.related.length
          ? {
              related_locations: f.related.map((r) => ({
                message: r.message,
                location: { path: f.path, range: { start: { line: r.line, column: r.column }, end: { line: r.endLine, column: r.endColumn } } },
              })),
            }
          : {}),
      }) + "\n",
    )
    .join("");
}
