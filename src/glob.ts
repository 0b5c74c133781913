// Glob matching for `paths_ignore`, without regular expressions: a path is split into segments
// and matched by dynamic programming, so the time is bounded by (pattern length × path length)
// whatever the pattern. Glob libraries compile to a backtracking RegExp, and a crafted pattern
// (`*a*a*a*…b`, nested extglobs) then blocks the process for minutes on a short path.
//
// Syntax (picomatch's, with `dot: true`, so the App's existing configurations keep their meaning):
// `**` as a whole segment matches any number of segments (none included); `*` any characters but
// `/`; `?` one such character; `[abc]`, `[a-z]`, `[!a]`/`[^a]` a character class; `{a,b}`
// alternatives (nested allowed); `\x` the character x. Extended globs (`+(a|b)`, `!(a)` ...) are
// refused with a clear message rather than half-supported.

export class GlobError extends Error {}

/** At most this many alternatives after expanding braces (`{a,b}{c,d}` is 4). */
export const MAX_ALTERNATIVES = 64;
export const MAX_GLOB_LENGTH = 256;

type Token = { kind: "char"; ch: string } | { kind: "any" } | { kind: "star" } | { kind: "class"; negated: boolean; ranges: [string, string][] };
/** A segment is `**` (globstar) or a list of tokens. */
type Segment = "**" | Token[];

/** Compiles `glob`; throws GlobError for what it does not accept. */
export function compileGlob(glob: string): (path: string) => boolean {
  if (glob.length === 0) throw new GlobError("an empty pattern matches nothing");
  if (glob.length > MAX_GLOB_LENGTH) throw new GlobError(`a pattern is limited to ${MAX_GLOB_LENGTH} characters`);
  const ext = /(^|[^\\])[@!+*?]\(/.exec(glob);
  if (ext) throw new GlobError(`extended globs such as \`${ext[0].slice(ext[1]!.length)}…)\` are not supported; use \`{a,b}\` alternatives or several patterns`);
  const alternatives = expandBraces(glob).map(parse);
  return (path) => {
    const segs = path.split("/");
    return alternatives.some((p) => matchSegments(p, segs));
  };
}

/** One matcher for a list of globs; throws GlobError naming the first bad one. */
export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  const ms = globs.map((g) => {
    try {
      return compileGlob(g);
    } catch (err) {
      if (err instanceof GlobError) throw new GlobError(`\`${g.length > 60 ? g.slice(0, 57) + "..." : g}\`: ${err.message}`);
      throw err;
    }
  });
  return (path) => ms.some((m) => m(path));
}

function expandBraces(glob: string): string[] {
  // Find the first top-level `{...}` group that has a top-level comma.
  let depth = 0;
  let open = -1;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "[") {
      const close = classEnd(glob, i);
      if (close > 0) i = close;
      continue;
    }
    if (c === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) {
        const parts = splitTopLevel(glob.slice(open + 1, i));
        if (parts.length > 1) {
          const out: string[] = [];
          for (const part of parts) {
            for (const rest of expandBraces(part + glob.slice(i + 1))) {
              out.push(glob.slice(0, open) + rest);
              if (out.length > MAX_ALTERNATIVES) throw new GlobError(`braces expand to more than ${MAX_ALTERNATIVES} alternatives`);
            }
          }
          return out;
        }
      }
    }
  }
  return [glob];
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Index of the `]` closing the class that opens at `i`, or -1 when it is not a class. */
function classEnd(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === "!" || s[j] === "^") j++;
  if (s[j] === "]") j++;
  for (; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === "]") return j;
    else if (s[j] === "/") return -1;
  }
  return -1;
}

function parse(glob: string): Segment[] {
  const out: Segment[] = [];
  for (const raw of glob.split("/")) {
    if (raw === "**") {
      if (out[out.length - 1] !== "**") out.push("**");
      continue;
    }
    const tokens: Token[] = [];
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === "\\" && i + 1 < raw.length) tokens.push({ kind: "char", ch: raw[++i]! });
      else if (c === "*") {
        if (tokens[tokens.length - 1]?.kind !== "star") tokens.push({ kind: "star" });
      } else if (c === "?") tokens.push({ kind: "any" });
      else if (c === "[" && classEnd(raw, i) > 0) {
        const end = classEnd(raw, i);
        tokens.push(parseClass(raw.slice(i + 1, end)));
        i = end;
      } else tokens.push({ kind: "char", ch: c });
    }
    out.push(tokens);
  }
  return out;
}

function parseClass(body: string): Token {
  let negated = false;
  let i = 0;
  if (body[0] === "!" || body[0] === "^") {
    negated = true;
    i = 1;
  }
  const ranges: [string, string][] = [];
  for (; i < body.length; i++) {
    let c = body[i]!;
    if (c === "\\" && i + 1 < body.length) c = body[++i]!;
    if (body[i + 1] === "-" && i + 2 < body.length) {
      let hi = body[i + 2]!;
      i += 2;
      if (hi === "\\" && i + 1 < body.length) hi = body[++i]!;
      ranges.push([c, hi]);
    } else ranges.push([c, c]);
  }
  return { kind: "class", negated, ranges };
}

function tokenMatches(t: Token, ch: string): boolean {
  switch (t.kind) {
    case "char":
      return t.ch === ch;
    case "any":
      return true;
    case "class":
      return t.ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== t.negated;
    case "star":
      return true;
  }
}

/** Wildcard match of one segment: two pointers, resuming after the last star. O(tokens × chars). */
function matchSegment(tokens: Token[], s: string): boolean {
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok && tok.kind === "star") {
      starT = t++;
      starI = i;
    } else if (tok && tokenMatches(tok, s[i]!)) {
      t++;
      i++;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

/** Segment-level match with globstars, by dynamic programming over (pattern, path) positions. */
function matchSegments(pattern: Segment[], path: string[]): boolean {
  const m = pattern.length;
  const n = path.length;
  // can[j]: pattern[0..i) matches path[0..j).
  let can = new Uint8Array(n + 1);
  can[0] = 1;
  for (let i = 0; i < m; i++) {
    const p = pattern[i]!;
    const next = new Uint8Array(n + 1);
    if (p === "**") {
      let reached = 0;
      for (let j = 0; j <= n; j++) {
        if (can[j]) reached = 1;
        next[j] = reached;
      }
    } else {
      for (let j = 0; j < n; j++) if (can[j] && matchSegment(p, path[j]!)) next[j + 1] = 1;
    }
    can = next;
  }
  return can[n] === 1;
}
