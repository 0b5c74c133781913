// Gathers the CLI's input from the local disk: Go files under paths, their nearest go.mod, the
// repository root, and the diff (a file, stdin, or git: the merge base with a ref, the index).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { SourceFile } from "./analyzer/engine.js";
import { movesIn } from "./analyzer/moves.js";
import { decodeUtf8 } from "./analyzer/source.js";
import { DiffError, parsePatch, parseUnifiedDiff, type FileDiff } from "./diff/diff.js";
import { isGoSource, overBoundsNote, PACKAGE_BOUNDS, preselect, samePackage, type DirEntry, type PackageBounds } from "./review/package.js";

export class InputError extends Error {
  override name = "InputError";
}

const SKIP_DIRS = new Set(["node_modules", "testdata"]);
const VENDORED = /(^|\/)vendor\//;

/** `*.go` files under the given files and directories, as absolute paths. */
export async function goFilesUnder(paths: readonly string[], cwd: string): Promise<string[]> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith(".") && !e.name.startsWith("_") && !SKIP_DIRS.has(e.name)) await walk(full);
      } else if (e.isFile() && e.name.endsWith(".go")) out.add(full);
    }
  };
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    if (!existsSync(full)) throw new InputError(`no such file or directory: ${p}`);
    if (statSync(full).isDirectory()) await walk(full);
    else out.add(full);
  }
  return [...out].sort();
}

/** A path as the user sees it: relative to the current directory, with forward slashes. */
export const rel = (cwd: string, full: string) => path.relative(cwd, full).split(path.sep).join("/") || ".";

/** The nearest directory at or above `dir` holding `.git` (a directory, or a worktree's file), else null. */
export function findRepoRoot(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ".git"))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/** The contents of the go.mod nearest to `file` (walking up to the filesystem root). */
export function nearestGoMod(file: string, cache = new Map<string, string | null>()): string | null {
  let dir = path.dirname(path.resolve(file));
  const seen: string[] = [];
  for (;;) {
    const hit = cache.get(dir);
    if (hit !== undefined) return remember(seen, hit, cache);
    seen.push(dir);
    const candidate = path.join(dir, "go.mod");
    if (existsSync(candidate)) return remember(seen, readFileSync(candidate, "utf8"), cache);
    const up = path.dirname(dir);
    if (up === dir) return remember(seen, null, cache);
    dir = up;
  }
}

function remember(dirs: string[], value: string | null, cache: Map<string, string | null>): string | null {
  for (const d of dirs) cache.set(d, value);
  return value;
}

export async function readDiffText(source: string, stdin: NodeJS.ReadableStream = process.stdin, cwd = process.cwd()): Promise<string> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(path.resolve(cwd, source), "utf8");
  } catch {
    throw new InputError(`cannot read diff file: ${source}`);
  }
}

const run = promisify(execFile);

async function git(args: string[], cwd: string): Promise<string> {
  return (await gitBytes(args, cwd)).toString("utf8");
}

