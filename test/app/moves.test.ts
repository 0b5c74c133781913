// A function a pull request moves to another file (a test moved into its package, a file split in
// two) shows in the diff as removed from one file and added to another. With scope `new` its old
// findings are not new: the App rebuilds the old file from its patch and subtracts them.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changed, completeCheck, harness, HEAD, patchOf, payload, recorded, REPO, usualRun, type Calls, type PrFile } from "./harness.js";

beforeEach(() => void nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const LEAKY = `package svc

import "context"

func use(ctx context.Context) error { return ctx.Err() }

// FetchAll leaks its context's cancel function.
func FetchAll(parent context.Context) error {
	ctx, _ := context.WithCancel(parent)
	return use(ctx)
}
`;

/** svc/fetch.go removed, svc/client.go added with the same functions. */
function movePR(withRemoved: boolean) {
  const added = changed("svc/client.go", null, LEAKY);
  const removed: PrFile = { filename: "svc/fetch.go", status: "removed", patch: patchOf("svc/fetch.go", LEAKY, "") };
  return { files: withRemoved ? [removed, added.entry] : [added.entry], blobs: { ...added.blobs, [`${HEAD}:go.mod`]: "module example.com/svc\n\ngo 1.21\n" } };
}

describe("a function moved between files", () => {
  it("posts nothing and passes: the leak was in the base, in the file it came from", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = movePR(true);
    completeCheck(usualRun(calls, files, blobs), calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review).toBeUndefined();
    expect(calls.check?.[0].conclusion).toBe("success");
    expect(calls.check?.[0].output.title).toBe("No findings");
    expect(nock.isDone()).toBe(true);
  });

  it("without the removed file in the pull request, the same function is new and gets its comment", async () => {
    const app = await harness();
    const calls: Calls = {};
    const { files, blobs } = movePR(false);
    const scope = usualRun(calls, files, blobs).post(`${REPO}/pulls/7/reviews`).reply(recorded(calls, "review", 200, { id: 1 }));
    completeCheck(scope, calls);

    await app.receive("pull_request", payload("pull_request.opened"));

    expect(calls.review?.[0].comments.map((c: { path: string; line: number }) => `${c.path}:${c.line}`)).toEqual(["svc/client.go:9"]);
    expect(calls.check?.[0].conclusion).toBe("failure");
    expect(nock.isDone()).toBe(true);
  });
});
