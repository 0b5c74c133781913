// The package as read-only context (issue 10): which sibling files of a touched Go file's
// directory belong to its package in the same build, so that rules may take evidence from them.
// Shared by the CLI (read from disk, ../local.ts) and the App (read at the head commit, ./files.ts).
// Two steps, because the App lists a directory before it reads it: by name first (GOOS/GOARCH
// suffixes, _test files, the bounds per package), then by content (the package clause and the
// `//go:build` line, evaluated for the default build: decided tags only, unsure means include).
import { DEFAULT_LIMITS, type Limits } from "./limits.js";

/** At most this many sibling files and bytes are read per package; more is skipped and said. */
export interface PackageBounds {
  files: number;
  bytes: number;
}

/** The bounds of a run's limits (./limits.ts: 60 files / 4 MiB by default). */
export const boundsOf = (limits: Pick<Limits, "packageFiles" | "packageBytes">): PackageBounds => ({ files: limits.packageFiles, bytes: limits.packageBytes });

export const PACKAGE_BOUNDS: Readonly<PackageBounds> = Object.freeze(boundsOf(DEFAULT_LIMITS));

// go/build's syslist.go.
const KNOWN_OS = ["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"];
const KNOWN_ARCH = ["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"];
const OS = new Set(KNOWN_OS);
const ARCH = new Set(KNOWN_ARCH);
const UNIX = new Set(["aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "linux", "netbsd", "openbsd", "solaris"]);
/** GOOS values that also satisfy another one's tag and file suffix (go/build: android is linux, ios is darwin, illumos is solaris). */
const ALSO: Record<string, string> = { android: "linux", ios: "darwin", illumos: "solaris" };

/** The build a touched file is analysed in: its GOOS and GOARCH, and the custom tags it asks for. */
export interface Build {
  goos: string;
  goarch: string;
  tags: ReadonlySet<string>;
}

/** Go ignores files whose names start with `_` or `.`. */
export const isGoSource = (name: string): boolean => name.endsWith(".go") && !name.startsWith("_") && !name.startsWith(".");

/** The GOOS and GOARCH a file name requires (`x_linux.go`, `x_arm64.go`, `x_linux_arm64_test.go`). */
export function nameConstraint(name: string): { goos?: string; goarch?: string } {
  let stem = name.replace(/\.go$/, "").replace(/_test$/, "");
  const i = stem.indexOf("_");
  if (i < 0) return {};
  stem = stem.slice(i);
  const l = stem.split("_");
  const n = l.length;
  if (n >= 2 && OS.has(l[n - 2]!) && ARCH.has(l[n - 1]!)) return { goos: l[n - 2]!, goarch: l[n - 1]! };
  if (n >= 1 && OS.has(l[n - 1]!)) return { goos: l[n - 1]! };
  if (n >= 1 && ARCH.has(l[n - 1]!)) return { goarch: l[n - 1]! };
  return {};
}

type Expr = { kind: "tag"; tag: string } | { kind: "not"; x: Expr } | { kind: "and" | "or"; a: Expr; b: Expr };

/** The file's build constraint (`//go:build`, else its `// +build` lines), before the package clause. */
export function constraintOf(text: string): Expr | undefined {
  const plus: Expr[] = [];
  for (let pos = 0; pos < text.length; ) {
    const nl = text.indexOf("\n", pos);
    const line = text.slice(pos, nl === -1 ? text.length : nl).trim();
    pos = nl === -1 ? text.length : nl + 1;
    if (line === "" || line.startsWith("/*") || line.startsWith("*")) continue;
    if (!line.startsWith("//")) break;
    const m = /^\/\/go:build\s+(.*)$/.exec(line);
    if (m) return parseExpr(m[1]!);
    const p = /^\/\/\s*\+build\s+(.*)$/.exec(line);
    if (p) plus.push(plusLine(p[1]!));
  }
  return plus.length ? plus.reduce((a, b) => ({ kind: "and", a, b })) : undefined;
}

function plusLine(line: string): Expr {
  const tag = (t: string): Expr => (t.startsWith("!") ? { kind: "not", x: { kind: "tag", tag: t.slice(1) } } : { kind: "tag", tag: t });
  const ors = line.split(/\s+/).filter(Boolean).map((opt) => opt.split(",").map(tag).reduce((a, b) => ({ kind: "and", a, b })));
  return ors.reduce((a, b) => ({ kind: "or", a, b }));
}

function parseExpr(src: string): Expr | undefined {
  const toks = src.replace(/\/\/.*$/, "").match(/&&|\|\||!|\(|\)|[A-Za-z0-9_.]+/g) ?? [];
  let i = 0;
  const or = (): Expr => {
    let v = and();
    while (toks[i] === "||") {
      i++;
      v = { kind: "or", a: v, b: and() };
    }
    return v;
  };
  const and = (): Expr => {
    let v = not();
    while (toks[i] === "&&") {
      i++;
      v = { kind: "and", a: v, b: not() };
    }
    return v;
  };
  const not = (): Expr => {
    if (toks[i] === "!") {
      i++;
      return { kind: "not", x: not() };
    }
    if (toks[i] === "(") {
      i++;
      const v = or();
      if (toks[i] === ")") i++;
      return v;
    }
    return { kind: "tag", tag: toks[i++] ?? "" };
  };
  if (toks.length === 0) return undefined;
  return or();
}

/** Three-valued: true, false, or undefined (cannot be decided here). */
type Truth = boolean | undefined;

function evaluate(e: Expr, tag: (t: string) => Truth): Truth {
  switch (e.kind) {
    case "tag":
      return tag(e.tag);
    case "not": {
      const v = evaluate(e.x, tag);
      return v === undefined ? undefined : !v;
    }
    case "and": {
      const a = evaluate(e.a, tag);
      const b = evaluate(e.b, tag);
      return a === false || b === false ? false : a === true && b === true ? true : undefined;
    }
    case "or": {
      const a = evaluate(e.a, tag);
      const b = evaluate(e.b, tag);
      return a === true || b === true ? true : a === false && b === false ? false : undefined;
    }
  }
}

/** A tag's value in `build` (goos/goarch undefined: not decided). */
function tagValue(t: string, goos: string | undefined, goarch: string | undefined, tags: ReadonlySet<string>): Truth {
  if (OS.has(t)) return goos === undefined ? undefined : goos === t || ALSO[goos] === t;
  if (ARCH.has(t)) return goarch === undefined ? undefined : goarch === t;
  if (t === "unix") return goos === undefined ? undefined : UNIX.has(goos);
  if (/^go1\.\d+$/.test(t)) return true; // release tags: a current toolchain has them all
  if (t === "gc") return true;
  if (t === "gccgo") return false;
  if (t === "cgo") return undefined; // depends on the machine's C compiler
  if (tags.has(t)) return true;
  return false; // a custom tag (`integration`, `ignore`) is off in the default build
}

/** Tags a constraint asks for positively, other than GOOS/GOARCH and release tags. */
function positiveTags(e: Expr | undefined, neg = false, out = new Set<string>()): Set<string> {
  if (!e) return out;
  if (e.kind === "tag") {
    if (!neg && !OS.has(e.tag) && !ARCH.has(e.tag) && !/^go1\.\d+$/.test(e.tag) && !["unix", "gc", "gccgo", "cgo"].includes(e.tag)) out.add(e.tag);
  } else if (e.kind === "not") positiveTags(e.x, !neg, out);
  else {
    positiveTags(e.a, neg, out);
    positiveTags(e.b, neg, out);
  }
  return out;
}

/**
 * The build a touched file is analysed in: linux/amd64 (the default build of most CI machines)
 * unless its name or constraint rules that out, then the first GOOS/GOARCH it builds on; the
 * custom tags its constraint asks for are on.
 */
export function buildOf(name: string, text?: string): Build {
  const n = nameConstraint(name);
  const expr = text === undefined ? undefined : constraintOf(text);
  const tags = positiveTags(expr);
  const can = (goos: string | undefined, goarch: string | undefined) => !expr || evaluate(expr, (t) => tagValue(t, goos, goarch, tags)) !== false;
  const goos = n.goos ?? ["linux", ...KNOWN_OS].find((os) => can(os, n.goarch)) ?? "linux";
  const goarch = n.goarch ?? ["amd64", ...KNOWN_ARCH].find((arch) => can(goos, arch)) ?? "amd64";
  return { goos, goarch, tags };
}

/** Whether a file name can belong to `build` (before reading it). */
export function nameMatches(name: string, build: Build): boolean {
  const n = nameConstraint(name);
  if (n.goos && n.goos !== build.goos && ALSO[build.goos] !== n.goos) return false;
  return !n.goarch || n.goarch === build.goarch;
}

/** Whether a file is part of `build`: its name, then its constraint (undecidable counts as yes). */
export function buildMatches(name: string, text: string, build: Build): boolean {
  if (!nameMatches(name, build)) return false;
  const expr = constraintOf(text);
  return !expr || evaluate(expr, (t) => tagValue(t, build.goos, build.goarch, build.tags)) !== false;
}

/** The package clause's name, after the leading comments; undefined when there is none. */
export function packageName(text: string): string | undefined {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith("//", i)) {
      const nl = text.indexOf("\n", i);
      if (nl === -1) return undefined;
      i = nl + 1;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) return undefined;
      i = end + 2;
    } else break;
  }
  const m = /^package\s+([\p{L}_][\p{L}\p{N}_]*)/u.exec(text.slice(i, i + 200));
  return m?.[1];
}

