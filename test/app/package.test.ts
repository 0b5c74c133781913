// The package as read-only context (issue 10): the App lists each touched file's directory in the
// query that reads the files, reads the siblings of the same package and build in one more query,
// bounded per package (60 files / 4 MiB), and hands them to the engine as context.
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyse } from "../../src/review/analyse.js";
import { readSources, type Source } from "../../src/review/files.js";
import { loadDemoRepo } from "../../src/demo/fixture.js";
import { GitHubStandIn } from "../../src/demo/standin.js";
import { createGitHub } from "../../src/github/octokit.js";
import { restOctokit } from "../../src/github/rest.js";
import { blobReader, changed, completeCheck, github, goFixture, harness, HEAD, isQuery, noConfig, payload, recorded, REPO, ROOT, type Blobs, type Calls } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const withoutToken = (calls: string[]) => calls.filter((c) => !c.includes("access_tokens"));
const name = (i: number) => `svc/s${String(i).padStart(2, "0")}.go`;

/** svc/fetch.go (two findings) in a package of `n` files, plus files of svc/ that are not its package in the default build. */
function pkg(n: number) {
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  const blobs: Blobs = { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") };
  for (let i = 1; i < n; i++) blobs[`${HEAD}:${name(i)}`] = `package svc\n\nfunc S${i}() {}\n`;
  blobs[`${HEAD}:svc/poll_windows.go`] = "package svc\n";
  blobs[`${HEAD}:svc/fetch_test.go`] = "package svc\n";
  blobs[`${HEAD}:svc/README.md`] = "# svc\n";
  return { files: [f.entry], blobs };
}

/** The run with its sources recorded as the analysis step got them. */
async function run(n: number, yaml?: string) {
  const seen: Source[][] = [];
  const app = await harness({ analyse: (sources, rules, config) => (seen.push([...sources]), analyse(sources, rules, config)) });
  const calls: Calls = {};
  const { files, blobs } = pkg(n);
  const scope = noConfig(github(), calls, { changedFiles: 1, ...(yaml ? { yaml } : {}) })
    .get(`${REPO}/pulls/7/files`)
    .query({ per_page: "100" })
    .reply(200, files)
    .post("/graphql", isQuery("query ReadBlobs"))
    .times(2)
    .reply(blobReader(calls, blobs))
    .post(`${REPO}/pulls/7/reviews`)
    .reply(recorded(calls, "review", 200, { id: 1 }));
  completeCheck(scope, calls);
  await app.receive("pull_request", payload("pull_request.opened"));
  expect(nock.isDone()).toBe(true);
  return { app, calls, seen };
}

describe("package context in the App", () => {
  it("a PR touching one file of a 40-file package: one more call, the 39 siblings reach the engine as context", async () => {
    const { app, calls, seen } = await run(40);

    // Before: RunStart, files, ReadBlobs, review, check run (test/app/budget.test.ts). Now one more ReadBlobs.
    expect(withoutToken(app.apiCalls)).toEqual([
      "POST /graphql RunStart 200",
      "GET /repos/{owner}/{repo}/pulls/{id}/files 200",
      "POST /graphql ReadBlobs 200",
      "POST /graphql ReadBlobs 200",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
      "POST /repos/{owner}/{repo}/check-runs 201",
    ]);
    // The directory is listed with the files; only the package's Go files of the default build are read.
    expect(calls.lists).toEqual([[`${HEAD}:svc`]]);
    const siblings = Array.from({ length: 39 }, (_, i) => name(i + 1));
    expect(calls.blobs![1]).toEqual(siblings.map((p) => `${HEAD}:${p}`));

    expect(seen).toHaveLength(1);
    const [source] = seen[0]!;
    expect(source!.file.path).toBe("svc/fetch.go");
    expect(source!.context!.map((c) => c.path)).toEqual(siblings);
    expect(source!.context!.every((c) => c.context === true && c.diff === undefined && c.goMod === goFixture("go.mod"))).toBe(true);
    expect(source!.context![0]!.content).toBe("package svc\n\nfunc S1() {}\n");

    // The review and the summary are what they were: context is never analysed or reported.
    expect(calls.review![0].comments.map((c: { path: string; line: number }) => [c.path, c.line])).toEqual([
      ["svc/fetch.go", 10],
      ["svc/fetch.go", 16],
    ]);
    expect(calls.check![0].output.summary).toMatch(/^2 findings \(2 error, 0 warning, 0 info\) in 1 file analysed\. /);
    expect(calls.check![0].output.summary).not.toContain("### Limits");
  });

  it("a package over the bounds: 60 siblings read, the rest named under Limits in the check run summary", async () => {
    const { calls, seen } = await run(71);

    expect(calls.blobs![1]).toHaveLength(60);
    expect(seen[0]![0]!.context).toHaveLength(60);
    expect(calls.check![0].output.summary).toContain("### Limits\n- Package context: 10 files of svc/ (270 bytes) not read: at most 60 files / 4 MiB per package are read as context.");
    expect(calls.review![0].comments).toHaveLength(2);
  });
});

describe("package context and paths_ignore", () => {
  it("siblings matching paths_ignore are not read", async () => {
    const { calls, seen } = await run(12, "paths_ignore:\n  - 'svc/s0*.go'\n");
    expect(calls.blobs![1]).toEqual([`${HEAD}:svc/s10.go`, `${HEAD}:svc/s11.go`]);
    expect(seen[0]![0]!.context!.map((c) => c.path)).toEqual(["svc/s10.go", "svc/s11.go"]);
  });
});

describe("the GitHub stand-in serves the directory listings", () => {
  it("reads a touched file's package at the head commit through the real GitHub layer: listing with the files, siblings in one more query", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-demo-pkg-"));
    cpSync(path.join(ROOT, "fixtures/demo"), dir, { recursive: true });
    const inv = "internal/inventory";
    for (const side of ["base", "head"]) {
      writeFileSync(path.join(dir, side, inv, "stock.go"), "package inventory\n\nfunc stock() {}\n");
      writeFileSync(path.join(dir, side, inv, "stock_windows.go"), "package inventory\n");
      writeFileSync(path.join(dir, side, inv, "tool.go"), "//go:build ignore\n\npackage main\n");
    }
    const repo = loadDemoRepo(dir);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const standIn = new GitHubStandIn(repo, privateKey, { token: "ghs_test" });
    await standIn.start();
    nock.enableNetConnect("127.0.0.1");
    try {
      const gh = createGitHub({ octokit: restOctokit({ token: "ghs_test", baseUrl: standIn.url, userAgent: "test" }), repo: { owner: "acme", repo: "shop" } }, { metrics: { githubCall: () => {} } });
      const pull = await gh.getPull(42);
      const files = await gh.listFiles(42);
      const wanted = files.filter((f) => f.path.endsWith(".go"));
      const read = await readSources(gh, pull, wanted);

      const client = read.sources.find((s) => s.file.path === `${inv}/client.go`)!;
      expect(client.context!.map((c) => [c.path, c.context])).toEqual([[`${inv}/stock.go`, true]]);
      expect(read.sources.filter((s) => s.context).map((s) => s.file.path)).toEqual([`${inv}/client.go`]);
      expect(standIn.calls.filter((c) => c.path === "/graphql").map((c) => c.operation)).toEqual(["query ReadBlobs", "query ReadBlobs"]);
      expect(standIn.unknown).toEqual([]);
    } finally {
      await standIn.stop();
    }
  });
});

