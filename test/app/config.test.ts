// `.github/ptrguard.yml` from the default branch: rules, severities, paths, review event,
// _extends; an invalid file is reported in the check run and the run goes on with defaults.
import nock from "nock";
import { rules } from "../../rules/index.js";
import type { Rule } from "../../src/analyzer/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  blobReader,
  changed,
  completeCheck,
  config,
  github,
  goFixture,
  harness,
  HEAD,
  isQuery,
  payload,
  recorded,
  REPO,
  runStartReply,
  usualRun,
  type Calls,
  type PrFile,
} from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const fetch = changed("svc/fetch.go", goFixture("suggestion/base/svc/fetch.go"), goFixture("suggestion/head/svc/fetch.go"));
const blobs = { ...fetch.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") };

async function run(yaml: string, opts: { review?: boolean; files?: PrFile[]; blobs?: typeof blobs; extra?: (s: nock.Scope, calls: Calls) => nock.Scope; rules?: readonly Rule[] } = {}): Promise<Calls> {
  const app = await harness(opts.rules ? { rules: opts.rules } : {});
  const calls: Calls = {};
  let scope = usualRun(calls, opts.files ?? [fetch.entry], opts.blobs ?? blobs, { config: yaml });
  if (opts.extra) scope = opts.extra(scope, calls);
  if (opts.review !== false) scope.post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 }));
  completeCheck(scope, calls);
  await app.receive("pull_request", payload("pull_request.opened"));
  return calls;
}