export interface DirEntry {
  name: string;
  bytes: number;
}

export interface Preselection {
  /** Siblings to read, in name order (non-test files first). */
  read: DirEntry[];
  /** Go files of the build left unread by the bounds. */
  overFiles: number;
  overBytes: number;
}

/**
 * Step 1, by name: the Go files of a directory that may belong to the packages of the touched
 * files (named `touched`, all in that directory), within the bounds. `_test.go` files only when a
 * touched file is one; GOOS/GOARCH suffixes of another build are left out.
 */
export function preselect(entries: readonly DirEntry[], touched: readonly string[], bounds: PackageBounds = PACKAGE_BOUNDS): Preselection {
  const mine = new Set(touched);
  const builds = touched.map((t) => buildOf(t));
  const tests = touched.some((t) => t.endsWith("_test.go"));
  const candidates = entries
    .filter((e) => isGoSource(e.name) && !mine.has(e.name) && (tests || !e.name.endsWith("_test.go")) && builds.some((b) => nameMatches(e.name, b)))
    .sort((a, b) => Number(a.name.endsWith("_test.go")) - Number(b.name.endsWith("_test.go")) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Preselection = { read: [], overFiles: 0, overBytes: 0 };
  let bytes = 0;
  for (const e of candidates) {
    if (out.read.length >= bounds.files || bytes + e.bytes > bounds.bytes) {
      out.overFiles++;
      out.overBytes += e.bytes;
      continue;
    }
    bytes += e.bytes;
    out.read.push(e);
  }
  return out;
}

/**
 * Step 2, by content: which of `siblings` (read, touched or not) are the package of `touched` in
 * its build. A non-test file's package is the non-test files of its package clause; an in-package
 * `_test.go` file's adds that package's `_test.go` files; an external test package (`x_test`) is
 * its own `_test.go` files.
 */
export function samePackage<T extends { name: string; text: string }>(touched: { name: string; text: string }, siblings: readonly T[]): T[] {
  const pkg = packageName(touched.text);
  if (pkg === undefined) return [];
  const build = buildOf(touched.name, touched.text);
  const isTest = touched.name.endsWith("_test.go");
  return siblings.filter((s) => {
    if (s.name === touched.name || !isGoSource(s.name)) return false;
    const sTest = s.name.endsWith("_test.go");
    if (sTest && !isTest) return false;
    if (pkg.endsWith("_test") && isTest && !sTest) return false;
    return packageName(s.text) === pkg && buildMatches(s.name, s.text, build);
  });
}

/** The sentence a run says when a package was over the bounds. */
export function overBoundsNote(dir: string, over: { files: number; bytes: number }, bounds: PackageBounds = PACKAGE_BOUNDS): string {
  const round = (n: number) => Math.round(n * 10) / 10;
  const size = (n: number) => (n >= 1 << 20 ? `${round(n / (1 << 20))} MiB` : n >= 1024 ? `${round(n / 1024)} KiB` : `${n} bytes`);
  const files = `${over.files.toLocaleString("en-US")} ${over.files === 1 ? "file" : "files"}`;
  return `Package context: ${files} of ${dir === "." ? "the root directory" : `${dir}/`} (${size(over.bytes)}) not read: at most ${bounds.files} files / ${size(bounds.bytes)} per package are read as context.`;
}
