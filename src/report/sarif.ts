// SARIF 2.1.0 as GitHub code scanning accepts it: one run, a rule per ptrguard rule with its
// helpUri, a result per finding with related locations and fixes.
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding, Rule } from "../analyzer/types.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

export function toSarif(findings: readonly Finding[], rules: readonly Rule[], version: string): string {
  const descriptors: ReportingDescriptor[] = rules.map((r) => ({
    id: r.meta.id,
    name: r.meta.title.replace(/[^A-Za-z0-9]+/g, ""),
    shortDescription: { text: r.meta.title },
    fullDescription: { text: r.meta.summary },
    help: { text: r.meta.why, markdown: `${r.meta.why}\n\n[Rule documentation](${r.meta.docs})` },
    helpUri: r.meta.docs,
    defaultConfiguration: { level: LEVEL[r.meta.severity] },
  }));
  const index = new Map(rules.map((r, i) => [r.meta.id, i]));
  const results: Result[] = findings.map((f) => {
    const region = { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn };
    const result: Result = {
      ruleId: f.rule,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: f.path, uriBaseId: "%SRCROOT%" }, region } }],
      partialFingerprints: { "ptrguard/v1": `${f.rule}:${f.unit}:${f.code}` },
    };
    const ruleIndex = index.get(f.rule);
    if (ruleIndex !== undefined) result.ruleIndex = ruleIndex;
    if (f.related.length) {
      result.relatedLocations = f.related.map((r, id) => ({
        id,
        message: { text: r.message },
        physicalLocation: {
          artifactLocation: { uri: f.path, uriBaseId: "%SRCROOT%" },
          region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
        },
      }));
    }
    if (f.fix) {
      result.fixes = [
        {
          description: { text: f.fix.description },
          artifactChanges: [
            {
              artifactLocation: { uri: f.path, uriBaseId: "%SRCROOT%" },
              replacements: f.fix.edits.map((e) => ({
                deletedRegion: { startLine: e.line, startColumn: e.column, endLine: e.endLine, endColumn: e.endColumn },
                insertedContent: { text: e.newText },
              })),
            },
          ],
        },
      ];
    }
    return result;
  });
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "ptrguard", version, informationUri: "https://github.com/ptrguard/ptrguard", rules: descriptors } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
