// The control-flow graph of rules/facts/cfg.ts: small Go functions and the graph's answers to
// the questions rules ask (paths to an end that avoid a node, loops that run again, ways out of
// a loop, nodes on paths, counts along paths) and which calls never return.
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import type { GoNode, Rule, Unit } from "../src/analyzer/types.js";
import { callEnd, cfgOf, failsTest, onceIn, tripCount, type Cfg } from "../rules/facts/cfg.js";

interface Probe {
  unit: Unit;
  cfg: Cfg;
  /** The first node of `type` whose text starts with `text` (whitespace-insensitive). */
  node(type: string, text: string): GoNode;
  /** The line (1-based) of a node. */
  line(n: GoNode | null | undefined): number | undefined;
}

/** Runs `q` on the graph of function `fn` of `body` (a Go file without its package clause). */
async function probe<T>(body: string, fn: string, q: (p: Probe) => T, path = "p.go"): Promise<T> {
  const src = `package p\n\n${body}`;
  let out: { value: T } | { error: unknown } | undefined;
  const rule: Rule = {
    meta: { id: "probe", title: "probe", severity: "info", fixable: false, summary: "", why: "", docs: "", messages: {} },
    kinds: ["func", "method"],
    check(ctx) {
      if (ctx.unit.name !== fn) return;
      const unit = ctx.unit;
      const squash = (s: string) => s.replace(/\s+/g, " ").trim();
      const p: Probe = {
        unit,
        cfg: cfgOf(unit, unit.node),
        node(type, text) {
          const n = unit.node.descendantsOfType(type).find((d) => !!d && squash(d.text).startsWith(squash(text)));
          if (!n) throw new Error(`no ${type} starting with ${text}`);
          return n;
        },
        line: (n) => (n ? unit.file.lineOf(n.startIndex) : undefined),
      };
      try {
        out = { value: q(p) };
      } catch (error) {
        out = { error };
      }
    },
  };
  await analyze([{ path, content: src, goMod: "module example.com/p\n\ngo 1.22\n" }], { rules: [rule] });
  if (!out) throw new Error(`function ${fn} not found`);
  if ("error" in out) throw out.error;
  return out.value;
}

