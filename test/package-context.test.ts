// Read-only context files of a package (SourceFile.context): parsed only when a rule asks, never
// analysed or reported on, not counted; a finding whose evidence lies in a sibling names that file
// in its related locations, in every output format.
import { describe, expect, it } from "vitest";
import { analyze, engineStats, type SourceFile } from "../src/analyzer/engine.js";
import { parseStats } from "../src/analyzer/parser.js";
import type { Rule } from "../src/analyzer/types.js";
import { commentBody } from "../src/report/comment.js";
import { toJson } from "../src/report/json.js";
import { toRdjsonl } from "../src/report/rdjsonl.js";
import { toSarif } from "../src/report/sarif.js";
import { toText } from "../src/report/text.js";
import sendLeak from "../rules/goroutine-send-leak/index.js";
import lostCancel from "../rules/lost-cancel/index.js";
import recvLeak from "../rules/goroutine-recv-leak/index.js";
import { parsePatch } from "../src/diff/diff.js";

const START = `package w

func (w *W) Start() {
	go w.emit(1)
}
`;
const LOOP = `package w

import "context"

type W struct{ out chan int }

func NewW() *W { return &W{out: make(chan int)} }

func (w *W) emit(v int) {
	w.out <- v
}

func (w *W) Run(ctx context.Context) {
	for {
		select {
		case <-w.out:
		case <-ctx.Done():
			return
		}
	}
}

`;

describe("package context files", () => {
  const files: SourceFile[] = [
    { path: "pkg/start.go", content: START },
    { path: "pkg/loop.go", content: LOOP, context: true },
  ];

  it("a finding in the analysed file rests on a sibling: the related locations name it", async () => {
    const r = await analyze(files, { rules: [sendLeak], scope: "file" });
    expect(r.filesAnalyzed).toBe(1);
    expect(r.findings.map((f) => `${f.path}:${f.line}: ${f.message}`)).toEqual([
      "pkg/start.go:4: once Run() takes <-ctx.Done(), nothing receives from w.out: the send in emit() (loop.go:10) blocks forever",
    ]);
    const f = r.findings[0]!;
    expect(f.related.map((x) => `${x.path}:${x.line}: ${x.message}`)).toEqual([
      "pkg/loop.go:10: this send on w.out blocks until someone receives",
      "pkg/loop.go:16: this receive from out can be skipped",
      "pkg/loop.go:17: once this case is taken, nothing receives from out",
    ]);
    const json = JSON.parse(toJson(r.findings)) as { findings: { related: { path?: string; line: number }[] }[] };
    expect(json.findings[0]!.related[0]).toMatchObject({ path: "pkg/loop.go", line: 10 });
    expect(commentBody({ finding: f, fp: "x", level: "line" })).toContain("- `pkg/loop.go` line 10: this send on w.out blocks until someone receives");
    expect(toText(r.findings)).toContain("    pkg/loop.go:10:2: this send on w.out blocks until someone receives\n");
    const sarif = JSON.parse(toSarif(r.findings, [sendLeak], "0.0.0", new Map(files.map((x) => [x.path, x.content])))) as {
      runs: { results: { relatedLocations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
    };
    expect(sarif.runs[0]!.results[0]!.relatedLocations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: "pkg/loop.go" }, region: { startLine: 10 } });
    expect(JSON.parse(toRdjsonl(r.findings).split("\n")[0]!).related_locations[0].location.path).toBe("pkg/loop.go");
  });

  it("when the driver left files of the package unread, 'nothing receives' cannot be claimed: silent", async () => {
    const r = await analyze([{ ...files[0]!, partialPackage: true }, files[1]!], { rules: [sendLeak], scope: "file" });
    expect(r.findings).toEqual([]);
  });

  it("without the sibling there is no evidence and no finding", async () => {
    const r = await analyze([files[0]!], { rules: [sendLeak], scope: "file" });
    expect(r.findings).toEqual([]);
  });

  it("files analysed together are each parsed once: an analysed file's tree is its siblings' package context", async () => {
    const third = `package w\n\nfunc (w *W) Again() {\n\tgo w.emit(2)\n}\n`;
    const together: SourceFile[] = [
      { path: "pkg/start.go", content: START },
      { path: "pkg/loop.go", content: LOOP },
      { path: "pkg/again.go", content: third },
    ];
    const before = parseStats.trees;
    const r = await analyze(together, { rules: [sendLeak], scope: "file" });
    expect(parseStats.trees - before).toBe(3);
    expect(r.filesAnalyzed).toBe(3);
    expect(r.findings.map((f) => `${f.path}:${f.line}`)).toEqual(["pkg/again.go:4", "pkg/start.go:4"]);
    // The same findings as each file analysed alone with the others as context.
    for (const f of together) {
      const alone = await analyze([f, ...together.filter((o) => o !== f).map((o) => ({ ...o, context: true }))], { rules: [sendLeak], scope: "file" });
      expect(alone.findings).toEqual(r.findings.filter((x) => x.path === f.path));
    }
  });

  it("a context file is never analysed, and not parsed when no rule asks", async () => {
    const before = engineStats.versionsAnalyzed;
    const r = await analyze([{ path: "pkg/a.go", content: "package w\n\nfunc A() {}\n" }, { path: "pkg/loop.go", content: LOOP, context: true }], { rules: [lostCancel], scope: "file" });
    expect(r.filesAnalyzed).toBe(1);
    expect(r.findings).toEqual([]);
    expect(engineStats.versionsAnalyzed - before).toBe(1);
  });

  it("packageFiles(): the same directory and package clause only", async () => {
    const seen: string[] = [];
    const probe: Rule = {
      meta: { ...sendLeak.meta, id: "probe", messages: { m: "m" } },
      kinds: ["func"],
      check: (ctx) => void seen.push(...ctx.file.packageFiles().map((f) => f.path)),
    };
    await analyze(
      [
        { path: "a/x.go", content: "package a\n\nfunc X() {}\n" },
        { path: "a/y.go", content: "package a\n\nfunc Y() {}\n", context: true },
        { path: "a/y_test.go", content: "package a_test\n\nfunc Z() {}\n", context: true },
        { path: "b/z.go", content: "package a\n\nfunc W() {}\n", context: true },
      ],
      { rules: [probe], scope: "file" },
    );
    expect(seen).toEqual(["a/y.go"]);
  });
});

