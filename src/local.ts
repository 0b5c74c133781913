// Gathers the CLI's input from the local disk: Go files under paths, their nearest go.mod, and
// the diff (a file, stdin, or `git diff REV`).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { SourceFile } from "./analyzer/engine.js";
import { DiffError, parseUnifiedDiff, type FileDiff } from "./diff/diff.js";

export class InputError extends Error {}

const SKIP_DIRS = new Set(["node_modules", "testdata"]);

/** `*.go` files under the given files and directories, as paths relative to `cwd`. */
export async function goFilesUnder(paths: readonly string[], cwd: string): Promise<string[]> {
  const out = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith(".") && !e.name.startsWith("_") && !SKIP_DIRS.has(e.name)) await walk(full);
      } else if (e.isFile() && e.name.endsWith(".go")) out.add(rel(cwd, full));
    }
  };
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    if (!existsSync(full)) throw new InputError(`no such file or directory: ${p}`);
    const st = statSync(full);
    if (st.isDirectory()) await walk(full);
    else out.add(rel(cwd, full));
  }
  return [...out].sort();
}

const rel = (cwd: string, full: string) => path.relative(cwd, full).split(path.sep).join("/") || ".";

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

export async function readDiffText(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(source, "utf8");
  } catch {
    throw new InputError(`cannot read diff file: ${source}`);
  }
}

export async function gitDiff(rev: string, cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("git", ["diff", "--no-color", "--no-ext-diff", "--relative", "-U3", rev, "--"], {
      cwd,
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const msg = (err as { stderr?: string }).stderr?.trim().split("\n")[0] ?? String(err);
    throw new InputError(`git diff ${rev} failed: ${msg}`);
  }
}

export function parseDiffOrThrow(text: string): FileDiff[] {
  try {
    return parseUnifiedDiff(text);
  } catch (err) {
    if (err instanceof DiffError) throw new InputError(`cannot parse the diff: ${err.message}`);
    throw err;
  }
}

/**
 * The files to analyse. Without a diff: every Go file under `paths`. With one: the Go files the
 * diff adds, changes or renames under `paths`, each with its diff; a file the diff names that is
 * not on disk is an input error.
 */
export async function loadSources(paths: readonly string[], diffs: FileDiff[] | undefined, cwd: string): Promise<SourceFile[]> {
  const cache = new Map<string, string | null>();
  const load = async (p: string, diff?: FileDiff): Promise<SourceFile> => {
    const full = path.resolve(cwd, p);
    const buf = await readFile(full);
    return { path: p, content: buf.toString("utf8"), goMod: nearestGoMod(full, cache), ...(diff ? { diff } : {}) };
  };
  const roots = paths.map((p) => path.resolve(cwd, p));
  for (const r of roots) if (!existsSync(r)) throw new InputError(`no such file or directory: ${path.relative(cwd, r) || r}`);
  if (!diffs) return Promise.all((await goFilesUnder(paths, cwd)).map((p) => load(p)));
  const out: SourceFile[] = [];
  for (const d of diffs) {
    if (d.status === "deleted" || !d.newPath || !d.newPath.endsWith(".go")) continue;
    const p = d.newPath;
    const full = path.resolve(cwd, p);
    if (!roots.some((r) => full === r || full.startsWith(r + path.sep))) continue;
    if (!existsSync(full)) throw new InputError(`the diff names ${p}, which is not in ${cwd}`);
    out.push(await load(p, d));
  }
  return out;
}
