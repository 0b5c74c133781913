// goroutine-send-leak: a sender's select whose only other case is the Done() of a context that
// only a `defer cancel()` of the starting function cancels, while that function waits for the
// goroutine (`wg.Wait()`) before it receives. The deferred cancel cannot run before the wait
// returns, and the wait cannot return before the send: the select has no way out (deadlock).
//
//	ctx, cancel := context.WithCancel(context.Background())
//	defer cancel()                     // runs only when Sync returns
//	errc := make(chan error)           // reported here
//	var wg sync.WaitGroup
//	wg.Add(1)
//	go func() {
//		defer wg.Done()
//		select {
//		case errc <- s.push(ctx):
//		case <-ctx.Done():             // fires only after Sync returns
//		}
//	}()
//	wg.Wait()                          // waits for the goroutine, which waits for a receive
//	return <-errc
//
// The context must come from WithCancel of a context that is never done (Background, TODO, or
// WithValue of those): a caller's ctx, a timeout or a deadline can fire while the function waits.
import type { Binding, GoNode, RuleContext, Unit } from "../../src/analyzer/types.js";
import { cfgOf } from "../facts/cfg.js";
import { packageCallee } from "../facts/calls.js";
import { doneCaseOperand, neverDone } from "../facts/contexts.js";
import type { Channel, GoroutineSite } from "../facts/goroutines.js";
import { contains, enclosingFunction, spanOf, unparen } from "../facts/syntax.js";
import { isWaitGroup, sameVariable } from "../facts/waitgroups.js";

interface Deferred {
  /** `ctx` as the case names it. */
  name: string;
  /** The `defer cancel()` statements (none when the cancel func is discarded). */
  defers: GoNode[];
}

/** Reports and returns true when a joined sender's only way out is a context cancelled after the join. */
export function checkJoined(ctx: RuleContext, ch: Channel): boolean {
  const { unit } = ctx;
  if (ch.buffer !== 0 || !unit.file.source.includes("Wait()") || ch.ops.some((o) => o.kind === "escape")) return false;
  const sends = ch.ops.filter((o) => o.kind === "send");
  const recvs = ch.ops.filter((o) => o.kind === "recv" || o.kind === "range");
  if (sends.length === 0 || !sends.every((s) => s.site && s.site.home.id === ch.home.id && s.select)) return false;
  if (!recvs.every((r) => r.fn.id === ch.home.id)) return false;
  let dc: Deferred | undefined;
  for (const s of sends) {
    for (const c of s.select!.namedChildren) {
      if (!c || c.type === "comment" || (c.type === "communication_case" && contains(c, s.id))) continue;
      const d = c.type === "communication_case" ? deferredOnly(c, unit, ch.home) : undefined;
      if (!d) return false;
      dc ??= d;
    }
  }
  if (!dc) return false;
  const cfg = cfgOf(unit, ch.home);
  const touches = (n: GoNode) => recvs.some((r) => contains(n, r.id));
  for (const site of new Set(sends.map((s) => s.site!))) {
    const join = cfg.nodesOnPaths({ after: site.stmt }, (n) => joins(n, site, unit), { avoid: touches })[0];
    if (!join) continue;
    const send = sends.find((s) => s.site === site)!;
    const line = (n: GoNode) => unit.file.lineOf(n.startIndex);
    ctx.report({
      span: spanOf(ch.make),
      messageId: "joinedDeadlock",
      data: { wait: unparen(join.namedChildren[0]!).text, line: line(join), go: line(site.stmt), channel: ch.name, ctx: dc.name },
      related: [
        { ...spanOf(send.node), message: `this send waits for a receive that comes only after line ${line(join)}` },
        { ...spanOf(join), message: "this waits for the goroutine before receiving" },
        ...dc.defers.map((d) => ({ ...spanOf(d), message: `${dc!.name} is cancelled only here, when the function returns` })),
      ],
    });
    return true;
  }
  return false;
}

/** `wg.Wait()` as a statement, with the goroutine calling `wg.Done()` on the same WaitGroup. */
function joins(n: GoNode, site: GoroutineSite, unit: Unit): boolean {
  const call = n.type === "expression_statement" ? unparen(n.namedChildren[0]!) : null;
  const f = call?.type === "call_expression" ? call.childForFieldName("function") : null;
  if (f?.type !== "selector_expression" || f.childForFieldName("field")?.text !== "Wait") return false;
  const wg = f.childForFieldName("operand")!;
  if (!isWaitGroup(wg, unit)) return false;
  return unit.nodes("call_expression", site.lit).some((c) => {
    const g = c?.childForFieldName("function");
    return g?.type === "selector_expression" && g.childForFieldName("field")?.text === "Done" && sameVariable(g.childForFieldName("operand")!, wg, unit);
  });
}

//	ctx, cancel := context.WithCancel(context.Background())
//	defer cancel()
/** The case receives from `ctx.Done()`, ctx made as above in `home` and cancelled only by deferred calls there. */
function deferredOnly(clause: GoNode, unit: Unit, home: GoNode): Deferred | undefined {
  const x = doneCaseOperand(clause);
  if (x?.type !== "identifier") return undefined;
  const b = unit.bindings.resolve(x);
  const d = b?.decl;
  if (!b || b.kind !== "var" || d?.type !== "short_var_declaration" || enclosingFunction(d)?.id !== home.id || reassigned(b)) return undefined;
  const left = d.childForFieldName("left")?.namedChildren.filter((n) => n?.type === "identifier") ?? [];
  const right = d.childForFieldName("right")?.namedChildren.filter((n) => !!n && n.type !== "comment") ?? [];
  const made = right.length === 1 ? unparen(right[0]!) : null;
  const callee = made?.type === "call_expression" ? packageCallee(made, unit, ["context"]) : undefined;
  if (left.length !== 2 || left[0]?.id !== b.id.id || callee?.pkg !== "context" || callee.name !== "WithCancel") return undefined;
  const parent = made!.childForFieldName("arguments")?.namedChildren.find((a) => !!a && a.type !== "comment");
  if (!parent || !neverDone(parent, unit)) return undefined;
  const cancelId = left[1]!;
  if (cancelId.text === "_") return { name: x.text, defers: [] };
  const cancel = unit.bindings.declaredBy(cancelId);
  if (!cancel) return undefined;
  const defers: GoNode[] = [];
  for (const u of cancel.uses) {
    const c = u.parent;
    const stmt = c?.parent;
    if (c?.type !== "call_expression" || c.childForFieldName("function")?.id !== u.id || stmt?.type !== "defer_statement" || enclosingFunction(stmt)?.id !== home.id) return undefined;
    defers.push(stmt);
  }
  return { name: x.text, defers };
}

/** Assigned again or its address taken. */
function reassigned(b: Binding): boolean {
  return b.uses.some((u) => {
    if (u.parent?.type === "unary_expression" && u.parent.childForFieldName("operator")?.type === "&") return true;
    const p = u.parent?.type === "expression_list" ? u.parent.parent : u.parent;
    return (p?.type === "assignment_statement" || p?.type === "short_var_declaration") && !!p.childForFieldName("left") && contains(p.childForFieldName("left")!, u);
  });
}
