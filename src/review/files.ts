// Step 2: which files of the pull request to analyse, and their contents. Contents, base
// versions (for files GitHub gives no patch), the go.mod files that exist, the listings of the
// touched files' directories and the pull request's head and review threads are read in one
// query; the rest of each touched file's package (read-only context, ./package.ts) in one more.
// go.mod paths: a file's directory and each one above it, up to the root; when that makes many
// candidates, only those the head commit's tree holds are asked for. What the limits cut
// (limits.ts) is named.
import { createPatch, OMIT_HEADERS } from "diff";
import path from "node:path";
import { tooLargeReason, type SourceFile } from "../analyzer/engine.js";
import { movesIn } from "../analyzer/moves.js";
import type { SkippedFile } from "../analyzer/types.js";
import { exclusion, type Config } from "../config.js";
import { parsePatch, type FileDiff } from "../diff/diff.js";
import type { Blob, BlobRequest, GitHub, PullFile, PullInfo, PullNow } from "../github/types.js";
import { isRateLimited } from "../github/retry.js";
import { count, DEFAULT_LIMITS, type Limits } from "./limits.js";
import { boundsOf, overBoundsNote, preselect, samePackage, type Preselection } from "./package.js";

/** Up to this many candidate go.mod paths are asked for directly; above it the tree says which exist. */
export const GOMOD_CANDIDATES = 20;

const ANALYSED_STATUSES = new Set(["added", "modified", "renamed"]);

export interface Selection {
  wanted: PullFile[];
  skipped: SkippedFile[];
  /** Every Go path the pull request touches, removed ones included. */
  goPaths: Set<string>;
  /** The Go files that remove lines and carry a patch, removed ones included: where a moved function may come from (readSources). */
  movedCandidates: PullFile[];
  /** What the limits cut, in plain words. */
  limits: string[];
}

/** `changedFiles`: GitHub's count of the pull request's files, when known (it lists at most 3,000). */
export function selectFiles(files: readonly PullFile[], config: Config, changedFiles?: number | null, limits: Limits = DEFAULT_LIMITS): Selection {
  const excluded = exclusion(config);
  const out: Selection = { wanted: [], skipped: [], goPaths: new Set(), movedCandidates: [], limits: [] };
  if (changedFiles && changedFiles > files.length) {
    const unseen = changedFiles - files.length;
    out.limits.push(`This pull request changes ${count(changedFiles)} files; GitHub lists only the first ${count(files.length)}, so ${count(unseen)} ${unseen === 1 ? "file was" : "files were"} not seen (and not analysed).`);
  }
  let cut = 0;
  for (const f of files) {
    if (!f.path.endsWith(".go")) continue;
    out.goPaths.add(f.path);
    if (f.patch !== undefined && (f.status === "removed" || f.status === "modified" || f.status === "renamed")) out.movedCandidates.push(f);
    if (!ANALYSED_STATUSES.has(f.status)) continue;
    const why = excluded(f.path);
    if (why) out.skipped.push({ path: f.path, reason: why });
    else if (out.wanted.length >= limits.goFiles) {
      cut++;
      out.skipped.push({ path: f.path, reason: `over the limit of ${count(limits.goFiles)} Go files per run` });
    } else out.wanted.push(f);
  }
  if (cut > 0) out.limits.push(`${count(cut)} Go ${cut === 1 ? "file was" : "files were"} not analysed: a run analyses at most ${count(limits.goFiles)} (listed under Files skipped).`);
  return out;
}

/** A file to analyse, with the diff GitHub gave (only those hunks can carry review comments). */
export interface Source {
  file: SourceFile;
  githubDiff: FileDiff | undefined;
  /** The rest of the file's package (`context: true`): evidence for rules, never analysed (./package.ts). */
  context?: SourceFile[] | undefined;
}

/** go.mod paths from the file's directory up to the repository root, nearest first. */
export function goModCandidates(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
    out.push(dir === "." ? "go.mod" : `${dir}/go.mod`);
    if (dir === "." || dir === "/") return out;
  }
}

export interface Read {
  sources: Source[];
  skipped: SkippedFile[];
  /** The pull request's head and review threads, read with the blobs. */
  pull?: PullNow | undefined;
  limits: string[];
}