/** Line numbers below count the `package p` line and the blank line after it. */
describe("paths to the function's end", () => {
  it("if/else: the early return skips the call, the else branch does not", async () => {
    const src = `import "context"

func f(parent context.Context, bad bool) error {
	ctx, cancel := context.WithCancel(parent)
	if bad {
		return ctx.Err()
	} else {
		cancel()
	}
	return nil
}
`;
    const r = await probe(src, "f", ({ cfg, node, line }) => {
      const from = node("short_var_declaration", "ctx, cancel");
      const call = node("call_expression", "cancel()");
      const end = cfg.firstEnd({ after: from }, { avoid: (n) => n.text.includes(call.text) && n.type === "expression_statement" });
      return { line: line(end?.node), kind: end?.kind };
    });
    expect(r).toEqual({ line: 8, kind: "return" });
  });

  it("a deferred call is on every path after it; falling off the end is an end", async () => {
    const src = `func f(cancel func(), ok bool) {
	defer cancel()
	if ok {
		return
	}
}

func g(cancel func(), ok bool) {
	if ok {
		cancel()
	}
}
`;
    const deferred = await probe(src, "f", ({ cfg }) => cfg.everyPathPasses({ entry: true }, (n) => n.type === "defer_statement"));
    expect(deferred).toBe(true);
    const end = await probe(src, "g", ({ cfg, line }) => {
      const e = cfg.firstEnd({ entry: true }, { avoid: (n) => n.text === "cancel()" });
      return { type: e?.node.type, line: line(e?.node) };
    });
    expect(end).toEqual({ type: "}", line: 14 });
  });

  it("every end is found: each return statement and the closing brace", async () => {
    const src = `func f(a, b bool) {
	if a {
		return
	}
	if b {
		return
	}
}
`;
    const r = await probe(src, "f", ({ cfg, line }) => cfg.allEnds({ entry: true }).map((e) => `${e.node.type}:${line(e.node)}`));
    expect(r).toEqual(["return_statement:5", "return_statement:8", "}:10"]);
  });

  it("goto jumps to its label", async () => {
    const src = `func f(err error, cleanup func()) error {
	if err != nil {
		goto fail
	}
	return nil
fail:
	cleanup()
	return err
}
`;
    const r = await probe(src, "f", ({ cfg, node }) => cfg.everyPathPasses({ at: node("if_statement", "if err") }, (n) => n.text === "cleanup()" || n.text === "return nil"));
    expect(r).toBe(true);
  });

  it("switch: fallthrough runs the next case; without a default a path skips every case", async () => {
    const src = `func f(k int, done func()) {
	switch k {
	case 1:
		fallthrough
	case 2:
		done()
	}
}
`;
    const r = await probe(src, "f", ({ cfg, node }) => {
      const case1 = node("expression_case", "case 1");
      const isDone = (n: GoNode) => n.text === "done()";
      return { fromCase1: cfg.everyPathPasses({ at: case1 }, isDone), fromEntry: cfg.everyPathPasses({ entry: true }, isDone) };
    });
    expect(r).toEqual({ fromCase1: true, fromEntry: false });
  });

  it("type switch with a default: every path runs a case", async () => {
    const src = `func f(v interface{}, seen func()) {
	switch v.(type) {
	case int:
		seen()
	case string:
		seen()
	default:
		seen()
	}
}
`;
    expect(await probe(src, "f", ({ cfg }) => cfg.everyPathPasses({ entry: true }, (n) => n.text === "seen()"))).toBe(true);
  });

  it("select {} blocks forever: no path reaches the end", async () => {
    const src = `func f(stop func()) {
	go stop()
	select {}
}
`;
    expect(await probe(src, "f", ({ cfg }) => cfg.firstEnd({ entry: true }))).toBeNull();
  });

  it("a scope: leaving the loop body's statement list is an end at its closing brace", async () => {
    const src = `func f(items []int, got chan int) {
	for _, it := range items {
		ch := make(chan int)
		go func() { ch <- it }()
		if it > 3 {
			continue
		}
		got <- <-ch
	}
}
`;
    const r = await probe(src, "f", ({ cfg, node, line }) => {
      const loop = node("for_statement", "for _, it");
      const scope = loop.childForFieldName("body")!.namedChildren.find((c) => c?.type === "statement_list")!;
      const e = cfg.firstEnd({ after: node("go_statement", "go func()") }, { scope, avoid: (n) => n.text.includes("<-ch") });
      return { kind: e?.kind, line: line(e?.node) };
    });
    expect(r).toEqual({ kind: "scope", line: 11 });
  });
});

