// goroutine-send-leak, shapes 2 and 5: the sender is a named function or method of the package
// started with `go` and handed the channel (`go s.fetch(ctx, u, ch)`, `go worker(ch)`); its
// summary (rules/facts/summaries.ts, maybe from another file) takes the place of a literal's body.
//
//	ch := make(chan result)
//	go s.fetch(u, ch)                    // fetch sends on its parameter, with no way to give up
//	select {
//	case r := <-ch:
//	case <-ctx.Done():                   // reported at the make: fetch blocks forever
//		return ctx.Err()
//	}
import type { FileView, GoNode, RelatedLocation, Unit } from "../../src/analyzer/types.js";
import { cfgOf, failsTest } from "../facts/cfg.js";
import { uncancellable, type DeadContext } from "../facts/contexts.js";
import type { Channel } from "../facts/goroutines.js";
import { calleeOf, summarise, type Effect, type FuncDecl } from "../facts/summaries.js";
import { contains, loopBetween, spanOf, unparen } from "../facts/syntax.js";
import { answerCases, namedAnswerer } from "./answers.js";
import type { StrandingContext } from "./stranded.js";

const fileName = (f: FileView) => f.path.slice(f.path.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

/** Reports and returns true when the channel's senders are named goroutines that one way out abandons. */
export function checkNamed(ctx: StrandingContext, ch: Channel, wayOut: (exit: GoNode) => string): boolean {
  const { unit } = ctx;
  if (ch.buffer !== 0) return false;
  const escapes = ch.ops.filter((o) => o.kind === "escape");
  if (escapes.length === 0) return false;
  // The function only receives; every hand-off is to a `go` call of a package function that only sends.
  if (ch.ops.some((o) => o.kind !== "escape" && o.kind !== "recv" && o.kind !== "neutral")) return false;
  const recvs = ch.ops.filter((o) => o.kind === "recv");
  if (recvs.some((r) => r.fn.id !== ch.home.id)) return false;
  const senders: { stmt: GoNode; call: GoNode; decl: FuncDecl; sends: Effect[]; dead: DeadContext | undefined }[] = [];
  for (const e of escapes) {
    const list = e.node.parent;
    const call = list?.type === "argument_list" ? list.parent : null;
    const stmt = call?.parent;
    if (!call || stmt?.type !== "go_statement" || e.fn.id !== ch.home.id) return false;
    const decl = calleeOf(call, { file: unit.file, bindings: unit.bindings, fn: ch.home });
    if (!decl) return false;
    const i = list!.namedChildren.filter((a) => a && a.type !== "comment").findIndex((a) => a?.id === e.node.id);
    const s = summarise(decl);
    if (i < 0 || i >= s.params.length) return false;
    const mine = s.effects.filter((f) => f.target.kind === "param" && f.target.index === i);
    // A send that gives up only on ctx.Done(), handed a context that is never done (shape 7): none.
    const args = list!.namedChildren.filter((a): a is GoNode => !!a && a.type !== "comment");
    const never = (f: Effect) => (f.doneGuards?.length ? f.doneGuards.map((g) => (args[g] ? uncancellable(unparen(args[g]!), unit) : undefined)) : [undefined]);
    if (mine.length === 0 || mine.some((f) => f.op !== "send" || (f.guarded && never(f).some((d) => !d)))) return false;
    senders.push({ stmt, call, decl, sends: mine, dead: mine.flatMap((f) => (f.guarded ? never(f) : [])).find((d): d is DeadContext => !!d) });
  }
  // Goroutines started in a loop, balanced by a receive loop, are the literal rule's counting
  // business (counts.ts): here one sender per go statement, outside loops.
  if (senders.some((s) => loopBetween(s.stmt, ch.home))) return false;
  const cfg = cfgOf(unit, ch.home);
  // A receive loop's header is no way out: running it zero times is the caller's count to get right.
  // Nor is a case that takes the callee's other answer (answers.ts), once it stops after giving it.
  const touches = (n: GoNode, answers: GoNode[]) =>
    recvs.some((r) => contains(n, r.id)) ||
    answers.some((a) => a.id === n.id) ||
    (() => {
      const loop = n.parent?.type === "for_clause" ? n.parent.parent : n.parent;
      return loop?.type === "for_statement" && n.type !== "block" && recvs.some((r) => contains(loop, r.id));
    })();
  const fails = (n: GoNode) => failsTest(n, unit);
  for (const s of senders) {
    const answers = answerCases(unit, ch, recvs, [namedAnswerer(s.call, s.decl)]);
    const avoid = (n: GoNode) => touches(n, answers);
    const first = cfg.firstEnd({ after: s.stmt }, { avoid });
    if (!first) continue;
    // A way out that a passing run takes, else a failing test's (t.Errorf, then return), as for literals.
    const end = cfg.firstEnd({ after: s.stmt }, { avoid: (n) => avoid(n) || fails(n) });
    if (!end) {
      for (const mark of cfg.nodesOnPaths({ after: s.stmt }, fails, { avoid })) {
        const exit = cfg.firstEnd({ after: mark }, { avoid })?.node;
        if (!exit) continue;
        const send = s.sends[0]!;
        ctx.report({
          span: spanOf(ch.make),
          messageId: "failingUnbuffered",
          data: { channel: ch.name, why: `if the test fails on line ${unit.file.lineOf(mark.startIndex)}`, send: `${unit.file.lineOf(s.stmt.startIndex)} (${s.decl.name}(), ${fileName(send.file)}:${send.file.lineOf(send.node.startIndex)})` },
          related: [
            { ...spanOf(send.node), ...at(unit, send.file), message: `${s.decl.name}() sends on it here, with no way to give up` },
            { ...spanOf(mark), message: "this call fails the test" },
            { ...spanOf(exit), message: "this way out skips the receive" },
          ],
          severity: "warning",
          testBounded: true,
        }, { go: s.stmt, make: ch.make, channel: ch.name });
        return true;
      }
      continue;
    }
    const send = s.sends[0]!;
    const related: RelatedLocation[] = [
      { ...spanOf(send.node), ...at(unit, send.file), message: s.dead ? `${s.decl.name}() sends on it here, giving up only when its ctx is done` : `${s.decl.name}() sends on it here, with no way to give up` },
      { ...spanOf(end.node), message: "this way out skips the receive" },
      ...(s.dead ? [{ ...spanOf(s.dead.origin), message: `${s.dead.origin.text} is never cancelled; the caller's ${s.dead.param.text} was at hand` }] : []),
    ];
    ctx.report({
      span: spanOf(ch.make),
      messageId: s.dead ? "namedNeverDone" : "namedSender",
      data: { channel: ch.name, way: wayOut(end.node), callee: `${s.decl.name}()`, go: unit.file.lineOf(s.stmt.startIndex), at: `${fileName(send.file)}:${send.file.lineOf(send.node.startIndex)}`, ctx: s.dead?.name ?? "", origin: s.dead?.origin.text ?? "" },
      related,
    }, s.dead ? undefined : { go: s.stmt, make: ch.make, channel: ch.name });
    return true;
  }
  return false;
}