/** go.mod paths to ask for: every candidate when they are few, else those the head commit's tree holds. */
async function goModsToRead(github: GitHub, sha: string, wanted: readonly PullFile[]): Promise<string[]> {
  const candidates = [...new Set(wanted.flatMap((f) => goModCandidates(f.path)))];
  if (candidates.length <= GOMOD_CANDIDATES) return candidates;
  const present = await github.goModPaths(sha).catch((err: unknown) => {
    if (isRateLimited(err)) throw err;
    return undefined; // the tree could not be read: ask for every candidate instead
  });
  if (!present) return candidates; // or a tree too large for GitHub to list whole
  const exists = new Set(present);
  // Only the nearest one of each file is read.
  return [...new Set(wanted.map((f) => goModCandidates(f.path).find((m) => exists.has(m))).filter((m): m is string => m !== undefined))];
}

/**
 * `ignored`: paths never read as package context (`paths_ignore`). The touched files' directories
 * are listed in the query that reads the files; the siblings ./package.ts picks from the listings
 * are read by one more query (none when a directory holds only touched files).
 */
export async function readSources(
  github: GitHub,
  pull: PullInfo,
  wanted: readonly PullFile[],
  limits: Limits = DEFAULT_LIMITS,
  ignored: (path: string) => boolean = () => false,
  movedCandidates: readonly PullFile[] = [],
): Promise<Read> {
  // Nothing to read: the run ends neutral without reading the pull request's threads either.
  if (wanted.length === 0) return { sources: [], skipped: [], limits: [] };
  const requests: BlobRequest[] = [];
  const at = (ref: string, p: string) => requests.push({ ref, path: p }) - 1;
  const heads = wanted.map((f) => at(pull.headSha, f.path));
  const bases = wanted.map((f) => (f.patch === undefined && f.status !== "added" ? at(pull.baseSha, f.previousPath ?? f.path) : -1));
  const mods = new Map<string, number>();
  for (const m of await goModsToRead(github, pull.headSha, wanted)) mods.set(m, at(pull.headSha, m));
  const dirs = touchedDirs(wanted);
  const listings = [...dirs.keys()].map((dir) => requests.push({ ref: pull.headSha, path: dir, list: true }) - 1);

  const { blobs, pull: now } = await github.readBlobs(requests, pull.number);
  const text = (i: number | undefined): string | undefined => (i !== undefined && i >= 0 && blobs[i]?.kind === "text" ? (blobs[i] as { text: string }).text : undefined);
  // The siblings the listings name, by name and within the bounds (./package.ts): one more query.
  const packages: PackageRead[] = [...dirs].map(([dir, names], k) => {
    const listed = blobs[listings[k]!];
    const entries = listed?.kind === "dir" ? listed.entries.filter((e) => !ignored(join(dir, e.name))) : [];
    return { dir, requests: [], ...preselect(entries, names, boundsOf(limits)) };
  });
  const siblingRequests: BlobRequest[] = [];
  for (const p of packages) for (const e of p.read) p.requests.push(siblingRequests.push({ ref: pull.headSha, path: join(p.dir, e.name) }) - 1);
  const siblingBlobs = siblingRequests.length > 0 ? (await github.readBlobs(siblingRequests)).blobs : [];

  const sources: Source[] = [];
  const skipped: SkippedFile[] = [];
  const out: string[] = [];
  let bytes = 0;
  let overBytes = 0;
  wanted.forEach((f, i) => {
    const head = blobs[heads[i]!]!;
    if (head.kind !== "text") {
      skipped.push({ path: f.path, reason: blobSkipReason(head, limits) });
      return;
    }
    const size = Buffer.byteLength(head.text);
    if (size > limits.fileBytes) {
      skipped.push({ path: f.path, reason: `too large (${count(size)} bytes; the limit is ${count(limits.fileBytes)})` });
      return;
    }
    if (bytes + size > limits.runBytes) {
      overBytes++;
      skipped.push({ path: f.path, reason: `over the limit of ${count(limits.runBytes)} bytes of Go per run` });
      return;
    }
    bytes += size;
    const goMod = goModCandidates(f.path).map((m) => text(mods.get(m))).find((t) => t !== undefined) ?? null;
    const status = f.status as FileDiff["status"];
    if (f.patch !== undefined) {
      const diff = parsePatch(f.patch, f.path, status, f.previousPath);
      sources.push({ file: { path: f.path, content: head.text, goMod, diff }, githubDiff: diff });
      return;
    }
    // No patch from GitHub (a very large diff): diff locally; findings go to the check run only.
    const base = f.status === "added" ? "" : text(bases[i]!);
    if (base === undefined) {
      skipped.push({ path: f.path, reason: "GitHub gave no patch and the base version could not be read" });
      return;
    }
    const diff = parsePatch(localPatch(f.path, base, head.text), f.path, status, f.previousPath);
    sources.push({ file: { path: f.path, content: head.text, goMod, diff, baseContent: base }, githubDiff: undefined });
  });
  if (overBytes > 0) out.push(`${count(overBytes)} Go ${overBytes === 1 ? "file was" : "files were"} not analysed: a run reads at most ${count(limits.runBytes)} bytes of Go (listed under Files skipped).`);
  addMoves(sources, movedCandidates);

  // Each analysed file's package: the siblings read and the other touched files of its directory.
  const bounds = boundsOf(limits);
  for (const p of packages) {
    const mine = sources.filter((s) => path.posix.dirname(s.file.path) === p.dir);
    // One object per file, shared by every source of the package (the worker pool's structured
    // clone keeps shared objects shared); the directory's files have the same nearest go.mod.
    const goMod = mine[0]?.file.goMod ?? null;
    const siblings: { name: string; text: string; file: SourceFile }[] = [];
    p.read.forEach((e, k) => {
      const b = siblingBlobs[p.requests[k]!];
      if (b?.kind !== "text") return;
      const t = b.text;
      const size = Buffer.byteLength(t);
      // Context counts in the run's bytes too, after the files it serves.
      if (bytes + size > limits.runBytes) {
        p.overFiles++;
        p.overBytes += size;
        return;
      }
      bytes += size;
      const file: SourceFile = { path: join(p.dir, e.name), content: t, goMod, context: true };
      siblings.push({ name: e.name, text: t, file });
    });
    if (p.overFiles > 0) out.push(overBoundsNote(p.dir, { files: p.overFiles, bytes: p.overBytes }, bounds));
    // A sibling over the bounds or unreadable: claims about the whole package cannot be made.
    if (p.overFiles > 0 || siblings.length < p.read.length) for (const s of mine) s.file.partialPackage = true;
    const touched = mine.map((s) => ({ name: path.posix.basename(s.file.path), text: s.file.content, file: { path: s.file.path, content: s.file.content, goMod, context: true } as SourceFile }));
    for (const s of mine) {
      const context = samePackage({ name: path.posix.basename(s.file.path), text: s.file.content }, [...siblings, ...touched]).map((x) => x.file);
      if (context.length > 0) s.context = context;
    }
  }
  return { sources, skipped, pull: now, limits: out };
}