/** git's output as bytes: file contents are decoded (strictly) by the caller, not here. */
async function gitBytes(args: string[], cwd: string): Promise<Buffer> {
  try {
    const { stdout } = await run("git", ["-c", "core.quotePath=false", ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" });
    return stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === "ENOENT") throw new InputError("git is not installed (needed by --git and --staged)");
    const msg = e.stderr?.trim().split("\n")[0] ?? String(err);
    throw new InputError(`git ${args[0]} failed: ${msg}`);
  }
}

/** What `--git REF` and `--staged` give: the changes, relative to the repository root. */
export interface GitChanges {
  root: string;
  diffs: FileDiff[];
  /** With --staged: the staged contents (the index, as bytes), by root-relative path; else read the working tree. */
  staged?: Map<string, Buffer>;
}

/**
 * `--git REF`: the working tree against the merge base of REF and HEAD (what the branch changed,
 * as a pull request shows it), plus untracked Go files as added files. `--staged`: the index
 * against HEAD (or against the merge base with REF).
 */
export async function gitChanges(ref: string | undefined, staged: boolean, cwd: string): Promise<GitChanges> {
  const root = (await git(["rev-parse", "--show-toplevel"], cwd)).trim();
  let base: string | undefined;
  if (ref !== undefined) {
    const mb = await git(["merge-base", ref, "HEAD"], root).catch((err: InputError) => {
      throw new InputError(`no merge base between ${ref} and HEAD (${err.message.replace(/^git merge-base failed: /, "")})`);
    });
    base = mb.trim();
  }
  const args = ["diff", "--no-color", "--no-ext-diff", "-U3", ...(staged ? ["--cached"] : []), ...(base ? [base] : []), "--"];
  const diffs = parseDiffOrThrow(await git(args, root));
  if (staged) {
    const contents = new Map<string, Buffer>();
    for (const d of diffs) {
      if (d.status === "deleted" || !d.newPath?.endsWith(".go")) continue;
      contents.set(d.newPath, await gitBytes(["show", `:${d.newPath}`], root));
    }
    return { root, diffs, staged: contents };
  }
  const untracked = (await git(["ls-files", "--others", "--exclude-standard", "-z", "--", "*.go"], root)).split("\0").filter(Boolean);
  for (const p of untracked) {
    const text = await readFile(path.join(root, p), "utf8");
    diffs.push(addedFileDiff(p, text));
  }
  return { root, diffs };
}

/** The diff of a new file: every line added. */
export function addedFileDiff(p: string, text: string): FileDiff {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return parsePatch(`@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => "+" + l).join("\n")}\n`, p, "added");
}

export function parseDiffOrThrow(text: string): FileDiff[] {
  try {
    return parseUnifiedDiff(text);
  } catch (err) {
    if (err instanceof DiffError) throw new InputError(`cannot parse the diff: ${err.message}`);
    throw err;
  }
}

/** A file to analyse: where it is, how it is shown, its path in the repository. */
export interface LocalSource {
  file: SourceFile;
  /** Relative to the repository root (what `paths_ignore` matches). */
  repoPath: string;
}

/**
 * The files to analyse. Without a diff: every Go file under `paths` (default `.`). With one: the
 * Go files the diff adds, changes or renames, each with its diff; the diff's paths are taken from
 * the repository root (as git writes them), else from the current directory; when `paths` are
 * given, only files under them count. A file the diff names that is not on disk is an input error.
 */
export async function loadSources(
  paths: readonly string[],
  input: { diffs: FileDiff[]; root: string; staged?: Map<string, Buffer> } | undefined,
  cwd: string,
  root: string,
): Promise<LocalSource[]> {
  const cache = new Map<string, string | null>();
  const make = (full: string, bytes: Buffer | string, diff?: FileDiff): LocalSource => {
    // Decoded strictly: a file that is not UTF-8 is skipped by the engine (a valid one with U+FFFD is not).
    const content = typeof bytes === "string" ? bytes : decodeUtf8(bytes);
    return {
      file: { path: rel(cwd, full), content: content ?? bytes.toString("utf8"), goMod: nearestGoMod(full, cache), ...(content === undefined ? { invalidUtf8: true } : {}), ...(diff ? { diff } : {}) },
      repoPath: rel(root, full),
    };
  };
  const roots = paths.map((p) => path.resolve(cwd, p));
  for (const r of roots) if (!existsSync(r)) throw new InputError(`no such file or directory: ${path.relative(cwd, r) || r}`);
  if (!input) {
    const files = await goFilesUnder(paths.length ? paths : ["."], cwd);
    // Vendored files are only counted (the engine skips vendor/ by this same path): thousands are not read.
    return Promise.all(files.map(async (full) => make(full, VENDORED.test(rel(cwd, full)) ? "" : await readFile(full))));
  }
  const out: LocalSource[] = [];
  const movedFrom = movesIn(input.diffs, (o) => headText(o, input, cwd));
  for (const d of input.diffs) {
    if (d.status === "deleted" || !d.newPath || !d.newPath.endsWith(".go")) continue;
    const p = d.newPath;
    const staged = input.staged?.get(p);
    const full = [path.resolve(input.root, p), path.resolve(cwd, p)].find((f) => staged !== undefined || existsSync(f));
    if (!full) {
      const where = input.root === cwd ? cwd : `${input.root} or ${cwd}`;
      throw new InputError(`the diff names ${p}, which is not in ${where}`);
    }
    if (roots.length && !roots.some((r) => full === r || full.startsWith(r + path.sep))) continue;
    const source = make(full, staged ?? (await readFile(full)), d);
    // Functions the diff moves here from other files: their old text, for scope `new`.
    const moved = movedFrom(d);
    if (moved.length) source.file.movedFrom = moved;
    out.push(source);
  }
  return out;
}

/** The head text of a file the diff changes (the index's with --staged), found as loadSources finds it; undefined when unreadable. */
function headText(d: FileDiff, input: { root: string; staged?: Map<string, Buffer> }, cwd: string): string | undefined {
  if (!d.newPath) return undefined;
  const staged = input.staged?.get(d.newPath);
  if (staged) return decodeUtf8(staged);
  const full = [path.resolve(input.root, d.newPath), path.resolve(cwd, d.newPath)].find((f) => existsSync(f));
  return full ? decodeUtf8(readFileSync(full)) : undefined;
}

/** Each touched file's package context, and what the bounds left out (one sentence per package). */
export interface LocalContext {
  of: Map<LocalSource, SourceFile[]>;
  notes: string[];
  /** Sibling files left unread by the bounds, over all packages. */
  unread: number;
}

/**
 * The package context of the files a diff touches (issue 10): for each touched file, the other Go
 * files of its directory in the same package and build (../review/package.ts), read from disk as
 * read-only context, at most `bounds` per directory. Vendored and excluded siblings are not read.
 * (With --staged the touched files come from the index, their siblings from the working tree.)
 */
export async function packageContext(
  touched: readonly LocalSource[],
  cwd: string,
  root: string,
  excluded: (repoPath: string) => string | undefined,
  bounds: PackageBounds = PACKAGE_BOUNDS,
): Promise<LocalContext> {
  const out: LocalContext = { of: new Map(), notes: [], unread: 0 };
  const byDir = new Map<string, LocalSource[]>();
  for (const s of touched) {
    if (VENDORED.test(s.repoPath)) continue;
    const dir = path.dirname(path.resolve(cwd, s.file.path));
    byDir.set(dir, [...(byDir.get(dir) ?? []), s]);
  }
  const cache = new Map<string, string | null>();
  for (const [dir, sources] of byDir) {
    const names = new Set(sources.map((s) => path.basename(s.file.path)));
    let entries: DirEntry[];
    try {
      const listed = await readdir(dir, { withFileTypes: true });
      entries = listed
        .filter((e) => e.isFile() && isGoSource(e.name) && !names.has(e.name) && !excluded(rel(root, path.join(dir, e.name))))
        .map((e) => ({ name: e.name, bytes: statSync(path.join(dir, e.name)).size }));
    } catch {
      continue; // an unreadable directory gives no context; the touched files are analysed anyway
    }
    const pick = preselect(entries, [...names], bounds);
    if (pick.overFiles > 0) {
      out.unread += pick.overFiles;
      out.notes.push(overBoundsNote(rel(cwd, dir), { files: pick.overFiles, bytes: pick.overBytes }, bounds));
    }
    const read: { name: string; text: string; file: SourceFile }[] = [];
    let unreadable = 0;
    for (const e of pick.read) {
      const full = path.join(dir, e.name);
      const text = await readFile(full, "utf8").catch(() => undefined);
      if (text === undefined || text.includes("\u0000")) {
        unreadable++;
        continue;
      }
      read.push({ name: e.name, text, file: { path: rel(cwd, full), content: text, goMod: nearestGoMod(full, cache), context: true } });
    }
    // The other touched files of the package are context too: each file is analysed on its own.
    const all = [...read, ...sources.map((s) => ({ name: path.basename(s.file.path), text: s.file.content, file: { path: s.file.path, content: s.file.content, goMod: s.file.goMod ?? null, context: true } }))];
    // A sibling over the bounds or unreadable: claims about the whole package cannot be made.
    if (pick.overFiles > 0 || unreadable > 0) for (const s of sources) s.file.partialPackage = true;
    for (const s of sources) {
      const mine = samePackage({ name: path.basename(s.file.path), text: s.file.content }, all).map((x) => x.file);
      if (mine.length) out.of.set(s, mine);
    }
  }
  return out;
}
