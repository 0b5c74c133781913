// The GitHub Action as GitHub runs it: the committed bundle (action/dist, copied away from this
// repository's node_modules, as a workflow gets it) started as a child process with the
// runner's environment (GITHUB_EVENT_PATH, GITHUB_WORKSPACE, GITHUB_API_URL, INPUT_*), a
// recorded pull_request event, and the GitHub stand-in on loopback in place of the API.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { pullRequestOpened } from "../src/demo/events.js";
import { loadDemoRepo, type DemoRepo } from "../src/demo/fixture.js";
import { GitHubStandIn, type StandInOptions } from "../src/demo/standin.js";
import { buildAction, staleFiles } from "../scripts/build-action.mjs";
import { ROOT, rsaPem } from "./ship/helpers.js";


const TOKEN = "ghs_workflowtoken0123456789";
const BOT = "github-actions[bot]";

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const tmp = mkdtempSync(path.join(tmpdir(), "ptrguard-action-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The Action's repository as `uses: ptrguard/ptrguard@v1` checks it out: action.yml, the bundle, package.json. */
function actionCheckout(): string {
  const dir = path.join(tmp, "action-repo");
  if (!existsSync(dir)) {
    mkdirSync(dir);
    for (const f of ["action.yml", "package.json", "action/dist"]) cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  }
  return dir;
}

/** actions/checkout of the pull request's head: a git work tree with the head's files; returns its commit. */
function checkout(repo: DemoRepo, dir: string, extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of [...repo.head, ...Object.entries(extra)]) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "dana", GIT_AUTHOR_EMAIL: "dana@example.com", GIT_COMMITTER_NAME: "dana", GIT_COMMITTER_EMAIL: "dana@example.com", GIT_AUTHOR_DATE: "2026-11-02T10:00:00Z", GIT_COMMITTER_DATE: "2026-11-02T10:00:00Z" } }).trim();
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "head");
  return git("rev-parse", "HEAD");
}

/** The demo's pull request whose head commit is `sha` (the workspace's commit). */
function atCommit(sha: string): DemoRepo {
  const demo = loadDemoRepo();
  return { ...demo, headSha: sha, treeAt: (s) => (s === sha ? demo.head : demo.treeAt(s)) };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: string;
}

async function runAction(standIn: GitHubStandIn, workspace: string, event: object, inputs: Record<string, string> = {}): Promise<Run> {
  const dir = mkdtempSync(path.join(tmp, "run-"));
  const eventPath = path.join(dir, "event.json");
  writeFileSync(eventPath, JSON.stringify(event));
  const summary = path.join(dir, "summary.md");
  const outputs = path.join(dir, "outputs");
  writeFileSync(summary, "");
  writeFileSync(outputs, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: workspace,
    GITHUB_API_URL: standIn.url,
    GITHUB_REPOSITORY: `${standIn.repo.meta.owner}/${standIn.repo.meta.repo}`,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: outputs,
    // The runner passes every input, defaults included (action.yml), with its name upper-cased.
    INPUT_MODE: "review",
    INPUT_TOKEN: TOKEN,
    INPUT_CONFIG: ".github/ptrguard.yml",
    "INPUT_SARIF-FILE": "ptrguard.sarif",
    INPUT_UPLOAD: "true",
    ...inputs,
  };
  if (env.INPUT_CONFIG === FAIL_ON_NONE.INPUT_CONFIG) {
    mkdirSync(path.join(workspace, "ci"), { recursive: true });
    writeFileSync(path.join(workspace, FAIL_ON_NONE.INPUT_CONFIG), "fail_on: none\n");
  }
  const main = path.join(actionCheckout(), "action", "dist", "index.js");
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [main], { cwd: workspace, env, timeout: 60_000 });
    return { code: 0, stdout, stderr, summary: readFileSync(summary, "utf8"), outputs: readFileSync(outputs, "utf8") };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "", summary: readFileSync(summary, "utf8"), outputs: readFileSync(outputs, "utf8") };
  }
}

async function withStandIn<T>(repo: DemoRepo, options: StandInOptions, fn: (s: GitHubStandIn) => Promise<T>): Promise<T> {
  const standIn = new GitHubStandIn(repo, KEY, { token: TOKEN, bot: BOT, ...options });
  await standIn.start();
  try {
    return await fn(standIn);
  } finally {
    await standIn.stop();
  }
}

const KEY = rsaPem();
/** A workspace config that never fails on findings, so that the exit code shows the rest. */
const FAIL_ON_NONE = { INPUT_CONFIG: "ci/ptrguard-fail-on-none.yml" };