describe("loops", () => {
  it("knows the trip count of counted loops with literal bounds", async () => {
    const src = `func f(n int) {
	for i := 0; i < 10000; i++ {
	}
	for i := 1; i <= 3; i++ {
	}
	for i := range 5 {
		_ = i
	}
	for i := 0; i < n; i++ {
	}
	for i := 0; i < 3; i++ {
		i++
	}
}
`;
    const r = await probe(src, "f", ({ unit }) => unit.node.descendantsOfType("for_statement").map((l) => tripCount(l!)?.count ?? null));
    expect(r).toEqual([10000, 3, 5, null, null]);
  });

  it("reads bounds from package constants and constant expressions, unless a local shadows the name", async () => {
    const src = `const chanSize = 6
const twice = 2 * chanSize

const (
	first = iota
	second
)

func f(n int) {
	for i := 0; i < chanSize+2; i++ {
	}
	for i := 0; i < twice; i++ {
	}
	for i := 0; i < second; i++ {
	}
	for i := 0; i < n-1; i++ {
	}
}

func g(chanSize int) {
	for i := 0; i < chanSize; i++ {
	}
}
`;
    const f = await probe(src, "f", ({ unit }) => unit.node.descendantsOfType("for_statement").map((l) => tripCount(l!)?.count ?? null));
    expect(f).toEqual([8, 12, null, null]);
    const g = await probe(src, "g", ({ unit }) => unit.node.descendantsOfType("for_statement").map((l) => tripCount(l!)?.count ?? null));
    expect(g).toEqual([null]);
  });

  it("a counted loop runs at least once, and a send under `if i == 222` is reached", async () => {
    const src = `func f(ch chan int, n int) {
	for i := 0; i < 10000; i++ {
		if i == 222 {
			ch <- i
		}
	}
}

func g(ch chan int, n int) {
	for i := 0; i < n; i++ {
		if i == 222 {
			ch <- i
		}
	}
}

func h(ch chan int) {
	for i := 0; i < 100; i++ {
		if i == 222 {
			ch <- i
		}
	}
}
`;
    const passes = (fn: string) => probe(src, fn, ({ cfg }) => cfg.everyPathPasses({ entry: true }, (n) => n.type === "send_statement"));
    expect(await passes("f")).toBe(true);
    expect(await passes("g")).toBe(false); // n may be 0 or less than 223
    expect(await passes("h")).toBe(false); // 222 is out of range
  });

  it("knows a counted loop's first iteration: `if i == 0` is taken on it, `if i == 2` is not", async () => {
    const src = `func f(ch chan error, try func() error) error {
	for i := 0; i < 3; i++ {
		err := try()
		if i == 0 {
			ch <- err
		}
		if err == nil {
			return nil
		}
	}
	return nil
}

func g(ch chan error, try func() error) error {
	for i := 0; i < 3; i++ {
		err := try()
		if i == 2 {
			ch <- err
		}
		if err == nil {
			return nil
		}
	}
	return nil
}
`;
    const passes = (fn: string) => probe(src, fn, ({ cfg }) => cfg.everyPathPasses({ entry: true }, (n) => n.type === "send_statement"));
    expect(await passes("f")).toBe(true);
    expect(await passes("g")).toBe(false);
  });

  it("condition-only, range and endless loops; a labelled break leaves the outer loop", async () => {
    const src = `func f(more func() bool, xs []int, ch chan int) {
	for more() {
	}
	for range xs {
	}
outer:
	for {
		for v := range ch {
			if v < 0 {
				break outer
			}
			if v == 0 {
				continue outer
			}
		}
	}
	for {
	}
}
`;
    const r = await probe(src, "f", ({ cfg, node, line }) => {
      const loops = cfg.fn.descendantsOfType("for_statement").map((l) => cfg.loop(l!)!);
      const inner = node("for_statement", "for v := range ch");
      return {
        headers: loops.map((l) => l.header),
        innerExits: cfg.loopExits(inner).map((n) => `${n.type}:${line(n)}`),
        outerExits: cfg.loopExits(node("for_statement", "for { for v")).map((n) => `${n.type}:${line(n)}`),
        // The last `for {}` never ends: nothing after it, and the function's end is unreachable from it.
        endAfterEndless: cfg.firstEnd({ at: loops[4]!.node }),
        continueGoesRound: cfg.repeats(node("for_statement", "for { for v"), { at: node("continue_statement", "continue outer") }),
      };
    });
    expect(r).toEqual({
      headers: [true, true, false, true, false],
      innerExits: ["range_clause:10", "break_statement:12", "continue_statement:15"],
      outerExits: ["break_statement:12"],
      endAfterEndless: null,
      continueGoesRound: true,
    });
  });

  it("a select case that falls out to a return does not go round; one that falls out to the loop does", async () => {
    const src = `import (
	"context"
	"time"
)

func f(ctx context.Context, in <-chan int, d time.Duration) error {
	for {
		select {
		case <-ctx.Done():
		case v := <-in:
			_ = v
			continue
		case <-time.After(d):
		}
		return ctx.Err()
	}
}

func g(in <-chan int, d time.Duration) {
	done := false
	for !done {
		select {
		case v := <-in:
			done = v < 0
		case <-time.After(d):
			done = true
		}
	}
}
`;
    const f = await probe(src, "f", ({ cfg, node }) => {
      const loop = node("for_statement", "for {");
      return ["case <-ctx.Done()", "case v := <-in", "case <-time.After"].map((c) => cfg.repeats(loop, { at: node("communication_case", c) }));
    });
    expect(f).toEqual([false, true, false]);
    const g = await probe(src, "g", ({ cfg, node }) => {
      const loop = node("for_statement", "for !done");
      return ["case v := <-in", "case <-time.After"].map((c) => cfg.repeats(loop, { at: node("communication_case", c) }));
    });
    expect(g).toEqual([true, false]); // `done = true` under `for !done` ends the loop
  });

  it("boolean flags: `if aDone && bDone { return }` is taken only after both were set", async () => {
    const src = `func f(a, b chan int) {
	aDone, bDone := false, false
	for {
		if aDone && bDone {
			return
		}
		select {
		case _, ok := <-a:
			aDone = !ok
		case _, ok := <-b:
			bDone = !ok
		}
	}
}

func g(a, b chan int) {
	aDone, bDone := false, false
	for {
		if aDone || bDone {
			return
		}
		select {
		case _, ok := <-a:
			aDone = !ok
		case _, ok := <-b:
			bDone = !ok
		}
	}
}
`;
    const recvA = (n: GoNode) => n.type === "receive_statement" && n.text.includes("<-a");
    expect(await probe(src, "f", ({ cfg }) => cfg.firstEnd({ entry: true }, { avoid: recvA }))).toBeNull();
    expect(await probe(src, "g", ({ cfg, line }) => line(cfg.firstEnd({ entry: true }, { avoid: recvA })?.node))).toBe(22);
  });
});