describe("a large file parsed in part", () => {
  // Over 16 KiB, a diff's file is parsed only in its touched declarations, while the package's
  // facts (every use of a field) come from whole trees: they must meet by position, not node id.
  const filler = Array.from({ length: 400 }, (_, i) => `func helper${i}(v int) int { return v + ${i} }\n`).join("\n");
  const BIG = `package q

type Queue struct{ ready chan struct{} }

func NewQueue() *Queue { return &Queue{ready: make(chan struct{})} }

${filler}
func (q *Queue) Wait() {
	<-q.ready
}
`;
  const lines = BIG.split("\n");
  const wait = lines.indexOf("\t<-q.ready") + 1;
  const patch = `@@ -${wait - 1},3 +${wait - 1},3 @@\n ${lines[wait - 2]}\n-\t<-q.ready \n+${lines[wait - 1]}\n ${lines[wait]}\n`;
  const files: SourceFile[] = [
    { path: "q/queue.go", content: BIG, diff: parsePatch(patch, "q/queue.go") },
    { path: "q/other.go", content: "package q\n\nfunc (q *Queue) Len() int { return 0 }\n", context: true },
  ];

  it("a receive from a field nothing sends on is found in the touched function, as in the whole file", async () => {
    expect(Buffer.byteLength(BIG)).toBeGreaterThan(16 * 1024);
    const touched = await analyze(files, { rules: [recvLeak], scope: "function" });
    const whole = await analyze([{ ...files[0]!, diff: undefined }, files[1]!], { rules: [recvLeak], scope: "file" });
    const at = (r: typeof whole) => r.findings.map((f) => `${f.line} ${f.message}`);
    expect(at(whole)).toEqual([`${wait} nothing in the package sends on or closes q.ready: this receive blocks forever`]);
    expect(at(touched)).toEqual(at(whole));
  });
});
