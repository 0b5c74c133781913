// The demo end to end: the real Probot server and app, the GitHub stand-in serving
// fixtures/demo, signed webhooks over HTTP; and the stand-in's own GitHub-like checks.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { hunkRanges, loadDemoRepo } from "../../src/demo/fixture.js";
import { runDemo } from "../../src/demo/run.js";
import { GitHubStandIn } from "../../src/demo/standin.js";
import { ROOT, rsaPem } from "./helpers.js";

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("ptrguard demo", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "ptrguard-demo-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reviews the sample pull request, shows the suggestions and the check run, and posts nothing twice on recheck", async () => {
    let out = "";
    let err = "";
    const svg = path.join(tmp, "review.svg");
    const code = await main(["demo", "--svg", svg], { cwd: ROOT, stdout: (s) => (out += s), stderr: (s) => (err += s) });
    expect(err).toBe("");
    expect(code).toBe(0);

    // At least three rules, each comment under its file and lines.
    const rules = [...out.matchAll(/\[([a-z-]+)\] (?:error|warning|info):/g)].map((m) => m[1]);
    expect(new Set(rules).size).toBeGreaterThanOrEqual(3);
    expect(out).toMatch(/^internal\/inventory\/client\.go, lines \d+-\d+$/m);
    expect(out).toContain("[lost-cancel]");
    // A suggestion shown as the change it makes.
    expect(out).toMatch(/Suggested change\n(?: {2}[ +-] .*\n)*? {2}\+ \s*defer cancel\(\)\n/);
    expect(out).toMatch(/ {2}- \s*found := make\(chan \[\]Hit\)\n {2}\+ \s*found := make\(chan \[\]Hit, 1\)/);
    // The check run and the recheck.
    expect(out).toMatch(/Check run "ptrguard" on [0-9a-f]{7}: completed, conclusion (failure|success|neutral)/);
    expect(out).toContain('lee comments "/ptrguard recheck"');
    expect(out).toContain("ptrguard reacted with :eyes: and ran again.");
    expect(out).toContain("Posted by the recheck: 0 reviews, 0 review comments, 0 conversation comments.");
    expect(out).toMatch(/Nothing was posted twice: \d+ review threads, one per finding\./);

    const picture = readFileSync(svg, "utf8");
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(picture).toContain("Suggested change");
    // docs/review.svg is this picture; when a comment's wording changes, redraw it with
    // `npm run demo -- --svg docs/review.svg`.
    expect(readFileSync(path.join(ROOT, "docs/review.svg"), "utf8"), "docs/review.svg is stale: run npm run demo -- --svg docs/review.svg").toBe(picture);
  }, 120_000);

  it("records what the app posted", async () => {
    const result = await runDemo({ stdout: () => {}, stderr: () => {} });
    expect(result.code).toBe(0);
    expect(result.deliveries.map((d) => [d.event, d.status])).toEqual([
      ["pull_request", 202],
      ["issue_comment", 202],
    ]);
    expect(result.posted.reviews).toHaveLength(1);
    expect(result.posted.comments.length).toBeGreaterThanOrEqual(3);
    expect(result.comments.some((c) => c.suggestion?.some((l) => l.kind === "+"))).toBe(true);
    expect(result.posted.checkRuns.map((r) => r.status)).toEqual(["completed", "completed"]);
    expect(result.recheck).toEqual({ checkRuns: 1, reviews: 0, comments: 0, issueComments: 0, reactions: ["eyes"] });
  }, 120_000);

  it("exits nonzero when a step fails: a pull request with no Go change gets no review", async () => {
    const dir = path.join(tmp, "no-go-change");
    cpSync(path.join(ROOT, "fixtures/demo"), dir, { recursive: true });
    rmSync(path.join(dir, "head"), { recursive: true });
    cpSync(path.join(dir, "base"), path.join(dir, "head"), { recursive: true });
    cpSync(path.join(ROOT, "fixtures/demo/README.md"), path.join(dir, "head/README.md"));
    let err = "";
    const result = await runDemo({ stdout: () => {}, stderr: (s) => (err += s) }, { fixture: dir });
    expect(result.code).toBe(1);
    expect(err).toMatch(/^\nptrguard demo failed: the app posted no review\n/);
  }, 120_000);
});

describe("the GitHub stand-in", () => {
  const repo = loadDemoRepo();
  const key = rsaPem();
  let standIn: GitHubStandIn;
  beforeAll(async () => {
    standIn = new GitHubStandIn(repo, key);
    await standIn.start();
  });
  afterAll(() => standIn.stop());

  const call = (method: string, route: string, body?: unknown, auth?: string) =>
    fetch(standIn.url + route, { method, headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it("lists the pull request's files with GitHub-style patches", () => {
    const client = repo.files.find((f) => f.filename === "internal/inventory/client.go")!;
    expect(client.status).toBe("modified");
    expect(client.patch).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    const added = repo.files.find((f) => f.filename === "internal/search/search.go")!;
    expect(added.status).toBe("added");
    expect(added.patch.split("\n")[0]).toBe(`@@ -0,0 +1,${repo.head.get("internal/search/search.go")!.split("\n").length - 1} @@`);
  });

  it("refuses calls without the app's JWT or the installation token", async () => {
    expect((await call("POST", `/app/installations/${repo.meta.installationId}/access_tokens`, undefined, "bearer not.a.jwt")).status).toBe(401);
    expect((await call("GET", `/repos/acme/shop/pulls/42`)).status).toBe(401);
  });

  it("answers 422 to a review comment outside the diff, as GitHub does", async () => {
    const token = await installationToken(standIn.url, repo.meta.appId, repo.meta.installationId, key);
    const file = "internal/inventory/client.go";
    expect(hunkRanges(repo.files.find((f) => f.filename === file)!.patch).some((h) => h.start <= 1 && 1 <= h.end)).toBe(false);
    const res = await call("POST", "/repos/acme/shop/pulls/42/reviews", { commit_id: repo.headSha, event: "COMMENT", body: "x", comments: [{ path: file, line: 1, side: "RIGHT", body: "no" }] }, `token ${token}`);
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("must be part of the diff");
    expect(standIn.posted.reviews).toHaveLength(0);
  });
});

/** A real app JWT, signed as @octokit/auth-app signs it, exchanged for an installation token. */
async function installationToken(base: string, appId: number, installationId: number, pem: string): Promise<string> {
  const { createSign } = await import("node:crypto");
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ iat: now - 30, exp: now + 540, iss: appId })}`;
  const jwt = `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(pem).toString("base64url")}`;
  const res = await fetch(`${base}/app/installations/${installationId}/access_tokens`, { method: "POST", headers: { authorization: `bearer ${jwt}` } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}
