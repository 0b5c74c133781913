// Listing and reading files: pagination up to GitHub's 3,000, contents in GraphQL batches, REST
// raw for truncated blobs, local diffs for files GitHub sends without a patch.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  blobReader,
  changed,
  completeCheck,
  createdCheck,
  goFixture,
  github,
  harness,
  BASE,
  HEAD,
  isQuery,
  noConfig,
  payload,
  pull,
  recorded,
  REPO,
  threads,
  updateCheck,
  usualRun,
  type Blobs,
  type Calls,
  type PrFile,
} from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const fetchBase = goFixture("suggestion/base/svc/fetch.go");
const fetchHead = goFixture("suggestion/head/svc/fetch.go");
const page = (n: number) => `<https://api.github.com/repos/acme/shop/pulls/7/files?per_page=100&page=${n}>`;

describe("files", () => {
  it("pages through a PR of 230 files and reads its 121 Go files and the one go.mod the head commit has, in one query", async () => {
    const app = await harness();
    const calls: Calls = {};
    const blobs: Blobs = { [`${HEAD}:go.mod`]: goFixture("go.mod") };
    const files: PrFile[] = [];
    for (let i = 0; i < 120; i++) {
      const file = `pkg/p${i}/p.go`;
      blobs[`${HEAD}:${file}`] = `package p${i}\n\nfunc F() int { return ${i} }\n`;
      files.push({ filename: file, status: "added", patch: `@@ -0,0 +1,3 @@\n+package p${i}\n+\n+func F() int { return ${i} }` });
      if (i % 2 === 0) files.push({ filename: `docs/p${i}.md`, status: "added", patch: "@@ -0,0 +1 @@\n+doc" });
    }
    files.push({ filename: "old/gone.go", status: "removed", patch: "@@ -1 +0,0 @@\n-package old" });
    for (let i = 0; files.length < 229; i++) files.push({ filename: `assets/a${i}.png`, status: "added" });
    const fetch = changed("svc/fetch.go", fetchBase, fetchHead);
    files.push(fetch.entry); // the only finding sits on the last page
    Object.assign(blobs, fetch.blobs);
    expect(files).toHaveLength(230);

    const scope = noConfig(github())
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files.slice(0, 100), { link: `${page(2)}; rel="next", ${page(3)}; rel="last"` })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100", page: "2" })
      .reply(200, files.slice(100, 200), { link: `${page(3)}; rel="next", ${page(3)}; rel="last"` })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100", page: "3" })
      .reply(200, files.slice(200), { link: `${page(2)}; rel="prev", ${page(1)}; rel="first"` });
    scope
      // 123 candidate go.mod paths: the tree of the head commit says which exist.
      .get(`${REPO}/git/trees/${HEAD}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD, truncated: false, tree: [{ path: "go.mod", type: "blob" }, { path: "pkg", type: "tree" }, { path: "pkg/p0/p.go", type: "blob" }, { path: "docs/go.mod", type: "tree" }] })
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    // 121 Go files (over 100): the check run is shown in progress first, then completed.
    updateCheck(completeCheck(scope, calls), calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const goFiles = [...Array.from({ length: 120 }, (_, i) => `pkg/p${i}/p.go`), "svc/fetch.go"];
    expect(calls.blobs).toEqual([[...goFiles, "go.mod"].map((p) => `${HEAD}:${p}`)]);
    expect(calls.review![0].comments.map((c: { path: string; line: number }) => [c.path, c.line])).toEqual([
      ["svc/fetch.go", 10],
      ["svc/fetch.go", 16],
    ]);
    expect(calls.inProgress).toEqual([{ status: "in_progress" }]);
    expect(calls.check![0].output.summary).toMatch(/^2 findings \(2 error, 0 warning, 0 info\) in 121 files analysed\. /);
    expect(nock.isDone()).toBe(true);
  });

  it("reads a blob GraphQL truncates through the REST contents endpoint as raw text", async () => {
    const app = await harness();
    const calls: Calls = {};
    const f = changed("svc/fetch.go", fetchBase, fetchHead);
    const scope = usualRun(calls, [f.entry], { [`${HEAD}:svc/fetch.go`]: { truncated: fetchHead } })
      .get(`${REPO}/contents/svc%2Ffetch.go`)
      .query({ ref: HEAD })
      .matchHeader("accept", "application/vnd.github.v3.raw")
      .reply(200, fetchHead, { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review![0].comments).toHaveLength(2);
    expect(nock.isDone()).toBe(true);
  });

  it("diffs a file GitHub sends without a patch against its base; its findings go to the check run only", async () => {
    const app = await harness();
    const calls: Calls = {};
    const entry: PrFile = { filename: "svc/fetch.go", status: "modified" };
    const scope = usualRun(calls, [entry], { [`${HEAD}:svc/fetch.go`]: fetchHead, [`${BASE}:svc/fetch.go`]: fetchBase });
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.createCheck).toEqual([createdCheck]);
    expect(calls.blobs).toEqual([[`${HEAD}:svc/fetch.go`, `${BASE}:svc/fetch.go`, `${HEAD}:svc/go.mod`, `${HEAD}:go.mod`]]);
    const check = calls.check![0];
    expect(check.conclusion).toBe("failure");
    expect(check.output.annotations.map((a: { start_line: number }) => a.start_line)).toEqual([10, 16]);
    expect(check.output.summary).toContain(
      "### Findings not posted as review comments\n- `svc/fetch.go` line 10: **[lost-cancel]** error: the cancel function from context.WithTimeout is discarded: the context and its timer may live until the deadline (GitHub sent no diff for this file (too large), so no comment can sit on its lines)",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("skips binary and vanished Go files, saying why", async () => {
    const app = await harness();
    const calls: Calls = {};
    const f = changed("svc/fetch.go", fetchBase, fetchHead);
    const files: PrFile[] = [f.entry, { filename: "svc/blob.go", status: "added", patch: "@@ -0,0 +1 @@\n+x" }, { filename: "svc/gone.go", status: "added", patch: "@@ -0,0 +1 @@\n+y" }];
    const scope = usualRun(calls, files, { ...f.blobs, [`${HEAD}:svc/blob.go`]: { binary: true } }).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.check![0].output.summary).toContain("### Files skipped\n- `svc/blob.go`: binary file\n- `svc/gone.go`: not found at the head commit");
    expect(calls.check![0].output.summary).toMatch(/^2 findings \(2 error, 0 warning, 0 info\) in 1 file analysed, 2 skipped\. /);
    expect(nock.isDone()).toBe(true);
  });
});