describe("counting along paths", () => {
  it("max nodes on one path: branches take the larger, a loop is unbounded, a send then return is once", async () => {
    const src = `func f(ch chan int, x bool, xs []int) {
	if x {
		ch <- 1
		ch <- 2
	} else {
		ch <- 3
	}
	for _, v := range xs {
		if v > 0 {
			ch <- v
			return
		}
	}
}

func g(ch chan int, xs []int) {
	for _, v := range xs {
		ch <- v
	}
}
`;
    const isSend = (n: GoNode) => n.type === "send_statement";
    expect(await probe(src, "f", ({ cfg }) => cfg.maxOnPath(isSend))).toBe(3);
    expect(await probe(src, "g", ({ cfg }) => cfg.maxOnPath(isSend))).toBe(Infinity);
  });

  it("counts a node once per run of the loop `once` names, only when the cycle is that loop's own", async () => {
    const src = `func f(ch chan int) {
	for i := 0; i < 20; i++ {
		if i == 3 {
			ch <- i
		}
		if i == 5 {
			ch <- i
		}
	}
	ch <- -1
}

func g(ch chan int) {
	for r := 0; r < 3; r++ {
		for i := 0; i < 20; i++ {
			if i == 3 {
				ch <- i
			}
		}
	}
}
`;
    const isSend = (n: GoNode) => n.type === "send_statement";
    // The caller vouches for the guard; the graph only checks that the cycle is the loop's.
    const innermost = (n: GoNode) => {
      let p = n.parent;
      while (p && p.type !== "for_statement") p = p.parent;
      return p ?? undefined;
    };
    expect(await probe(src, "f", ({ cfg }) => cfg.maxOnPath(isSend))).toBe(Infinity);
    expect(await probe(src, "f", ({ cfg }) => cfg.maxOnPath(isSend, innermost))).toBe(3);
    // Once per run of the inner loop, but the outer loop runs it again.
    expect(await probe(src, "g", ({ cfg }) => cfg.maxOnPath(isSend, innermost))).toBe(Infinity);
  });

  it("values left in a channel at the end: a receive frees the slot for the next sender", async () => {
    const src = `func f(ch chan int, stop chan struct{}) {
	go func() { ch <- 1 }()
	<-ch
	go func() { ch <- 2 }()
	select {
	case <-ch:
	case <-stop:
	}
}

func g(ch chan int, stop chan struct{}) {
	go func() { ch <- 1 }()
	go func() { ch <- 2 }()
	select {
	case <-ch:
	case <-stop:
	}
}
`;
    const left = (p: Probe) =>
      p.cfg.maxAtEnd((n) => (n.type === "go_statement" ? 1 : n.text.includes("<-ch") && n.type !== "go_statement" ? -1 : 0), 3).value;
    expect(await probe(src, "f", left)).toBe(1);
    expect(await probe(src, "g", left)).toBe(2);
  });

  it("nodes on paths: the sends a path from a point can reach", async () => {
    const src = `func f(ch chan int, ok bool) {
	ch <- 1
	if ok {
		ch <- 2
		return
	}
	ch <- 3
}
`;
    const r = await probe(src, "f", ({ cfg, node, line }) =>
      cfg.nodesOnPaths({ after: node("send_statement", "ch <- 1") }, (n) => n.type === "send_statement").map(line),
    );
    expect(r).toEqual([6, 9]);
  });
});

