// The check run's Re-run, Re-run all and "Recheck" button. Fork PRs come with an empty
// `pull_requests`, so the PR number is read from the check run's `external_id`.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeCheck, github, harness, HEAD, noConfig, OLD, payload, pull, RECHECK_ACTION, recorded, REPO, shortRun, type Calls } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});


describe("check events", () => {
  it("check_run.rerequested on a fork PR: the PR number comes from external_id, a new check run on the head SHA", async () => {
    const app = await harness();
    const calls: Calls = {};
    shortRun(github(), calls);

    await app.receive("check_run", payload("check_run.rerequested"));

    expect(calls.createCheck).toEqual([{ name: "ptrguard", head_sha: HEAD, started_at: "2026-11-27T10:00:00.000Z", external_id: "7" }]);
    expect(calls.check?.[0]).toMatchObject({ status: "completed", conclusion: "neutral", actions: RECHECK_ACTION });
    expect(nock.isDone()).toBe(true);
  });

  it("check_run.requested_action with the Recheck button runs again", async () => {
    const app = await harness();
    const calls: Calls = {};
    shortRun(github(), calls);

    await app.receive("check_run", payload("check_run.requested_action"));

    expect(calls.createCheck).toHaveLength(1);
    expect(calls.check).toHaveLength(1);
    expect(nock.isDone()).toBe(true);
  });

  it("check_run.rerequested for a commit that is no longer the head: neutral, nothing posted", async () => {
    const app = await harness();
    const calls: Calls = {};
    const event = payload("check_run.rerequested");
    event.check_run.head_sha = OLD;
    completeCheck(noConfig(github().get(`${REPO}/pulls/7`).reply(200, pull())), calls);

    await app.receive("check_run", event);

    expect(calls.createCheck?.[0].head_sha).toBe(OLD);
    expect(calls.check?.[0]).toMatchObject({ conclusion: "neutral", output: { title: "Superseded by a newer push" } });
    expect(nock.isDone()).toBe(true);
  });

  it("check_run events of other check runs are ignored", async () => {
    const app = await harness();
    const event = payload("check_run.rerequested");
    event.check_run.name = "build";
    await app.receive("check_run", event);
    expect(nock.isDone()).toBe(true);
  });

  it("check_suite.rerequested with an empty pull_requests: the PR number comes from the suite's ptrguard check run", async () => {
    const app = await harness();
    const calls: Calls = {};
    const scope = github()
      .get(`${REPO}/check-suites/3100/check-runs`)
      .query({ check_name: "ptrguard", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [{ id: 9000, name: "ptrguard", external_id: "7" }] });
    shortRun(scope, calls);

    await app.receive("check_suite", payload("check_suite.rerequested"));

    expect(calls.createCheck?.[0]).toMatchObject({ head_sha: HEAD, external_id: "7" });
    expect(nock.isDone()).toBe(true);
  });
});
