// reviewdog's diagnostic format (rdjsonl): one JSON object per line. Positions are 1-based with
// UTF-8 byte columns and exclusive ends, as rdf defines them. A fix is ONE suggestion replacing
// whole lines (a linewise range: lines only, no columns) with the fixed lines: reviewdog turns it
// into one GitHub suggestion, applied whole. One suggestion per edit would let a reviewer commit
// half a fix (for waitgroup-add-in-goroutine, a second wg.Add(1) without the first one removed,
// and wg.Wait() never returns), and reviewdog keeps only the first suggestion of a comment.
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
              suggestions: [{ range: { start: { line: f.fix.suggestion.startLine }, end: { line: f.fix.suggestion.endLine } }, text: linewiseText(f.fix.suggestion.replacement) }],
            }
          : {}),
        ...(f.related.length
          ? {
              related_locations: f.related.map((r) => ({
                message: r.message,
                location: { path: r.path ?? f.path, range: { start: { line: r.line, column: r.column }, end: { line: r.endLine, column: r.endColumn } } },
              })),
            }
          : {}),
      }) + "\n",
    )
    .join("");
}

/**
 * reviewdog writes a linewise suggestion's text followed by a newline (an empty text deletes the
 * lines), so the newline that ends the replacement's last line, when it has one, is dropped.
 */
export function linewiseText(replacement: string): string {
  return replacement.endsWith("\n") ? replacement.slice(0, -1) : replacement;
}
