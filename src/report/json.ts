// The CLI's JSON output: a contract other tools rely on. Extend it, never change it.
import type { Finding } from "../analyzer/types.js";

export function toJson(findings: readonly Finding[]): string {
  return JSON.stringify({
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      path: f.path,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      message: f.message,
      // Each related location: line, column, endLine, endColumn, message, and `path` when it is
      // in another file of the package than the finding.
      ...(f.related.length ? { related: f.related } : {}),
      docs: f.docs,
      ...(f.fix ? { fix: f.fix } : {}),
    })),
  });
}
