// `/ptrguard recheck`: accepted from the author and from writers (eyes, then a run), refused
// for others (confused and a short reply), ignored from bots and on plain issues.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { github, harness, payload, pull, recorded, REPO, shortRun, type Calls } from "./harness.js";

/** A PR that changes no Go file: the shortest complete run. */
const NO_GO_FILES = [{ filename: "docs/index.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" }];

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});


const comment = (login: string, over: (e: Record<string, any>) => void = () => {}) => {
  const e = payload("issue_comment.created");
  e.comment.user.login = login;
  e.sender.login = login;
  over(e);
  return e;
};

describe("/ptrguard recheck", () => {
  it("from the pull request's author: eyes, then a run, without a permission check", async () => {
    const app = await harness();
    const calls: Calls = {};
    shortRun(github().post(`${REPO}/issues/comments/555/reactions`).reply(recorded(calls, "reaction", 201, { id: 1 })), calls, NO_GO_FILES);

    await app.receive("issue_comment", comment("alice"));

    expect(calls.reaction).toEqual([{ content: "eyes" }]);
    expect(calls.createCheck?.[0]).toMatchObject({ head_sha: pull().head.sha, external_id: "7" });
    expect(calls.check?.[0].conclusion).toBe("neutral");
    expect(nock.isDone()).toBe(true);
  });

  it.each(["write", "admin"])("from a user with %s permission: eyes, then a run", async (permission) => {
    const app = await harness();
    const calls: Calls = {};
    const scope = github()
      .get(`${REPO}/collaborators/bob/permission`)
      .reply(200, { permission, role_name: permission === "write" ? "maintain" : "admin", user: { login: "bob" } })
      .post(`${REPO}/issues/comments/555/reactions`)
      .reply(recorded(calls, "reaction", 201, { id: 1 }));
    shortRun(scope, calls, NO_GO_FILES);

    await app.receive("issue_comment", comment("bob"));

    expect(calls.reaction).toEqual([{ content: "eyes" }]);
    expect(calls.check).toHaveLength(1);
    expect(nock.isDone()).toBe(true);
  });

  it("from a user with read permission: confused, a short reply, no run", async () => {
    const app = await harness();
    const calls: Calls = {};
    github()
      .get(`${REPO}/collaborators/mallory/permission`)
      .reply(200, { permission: "read", role_name: "triage", user: { login: "mallory" } })
      .post(`${REPO}/issues/comments/555/reactions`)
      .reply(recorded(calls, "reaction", 201, { id: 1 }))
      .post(`${REPO}/issues/7/comments`)
      .reply(recorded(calls, "reply", 201, { id: 2 }));

    await app.receive("issue_comment", comment("mallory"));

    expect(calls.reaction).toEqual([{ content: "confused" }]);
    expect(calls.reply).toEqual([{ body: "@mallory only the author of this pull request and people with write access can ask ptrguard to recheck it." }]);
    expect(nock.isDone()).toBe(true);
  });

  it("from someone who is not a collaborator at all (404): refused", async () => {
    const app = await harness();
    const calls: Calls = {};
    github()
      .get(`${REPO}/collaborators/eve/permission`)
      .reply(404, { message: "eve is not a user" })
      .post(`${REPO}/issues/comments/555/reactions`)
      .reply(recorded(calls, "reaction", 201, { id: 1 }))
      .post(`${REPO}/issues/7/comments`)
      .reply(recorded(calls, "reply", 201, { id: 2 }));

    await app.receive("issue_comment", comment("eve"));

    expect(calls.reaction).toEqual([{ content: "confused" }]);
    expect(nock.isDone()).toBe(true);
  });

  it("from a bot: ignored", async () => {
    const app = await harness();
    await app.receive(
      "issue_comment",
      comment("dependabot[bot]", (e) => {
        e.comment.user.type = "Bot";
        e.sender.type = "Bot";
      }),
    );
    expect(app.logs.map((l) => l.msg)).toContain("ptrguard: ignoring /ptrguard recheck from a bot");
    expect(nock.isDone()).toBe(true);
  });

  it("on an issue that is not a pull request: ignored", async () => {
    const app = await harness();
    await app.receive("issue_comment", comment("alice", (e) => delete e.issue.pull_request));
    expect(app.logs.map((l) => l.msg)).toContain("ptrguard: ignoring /ptrguard recheck on an issue that is not a pull request");
    expect(nock.isDone()).toBe(true);
  });

  it("any other comment: ignored silently", async () => {
    const app = await harness();
    await app.receive("issue_comment", comment("alice", (e) => (e.comment.body = "please /ptrguard recheck this")));
    expect(app.logs.filter((l) => l.msg.startsWith("ptrguard"))).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });
});
