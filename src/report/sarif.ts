// SARIF 2.1.0 as GitHub code scanning accepts it: one run, a rule descriptor for every rule id a
// result can carry (ignore-directive included) with its helpUri, a result per finding with its
// ruleIndex, related locations and fixes. Columns are UTF-16 code units, as `columnKind` declares
// (findings carry UTF-8 byte columns, like go vet: they are converted with the file's text). Each
// result's `partialFingerprints` is the finding's fingerprint (rule, file, function, normalised code
// and occurrence; no line number), the same one that keeps the App's review threads apart.
import type { Log, Region, ReportingDescriptor, Result } from "sarif";
import { DIRECTIVE_META } from "../analyzer/directives.js";
import { LineIndex } from "../analyzer/source.js";
import type { Finding, Location, Rule } from "../analyzer/types.js";
import { fingerprints } from "./fingerprint.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

/** The key of ptrguard's partial fingerprint (v1 held rule:unit:code, which two findings could share). */
export const FINGERPRINT_KEY = "ptrguard/v2";

interface RuleMeta {
  id: string;
  title: string;
  summary: string;
  why: string;
  docs: string;
  severity: Finding["severity"];
}

/** `lost-cancel` → `LostCancel`: SARIF's `name` is an identifier-like name of the rule. */
export const pascalCase = (id: string): string => id.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

function descriptor(m: RuleMeta): ReportingDescriptor {
  return {
    id: m.id,
    name: pascalCase(m.id),
    shortDescription: { text: m.title },
    fullDescription: { text: m.summary },
    help: { text: m.why, markdown: `${m.why}\n\n[Rule documentation](${m.docs})` },
    helpUri: m.docs,
    defaultConfiguration: { level: LEVEL[m.severity] },
  };
}

/**
 * `files`: the text of each finding's file by path, to convert its columns. `rules`: the rules of
 * the run; findings of other rule ids (ignore-directive, or any other) get a descriptor too.
 */
export function toSarif(findings: readonly Finding[], rules: readonly Rule[], version: string, files: ReadonlyMap<string, string>): string {
  const metas: RuleMeta[] = [...rules.map((r) => r.meta), DIRECTIVE_META];
  for (const f of findings) {
    if (!metas.some((m) => m.id === f.rule)) metas.push({ id: f.rule, title: f.title, summary: f.title, why: f.why, docs: f.docs, severity: f.severity });
  }
  const index = new Map(metas.map((m, i) => [m.id, i]));
  const fps = fingerprints(findings);
  const columns = utf16Columns(files);
  const uri = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  const artifact = (p: string) => ({ uri: uri(p), uriBaseId: "%SRCROOT%" });

  const results: Result[] = findings.map((f, i) => {
    const region = columns(f.path, f);
    const result: Result = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule)!,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: artifact(f.path), region } }],
      partialFingerprints: { [FINGERPRINT_KEY]: fps[i]! },
    };
    if (f.related.length) {
      result.relatedLocations = f.related.map((r, id) => ({
        id,
        message: { text: r.message },
        physicalLocation: { artifactLocation: artifact(r.path ?? f.path), region: columns(r.path ?? f.path, r) },
      }));
    }
    if (f.fix) {
      result.fixes = [
        {
          description: { text: f.fix.description },
          artifactChanges: [
            {
              artifactLocation: artifact(f.path),
              replacements: f.fix.edits.map((e) => ({ deletedRegion: columns(f.path, e), insertedContent: { text: e.newText } })),
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
        tool: { driver: { name: "ptrguard", version, informationUri: "https://github.com/ptrguard/ptrguard", rules: metas.map(descriptor) } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}

/** A region in UTF-16 columns from a location in UTF-8 byte columns, using the file's lines. */
function utf16Columns(files: ReadonlyMap<string, string>): (path: string, loc: Location) => Region {
  const indexes = new Map<string, LineIndex | undefined>();
  const lineIndex = (p: string) => {
    if (!indexes.has(p)) {
      const text = files.get(p);
      indexes.set(p, text === undefined ? undefined : new LineIndex(text));
    }
    return indexes.get(p);
  };
  return (p, loc) => {
    const lines = lineIndex(p);
    if (!lines) throw new Error(`toSarif: no text for ${p}, so its columns cannot be given in UTF-16 code units`);
    const column = (line: number, byteColumn: number) => utf16Column(lines.lineText(line), byteColumn);
    return { startLine: loc.line, startColumn: column(loc.line, loc.column), endLine: loc.endLine, endColumn: column(loc.endLine, loc.endColumn) };
  };
}

/** The 1-based UTF-16 column of a 1-based UTF-8 byte column of `line` (past its end: counted on). */
export function utf16Column(line: string, byteColumn: number): number {
  const bytes = Buffer.from(line, "utf8");
  const offset = byteColumn - 1;
  if (offset >= bytes.length) return line.length + 1 + (offset - bytes.length);
  return bytes.subarray(0, offset).toString("utf8").length + 1;
}