describe("configuration", () => {
  it("reports invalid values in the check run and goes on with the defaults for them", async () => {
    const calls = await run("fail_on: critical\nmax_comments: many\nscope: function\ncolour: blue\nrules:\n  lost-cancel: loud\n  no-such-rule: off\n");

    expect(calls.review![0].comments).toHaveLength(2);
    const check = calls.check![0];
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain(
      "### Configuration problems in `.github/ptrguard.yml`\n" +
        "- unknown key `colour` is ignored\n" +
        '- `rules.lost-cancel` must be one of `off`, `on`, `error`, `warning`, `info`; got `"loud"`, so the rule keeps its default\n' +
        "- `rules.no-such-rule` names no rule ptrguard knows and is ignored\n" +
        '- `fail_on` must be one of `error`, `warning`, `info`, `none`; got `"critical"`, so the default `"error"` is used\n' +
        '- `max_comments` must be a whole number from 0 to 100; got `"many"`, so the default `25` is used',
    );
    expect(nock.isDone()).toBe(true);
  });

  it("reports a file that is not YAML and uses the defaults", async () => {
    const calls = await run("rules: [unclosed\n");

    expect(calls.review![0].comments).toHaveLength(2);
    expect(calls.check![0].output.summary).toContain(
      "### Configuration problems in `.github/ptrguard.yml`\n- the file is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ]); the defaults are used",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("a YAML alias bomb is refused as invalid YAML, quickly, and the run goes on with the defaults", async () => {
    let yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 10; i++) yaml += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    const calls = await run(yaml);

    expect(calls.review![0].comments).toHaveLength(2);
    expect(calls.check![0].output.summary).toContain(
      "### Configuration problems in `.github/ptrguard.yml`\n- the file is not valid YAML (Excessive alias count indicates a resource exhaustion attack); the defaults are used",
    );
    expect(nock.isDone()).toBe(true);
  });

  it("reads the owner's `.github` repository's file when the repository has none, in the same query", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = github()
      .post("/graphql", isQuery("query RunStart"))
      .reply(runStartReply(calls, { orgYaml: "rules:\n  lost-cancel: off\n" }))
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, [fetch.entry])
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.start).toEqual([{ owner: "acme", repo: "shop", number: 7, head: HEAD, config: "HEAD:.github/ptrguard.yml" }]);
    expect(calls.check![0]).toMatchObject({ conclusion: "success", output: { title: "No findings" } });
    expect(nock.isDone()).toBe(true);
  });

  it("an owner without a `.github` repository (GitHub answers NOT_FOUND for that part): the defaults, no problem reported", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = github()
      .post("/graphql", isQuery("query RunStart"))
      .reply(runStartReply(calls, { orgYaml: false }))
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, [fetch.entry])
      .post("/graphql", isQuery("query ReadBlobs"))
      .reply(blobReader(calls, blobs))
      .post(`${REPO}/pulls/7/reviews`)
      .reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review![0].comments).toHaveLength(2);
    expect(calls.check![0].output.summary).not.toContain("Configuration problems");
    expect(nock.isDone()).toBe(true);
  });

  it("caches what the file parses to per repository and default-branch head: the _extends base is read once for two runs", async () => {
    const app = await harness();
    const first: Calls = {};
    let scope = usualRun(first, [fetch.entry], blobs, { config: "_extends: ptrguard-config\n" })
      .get("/repos/acme/ptrguard-config/contents/.github%2Fptrguard.yml")
      .reply(200, "rules:\n  lost-cancel: off\n", { "content-type": "text/plain" });
    completeCheck(scope, first);
    await app.receive("pull_request", payload("pull_request.opened"));
    expect(first.check![0]).toMatchObject({ conclusion: "success" });

    const second: Calls = {};
    scope = usualRun(second, [fetch.entry], blobs, { config: "_extends: ptrguard-config\n", token: false });
    completeCheck(scope, second);
    await app.receive("pull_request", payload("pull_request.opened"));
    expect(second.check![0]).toMatchObject({ conclusion: "success" });
    expect(nock.isDone()).toBe(true);
  });

  it("turns a rule off", async () => {
    const calls = await run("rules:\n  lost-cancel: off\n", { review: false });

    expect(calls.check![0]).toMatchObject({ conclusion: "success", output: { title: "No findings" } });
    expect(nock.isDone()).toBe(true);
  });

  it("overrides a rule's severity; below fail_on the check run succeeds", async () => {
    const calls = await run("rules:\n  lost-cancel: warning\n");

    expect(calls.review![0].comments.map((c: { body: string }) => c.body.split(":")[0])).toEqual(["**[lost-cancel]** warning", "**[lost-cancel]** warning"]);
    expect(calls.check![0]).toMatchObject({ conclusion: "success", output: { title: "2 findings, none at or above error" } });
    expect(calls.check![0].output.annotations.map((a: { annotation_level: string }) => a.annotation_level)).toEqual(["warning", "warning"]);
    expect(nock.isDone()).toBe(true);
  });

  it("skips files matching paths_ignore and test files when include_tests is false", async () => {
    const test: PrFile = { filename: "svc/fetch_test.go", status: "added", patch: "@@ -0,0 +1 @@\n+package svc" };
    const app = await harness();
    const calls: Calls = {};
    // Nothing is left to read: the run ends neutral before reading blobs or threads.
    const scope = config(github(), "paths_ignore:\n  - 'svc/fetch.go'\ninclude_tests: false\n")
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, [fetch.entry, test]);
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.check![0]).toMatchObject({
      conclusion: "neutral",
      output: {
        title: "Nothing to analyse",
        summary:
          "No Go file of this pull request could be analysed.\n\nTook 0.0 s.\n\n### Files skipped\n- `svc/fetch.go`: matches `paths_ignore`\n- `svc/fetch_test.go`: test file (`include_tests` is false)",
      },
    });
    expect(nock.isDone()).toBe(true);
  });

  it("test_findings: a leak only a failing test reaches is left out by default, and posted at warning with `all`", async () => {
    const ping = changed(
      "svc/ping_test.go",
      null,
      "package svc\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc ping() error { return nil }\n\nfunc TestPing(t *testing.T) {\n\terrc := make(chan error)\n\tgo func() {\n\t\terrc <- ping()\n\t}()\n\tselect {\n\tcase err := <-errc:\n\t\tif err != nil {\n\t\t\tt.Error(err)\n\t\t}\n\tcase <-time.After(time.Second):\n\t\tt.Error(\"no answer to ping\")\n\t\treturn\n\t}\n}\n",
    );
    const files = [ping.entry];
    const pingBlobs = { ...ping.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") };

    const all = await run("test_findings: all\n", { files, blobs: pingBlobs, rules });
    expect(all.review![0].comments.map((c: { path: string; line: number; body: string }) => `${c.path}:${c.line} ${c.body.split("\n")[0]}`)).toEqual([
      "svc/ping_test.go:11 **[goroutine-send-leak]** warning: errc is unbuffered: if the test fails on line 21, the sender on line 13 stays blocked forever",
    ]);
    expect(all.check![0]).toMatchObject({ conclusion: "success", output: { title: "1 finding, none at or above error" } });
    expect(nock.isDone()).toBe(true);

    const quiet = await run("", { review: false, files, blobs: pingBlobs, rules });
    expect(quiet.review).toBeUndefined();
    expect(quiet.check![0]).toMatchObject({ conclusion: "success", output: { title: "No findings" } });
    expect(nock.isDone()).toBe(true);
  });

  it("requests changes when review_event is REQUEST_CHANGES and a new finding is at or above fail_on", async () => {
    const calls = await run("review_event: REQUEST_CHANGES\n");

    expect(calls.review![0].event).toBe("REQUEST_CHANGES");
    expect(nock.isDone()).toBe(true);
  });

  it("dismisses its own earlier request for changes once nothing at or above fail_on remains", async () => {
    // The pull request now carries the fixed code: no finding, so no new review.
    const fixed = changed("svc/fetch.go", goFixture("suggestion/head/svc/fetch.go"), goFixture("suggestion/base/svc/fetch.go"));
    const calls = await run("review_event: REQUEST_CHANGES\n", {
      review: false,
      files: [fixed.entry],
      blobs: { ...fixed.blobs, [`${HEAD}:go.mod`]: goFixture("go.mod") },
      extra: (s, recordInto) =>
        s
          .get(`${REPO}/pulls/7/reviews`)
          .query({ per_page: "100" })
          .reply(200, [
            { id: 31, state: "CHANGES_REQUESTED", body: "**ptrguard** found 2 new issues in this pull request (2 error, 0 warning, 0 info).", user: { login: "ptrguard[bot]", type: "Bot" } },
            { id: 32, state: "CHANGES_REQUESTED", body: "Please rename this.", user: { login: "bob", type: "User" } },
            { id: 33, state: "COMMENTED", body: "**ptrguard** found 1 new issue in this pull request (0 error, 1 warning, 0 info).", user: { login: "ptrguard[bot]", type: "Bot" } },
          ])
          .put(`${REPO}/pulls/7/reviews/31/dismissals`)
          .reply(recorded(recordInto, "dismiss", 200, { id: 31, state: "DISMISSED" })),
    });

    expect(calls.dismiss).toEqual([{ message: `Fixed in ${HEAD}: no ptrguard finding at or above error remains.` }]);
    expect(calls.check![0]).toMatchObject({ conclusion: "success" });
    expect(nock.isDone()).toBe(true);
  });

  it("follows _extends and caps comments at max_comments, listing the overflow in the review body", async () => {
    const calls = await run("_extends: ptrguard-config\n", {
      extra: (s) => s.get("/repos/acme/ptrguard-config/contents/.github%2Fptrguard.yml").reply(200, "max_comments: 1\n", { "content-type": "text/plain" }),
    });

    expect(calls.review![0].comments.map((c: { line: number }) => c.line)).toEqual([10]);
    expect(calls.review![0].body).toBe(
      "**ptrguard** found 2 new issues in this pull request (2 error, 0 warning, 0 info).\n\n" +
        "1 more finding is not posted as comments (`max_comments` is 1):\n" +
        "- `svc/fetch.go` line 16: **[lost-cancel]** error: cancel is skipped on the path to the return on line 18: the context lives until the parent is cancelled",
    );
    expect(nock.isDone()).toBe(true);
  });
});