describe("calls that never return", () => {
  const src = `import (
	"fmt"
	"log"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/klog/v2"
)

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format, args...)
	os.Exit(1)
}

func failf(t *testing.T, format string, args ...interface{}) {
	t.Helper()
	t.Fatalf(format, args...)
}

func check(t *testing.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

func warnf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format, args...)
}

func calls(t *testing.T, l *log.Logger) {
	fail := func(format string, args ...interface{}) {
		t.Helper()
		t.Fatalf(format, args...)
	}
	panic("x")
	os.Exit(1)
	log.Fatalf("x")
	klog.Fatal("x")
	l.Fatal("x")
	runtime.Goexit()
	t.Fatal("x")
	t.FailNow()
	t.SkipNow()
	require.FailNow(t, "x")
	require.NoError(t, nil)
	assert.FailNow(t, "x")
	assert.NoError(t, nil)
	fatalf("x")
	failf(t, "x")
	check(t, nil)
	warnf("x")
	t.Error("x")
	fail("x")
}
`;
  it("sorts them into process-ending, goroutine-ending, may-end and returning", async () => {
    const r = await probe(
      src,
      "calls",
      ({ unit, cfg }) =>
        cfg.fn
          .childForFieldName("body")!
          .descendantsOfType("expression_statement")
          .filter((s) => s!.parent?.parent?.parent?.id === cfg.fn.id)
          .map((s) => {
            const e = callEnd(s!, unit);
            return `${s!.text} → ${e ? `${e.kind}${e.always ? "" : " (may)"}${e.test ? " test" : ""}` : "returns"}`;
          }),
      "p_test.go",
    );
    expect(r).toEqual([
      'panic("x") → process',
      "os.Exit(1) → process",
      'log.Fatalf("x") → process',
      'klog.Fatal("x") → process',
      'l.Fatal("x") → process',
      "runtime.Goexit() → goroutine",
      't.Fatal("x") → goroutine test',
      "t.FailNow() → goroutine test",
      "t.SkipNow() → goroutine test",
      'require.FailNow(t, "x") → goroutine test',
      "require.NoError(t, nil) → goroutine (may) test",
      'assert.FailNow(t, "x") → goroutine test',
      "assert.NoError(t, nil) → returns",
      'fatalf("x") → process',
      'failf(t, "x") → goroutine test',
      "check(t, nil) → goroutine (may) test",
      'warnf("x") → returns',
      't.Error("x") → returns',
      'fail("x") → goroutine test',
    ]);
  });

  it("t.FailNow() and require.FailNow(t) end a path the same way", async () => {
    const body = (call: string) => `import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestX(t *testing.T) {
	if t.Name() == "" {
		${call}
	}
	t.Log("after")
}
`;
    const ends = (call: string) => probe(body(call), "TestX", ({ cfg }) => cfg.allEnds({ entry: true }, { ends: ["return", "goroutine", "process"] }).map((e) => e.kind), "x_test.go");
    expect(await ends("t.FailNow()")).toEqual(["goroutine", "return"]);
    expect(await ends('require.FailNow(t, "no name")')).toEqual(["goroutine", "return"]);
    // require.NoError may return: both ends, and the path past it goes on.
    expect(await ends("require.NoError(t, nil)")).toEqual(["return", "goroutine"]);
  });
});

