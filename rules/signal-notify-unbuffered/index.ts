// signal-notify-unbuffered: signal.Notify on a channel made without a buffer (go vet's
// sigchanyzer). os/signal never blocks on a send: a signal that arrives while nobody is receiving
// on an unbuffered channel is dropped, and the goroutine waiting for it to shut down waits forever.
//
//	sigs := make(chan os.Signal)             // flagged here; the fix makes it make(chan os.Signal, 1)
//	signal.Notify(sigs, syscall.SIGTERM)
//
// The channel must be made in the same function (`:=`, `var`, or `=` before the call, every
// definition reaching it unbuffered) or in the call itself. Silent for a channel made elsewhere (a
// parameter, a field, a package variable: its buffer is not visible here), for any capacity other
// than a literal 0, and for signal.NotifyContext (which buffers its own channel).
import type { GoNode, Rule, RuleContext, Unit } from "../../src/analyzer/types.js";
import { importsAny, isBuiltinCall, packageCallee } from "../facts/calls.js";
import { definitions } from "../facts/definitions.js";
import { docsUrl } from "../facts/meta.js";
import { argsOf, spanOf, unparen } from "../facts/syntax.js";

const SIGNAL = "os/signal";

const rule: Rule = {
  meta: {
    id: "signal-notify-unbuffered",
    title: "signal.Notify on an unbuffered channel",
    severity: "warning",
    fixable: true,
    summary: "signal.Notify is given a channel without a buffer: a signal that arrives while nobody receives is dropped",
    why:
      "The os/signal package does not block when it sends a signal on the channel: if no goroutine is receiving at that " +
      "instant, an unbuffered channel loses the signal. A program that waits on the channel to shut down can miss its " +
      "SIGTERM and hang, keeping every goroutine and connection alive until it is killed.",
    docs: docsUrl("signal-notify-unbuffered"),
    messages: {
      variable: "{{name}} has no buffer and goes to signal.Notify (line {{line}}): a signal sent while nobody receives is dropped",
      direct: "signal.Notify gets a channel with no buffer: a signal sent while nobody receives on it is dropped",
    },
  },
  kinds: ["func", "method"],
  appliesTo: (file) => importsAny(file, [SIGNAL]),
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit } = ctx;
  const reported = new Set<number>();
  for (const call of unit.nodes("call_expression")) {
    const callee = packageCallee(call, unit, [SIGNAL]);
    if (callee?.name !== "Notify") continue;
    const arg = argsOf(call)[0];
    if (!arg) continue;
    const ch = unparen(arg);
    if (unbufferedMake(ch, unit)) {
      ctx.report({ span: spanOf(ch), messageId: "direct", fix: addBuffer(ch) });
      continue;
    }
    if (ch.type !== "identifier") continue;
    const b = unit.bindings.resolve(ch);
    if (!b || b.kind !== "var") continue; // a parameter, a field, a package variable: made elsewhere
    // Every definition before the call: all unbuffered makes (a later buffered one, or any other value, is silent).
    // `var c chan os.Signal` (nil, no value) is not what a later `c = make(...)` hands over.
    const before = definitions(b, unit).filter((d) => d.stmt.startIndex < call.startIndex && !(d.stmt.type === "var_spec" && !d.value));
    if (before.length === 0 || !before.every((d) => d.value && !d.multi && unbufferedMake(unparen(d.value), unit))) continue;
    for (const d of before) {
      const made = unparen(d.value!);
      if (reported.has(made.id)) continue;
      reported.add(made.id);
      ctx.report({
        span: spanOf(made),
        messageId: "variable",
        data: { name: ch.text, line: ctx.file.lineOf(call.startIndex) },
        related: [{ ...spanOf(call), message: `signal.Notify sends on ${ch.text} without waiting for a receiver` }],
        fix: addBuffer(made),
      });
    }
  }
}

/** `make(chan T)` or `make(chan T, 0)`. */
function unbufferedMake(n: GoNode, unit: Unit): boolean {
  if (!isBuiltinCall(n, "make", unit)) return false;
  const args = argsOf(n);
  if (args[0]?.type !== "channel_type") return false;
  return args.length === 1 || (args.length === 2 && args[1]!.type === "int_literal" && /^0+$/.test(args[1]!.text.replace(/_/g, "")));
}

/** `make(chan T)` → `make(chan T, 1)`; `make(chan T, 0)` → `make(chan T, 1)`. */
function addBuffer(make: GoNode) {
  const args = argsOf(make);
  const edit =
    args.length === 2
      ? { start: args[1]!.startIndex, end: args[1]!.endIndex, text: "1" }
      : { start: args[0]!.endIndex, end: args[0]!.endIndex, text: ", 1" };
  return { description: "give the channel a buffer of 1", edits: [edit] };
}