/**
 * Functions the pull request moves into an analysed file from another file (moves.ts): the other
 * file's base, rebuilt from its patch and its head (a removed file's patch is all of it; a changed
 * file's head is read only when it is analysed too, else that move is not seen).
 */
function addMoves(sources: Source[], candidates: readonly PullFile[]): void {
  if (candidates.length === 0) return;
  const diffs = candidates.map((f) => parsePatch(f.patch!, f.path, f.status === "removed" ? "deleted" : (f.status as FileDiff["status"]), f.previousPath));
  const movedFrom = movesIn(diffs, (d) => sources.find((s) => s.file.path === d.newPath)?.file.content);
  for (const s of sources) {
    if (!s.file.diff) continue;
    const moved = movedFrom(s.file.diff);
    if (moved.length) s.file.movedFrom = moved;
  }
}

const join = (dir: string, name: string) => (dir === "." ? name : `${dir}/${name}`);
const VENDORED = /(^|\/)vendor\//;

interface PackageRead extends Preselection {
  dir: string;
  /** Where each of `read` is among the siblings' requests. */
  requests: number[];
}

/** The directories of the touched files (vendored ones have no context), with the files' names. */
function touchedDirs(wanted: readonly PullFile[]): Map<string, string[]> {
  const byDir = new Map<string, string[]>();
  for (const f of wanted) {
    if (VENDORED.test(f.path)) continue;
    const dir = path.posix.dirname(f.path);
    const names = byDir.get(dir);
    if (names) names.push(path.posix.basename(f.path));
    else byDir.set(dir, [path.posix.basename(f.path)]);
  }
  return byDir;
}

function blobSkipReason(b: Blob, limits: Limits): string {
  if (b.kind === "binary") return "binary file";
  if (b.kind === "too-large") return tooLargeReason(b.bytes);
  return "not found at the head commit (deleted or moved since the pull request was listed)";
}

/** Hunks only, as GitHub's `patch` field has them. */
export function localPatch(file: string, base: string, head: string): string {
  return createPatch(file, base, head, undefined, undefined, { context: 3, headerOptions: OMIT_HEADERS });
}
