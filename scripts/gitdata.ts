// Reading the bare git mirrors (/work/.mirror/<owner>+<name>/...) for the measurement scripts
// (scripts/pr-precision.ts, scripts/fixes.ts): running git, finding the git directory, and writing
// a commit's files into a plain directory the CLI can check.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export function git(gitDir: string, args: string[], input?: string): Buffer {
  return execFileSync("git", [`--git-dir=${gitDir}`, ...args], { maxBuffer: 1 << 30, input, stdio: ["pipe", "pipe", "pipe"] });
}

// The bare git directory under <mirror>/<owner>+<name>/: the first directory (breadth first) that
// holds HEAD, objects and refs.
export function findGitDir(dir: string): string | undefined {
  const queue = [dir];
  while (queue.length) {
    const d = queue.shift()!;
    if (!existsSync(d) || !statSync(d).isDirectory()) continue;
    if (existsSync(path.join(d, "HEAD")) && existsSync(path.join(d, "objects")) && existsSync(path.join(d, "refs"))) return d;
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) queue.push(path.join(d, e.name));
  }
  return undefined;
}

// What the CLI reads of a tree: Go sources, the module files and the repository's configuration.
export const MATERIALISED = /(\.go|(^|\/)go\.mod|(^|\/)go\.work|^\.github\/ptrguard\.ya?ml)$/;

// Brings `dir` to commit `commit`'s tree, writing only what differs from `current` (path -> blob
// id), which it updates. By default every MATERIALISED file of the tree; `only` narrows it to
// some paths (`git ls-tree` pathspecs) and `keep` to the files it accepts. A blob the partial
// mirror lacks is left out (the CLI then reads the file as absent).
export function materialise(
  gitDir: string,
  commit: string,
  dir: string,
  current: Map<string, string>,
  only: readonly string[] = [],
  keep: (p: string) => boolean = (p) => MATERIALISED.test(p),
): void {
  const want = new Map<string, string>();
  for (const rec of git(gitDir, ["ls-tree", "-r", "-z", commit, ...(only.length ? ["--", ...only] : [])]).toString().split("\0")) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (m && keep(m[2]!)) want.set(m[2]!, m[1]!);
  }
  for (const p of current.keys()) if (!want.has(p)) rmSync(path.join(dir, p), { force: true });
  const todo = [...want].filter(([p, id]) => current.get(p) !== id);
  current.clear();
  for (const [p, id] of want) current.set(p, id);
  for (let i = 0; i < todo.length; i += 2000) {
    const chunk = todo.slice(i, i + 2000);
    const out = git(gitDir, ["cat-file", "--batch"], chunk.map(([, id]) => id).join("\n") + "\n");
    let at = 0;
    for (const [p] of chunk) {
      const nl = out.indexOf(10, at);
      const header = out.subarray(at, nl).toString();
      const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
      if (!m) {
        current.delete(p);
        at = nl + 1;
        continue;
      }
      const size = Number(m[1]);
      const file = path.join(dir, p);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, out.subarray(nl + 1, nl + 1 + size));
      at = nl + 1 + size + 1;
    }
  }
}