describe("the Action's bundle", () => {
  it("is committed as a fresh build of src/ (run node scripts/build-action.mjs after changing the code)", async () => {
    const files = await buildAction();
    expect([...files.keys()].sort()).toEqual(["index.js", "tree-sitter-go.wasm", "web-tree-sitter.wasm"]);
    expect(staleFiles(files)).toEqual([]);
  });

  it("runs on node24 from action/dist with its inputs declared", () => {
    const yml = readFileSync(path.join(ROOT, "action.yml"), "utf8");
    expect(yml).toMatch(/^runs:\n {2}using: node24\n {2}main: action\/dist\/index\.js$/m);
    for (const name of ["mode", "token", "config", "sarif-file"]) expect(yml).toMatch(new RegExp(`^ {2}${name}:$`, "m"));
  });
});

describe("the Action on a pull_request event", () => {
  it("posts one review with suggestions, and a second run posts nothing new", async () => {
    const workspace = path.join(tmp, "ws-review");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, {}, async (standIn) => {
      const event = pullRequestOpened(standIn);
      const first = await runAction(standIn, workspace, event);
      expect(standIn.unknown).toEqual([]);
      expect(first.stderr).not.toMatch(/could not finish/);
      const { reviews, comments, checkRuns } = standIn.posted;
      expect(reviews).toHaveLength(1);
      expect(reviews[0]!.user).toBe(BOT);
      expect(reviews[0]!.commit_id).toBe(repo.headSha);
      expect(reviews[0]!.body).toMatch(/^\*\*ptrguard\*\* found \d+ new issues? in this pull request/);
      expect(comments.map((c) => `${c.path}:${c.line}`).sort()).toEqual(["internal/inventory/client.go:33", "internal/notify/digest.go:23", "internal/search/search.go:54"]);
      const lostCancel = comments.find((c) => c.path === "internal/inventory/client.go")!;
      expect(lostCancel.start_line).toBe(29);
      expect(lostCancel.body).toContain("```suggestion\n\tctx, cancel := context.WithTimeout(ctx, c.timeout)\n\tdefer cancel()\n\tif n, ok := c.cache.get(sku); ok {\n\t\treturn n, nil\n\t}\n```");
      for (const c of comments) expect(c.body).toMatch(/<!-- ptrguard:fp=[a-z-]+\/[0-9a-f]{16} -->/);
      // No check run through the API: the job is the check.
      expect(checkRuns).toEqual([]);
      // The workspace is the head commit: its files are read from disk, not through the API (the
      // one query left asks only for the pull request's head and review threads).
      const blobReads = standIn.calls.filter((c) => c.operation === "query ReadBlobs");
      expect(blobReads.map((c) => Object.keys((c.body as { variables: object }).variables).sort())).toEqual([["number", "owner", "repo"]]);
      // The demo has errors: the job fails, as the App's check run does; the summary says why.
      expect(first.code).toBe(1);
      expect(first.summary).toMatch(/^## ptrguard: \d+ findings, \d+ at or above error$/m);
      expect(first.summary).toMatch(/Review: \d+ new comments on lines, 0 on files, 0 already open, 0 threads resolved as fixed\./);
      expect(first.outputs).toMatch(/^conclusion<<(\w+)\nfailure\n\1$/m);
      expect(first.stdout).toMatch(/^::error file=internal\/inventory\/client\.go,line=\d+,endLine=\d+,(?:col=\d+,)?title=\[[a-z-]+\] [^:]+::.+$/m);

      const posted = { reviews: reviews.length, comments: comments.length };
      const second = await runAction(standIn, workspace, event);
      expect({ reviews: standIn.posted.reviews.length, comments: standIn.posted.comments.length }).toEqual(posted);
      expect(second.code).toBe(1);
      expect(second.summary).toMatch(/Review: 0 new comments on lines, 0 on files, \d+ already open, 0 threads resolved as fixed\./);
      expect(standIn.calls.filter((c) => c.method !== "GET" && c.operation !== "query ReviewThreads" && c.operation !== "query ReadBlobs").length).toBe(posted.reviews);
    });
  }, 120_000);

  it("resolves the thread of a finding that a later push fixed by committing its suggestion, as the App does", async () => {
    const workspace = path.join(tmp, "ws-resolve");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, {}, async (standIn) => {
      expect((await runAction(standIn, workspace, pullRequestOpened(standIn))).code).toBe(1);
      const comment = standIn.posted.comments.find((c) => c.path === "internal/inventory/client.go")!;
      const suggested = /```suggestion\n([\s\S]*?)\n```/.exec(comment.body)![1]!;

      // The author commits the suggestion: lines start_line..line become the suggested lines.
      const fixture = path.join(tmp, "fixture-resolve");
      cpSync(path.join(ROOT, "fixtures/demo"), fixture, { recursive: true });
      const file = path.join(fixture, "head/internal/inventory/client.go");
      const lines = readFileSync(file, "utf8").split("\n");
      lines.splice(comment.start_line! - 1, comment.line! - comment.start_line! + 1, ...suggested.split("\n"));
      writeFileSync(file, lines.join("\n"));
      writeFileSync(path.join(workspace, "internal/inventory/client.go"), lines.join("\n"));
      execFileSync("git", ["commit", "-qam", "apply suggestion"], { cwd: workspace, env: { ...process.env, GIT_AUTHOR_NAME: "dana", GIT_AUTHOR_EMAIL: "dana@example.com", GIT_COMMITTER_NAME: "dana", GIT_COMMITTER_EMAIL: "dana@example.com" } });
      const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: workspace, encoding: "utf8" }).trim();
      const pushed = loadDemoRepo(fixture);
      Object.assign(standIn.repo, { ...pushed, headSha: sha, treeAt: (s: string) => (s === sha ? pushed.head : pushed.treeAt(s)) });
      standIn.setHead(sha);

      const event = { ...pullRequestOpened(standIn), action: "synchronize" };
      const run = await runAction(standIn, workspace, event);
      expect(standIn.posted.reviews).toHaveLength(1);
      const thread = standIn.posted.threads.find((t) => t.commentIds[0] === comment.id)!;
      expect(thread.isResolved).toBe(true);
      expect(standIn.posted.comments.filter((c) => c.inReplyTo === comment.id).map((c) => c.body)).toEqual([`Fixed in ${sha}.`]);
      expect(standIn.posted.threads.filter((t) => t.isResolved)).toHaveLength(1);
      expect(run.summary).toMatch(/Review: 0 new comments on lines, 0 on files, 2 already open, 1 thread resolved as fixed\./);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("reads the files through the API when the workspace is another commit (the default merge checkout)", async () => {
    const workspace = path.join(tmp, "ws-merge");
    checkout(loadDemoRepo(), workspace, { "MERGED.md": "the merge commit has more\n" });
    await withStandIn(loadDemoRepo(), {}, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn));
      expect(standIn.calls.filter((c) => c.operation === "query ReadBlobs").length).toBeGreaterThanOrEqual(1);
      expect(standIn.posted.reviews).toHaveLength(1);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("falls back to annotations and the job summary for a fork's pull request (read-only token)", async () => {
    const workspace = path.join(tmp, "ws-fork");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, { readOnly: true }, async (standIn) => {
      const event = pullRequestOpened(standIn) as { pull_request: { head: { repo: Record<string, unknown> } } };
      event.pull_request.head.repo = { ...event.pull_request.head.repo, full_name: "dana/shop", owner: { login: "dana" } };
      const run = await runAction(standIn, workspace, event);
      expect(standIn.posted.reviews).toEqual([]);
      expect(standIn.calls.filter((c) => c.status === 403)).toEqual([]);
      expect(run.summary).toContain("This pull request comes from a fork");
      expect(run.summary).toMatch(/^### Findings\n\| Where \| Rule \| Message \|/m);
      expect(run.summary).toContain("No review was posted (mode: annotations).");
      expect(run.stdout).toMatch(/^::(error|warning|notice) file=/m);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("with a token that may not review (no pull-requests: write), says so in the summary and still annotates", async () => {
    const workspace = path.join(tmp, "ws-readonly");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, { readOnly: true }, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn));
      expect(standIn.posted.reviews).toEqual([]);
      expect(standIn.calls.filter((c) => c.status === 403).map((c) => `${c.method} ${c.path}`)).toEqual([`POST /repos/acme/shop/pulls/42/reviews`]);
      expect(run.summary).toMatch(/^### Problems\n- the review was not posted: .*Resource not accessible by integration/m);
      expect(run.stdout).toMatch(/^::error file=internal\/search\/search\.go,line=54,/m);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("mode sarif: uploads the SARIF to code scanning for the pull request's head, writes it, posts no review", async () => {
    const workspace = path.join(tmp, "ws-sarif");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, {}, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn), { INPUT_MODE: "sarif", "INPUT_SARIF-FILE": "out/ptrguard.sarif", INPUT_UPLOAD: "true" });
      expect(standIn.posted.reviews).toEqual([]);
      const written = JSON.parse(readFileSync(path.join(workspace, "out/ptrguard.sarif"), "utf8")) as { version: string; runs: { results: { ruleId: string }[] }[] };
      expect(written.version).toBe("2.1.0");
      expect(written.runs[0]!.results.map((r) => r.ruleId).sort()).toEqual(["goroutine-send-leak", "lost-cancel", "ticker-not-stopped"]);
      expect(standIn.posted.sarifs).toEqual([{ commit_sha: repo.headSha, ref: "refs/pull/42/head", tool_name: "ptrguard", sarif: written }]);
      expect(run.summary).toMatch(/SARIF \(3 results\) uploaded to code scanning for `refs\/pull\/42\/head` \(upload sarif-\d+\) and written to `out\/ptrguard\.sarif`\./);
      expect(run.outputs).toContain(`\n${path.join(workspace, "out/ptrguard.sarif")}\n`);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("mode sarif with upload: false only writes the file; an upload GitHub refuses fails the job and says what to do", async () => {
    const workspace = path.join(tmp, "ws-sarif-noupload");
    const repo = atCommit(checkout(loadDemoRepo(), workspace));
    await withStandIn(repo, {}, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn), { INPUT_MODE: "sarif", INPUT_UPLOAD: "false", ...FAIL_ON_NONE });
      expect(standIn.posted.sarifs).toEqual([]);
      expect(existsSync(path.join(workspace, "ptrguard.sarif"))).toBe(true);
      expect(run.summary).toContain("SARIF written to `ptrguard.sarif` (3 results); upload it with github/codeql-action/upload-sarif.");
      expect(run.code).toBe(0);
    });
    await withStandIn(repo, { readOnly: true }, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn), { INPUT_MODE: "sarif", INPUT_UPLOAD: "true", ...FAIL_ON_NONE });
      expect(run.summary).toMatch(/^- the SARIF was not uploaded to code scanning \(GitHub answered HTTP 403: Resource not accessible by integration.*\): give the job `security-events: write`/m);
      expect(run.stdout).toMatch(/^::error::the SARIF was not uploaded to code scanning: GitHub answered HTTP 403: Resource not accessible by integration/m);
      expect(run.code).toBe(1);
    });
  }, 120_000);

  it("honours the workspace's .github/ptrguard.yml (fail_on: none) and says what is wrong in it", async () => {
    const workspace = path.join(tmp, "ws-config");
    const repo = atCommit(checkout(loadDemoRepo(), workspace, { ".github/ptrguard.yml": "fail_on: none\nmax_comment: 3\n" }));
    await withStandIn(repo, {}, async (standIn) => {
      const run = await runAction(standIn, workspace, pullRequestOpened(standIn), { INPUT_MODE: "annotations" });
      expect(run.code).toBe(0);
      expect(run.summary).toMatch(/none at or above none/);
      expect(run.summary).toContain("unknown key `max_comment` is ignored");
    });
  }, 120_000);

  it("fails with a plain message when the event carries no pull request", async () => {
    await withStandIn(loadDemoRepo(), {}, async (standIn) => {
      const run = await runAction(standIn, tmp, {}, {});
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::error::the pull_request event at .* has no pull request$/m);
      expect(standIn.calls).toEqual([]);
    });
  }, 60_000);
});

