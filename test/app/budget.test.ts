// The API budget of a run: at most 5 + files/100 calls (the installation token, which Probot
// caches for an hour, not counted). Counted through the app's own call metrics.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blobReader, changed, completeCheck, github, goFixture, harness, HEAD, isQuery, noConfig, payload, recorded, REPO, type Blobs, type Calls, type PrFile } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const budget = (files: number) => 5 + files / 100;
const withoutToken = (calls: string[]) => calls.filter((c) => !c.includes("access_tokens"));

/** A PR of `n` Go files: svc/fetch.go (two findings) and n-1 one-function files, each in its own directory. */
function pr(n: number): { files: PrFile[]; blobs: Blobs } {
  const f = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
  const files: PrFile[] = [f.entry];
  const blobs: Blobs = { ...f.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") };
  for (let i = 1; i < n; i++) {
    const path = `pkg/p${i}/p.go`;
    files.push({ filename: path, status: "added", patch: `@@ -0,0 +1,3 @@\n+package p${i}\n+\n+func F() int { return ${i} }` });
    blobs[`${HEAD}:${path}`] = `package p${i}\n\nfunc F() int { return ${i} }\n`;
  }
  return { files, blobs };
}

describe("API budget per run", () => {
  it("a 1-file pull request with findings: 5 calls", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = pr(1);
    const scope = noConfig(github(), calls, { changedFiles: 1 })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files)
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const made = withoutToken(app.apiCalls);
    expect(made).toEqual([
      "POST /graphql RunStart 200",
      "GET /repos/{owner}/{repo}/pulls/{id}/files 200",
      "POST /graphql ReadBlobs 200",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
      "POST /repos/{owner}/{repo}/check-runs 201",
    ]);
    expect(made.length).toBeLessThanOrEqual(budget(1));
    expect(calls.review![0].comments).toHaveLength(2);
    expect(nock.isDone()).toBe(true);
  });

  it("a 100-file pull request in 100 directories with findings: 6 calls (the head tree names the one go.mod)", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = pr(100);
    const scope = noConfig(github(), calls, { changedFiles: 100 })
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files)
      .get(`${REPO}/git/trees/${HEAD}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD, truncated: false, tree: [{ path: "go.mod", type: "blob" }, ...files.map((f) => ({ path: f.filename, type: "blob" }))] })
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    const made = withoutToken(app.apiCalls);
    expect(made).toEqual([
      "POST /graphql RunStart 200",
      "GET /repos/{owner}/{repo}/pulls/{id}/files 200",
      "GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200",
      "POST /graphql ReadBlobs 200",
      "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
      "POST /repos/{owner}/{repo}/check-runs 201",
    ]);
    expect(made.length).toBeLessThanOrEqual(budget(100));
    // 100 files and the one go.mod that exists: one query.
    expect(calls.blobs).toHaveLength(1);
    expect(calls.blobs![0]).toHaveLength(101);
    expect(calls.blobs![0]).toContain(`${HEAD}:go.mod`);
    expect(calls.check![0].output.summary).toMatch(/^2 findings \(2 error, 0 warning, 0 info\) in 100 files analysed\. /);
    expect(nock.isDone()).toBe(true);
  });
});
