// The Action reads the package context's directory listings from its workspace when it is the
// pull request's head (src/action/github.ts), like the files themselves: no API call.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { actionGitHub, workspaceCommit } from "../../src/action/github.js";
import type { BlobRequest, GitHub } from "../../src/github/types.js";
import { goRepo } from "../helpers/gorepo.js";

describe("the Action's directory listings", () => {
  it("lists a directory's files (not its subdirectories) from the workspace at the head; other commits go to the API", async () => {
    const ws = mkdtempSync(path.join(tmpdir(), "ptrguard-ws-"));
    mkdirSync(path.join(ws, "svc/sub"), { recursive: true });
    writeFileSync(path.join(ws, "svc/a.go"), "package svc\n");
    writeFileSync(path.join(ws, "svc/b.go"), "package svc\n\nfunc B() {}\n");
    const asked: BlobRequest[][] = [];
    const inner = { readBlobs: async (r: readonly BlobRequest[]) => (asked.push([...r]), { blobs: r.map(() => ({ kind: "missing" as const })) }) } as unknown as GitHub;
    const gh = actionGitHub(inner, ws, "head");
    const { blobs } = await gh.readBlobs([
      { ref: "head", path: "svc", list: true },
      { ref: "head", path: "nope", list: true },
      { ref: "base", path: "svc", list: true },
    ]);
    expect(blobs[0]).toEqual({
      kind: "dir",
      entries: expect.arrayContaining([
        { name: "a.go", bytes: 12 },
        { name: "b.go", bytes: 25 },
      ]),
    });
    expect(blobs[0]!.kind === "dir" && blobs[0]!.entries).toHaveLength(2);
    expect(blobs[1]).toEqual({ kind: "missing" });
    expect(asked).toEqual([[{ ref: "base", path: "svc", list: true }]]);
  });
});

describe("the Action's go.mod paths", () => {
  it("come from the checkout's tree when it is the head commit (no API call); another commit asks the API", async () => {
    const repo = goRepo();
    repo.write("tools/go.mod", "module example.com/tools\n\ngo 1.21\n");
    repo.write("svc/deep/er/x.go", "package er\n");
    repo.git("add", ".");
    repo.git("commit", "-qm", "tools");
    // In the directory but not in the commit: not part of the head's tree.
    repo.write("scratch/go.mod", "module scratch\n");
    const head = workspaceCommit(repo.dir)!;
    const asked: string[] = [];
    const inner = { goModPaths: async (sha: string) => (asked.push(sha), ["from-the-api/go.mod"]) } as unknown as GitHub;
    const gh = actionGitHub(inner, repo.dir, head);
    expect((await gh.goModPaths(head))?.sort()).toEqual(["go.mod", "tools/go.mod"]);
    expect(gh.readFromDisk).toBe(1);
    expect(asked).toEqual([]);
    expect(await gh.goModPaths("0".repeat(40))).toEqual(["from-the-api/go.mod"]);
    expect(asked).toEqual(["0".repeat(40)]);
    // No checkout at all: the API.
    expect(await actionGitHub(inner, repo.dir, undefined).goModPaths(head)).toEqual(["from-the-api/go.mod"]);
  });
});
