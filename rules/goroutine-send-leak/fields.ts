// goroutine-send-leak across functions: a goroutine (a method or function started with `go`, or a
// literal) sends on a channel kept in a struct field, and the package's receivers of that field
// can stop receiving: each receive is a select case next to a cancellation (`<-ctx.Done()`, a
// stop channel that something closes) that leaves, or nothing in the package receives at all.
//
//	func NewWorker() *Worker { return &Worker{results: make(chan Result), stop: make(chan struct{})} }
//	func (w *Worker) Fetch(u string) {
//		go w.fetch(u)                    // reported here
//	}
//	func (w *Worker) fetch(u string) { w.results <- get(u) }   // (maybe in another file)
//	func (w *Worker) Run() {
//		for {
//			select {
//			case r := <-w.results: ...
//			case <-w.stop:               // once Stop closes it, nothing receives: fetch blocks forever
//				return
//			}
//		}
//	}
//
// The field must be unexported and belong to one struct of the package (so every use is in
// sight), made unbuffered everywhere it is made, never closed, ranged over or handed out.
import type { FileView, GoNode, RelatedLocation, RuleContext, Unit } from "../../src/analyzer/types.js";
import { calleeOf, chanField, inSelectWithOthers, summarise, useAt, type ChanField, type FieldUse } from "../facts/summaries.js";
import { enclosingFunction, spanOf, statementsOf, unparen } from "../facts/syntax.js";
import { sendsFitBuffer } from "./onceper.js";

interface FieldSend {
  field: string;
  /** How the field is spelled at the send, e.g. "w.results". */
  text: string;
  node: GoNode;
  file: FileView;
  /** "fetch()" or "the goroutine". */
  sender: string;
}

export function checkFieldSends(ctx: RuleContext): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the receive
  const { unit } = ctx;
  for (const stmt of unit.nodes("go_statement")) {
    const call = stmt?.namedChildren[0];
    if (!stmt || call?.type !== "call_expression") continue;
    const sends = fieldSendsOf(unit, call);
    for (const s of sends) {
      const cf = chanField(unit.file, s.field);
      if (!cf) continue;
      const verdict = abandoned(cf);
      if (!verdict) continue;
      report(ctx, stmt, s, cf, verdict);
      break;
    }
  }
}

/** The unguarded sends on channel fields that the goroutine started by `call` runs. */
function fieldSendsOf(unit: Unit, call: GoNode): FieldSend[] {
  const fn = unparen(call.childForFieldName("function")!);
  const out: FieldSend[] = [];
  const home = enclosingFunction(call);
  if (!home) return out;
  const scope = { file: unit.file, bindings: unit.bindings, fn: home };
  if (fn.type === "func_literal") {
    if (signalsDone(fn)) return out;
    for (const send of unit.nodes("send_statement", fn)) {
      if (!send || inSelectWithOthers(send)) continue;
      const ch = unparen(send.childForFieldName("channel")!);
      if (ch.type !== "selector_expression" || enclosingFunction(send)?.id !== fn.id) continue;
      out.push({ field: ch.childForFieldName("field")!.text, text: ch.text, node: send, file: unit.file, sender: "the goroutine" });
    }
    // Calls in the literal to methods and functions of the package: their field sends.
    for (const c of unit.nodes("call_expression", fn)) {
      if (!c || enclosingFunction(c)?.id !== fn.id) continue;
      const d = calleeOf(c, scope);
      if (d) out.push(...fromSummary(d, `${d.name}()`));
    }
    return out;
  }
  const d = calleeOf(call, scope);
  if (!d || signalsDone(d.node)) return out;
  return fromSummary(d, `${d.name}()`);
}

function fromSummary(d: NonNullable<ReturnType<typeof calleeOf>>, sender: string): FieldSend[] {
  const out: FieldSend[] = [];
  if (signalsDone(d.node)) return out;
  for (const e of summarise(d).effects) {
    if (e.op !== "send" || e.target.kind !== "field" || e.guarded) continue;
    const ch = unparen(e.node.childForFieldName("channel") ?? e.node);
    const field = e.target.path.split(".").pop()!;
    out.push({ field, text: ch.type === "selector_expression" ? ch.text : field, node: e.node, file: e.file, sender: e.in === d.key ? sender : `${e.in.split(".").pop()}()` });
  }
  return out;
}

/** The goroutine calls `x.Done()` (a WaitGroup): someone waits for it, a coordination we do not model. */
function signalsDone(fn: GoNode): boolean {
  return fn.descendantsOfType("call_expression").some((c) => {
    const f = c?.childForFieldName("function");
    return f?.type === "selector_expression" && f.childForFieldName("field")?.text === "Done" && c?.parent?.type !== "unary_expression";
  });
}

