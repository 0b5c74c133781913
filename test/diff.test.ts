// Unified diffs as git prints them and as GitHub's per-file `patch` gives them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addedLines, commentableLines, DiffError, oldLineOf, parsePatch, parseUnifiedDiff, rebuildBase, removalPositions } from "../src/diff/diff.js";
import { ROOT } from "../src/analyzer/testing.js";

const scoping = path.join(ROOT, "fixtures/diffs/scoping");
const read = (p: string) => readFileSync(path.join(scoping, p), "utf8");

describe("parseUnifiedDiff", () => {
  it("reads new, deleted and renamed files, and a missing final newline", () => {
    const text = [
      "diff --git a/new.go b/new.go",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/new.go",
      "@@ -0,0 +1,2 @@",
      "+package a",
      "+var x = 1",
      "\\ No newline at end of file",
      "diff --git a/gone.go b/gone.go",
      "deleted file mode 100644",
      "--- a/gone.go",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-package a",
      "diff --git a/old.go b/moved.go",
      "similarity index 100%",
      "rename from old.go",
      "rename to moved.go",
      "",
    ].join("\n");
    const files = parseUnifiedDiff(text);
    expect(files.map((f) => [f.status, f.oldPath, f.newPath])).toEqual([
      ["added", null, "new.go"],
      ["deleted", "gone.go", null],
      ["renamed", "old.go", "moved.go"],
    ]);
    expect([...addedLines(files[0]!)]).toEqual([1, 2]);
    expect(files[0]!.newNoNewlineAtEnd).toBe(true);
  });

  it("accepts CRLF diffs", () => {
    const text = "diff --git a/a.go b/a.go\r\n--- a/a.go\r\n+++ b/a.go\r\n@@ -1,2 +1,2 @@\r\n package a\r\n-var x = 1\r\n+var x = 2\r\n";
    const [f] = parseUnifiedDiff(text);
    expect([...addedLines(f!)]).toEqual([2]);
    expect(f!.hunks[0]!.lines.map((l) => l.text)).toEqual(["package a", "var x = 1", "var x = 2"]);
  });

  it("rejects text that is not a diff", () => {
    expect(() => parseUnifiedDiff("hello\nworld\n")).toThrow(DiffError);
  });

  it("treats an empty diff as no files", () => {
    expect(parseUnifiedDiff("")).toEqual([]);
  });
});

describe("the scoping fixture's diff", () => {
  const [diff] = parseUnifiedDiff(read("change.diff"));
  const head = read("head/service.go");

  it("knows added lines, removal positions and commentable lines", () => {
    expect([...addedLines(diff!)]).toEqual([26, 32, 33, 34, 35, 36, 39, 45, 46, 47]);
    expect(removalPositions(diff!)).toEqual([26, 32, 39, 45]);
    const commentable = commentableLines(diff!);
    expect(commentable.get(23)).toBe(0);
    expect(commentable.get(48)).toBe(0);
    expect(commentable.has(10)).toBe(false);
  });

  it("rebuilds the base by reversing the diff on the new file", () => {
    expect(rebuildBase(head, diff!)).toBe(read("base/service.go"));
  });

  it("refuses a diff that does not match the file", () => {
    expect(() => rebuildBase(head.replace("errEmpty\n\t}", "errOther\n\t}"), diff!)).toThrow(DiffError);
  });

  it("reads the same hunks from GitHub's per-file patch (no file header)", () => {
    const patch = read("change.diff").split("\n").slice(4).join("\n");
    const fromPatch = parsePatch(patch, "service.go");
    expect(fromPatch.hunks).toEqual(diff!.hunks);
    expect(fromPatch.newPath).toBe("service.go");
    expect(rebuildBase(head, fromPatch)).toBe(read("base/service.go"));
  });
});

describe("oldLineOf", () => {
  // Old: a b c d e f g h. New: a B c d e g h X (b changed to B, f removed, X added at the end).
  const diff = parsePatch("@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -5,4 +5,4 @@\n e\n-f\n g\n h\n+X\n", "x.go");

  it("maps unchanged lines across the hunks and gives nothing for added ones", () => {
    const mapped = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => oldLineOf(diff, n));
    expect(mapped).toEqual([1, undefined, 3, 4, 5, 7, 8, undefined]);
  });

  it("a hunk that only removes lines shifts the lines after it", () => {
    // Old: a b c d. New: a d (b and c removed after line 1).
    const removal = parsePatch("@@ -2,2 +1,0 @@\n-b\n-c\n", "x.go");
    expect([1, 2].map((n) => oldLineOf(removal, n))).toEqual([1, 4]);
  });
});
