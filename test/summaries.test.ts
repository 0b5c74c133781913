// Function summaries (rules/facts/summaries.ts): what a function of the package does to the
// channels it is handed or holds in fields, read across the package's files.
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyzer/engine.js";
import type { Rule } from "../src/analyzer/types.js";
import { calleeOf, chanField, summarise, type Effect } from "../rules/facts/summaries.js";
import sendLeak from "../rules/goroutine-send-leak/index.js";

const MAIN = `package p

import "context"

func (w *W) Start(ctx context.Context, out chan<- int) {
	go w.run(ctx, out)
	go w.emit(out)
	_ = w.quit()
	_ = Watch()
}
`;
const OTHER = `package p

import "context"

type W struct {
	events chan int
	stop   chan struct{}
}

func NewW() *W { return &W{events: make(chan int), stop: make(chan struct{})} }

func (w *W) run(ctx context.Context, out chan<- int) {
	for {
		select {
		case v := <-w.events:
			out <- v
		case <-ctx.Done():
			return
		}
	}
}

func (w *W) emit(out chan<- int) { w.helper(out) }

func (w *W) helper(c chan<- int) {
	select {
	case c <- 1:
	case <-w.stop:
	}
	close(w.stop)
}

func (w *W) quit() <-chan struct{} { return w.stop }

func Watch() <-chan int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	return ch
}
`;

const show = (e: Effect) => `${e.op} ${e.target.kind === "param" ? `param ${e.target.index}` : `field ${e.target.path}`}${e.guarded ? " guarded" : ""}${e.inLoop ? " loop" : ""} in ${e.in} (${e.file.path.split("/").pop()}:${e.file.lineOf(e.node.startIndex)})`;

describe("summaries", () => {
  it("reads the callees of a function through the package's other files", async () => {
    const out: Record<string, unknown> = {};
    const probe: Rule = {
      meta: { ...sendLeak.meta, id: "probe", messages: { m: "m" } },
      kinds: ["method"],
      check: ({ unit, file }) => {
        for (const call of unit.nodes("call_expression")) {
          const d = calleeOf(call!, { file, bindings: unit.bindings, fn: unit.node });
          if (!d) continue;
          const s = summarise(d);
          out[d.key] = { effects: s.effects.map(show), waitsDone: s.waitsDone, returnsField: s.returnsField, produces: !!s.produces };
        }
        const f = chanField(file, "stop");
        out.stop = f && { owner: f.owner, uses: f.uses.map((u) => `${u.kind}${u.decl ? ` in ${u.decl.key}` : ""}`) };
      },
    };
    await analyze([{ path: "p/main.go", content: MAIN }, { path: "p/w.go", content: OTHER, context: true }], { rules: [probe], scope: "file" });
    expect(out["W.run"]).toEqual({
      effects: ["recv field events guarded loop in W.run (w.go:15)", "send param 1 loop in W.run (w.go:16)"],
      waitsDone: [],
      returnsField: undefined,
      produces: false,
    });
    // A call on the same receiver keeps the callee's field effects; a parameter passed on maps back.
    expect(out["W.emit"]).toEqual({
      effects: ["send param 0 guarded in W.helper (w.go:27)", "recv field stop guarded in W.helper (w.go:28)", "close field stop in W.helper (w.go:30)"],
      waitsDone: [],
      returnsField: undefined,
      produces: false,
    });
    expect(out["W.quit"]).toMatchObject({ returnsField: "stop" });
    expect(out["Watch"]).toMatchObject({ produces: true });
    // Every use of the unexported field in the package; the accessor's result stored in `_` is out of sight.
    expect(out.stop).toEqual({ owner: "W", uses: ["recv in W.helper", "close in W.helper", "make in NewW", "escape in W.Start"] });
  });

  it("names the context parameters whose Done() are a guarded send's only way out", async () => {
    const src = `package p

import "context"

func Start(ctx context.Context, out chan<- int, stop <-chan struct{}) {
	send(ctx, 1, out)
	sendOrStop(ctx, out, stop)
}

func send(ctx context.Context, v int, out chan<- int) {
	select {
	case out <- v:
	case <-ctx.Done():
	}
}

func sendOrStop(ctx context.Context, out chan<- int, stop <-chan struct{}) {
	select {
	case out <- 1:
	case <-ctx.Done():
	case <-stop:
	}
}
`;
    const out: Record<string, unknown> = {};
    const probe: Rule = {
      meta: { ...sendLeak.meta, id: "probe", messages: { m: "m" } },
      kinds: ["func"],
      check: ({ unit, file }) => {
        if (unit.name !== "Start") return;
        for (const call of unit.nodes("call_expression")) {
          const d = calleeOf(call!, { file, bindings: unit.bindings, fn: unit.node });
          if (d) out[d.key] = summarise(d).effects.filter((e) => e.op === "send").map((e) => e.doneGuards ?? null);
        }
      },
    };
    await analyze([{ path: "p/main.go", content: src }], { rules: [probe], scope: "file" });
    // send: the select's other case is parameter 0's Done(); sendOrStop: another channel can fire too.
    expect(out).toEqual({ send: [[0]], sendOrStop: [null] });
  });
});
