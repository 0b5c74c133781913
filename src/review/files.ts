// Step 2: which files of the pull request to analyse, and their contents. Contents, base
// versions (for files GitHub gives no patch) and every candidate go.mod are read in one go.
import { createPatch, OMIT_HEADERS } from "diff";
import path from "node:path";
import { tooLargeReason, type SourceFile } from "../analyzer/engine.js";
import type { SkippedFile } from "../analyzer/types.js";
import { ignoreMatcher, type Config } from "../config.js";
import { parsePatch, type FileDiff } from "../diff/diff.js";
import type { Blob, BlobRequest, GitHub, PullFile, PullInfo } from "../github/types.js";

const ANALYSED_STATUSES = new Set(["added", "modified", "renamed"]);

export interface Selection {
  wanted: PullFile[];
  skipped: SkippedFile[];
  /** Every Go path the pull request touches, removed ones included. */
  goPaths: Set<string>;
}

export function selectFiles(files: readonly PullFile[], config: Config): Selection {
  const ignored = ignoreMatcher(config);
  const out: Selection = { wanted: [], skipped: [], goPaths: new Set() };
  for (const f of files) {
    if (!f.path.endsWith(".go")) continue;
    out.goPaths.add(f.path);
    if (!ANALYSED_STATUSES.has(f.status)) continue;
    if (ignored(f.path)) out.skipped.push({ path: f.path, reason: "matches `paths_ignore`" });
    else if (!config.include_tests && f.path.endsWith("_test.go")) out.skipped.push({ path: f.path, reason: "test file (`include_tests` is false)" });
    else out.wanted.push(f);
  }
  return out;
}

/** A file to analyse, with the diff GitHub gave (only those hunks can carry review comments). */
export interface Source {
  file: SourceFile;
  githubDiff: FileDiff | undefined;
}

/** go.mod paths from the file's directory up to the repository root, nearest first. */
export function goModCandidates(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
    out.push(dir === "." ? "go.mod" : `${dir}/go.mod`);
    if (dir === "." || dir === "/") return out;
  }
}

export async function readSources(github: GitHub, pull: PullInfo, wanted: readonly PullFile[]): Promise<{ sources: Source[]; skipped: SkippedFile[] }> {
  const requests: BlobRequest[] = [];
  const at = (ref: string, p: string) => requests.push({ ref, path: p }) - 1;
  const heads = wanted.map((f) => at(pull.headSha, f.path));
  const bases = wanted.map((f) => (f.patch === undefined && f.status !== "added" ? at(pull.baseSha, f.previousPath ?? f.path) : -1));
  const mods = new Map<string, number>();
  for (const f of wanted) for (const m of goModCandidates(f.path)) if (!mods.has(m)) mods.set(m, at(pull.headSha, m));

  const blobs = requests.length > 0 ? await github.readBlobs(requests) : [];
  const text = (i: number): string | undefined => (i >= 0 && blobs[i]?.kind === "text" ? (blobs[i] as { text: string }).text : undefined);

  const sources: Source[] = [];
  const skipped: SkippedFile[] = [];
  wanted.forEach((f, i) => {
    const head = blobs[heads[i]!]!;
    if (head.kind !== "text") {
      skipped.push({ path: f.path, reason: blobSkipReason(head) });
      return;
    }
    const goMod = goModCandidates(f.path).map((m) => text(mods.get(m)!)).find((t) => t !== undefined) ?? null;
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
  return { sources, skipped };
}

function blobSkipReason(b: Blob): string {
  if (b.kind === "binary") return "binary file";
  if (b.kind === "too-large") return tooLargeReason(b.bytes);
  return "not found at the head commit";
}

/** Hunks only, as GitHub's `patch` field has them. */
export function localPatch(file: string, base: string, head: string): string {
  return createPatch(file, base, head, undefined, undefined, { context: 3, headerOptions: OMIT_HEADERS });
}
