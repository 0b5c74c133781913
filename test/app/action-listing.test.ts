// The Action reads the package context's directory listings from its workspace when it is the
// pull request's head (src/action/github.ts), like the files themselves: no API call.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { actionGitHub } from "../../src/action/github.js";
import type { BlobRequest, GitHub } from "../../src/github/types.js";

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
