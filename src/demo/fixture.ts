// The demo's sample repository and pull request, read from fixtures/demo: `base/` is the default
// branch, `head/` the pull request's head, `pr.json` who opened it and why. The pull request's
// files and patches are computed here as GitHub would list them.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { structuredPatch } from "diff";

export type Tree = Map<string, string>;

export interface PullMeta {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  author: string;
  baseRef: string;
  headRef: string;
  installationId: number;
  appId: number;
  appSlug: string;
}

export interface DemoFile {
  filename: string;
  status: "added" | "modified" | "removed";
  additions: number;
  deletions: number;
  changes: number;
  patch: string;
}

export interface DemoRepo {
  meta: PullMeta;
  base: Tree;
  head: Tree;
  baseSha: string;
  headSha: string;
  files: DemoFile[];
  /** The tree of a commit this repository knows, by sha. */
  treeAt(sha: string): Tree | undefined;
}

/** The directory of the ptrguard package (source or built), found by its package.json. */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "ptrguard") return dir;
    if (path.dirname(dir) === dir) throw new Error("cannot find the ptrguard package around " + from);
  }
}

export const DEFAULT_FIXTURE = () => path.join(packageRoot(), "fixtures", "demo");

export function loadDemoRepo(dir = DEFAULT_FIXTURE()): DemoRepo {
  const meta = JSON.parse(readFileSync(path.join(dir, "pr.json"), "utf8")) as PullMeta;
  const base = readTree(path.join(dir, "base"));
  const head = readTree(path.join(dir, "head"));
  const baseSha = treeSha(base, "");
  const headSha = treeSha(head, baseSha);
  const files: DemoFile[] = [];
  for (const name of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const before = base.get(name);
    const after = head.get(name);
    if (before === after) continue;
    const status = before === undefined ? "added" : after === undefined ? "removed" : "modified";
    const { patch, additions, deletions } = githubPatch(before ?? "", after ?? "");
    files.push({ filename: name, status, additions, deletions, changes: additions + deletions, patch });
  }
  const trees = new Map([
    [baseSha, base],
    [headSha, head],
  ]);
  return { meta, base, head, baseSha, headSha, files, treeAt: (sha) => trees.get(sha) };
}

function readTree(root: string): Tree {
  const tree: Tree = new Map();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else tree.set(path.relative(root, full).split(path.sep).join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return tree;
}

/** A stable commit id for a tree (not git's, but 40 hex digits that change with the content). */
function treeSha(tree: Tree, parent: string): string {
  const h = createHash("sha1").update(parent);
  for (const [name, text] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${name}\0${text}\0`);
  return h.digest("hex");
}

/** The `patch` field of GitHub's pull request files: hunks with 3 lines of context, no file headers. */
export function githubPatch(before: string, after: string): { patch: string; additions: number; deletions: number } {
  const { hunks } = structuredPatch("a", "b", before, after, "", "", { context: 3 });
  let additions = 0;
  let deletions = 0;
  const out: string[] = [];
  for (const h of hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`);
    for (const l of h.lines) {
      if (l.startsWith("+")) additions++;
      else if (l.startsWith("-")) deletions++;
      out.push(l);
    }
  }
  return { patch: out.join("\n"), additions, deletions };
}

/** Right-side line numbers a review comment may use: those inside a hunk, by hunk. */
export function hunkRanges(patch: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let line = 0;
  for (const l of patch.split("\n")) {
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (m) {
      line = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      out.push({ start: line, end: line + count - 1 });
    }
  }
  return out;
}