describe("a related location in another file of the package", () => {
  it("is named in the comment body (file and line), never commented on inline: the file is outside the diff", async () => {
    // The engine of issue 10 names evidence in a context file with `path` on the related entry;
    // here the analysis step adds one to the real findings, as that engine would.
    const app = await harness({
      analyse: async (sources, rules, config) => {
        const a = await analyse(sources, rules, config);
        a.findings = a.findings.map((f) => ({ ...f, related: [...f.related, { path: "svc/s07.go", line: 3, column: 1, endLine: 3, endColumn: 14, message: "the helper that keeps it" }] }));
        return a;
      },
    });
    const calls: Calls = {};
    const { files, blobs } = pkg(10);
    const scope = noConfig(github(), calls, { changedFiles: 1 })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files)
      .post("/graphql", isQuery("query ReadBlobs"))
      .times(2)
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);
    await app.receive("pull_request", payload("pull_request.opened"));
    expect(nock.isDone()).toBe(true);

    const comments = calls.review![0].comments as { path: string; line: number; body: string }[];
    expect(comments.map((c) => [c.path, c.line])).toEqual([
      ["svc/fetch.go", 10],
      ["svc/fetch.go", 16],
    ]);
    for (const c of comments) expect(c.body).toMatch(/\n- `svc\/s07\.go` line 3: the helper that keeps it\n\n/);
    // The check run's annotations sit on the findings' own lines too.
    const annotations = (calls.check![0].output.annotations ?? []) as { path: string }[];
    expect(annotations.length).toBeGreaterThan(0);
    expect(annotations.every((a) => a.path === "svc/fetch.go")).toBe(true);
  });
});
