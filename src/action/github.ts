// The GitHub layer as the Action uses it: the App's layer over the workflow's token, with two
// differences. Files at the pull request's head, directory listings and the go.mod paths of its
// tree are read from the checked-out workspace when it is that commit (no API call); and there
// is no check run: a GITHUB_TOKEN can create check runs
// only with `checks: write`, and GitHub files them under an arbitrary suite of the workflow, so
// the job itself is the check: its summary is the check run's summary, its exit code the
// conclusion. `completeCheckRun` keeps the completion for the Action to report.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { decodeUtf8 } from "../analyzer/source.js";
import { MAX_FILE_BYTES } from "../analyzer/engine.js";
import type { Blob, BlobRequest, CheckCompletion, GitHub } from "../github/types.js";

export interface ActionGitHub extends GitHub {
  /** What the pipeline would have put in the check run, once it completed it. */
  readonly completion: CheckCompletion | undefined;
  /** Head files read from the workspace rather than through the API. */
  readonly readFromDisk: number;
}

/** The commit checked out in `workspace`, or undefined when git cannot tell. */
export function workspaceCommit(workspace: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: workspace, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function actionGitHub(inner: GitHub, workspace: string, workspaceSha: string | undefined): ActionGitHub {
  let completion: CheckCompletion | undefined;
  let readFromDisk = 0;
  const root = path.resolve(workspace);
  const local = (r: BlobRequest): Blob | undefined => {
    if (!workspaceSha || r.ref !== workspaceSha) return undefined;
    const full = path.resolve(root, r.path);
    // The workspace root itself may only be listed (the package context of top-level files).
    if (!full.startsWith(root + path.sep) && !(r.list && full === root)) return undefined;
    readFromDisk++;
    // A directory's files, for the package context.
    if (r.list) {
      try {
        const entries = readdirSync(full, { withFileTypes: true }).filter((e) => e.isFile());
        return { kind: "dir", entries: entries.map((e) => ({ name: e.name, bytes: statSync(path.join(full, e.name)).size })) };
      } catch {
        return { kind: "missing" };
      }
    }
    let size: number;
    try {
      const st = statSync(full);
      if (!st.isFile()) return { kind: "missing" };
      size = st.size;
    } catch {
      return { kind: "missing" };
    }
    if (size > MAX_FILE_BYTES) return { kind: "too-large", bytes: size };
    const buf = readFileSync(full);
    // Not UTF-8 (decoded strictly: a valid file may contain U+FFFD): skipped as GitHub skips binaries.
    const text = buf.includes(0) ? undefined : decodeUtf8(buf);
    if (text === undefined) return { kind: "binary" };
    return { kind: "text", text };
  };
  return {
    ...inner,
    get completion() {
      return completion;
    },
    get readFromDisk() {
      return readFromDisk;
    },
    async readBlobs(requests, pullNumber) {
      const out = requests.map(local);
      const remote = requests.flatMap((r, i) => (out[i] === undefined ? [{ r, i }] : []));
      // The pull request's head and threads come with the blobs; ask even when every file is local.
      if (remote.length === 0 && pullNumber === undefined) return { blobs: out as Blob[] };
      const read = await inner.readBlobs(
        remote.map((x) => x.r),
        pullNumber,
      );
      remote.forEach((x, k) => (out[x.i] = read.blobs[k]!));
      return read.pull ? { blobs: out as Blob[], pull: read.pull } : { blobs: out as Blob[] };
    },
    // The head commit's go.mod files from the checkout's own tree (the App asks the API for the
    // recursive tree: one call, for pull requests whose files have many candidate directories).
    async goModPaths(sha) {
      if (!workspaceSha || sha !== workspaceSha) return inner.goModPaths(sha);
      let listed: string;
      try {
        listed = execFileSync("git", ["-c", "core.quotePath=false", "ls-tree", "-r", "-z", "--full-tree", "--name-only", sha], { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
      } catch {
        return inner.goModPaths(sha);
      }
      readFromDisk++;
      return listed.split("\0").filter((p) => p === "go.mod" || p.endsWith("/go.mod"));
    },
    async createCheckRun(run) {
      // A run with few files is created completed, in one request: that is its completion.
      if (run.completion) completion = run.completion;
      return 0;
    },
    async findCheckRuns() {
      return [];
    },
    async completeCheckRun(_id, c) {
      completion = c;
    },
  };
}
