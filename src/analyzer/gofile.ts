// File-level facts read without a full parse: generated marker, build constraint, go.mod version,
// and the top-level chunks used to parse only the declarations a diff touches.
import type { GoVersion } from "./types.js";

const GENERATED = /^\/\/ Code generated .* DO NOT EDIT\.\r?$/m;

export function isGenerated(source: string): boolean {
  return GENERATED.test(source);
}

export function parseGoVersion(text: string): GoVersion | null {
  const m = /^(?:go)?(\d+)\.(\d+)/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/** The `go` directive of a go.mod file (`go 1.22rc1` counts as 1.22). */
export function goModVersion(gomod: string): GoVersion | null {
  const m = /^go[ \t]+(\S+)/m.exec(gomod);
  return m ? parseGoVersion(m[1]!) : null;
}

/**
 * The `godebug` settings of a go.mod file (Go 1.23+): `godebug key=value` lines and `godebug ( ... )`
 * blocks with one `key=value` per line (`default=go1.21` included). Like the go line, they take
 * effect when the module is the main module.
 */
export function goModGodebug(gomod: string): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (spec: string) => {
    const m = /^([^\s=,"'`]+)=([^\s,"'`]+)$/.exec(spec);
    if (m) out[m[1]!] = m[2]!;
  };
  let inBlock = false;
  for (const raw of gomod.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (inBlock) {
      if (line.startsWith(")")) inBlock = false;
      else add(line);
      continue;
    }
    const m = /^godebug(?:\s*(\()|\s+(\S+))$/.exec(line);
    if (!m) continue;
    if (m[1]) inBlock = true;
    else add(m[2]!);
  }
  return out;
}

export function compareVersion(a: GoVersion, b: GoVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/**
 * The minimum Go version a `//go:build` expression implies (as go/build/constraint.GoVersion):
 * `go1.21 && linux` implies 1.21, `go1.21 || go1.22` implies 1.21, `!go1.22` implies nothing.
 */
export function buildConstraintVersion(source: string): GoVersion | null {
  // Build constraints sit before the package clause, among comments and blank lines: read the
  // lines one by one up to there, not the whole file.
  for (let pos = 0; pos <= source.length; ) {
    const nl = source.indexOf("\n", pos);
    const line = source.slice(pos, nl === -1 ? source.length : nl).trim();
    pos = nl === -1 ? source.length + 1 : nl + 1;
    if (line === "" || line.startsWith("//") === false) {
      if (line.startsWith("/*") || line === "") continue;
      break;
    }
    const m = /^\/\/go:build\s+(.*)$/.exec(line);
    if (m) return constraintVersion(m[1]!);
  }
  return null;
}

type Tok = string;
function constraintVersion(expr: string): GoVersion | null {
  const toks: Tok[] = expr.match(/&&|\|\||!|\(|\)|[A-Za-z0-9_.]+/g) ?? [];
  let i = 0;
  const max = (a: GoVersion | null, b: GoVersion | null) => (!a ? b : !b ? a : compareVersion(a, b) >= 0 ? a : b);
  const min = (a: GoVersion | null, b: GoVersion | null) => (!a || !b ? null : compareVersion(a, b) <= 0 ? a : b);
  const or = (): GoVersion | null => {
    let v = and();
    while (toks[i] === "||") {
      i++;
      v = min(v, and());
    }
    return v;
  };
  const and = (): GoVersion | null => {
    let v = not();
    while (toks[i] === "&&") {
      i++;
      v = max(v, not());
    }
    return v;
  };
  const not = (): GoVersion | null => {
    if (toks[i] === "!") {
      i++;
      not();
      return null;
    }
    if (toks[i] === "(") {
      i++;
      const v = or();
      if (toks[i] === ")") i++;
      return v;
    }
    const tag = toks[i++] ?? "";
    return /^go1\.\d+$/.test(tag) ? parseGoVersion(tag) : null;
  };
  return or();
}

export interface Chunk {
  kind: "header" | "func" | "decl";
  start: number;
  end: number;
  startLine: number;
  endLine: number;
}

const TOP = /^(package|import|func|type|var|const)\b/;

/** `F` or `T.M` from the first line of a `func` declaration; undefined when the line is unusual. */
export function funcChunkName(head: string): string | undefined {
  const m = /^func\s*(?:\(\s*(?:\w+\s+)?\*?\s*(\w+)[^)]*\)\s*)?(\w+)/.exec(head);
  if (!m) return undefined;
  return m[1] ? `${m[1]}.${m[2]}` : m[2];
}

/**
 * Splits gofmt-formatted source at top-level keywords in column 0. Only a hint for partial
 * parsing: the caller checks the partial tree and falls back to a full parse when in doubt.
 */
export function topLevelChunks(source: string): Chunk[] {
  const chunks: Chunk[] = [];
  let line = 1;
  let pos = 0;
  let current: Chunk | undefined;
  while (pos <= source.length) {
    const nl = source.indexOf("\n", pos);
    const end = nl === -1 ? source.length : nl + 1;
    const m = TOP.exec(source.slice(pos, Math.min(end, pos + 8)));
    if (m) {
      if (current) chunks.push(current);
      const kw = m[1]!;
      const kind = kw === "func" ? "func" : kw === "package" || kw === "import" ? "header" : "decl";
      current = { kind, start: pos, end, startLine: line, endLine: line };
    } else if (current) {
      current.end = end;
      current.endLine = line;
    }
    if (nl === -1) break;
    pos = end;
    line++;
  }
  if (current) chunks.push(current);
  return chunks;
}
