// The Incorrect and Correct examples of the rule pages (rules/<id>/README.md), as complete Go files.
//
// Convention: an example is the ```go fence right after a line
//
//   <!-- example: incorrect -->      or      <!-- example: correct -->
//
// (blank lines between the marker and the fence are allowed). The fence holds a whole Go file:
// package clause, imports, declarations. After the kind the marker may name the context the
// example is analysed in, in any order:
//
//   go1.21                 the go line of the example's go.mod (default: no go.mod at all)
//   godebug:key=value      a `godebug key=value` line of that go.mod (needs a go1.N token)
//   file:name.go           the file name (default example.go; `_test.go` makes it a test file)
//
// test/doc-examples.test.ts analyses every example with its page's rule; scripts/check-go.sh runs
// `npx tsx scripts/doc-examples.ts DIR` to write them out as modules and checks them with gofmt and
// the Go toolchain. Every ```go fence of a page's "## Examples" section must carry a marker.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type ExampleKind = "incorrect" | "correct";

export interface DocExample {
  rule: string;
  kind: ExampleKind;
  /** 1-based line of the marker in the page. */
  line: number;
  /** The file name the example is analysed under. */
  file: string;
  /** The go.mod the example is analysed with, or null when the marker names no Go version. */
  goMod: string | null;
  /** The go line alone (`1.21`), or null. */
  goVersion: string | null;
  code: string;
}

export interface PageExamples {
  examples: DocExample[];
  /** Problems with the page's markup: unmarked Go fences in "## Examples", malformed markers. */
  problems: string[];
}

const MARKER = /^<!--\s*example:\s*(.*?)\s*-->\s*$/;

export function parseExamples(rule: string, page: string): PageExamples {
  const lines = page.split("\n");
  const examples: DocExample[] = [];
  const problems: string[] = [];
  let section = "";
  let pending: { line: number; kind: ExampleKind; file: string; goVersion: string | null; godebug: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^## /.test(line)) section = line.slice(3).trim();
    const marker = MARKER.exec(line);
    if (marker) {
      if (pending) problems.push(`line ${pending.line}: marker not followed by a go fence`);
      const [kind, ...tokens] = marker[1]!.split(/\s+/);
      if (kind !== "incorrect" && kind !== "correct") {
        problems.push(`line ${i + 1}: unknown example kind "${kind}"`);
        continue;
      }
      pending = { line: i + 1, kind, file: "example.go", goVersion: null, godebug: [] };
      for (const t of tokens) {
        let m: RegExpExecArray | null;
        if ((m = /^go(1\.\d+)$/.exec(t))) pending.goVersion = m[1]!;
        else if ((m = /^godebug:([\w.-]+=\S+)$/.exec(t))) pending.godebug.push(m[1]!);
        else if ((m = /^file:([\w.-]+\.go)$/.exec(t))) pending.file = m[1]!;
        else problems.push(`line ${i + 1}: unknown marker token "${t}"`);
      }
      if (pending.godebug.length && !pending.goVersion) problems.push(`line ${i + 1}: godebug needs a go1.N token`);
      continue;
    }
    if (/^```/.test(line)) {
      const start = i;
      let end = i + 1;
      while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
      const lang = line.slice(3).trim();
      if (pending) {
        if (lang !== "go") problems.push(`line ${pending.line}: marker followed by a \`\`\`${lang} fence, not \`\`\`go`);
        else {
          const { goVersion, godebug } = pending;
          const goMod = goVersion ? `module example.com/doc\n\ngo ${goVersion}\n` + godebug.map((g) => `\ngodebug ${g}\n`).join("") : null;
          examples.push({ rule, kind: pending.kind, line: pending.line, file: pending.file, goMod, goVersion, code: lines.slice(start + 1, end).join("\n") + "\n" });
        }
        pending = null;
      } else if (lang === "go" && section === "Examples") {
        problems.push(`line ${start + 1}: a \`\`\`go fence in "## Examples" without an <!-- example: ... --> marker`);
      }
      i = end;
      continue;
    }
    if (pending && line.trim() !== "") {
      problems.push(`line ${pending.line}: marker not followed by a go fence`);
      pending = null;
    }
  }
  if (pending) problems.push(`line ${pending.line}: marker not followed by a go fence`);
  return { examples, problems };
}

export function pageExamples(rule: string): PageExamples {
  return parseExamples(rule, readFileSync(path.join(ROOT, "rules", rule, "README.md"), "utf8"));
}

/**
 * Writes every example of the given rules as its own module, DIR/<rule>/<kind>-<line>/, for the Go
 * toolchain. The go.mod says `go 1.19` (Debian's toolchain; a `godebug` line is newer than it), the
 * language version the examples are written for.
 */
export function writeExamples(dir: string, ruleIds: readonly string[]): number {
  let n = 0;
  for (const id of ruleIds) {
    const { examples, problems } = pageExamples(id);
    if (problems.length) throw new Error(`rules/${id}/README.md: ${problems.join("; ")}`);
    for (const ex of examples) {
      const mod = path.join(dir, id, `${ex.kind}-${ex.line}`);
      mkdirSync(mod, { recursive: true });
      writeFileSync(path.join(mod, "go.mod"), `module example.com/doc/${ex.kind}${ex.line}\n\ngo 1.19\n`);
      writeFileSync(path.join(mod, ex.file), ex.code);
      n++;
    }
  }
  return n;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: npx tsx scripts/doc-examples.ts DIR");
    process.exit(2);
  }
  const ids = readdirSync(path.join(ROOT, "rules")).filter((d) => d !== "facts" && statSync(path.join(ROOT, "rules", d)).isDirectory());
  console.log(`doc-examples: wrote ${writeExamples(out, ids.sort())} examples to ${out}`);
}