interface Verdict {
  /** The receive that can be left, and the case that leaves it. */
  recv?: FieldUse;
  leave?: GoNode;
  /** Nothing receives from a buffered field: a send blocks once the buffer is full. */
  buffered?: boolean;
}

/** Why nobody may receive what a sender sends on the field, or undefined when we cannot tell. */
function abandoned(cf: ChanField): Verdict | undefined {
  const makes = cf.uses.filter((u) => u.kind === "make");
  if (makes.length === 0) return undefined;
  if (cf.uses.some((u) => u.kind === "escape" || u.kind === "close" || u.kind === "range")) return undefined;
  // An exported accessor (`ErrorCh() <-chan error { return s.errCh }`) hands it to callers outside the package.
  if (cf.accessors.some((a) => /^\p{Lu}/u.test(a))) return undefined;
  const recvs = cf.uses.filter((u) => u.kind === "recv");
  // Buffered (any size): with no receive anywhere, the sends fill the buffer and the next one blocks.
  // (Unless every send runs at most once per object and the buffer holds them all: see onceper.ts.)
  if (makes.some((m) => m.buffer !== 0)) return recvs.length === 0 && !sendsFitBuffer(cf) ? { buffered: true } : undefined;
  if (recvs.length === 0) return {};
  let first: Verdict | undefined;
  for (const r of recvs) {
    const leave = r.guarded ? cancellingCase(r, cf) : undefined;
    if (!leave) return undefined;
    first ??= { recv: r, leave };
  }
  return first;
}

/**
 * The other case of the receive's select that stops the receiving: a receive from `x.Done()` or
 * from a channel something closes, whose case returns, or any such case when the select is not
 * in a loop (the receive happens at most once).
 */
function cancellingCase(r: FieldUse, cf: ChanField): GoNode | undefined {
  let n: GoNode | null = r.node;
  while (n && n.type !== "communication_case") n = n.parent;
  const select = n?.parent;
  if (!n || !select) return undefined;
  const inLoop = (() => {
    for (let p = select.parent; p && p.type !== "func_literal" && p.type !== "function_declaration" && p.type !== "method_declaration"; p = p.parent) {
      if (p.type === "for_statement") return true;
    }
    return false;
  })();
  // A drain: the field's case only discards what it receives (`case <-c.msgs:`).
  const comm0 = n.childForFieldName("communication");
  const discards = statementsOf(n).length === 0 && !(comm0?.type === "receive_statement" && comm0.childForFieldName("left"));
  for (const c of select.namedChildren) {
    if (!c || c.id === n.id || c.type !== "communication_case") continue;
    const comm = c.childForFieldName("communication");
    const recv = comm?.type === "receive_statement" ? comm.childForFieldName("right") : comm?.type === "expression_statement" ? comm.namedChildren[0] : comm;
    const op = recv ? unparen(recv) : null;
    if (op?.type !== "unary_expression" || op.childForFieldName("operator")?.text !== "<-") continue;
    const from = unparen(op.childForFieldName("operand")!);
    // In a loop, the case must leave it for good: a cancellation whose case returns. Once, the
    // case must be a cancellation proper (a Done() or a channel something closes): a select
    // between two answers, called again by its caller (an Accept), abandons nothing.
    if (!cancels(from, r.file, inLoop) || (discards && sendersLastWord(from, r.file, cf))) continue;
    if (!inLoop || c.descendantsOfType("return_statement").some((ret) => !!ret && enclosingFunction(ret)?.id === enclosingFunction(c)?.id)) return comm!;
  }
  return undefined;
}

/** `x.Done()`, or a channel field something in the package closes (or, with `sent`, also one it sends on: a stop signal). */
function cancels(from: GoNode, file: FileView, sent: boolean): boolean {
  if (from.type === "call_expression") {
    const f = from.childForFieldName("function");
    return f?.type === "selector_expression" && f.childForFieldName("field")?.text === "Done";
  }
  if (from.type === "selector_expression") {
    const cf = chanField(file, from.childForFieldName("field")!.text);
    return !!cf && cf.uses.some((u) => u.kind === "close" || (sent && u.kind === "send"));
  }
  return false;
}

/**
 * A channel field that only the senders of `cf` send on, each time as their last statement before
 * a `return` (`if err != nil { c.readErr <- err; return }`), and that nothing closes: a drain loop
 * that discards `cf` and leaves on it (`drainRead`: `case <-c.msgs: case <-c.readErr: return`)
 * stops receiving only after the sender has sent its last value on `cf`. It is the sender's end,
 * not a cancellation. (A loop that handles the values and returns on the first error is no drain:
 * with several senders, the others are stranded.)
 */