describe("an assertion that ctx.Err() is nil inside case <-ctx.Done()", () => {
  const src = `import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type doner interface {
	Done() <-chan struct{}
	Err() error
}

func TestX(t *testing.T, d doner, errc chan error, param context.Context) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	again := context.Background()
	again, cancel = context.WithCancel(again)
	r := require.New(t)
	select {
	case <-ctx.Done():
		require.NoError(t, ctx.Err())
		r.NoError(ctx.Err())
		require.Nil(t, ctx.Err(), "timed out")
		require.Error(t, ctx.Err())
		require.NoError(t, errors.New("x"))
	case <-param.Done():
		require.NoError(t, param.Err())
		require.NoError(t, ctx.Err())
	case <-again.Done():
		require.NoError(t, again.Err())
	case <-d.Done():
		require.NoError(t, d.Err())
	case err := <-errc:
		require.NoError(t, err)
	}
}
`;
  it("always fails for a context nothing assigns again, in its own Done case only", async () => {
    const r = await probe(
      src,
      "TestX",
      ({ unit, cfg }) =>
        cfg.fn
          .childForFieldName("body")!
          .descendantsOfType("expression_statement")
          .filter((s) => s!.parent?.type === "communication_case" || s!.parent?.parent?.type === "communication_case")
          .map((s) => {
            const e = callEnd(s!, unit);
            return `${s!.text} → ${e ? `${e.kind}${e.always ? "" : " (may)"}` : "returns"}`;
          }),
      "x_test.go",
    );
    expect(r).toEqual([
      "require.NoError(t, ctx.Err()) → goroutine",
      "r.NoError(ctx.Err()) → goroutine",
      'require.Nil(t, ctx.Err(), "timed out") → goroutine',
      "require.Error(t, ctx.Err()) → goroutine (may)",
      'require.NoError(t, errors.New("x")) → goroutine (may)',
      "require.NoError(t, param.Err()) → goroutine",
      // ctx is not known to be done in param's case.
      "require.NoError(t, ctx.Err()) → goroutine (may)",
      // Assigned again: which context it is when Err is called is not known.
      "require.NoError(t, again.Err()) → goroutine (may)",
      // Not a context.Context: its Err may be nil after Done.
      "require.NoError(t, d.Err()) → goroutine (may)",
      "require.NoError(t, err) → goroutine (may)",
    ]);
  });

  it("makes testify's assert.NoError a call that fails the test and goes on", async () => {
    const body = `import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestX(t *testing.T, ctx context.Context, errc chan error) {
	select {
	case <-ctx.Done():
		assert.NoError(t, ctx.Err())
	case err := <-errc:
		assert.NoError(t, err)
	}
}
`;
    const r = await probe(body, "TestX", ({ unit, cfg }) =>
      cfg.fn.childForFieldName("body")!.descendantsOfType("expression_statement").map((s) => `${s!.text}: ${failsTest(s!, unit)}`),
      "x_test.go",
    );
    expect(r).toEqual(["assert.NoError(t, ctx.Err()): true", "assert.NoError(t, err): false"]);
  });
});

describe("loop rounds", () => {
  it("reads bounds from local constants and from expressions of locals set once from literals", async () => {
    const src = `func f(m int) {
	const batches = 3
	waiters := 10
	for i := 0; i < batches; i++ {
	}
	for i := 0; i < waiters-1; i++ {
	}
	grown := 4
	grown++
	for i := 0; i < grown; i++ {
	}
	for i := 0; i < m-1; i++ {
	}
}
`;
    const r = await probe(src, "f", ({ unit }) => unit.node.descendantsOfType("for_statement").map((l) => tripCount(l!)?.count ?? null));
    expect(r).toEqual([3, 9, null, null]);
  });

  it("knows a statement under a guard true in one round only (onceIn)", async () => {
    const src = `func f(n int, xs []int, ch chan int) {
	for i := 0; i < n; i++ {
		if i == n/2 {
			ch <- 1
		}
		if i%10 == 0 {
			ch <- 2
		}
	}
	sent := false
	for _, x := range xs {
		if !sent && x > 0 {
			ch <- 3
			sent = true
		}
		if !sent {
			ch <- 4
		}
	}
	for i := 0; i < n; i++ {
		i++
		if i == 5 {
			ch <- 5
		}
	}
}
`;
    const r = await probe(src, "f", ({ unit }) =>
      unit.node.descendantsOfType("send_statement").map((s) => {
        let loop: GoNode | null = s!.parent;
        while (loop && loop.type !== "for_statement") loop = loop.parent;
        return onceIn(s!, loop!, unit);
      }),
    );
    expect(r).toEqual([true, false, true, false, false]);
  });
});