describe("the pre-commit hook", () => {
  it("runs its entry as pre-commit does (no file names), and fails the commit on a new finding in a changed Go file", async () => {
    const hooks = parseYaml(readFileSync(path.join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as { id: string; entry: string; language: string; files: string; pass_filenames: boolean }[];
    expect(hooks.map((h) => h.id)).toEqual(["ptrguard"]);
    const hook = hooks[0]!;
    expect(hook.pass_filenames).toBe(false);
    expect(new RegExp(hook.files).test("internal/inventory/client.go")).toBe(true);
    const [bin, ...args] = hook.entry.split(" ");
    expect(bin).toBe("ptrguard");

    const repo = loadDemoRepo();
    const dir = path.join(tmp, "precommit");
    mkdirSync(dir);
    for (const [file, text] of repo.base) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const env = { ...process.env, GIT_AUTHOR_NAME: "dana", GIT_AUTHOR_EMAIL: "dana@example.com", GIT_COMMITTER_NAME: "dana", GIT_COMMITTER_EMAIL: "dana@example.com" };
    for (const a of [["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]]) execFileSync("git", a, { cwd: dir, env });
    const client = "internal/inventory/client.go";
    writeFileSync(path.join(dir, client), repo.head.get(client)!);
    execFileSync("git", ["add", client], { cwd: dir, env });

    const run = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin/ptrguard.js"), ...args!], { cwd: dir }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^internal\/inventory\/client\.go:29:\d+: error: .* \[lost-cancel\]$/m);
  }, 60_000);
});