function sendersLastWord(from: GoNode, file: FileView, cf: ChanField): boolean {
  if (from.type !== "selector_expression") return false;
  const end = chanField(file, from.childForFieldName("field")!.text);
  if (!end || end.name === cf.name || end.uses.some((u) => u.kind === "close" || u.kind === "escape")) return false;
  const senders = new Set(cf.uses.filter((u) => u.kind === "send" && u.decl).map((u) => u.decl!.key));
  const sends = end.uses.filter((u) => u.kind === "send");
  return sends.length > 0 && sends.every((u) => !u.guarded && !!u.decl && senders.has(u.decl.key) && u.node.type === "send_statement" && u.node.nextNamedSibling?.type === "return_statement");
}

const where = (unit: Unit, file: FileView, node: GoNode) => `${baseName(file.path)}:${file.lineOf(node.startIndex)}`;
const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const at = (unit: Unit, file: FileView, node: GoNode): Pick<RelatedLocation, "file"> => (file.path === unit.file.path ? {} : { file });

function report(ctx: RuleContext, stmt: GoNode, s: FieldSend, cf: ChanField, v: Verdict): void {
  const { unit } = ctx;
  const related: RelatedLocation[] = [{ ...spanOf(s.node), ...at(unit, s.file, s.node), message: `this send on ${s.text} blocks until someone receives` }];
  const make = cf.uses.find((u) => u.kind === "make");
  if (!v.recv || !v.leave) {
    if (make) related.push({ ...spanOf(make.node), ...at(unit, make.file, make.node), message: madeHere(cf.name, v) });
    ctx.report({
      span: spanOf(stmt.child(0)!),
      messageId: v.buffered ? "fieldNeverReceivedBuffered" : "fieldNeverReceived",
      data: { field: s.text, sender: s.sender, at: where(unit, s.file, s.node) },
      related,
    });
    return;
  }
  const recvIn = v.recv.decl ? `${v.recv.decl.name}()` : "the receiver";
  related.push({ ...spanOf(v.recv.node), ...at(unit, v.recv.file, v.recv.node), message: `this receive from ${cf.name} can be skipped` });
  related.push({ ...spanOf(v.leave), ...at(unit, v.recv.file, v.leave), message: `once this case is taken, nothing receives from ${cf.name}` });
  ctx.report({
    span: spanOf(stmt.child(0)!),
    messageId: "fieldAbandoned",
    data: { leave: v.leave.text, receiver: recvIn, field: s.text, sender: s.sender, at: where(unit, s.file, s.node) },
    related,
  });
}

//	func (m *Mux) distribute() {
//		for _, w := range m.watchers {
//			w.result <- ev                 // reported: nothing in the package receives from result
//		}
//	}
/** A send, outside the goroutines reported above, on a channel field nothing in the package receives from. */
export function checkUnreceivedSends(ctx: RuleContext): void {
  if (!ctx.file.packageComplete()) return; // a file left unread may hold the receive
  const { unit } = ctx;
  for (const send of unit.nodes("send_statement")) {
    if (!send || inSelectWithOthers(send)) continue;
    const fn = enclosingFunction(send);
    if (fn?.type === "func_literal" && fn.parent?.parent?.type === "go_statement") continue;
    // A function the package starts with `go` is reported at its go statements (checkFieldSends).
    if (fn && fn.type !== "func_literal" && startedWithGo(unit.file).has(fn.childForFieldName("name")?.text ?? "")) continue;
    const ch = unparen(send.childForFieldName("channel")!);
    if (ch.type !== "selector_expression") continue;
    const cf = chanField(unit.file, ch.childForFieldName("field")!.text);
    if (!cf || !useAt(cf.uses, unit.file, send)) continue;
    const v = abandoned(cf);
    if (!v || v.recv) continue;
    const make = cf.uses.find((u) => u.kind === "make")!;
    ctx.report({
      span: spanOf(send),
      messageId: v.buffered ? "fieldSendUnreceivedBuffered" : "fieldSendUnreceived",
      data: { field: ch.text },
      related: [{ ...spanOf(make.node), ...at(unit, make.file, make.node), message: madeHere(cf.name, v) }],
    });
  }
}

const madeHere = (name: string, v: Verdict) => (v.buffered ? `${name} is made here, buffered, and nothing receives what the buffer holds` : `${name} is made unbuffered here`);

/** Names of the functions and methods the package starts with `go f(...)` / `go x.m(...)`. */
function startedWithGo(file: FileView): Set<string> {
  const names = new Set<string>();
  for (const f of [file, ...file.packageFiles()]) {
    const own = f.memo("send-leak.goNames", () => {
      const out: string[] = [];
      if (!/\bgo\s/.test(f.source)) return out;
      for (const g of f.wholeRoot().descendantsOfType("go_statement")) {
        const fn = g?.namedChildren[0]?.childForFieldName("function");
        const name = fn?.type === "selector_expression" ? fn.childForFieldName("field")?.text : fn?.type === "identifier" ? fn.text : undefined;
        if (name) out.push(name);
      }
      return out;
    });
    for (const n of own) names.add(n);
  }
  return names;
}
