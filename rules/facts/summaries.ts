// Function summaries across the package: what a function or method does to the channels it is
// given (parameters) or holds (fields of its receiver), so that a call site reads like the
// operations it stands for. Shared by goroutine-send-leak and goroutine-recv-leak.
//
//	func (w *W) run(ctx context.Context, out chan<- Event) {   // summary of W.run:
//		for {                                                   //   param 1: send, in a loop, guarded
//			select {                                            //   param 0: waits for ctx.Done()
//			case out <- w.next():                               //   field w.events: recv, unguarded
//			case <-ctx.Done():
//				return
//			}
//		}
//	}
//
// A call to another function of the package inside a summarised function is read through that
// function's summary (parameters mapped to arguments, a method called on the same receiver keeps
// its field effects), a `go` statement too (its effects are marked as running in a goroutine).
// Functions are found in the file and in the other files of its package (FileView.packageFiles()),
// so the evidence of a finding may lie in a sibling file; each effect carries its file.
//
// Summaries are memoised on the FileView of the function's file: a sibling file's summaries are
// computed once per analysis run, whichever touched file of the package asks first.
import type { Binding, Bindings, FileView, GoNode } from "../../src/analyzer/types.js";
import { enclosingFunction, unparen } from "./syntax.js";

/** What a channel expression of a function refers to, seen from its callers. */
export type Target = { kind: "param"; index: number } | { kind: "field"; path: string };

export type EffectOp = "send" | "recv" | "range" | "close" | "escape";

export interface Effect {
  op: EffectOp;
  target: Target;
  /** The operation: a send statement, a `<-x` expression, a ranging for statement, a close call, a call that hands it on. */
  node: GoNode;
  /** The file `node` is in. */
  file: FileView;
  /** The name of the function the operation is written in ("run", "W.run"). */
  in: string;
  /** A send or receive that is one case of a select with another case or a default: it can give up. */
  guarded: boolean;
  /**
   * For a guarded operation of the function itself: the parameters whose `<-p.Done()` are all its
   * select's other cases (`case <-ctx.Done():`); undefined when another case or a default exists.
   * A caller that passes a context that is never done there leaves it no way out.
   */
  doneGuards?: number[];
  /** Inside a for loop of its function. */
  inLoop: boolean;
  /** Runs in a goroutine the summarised function starts (`go f(ch)`, `go func(){...}()`). */
  inGoroutine: boolean;
}

export interface FuncDecl {
  /** `F` or `T.M` (pointer stripped). */
  key: string;
  name: string;
  /** The receiver's type name, for methods. */
  recvType: string | undefined;
  node: GoNode;
  file: FileView;
}

export interface Summary {
  decl: FuncDecl;
  /** Parameter names by position (undefined for `_`, unnamed or variadic ones). */
  params: (string | undefined)[];
  effects: Effect[];
  /** Targets the function waits on as `<-x.Done()` (a context parameter or field): blocks until it is cancelled. */
  waitsDone: Target[];
  /** A receiver field the function returns as it is (`return s.quit`): an accessor. */
  returnsField: string | undefined;
  /** A channel made in the function, returned, that a goroutine the function starts sends on. */
  produces: { make: GoNode; send: GoNode; guarded: boolean; closed: boolean } | undefined;
}

const MAX_DEPTH = 4;

/**
 * Every function and method of the file's package (this file and its package files), by key: the
 * file's own declarations first, then the package's, indexed once per package (on a sibling's
 * view, which every touched file of the package shares) rather than once per file.
 */
function packageFuncs(file: FileView): ReadonlyMap<string, FuncDecl> {
  return file.memo("summaries.funcs", () => overlay(file, fileFuncs(file), (f) => fileFuncs(f), (d) => d.key, "summaries.sharedFuncs"));
}

/** The file's own entries, then the package's entries from other files (an index shared through a sibling's memo). */
function overlay<T extends { file: FileView }>(file: FileView, own: T[], of: (f: FileView) => T[], key: (t: T) => string, memoKey: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const t of own) if (!out.has(key(t))) out.set(key(t), t);
  const siblings = file.packageFiles();
  if (siblings.length === 0) return out;
  const anchor = siblings[0]!;
  const shared = anchor.memo(memoKey, () => {
    const all = new Map<string, T[]>();
    for (const f of [anchor, ...anchor.packageFiles()]) {
      for (const t of of(f)) {
        const l = all.get(key(t));
        if (l) l.push(t);
        else all.set(key(t), [t]);
      }
    }
    return all;
  });
  for (const [k, ts] of shared) {
    if (out.has(k)) continue;
    const t = ts.find((x) => x.file.path !== file.path);
    if (t) out.set(k, t);
  }
  return out;
}

/** The function and method declarations of one file. */
function fileFuncs(file: FileView): FuncDecl[] {
  return file.memo("summaries.fileFuncs", () => {
    const out: FuncDecl[] = [];
    for (const n of file.wholeRoot().namedChildren) {
      if (!n || (n.type !== "function_declaration" && n.type !== "method_declaration")) continue;
      const name = n.childForFieldName("name")?.text;
      if (!name || !n.childForFieldName("body")) continue;
      const recvType = n.type === "method_declaration" ? receiverType(n) : undefined;
      out.push({ key: recvType ? `${recvType}.${name}` : name, name, recvType, node: n, file });
    }
    return out;
  });
}

function receiverType(method: GoNode): string | undefined {
  const p = method.childForFieldName("receiver")?.namedChildren.find((c) => c?.type === "parameter_declaration");
  return typeName(p?.childForFieldName("type") ?? null);
}

/** `T`, `*T`, `T[K]` → "T"; undefined for other type expressions. */
function typeName(t: GoNode | null): string | undefined {
  let n = t;
  while (n && (n.type === "pointer_type" || n.type === "parenthesized_type")) n = n.namedChildren[0] ?? null;
  if (n?.type === "generic_type") n = n.childForFieldName("type");
  return n?.type === "type_identifier" ? n.text : undefined;
}

/** Parameter identifiers by position. */
function paramIds(fn: GoNode): (GoNode | undefined)[] {
  const out: (GoNode | undefined)[] = [];
  for (const p of fn.childForFieldName("parameters")?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === "variadic_parameter_declaration") out.push(undefined);
    if (p.type !== "parameter_declaration") continue;
    const ids = p.childrenForFieldName("name").filter((x): x is GoNode => !!x && x.type === "identifier");
    if (ids.length === 0) out.push(undefined);
    else out.push(...ids.map((i) => (i.text === "_" ? undefined : i)));
  }
  return out;
}

/** The receiver's name of a method, when it has one. */
function receiverName(fn: GoNode): string | undefined {
  const p = fn.childForFieldName("receiver")?.namedChildren.find((c) => c?.type === "parameter_declaration");
  const id = p?.childrenForFieldName("name").find((x) => x?.type === "identifier");
  return id && id.text !== "_" ? id.text : undefined;
}

/** The summary of a declaration (memoised on its own file). */
export function summarise(decl: FuncDecl, depth = 0): Summary {
  const cache = decl.file.memo("summaries.byDecl", () => new Map<number, Summary | null>());
  const have = cache.get(decl.node.id);
  if (have) return have;
  // A recursive call, or a chain too deep, reads as "unknown": an empty summary that escapes nothing.
  if (have === null || depth > MAX_DEPTH) return { decl, params: [], effects: [], waitsDone: [], returnsField: undefined, produces: undefined };
  cache.set(decl.node.id, null);
  const s = compute(decl, depth);
  cache.set(decl.node.id, s);
  return s;
}

/** What a channel expression of `fn` refers to: a parameter, or a field path of the receiver. */
function targetOf(expr: GoNode, ctx: Ctx): Target | undefined {
  const e = unparen(expr);
  if (e.type === "identifier") {
    const b = ctx.bindings.resolve(e);
    const i = b && b.kind === "param" ? ctx.params.findIndex((p) => p?.id === b.id.id) : -1;
    return i >= 0 ? { kind: "param", index: i } : undefined;
  }
  if (e.type === "selector_expression") {
    const path = fieldPath(e, ctx);
    if (path) return { kind: "field", path };
  }
  if (e.type === "call_expression" && (e.childForFieldName("arguments")?.namedChildren.length ?? 0) === 0) {
    // r.quit() where the method returns its receiver's field: the field itself.
    const fn = e.childForFieldName("function");
    const operand = fn?.type === "selector_expression" ? fn.childForFieldName("operand") : null;
    if (operand?.type === "identifier" && ctx.recv && ctx.bindings.resolve(operand)?.id.id === ctx.recv.id) {
      const m = packageFuncs(ctx.decl.file).get(`${ctx.decl.recvType}.${fn!.childForFieldName("field")!.text}`);
      const f = m ? summarise(m, ctx.depth + 1).returnsField : undefined;
      if (f) return { kind: "field", path: f };
    }
  }
  return undefined;
}

/** `r.a.b` with r the receiver: "a.b". */
function fieldPath(sel: GoNode, ctx: Ctx): string | undefined {
  const parts: string[] = [];
  let n: GoNode | null = sel;
  while (n?.type === "selector_expression") {
    parts.unshift(n.childForFieldName("field")?.text ?? "?");
    n = n.childForFieldName("operand");
  }
  if (n?.type !== "identifier" || !ctx.recv) return undefined;
  const b = ctx.bindings.resolve(n);
  return b && b.id.id === ctx.recv.id ? parts.join(".") : undefined;
}

interface Ctx {
  decl: FuncDecl;
  bindings: Bindings;
  params: (GoNode | undefined)[];
  recv: GoNode | undefined;
  depth: number;
}

function compute(decl: FuncDecl, depth: number): Summary {
  const fn = decl.node;
  const file = decl.file;
  const bindings = file.bindingsOf(fn);
  const params = paramIds(fn);
  const recvName = receiverName(fn);
  const recvBinding = recvName ? bindings.all.find((b) => b.kind === "receiver" && b.name === recvName) : undefined;
  const ctx: Ctx = { decl, bindings, params, recv: recvBinding?.id, depth };
  const effects: Effect[] = [];
  const waitsDone: Target[] = [];
  const body = fn.childForFieldName("body")!;
  const where = (node: GoNode) => {
    let inLoop = false;
    let inGoroutine = false;
    for (let p = node.parent; p && p.id !== fn.id; p = p.parent) {
      if (p.type === "for_statement" && !inGoroutine) inLoop = true;
      if (p.type === "func_literal") {
        const call = p.parent?.type === "call_expression" ? p.parent : null;
        if (call?.parent?.type === "go_statement" || isGoCall(call)) inGoroutine = true;
      }
    }
    return { inLoop, inGoroutine };
  };
  const add = (op: EffectOp, target: Target | undefined, node: GoNode, guarded = false, extra?: Partial<Effect>) => {
    if (!target) return;
    effects.push({ op, target, node, file, in: decl.key, guarded, ...where(node), ...extra });
  };
  const walk = (n: GoNode) => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      visit(c);
      walk(c);
    }
  };
  const visit = (n: GoNode) => {
    switch (n.type) {
      case "send_statement": {
        const ch = n.childForFieldName("channel");
        const guarded = inSelectWithOthers(n);
        if (ch) add("send", targetOf(ch, ctx), n, guarded, guarded ? { doneGuards: doneGuards(n, ctx) } : undefined);
        return;
      }
      case "unary_expression": {
        if (n.childForFieldName("operator")?.text !== "<-") return;
        const operand = n.childForFieldName("operand");
        if (!operand) return;
        const done = doneOf(operand, ctx);
        if (done) {
          if (!inSelectWithOthers(n)) waitsDone.push(done);
          return;
        }
        add("recv", targetOf(operand, ctx), n, inSelectWithOthers(n));
        return;
      }
      case "range_clause": {
        const right = n.childForFieldName("right");
        if (right && n.parent) add("range", targetOf(right, ctx), n.parent);
        return;
      }
      case "call_expression": {
        call(n);
        return;
      }
      default:
        return;
    }
  };
  const call = (n: GoNode) => {
    const f = n.childForFieldName("function");
    const args = (n.childForFieldName("arguments")?.namedChildren ?? []).filter((a): a is GoNode => !!a && a.type !== "comment");
    if (f?.type === "identifier" && !bindings.resolve(f)) {
      if (f.text === "close" && args[0]) return add("close", targetOf(args[0], ctx), n);
      if (["len", "cap"].includes(f.text)) return;
    }
    const callee = calleeOf(n, { file, bindings, recv: ctx.recv, recvType: decl.recvType, fn });
    const inGo = n.parent?.type === "go_statement";
    if (callee && callee.node.id !== fn.id) {
      const s = summarise(callee, depth + 1);
      // Arguments that are our targets take the callee's effects on the matching parameter.
      args.forEach((a, i) => {
        const t = targetOf(a, ctx);
        if (!t) return;
        const mine = s.effects.filter((e) => e.target.kind === "param" && e.target.index === i);
        if (mine.length === 0 && !s.params[i] && i >= s.params.length) add("escape", t, n);
        for (const e of mine) effects.push({ ...e, target: t, doneGuards: undefined, inGoroutine: e.inGoroutine || inGo || where(n).inGoroutine, inLoop: e.inLoop || where(n).inLoop });
        for (const w of s.waitsDone) if (w.kind === "param" && w.index === i) waitsDone.push(t);
      });
      // A method called on our own receiver keeps its field effects.
      const operand = f?.type === "selector_expression" ? f.childForFieldName("operand") : null;
      if (operand?.type === "identifier" && ctx.recv && bindings.resolve(operand)?.id.id === ctx.recv.id && callee.recvType === decl.recvType) {
        for (const e of s.effects) {
          if (e.target.kind === "field") effects.push({ ...e, doneGuards: undefined, inGoroutine: e.inGoroutine || inGo || where(n).inGoroutine, inLoop: e.inLoop || where(n).inLoop });
        }
        for (const w of s.waitsDone) if (w.kind === "field") waitsDone.push(w);
      }
      return;
    }
    // Handed to something we cannot read (another package, an interface, a func value): unknown.
    for (const a of args) {
      const t = targetOf(a, ctx);
      if (t) add("escape", t, n);
    }
  };
  walk(body);
  // Stored, returned, assigned or captured other than by the operations above: also unknown,
  // but only for parameters (fields are tracked across the package by fieldUses).
  for (const [i, p] of params.entries()) {
    const b = p ? bindings.declaredBy(p) : undefined;
    for (const use of b?.uses ?? []) if (escapes(use)) add("escape", { kind: "param", index: i }, use);
  }
  return { decl, params: params.map((p) => p?.text), effects, waitsDone, returnsField: returnedField(body, ctx), produces: producer(fn, body, bindings) };
}

/** `g.Go(func...)` and friends run their argument in a goroutine. */
function isGoCall(call: GoNode | null): boolean {
  const f = call?.childForFieldName("function");
  return f?.type === "selector_expression" && f.childForFieldName("field")?.text === "Go";
}

/** A send or receive that is the communication of a select case next to other cases or a default. */
export function inSelectWithOthers(op: GoNode): boolean {
  // Each parent read once (every read is a call into WASM and a new node).
  let n = op;
  let p = n.parent;
  if (p?.type === "receive_statement") [n, p] = [p, p.parent];
  if (p?.type === "expression_statement") [n, p] = [p, p.parent];
  const clause = p;
  if (clause?.type !== "communication_case" || clause.childForFieldName("communication")?.id !== n.id) return false;
  const cases = clause.parent?.namedChildren.filter((c) => c?.type === "communication_case" || c?.type === "default_case").length ?? 0;
  return cases > 1;
}

//	select {
//	case out <- v:
//	case <-ctx.Done():                 // ctx: parameter 0
//	}
/** The parameters whose Done() the op's select's other cases receive from, when those are all its other cases. */
function doneGuards(op: GoNode, ctx: Ctx): number[] | undefined {
  const clause = op.parent;
  const out: number[] = [];
  for (const c of clause?.parent?.namedChildren ?? []) {
    if (!c || c.type === "comment" || c.id === clause!.id) continue;
    if (c.type !== "communication_case") return undefined;
    const comm = c.childForFieldName("communication");
    const right = comm?.type === "receive_statement" ? comm.childForFieldName("right") : comm?.type === "expression_statement" ? comm.namedChildren[0] : comm;
    const recv = right ? unparen(right) : null;
    const operand = recv?.type === "unary_expression" && recv.childForFieldName("operator")?.text === "<-" ? recv.childForFieldName("operand") : null;
    const t = operand ? doneOf(operand, ctx) : undefined;
    if (t?.kind !== "param") return undefined;
    out.push(t.index);
  }
  return out.length > 0 ? out : undefined;
}

/** `x.Done()` with x a context parameter or field: the target of x. */
function doneOf(operand: GoNode, ctx: Ctx): Target | undefined {
  const e = unparen(operand);
  if (e.type !== "call_expression") return undefined;
  const f = e.childForFieldName("function");
  if (f?.type !== "selector_expression" || f.childForFieldName("field")?.text !== "Done") return undefined;
  const x = f.childForFieldName("operand");
  return x ? targetOf(x, ctx) : undefined;
}

/** A use that hands the value somewhere we do not follow. */
function escapes(use: GoNode): boolean {
  let n = use;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (p.type === "send_statement") return p.childForFieldName("value")?.id === n.id;
  if (p.type === "unary_expression" && p.childForFieldName("operator")?.text === "<-") return false;
  if (p.type === "range_clause" || p.type === "argument_list") return false;
  if (p.type === "binary_expression") return false;
  if (p.type === "selector_expression") return false;
  // Returned, assigned, stored in a composite literal, captured: out of sight.
  return true;
}

/** `return r.f` as the function's only return: an accessor of field f. */
function returnedField(body: GoNode, ctx: Ctx): string | undefined {
  const rets = body.descendantsOfType("return_statement").filter((r): r is GoNode => !!r && enclosingFunction(r)?.id === ctx.decl.node.id);
  const fields = new Set<string>();
  for (const r of rets) {
    const v = r.namedChildren[0]?.namedChildren;
    if (!v || v.length !== 1 || !v[0]) continue;
    const e = unparen(v[0]);
    if (e.type === "nil") continue;
    const p = e.type === "selector_expression" ? fieldPath(e, ctx) : undefined;
    if (!p) return undefined;
    fields.add(p);
  }
  return fields.size === 1 ? [...fields][0] : undefined;
}

//	func watch() <-chan Event {
//		ch := make(chan Event)          // produces.make
//		go func() {
//			for ... { ch <- e }         // produces.send
//		}()
//		return ch
//	}
function producer(fn: GoNode, body: GoNode, bindings: Bindings): Summary["produces"] {
  for (const r of body.descendantsOfType("return_statement")) {
    if (!r || enclosingFunction(r)?.id !== fn.id) continue;
    const v = r.namedChildren[0]?.namedChildren.filter((x) => x && x.type !== "comment") ?? [];
    for (const e of v) {
      const id = e ? unparen(e) : null;
      const b = id?.type === "identifier" ? bindings.resolve(id) : undefined;
      const made = b ? madeChannel(b) : undefined;
      if (!b || !made) continue;
      let send: GoNode | undefined;
      let guarded = false;
      let closed = false;
      let other = false;
      for (const u of b.uses) {
        const p = u.parent;
        const lit = enclosingFunction(u);
        const inGo = !!lit && lit.id !== fn.id && lit.parent?.type === "call_expression" && lit.parent.parent?.type === "go_statement";
        if (p?.type === "send_statement" && p.childForFieldName("channel")?.id === u.id && inGo) {
          send ??= p;
          guarded ||= inSelectWithOthers(p);
        } else if (p?.type === "argument_list" && p.parent?.childForFieldName("function")?.text === "close") closed = true;
        else if (p?.type === "expression_list" && p.parent?.type === "return_statement") continue;
        else other = true;
      }
      if (send && !other) return { make: made, send, guarded, closed };
    }
  }
  return undefined;
}

/** The unbuffered `make(chan T)` a local is declared with. */
function madeChannel(b: Binding): GoNode | undefined {
  if (b.decl.type !== "short_var_declaration" && b.decl.type !== "var_spec") return undefined;
  const right = b.decl.childForFieldName(b.decl.type === "var_spec" ? "value" : "right");
  const v = right?.namedChildren[0];
  const call = v ? unparen(v) : null;
  if (call?.type !== "call_expression" || call.childForFieldName("function")?.text !== "make") return undefined;
  const args = call.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
  return args[0]?.type === "channel_type" && args.length === 1 ? call : undefined;
}

export interface CallScope {
  file: FileView;
  bindings: Bindings;
  /** The receiver's identifier and type, when the call is in a method. */
  recv?: GoNode | undefined;
  recvType?: string | undefined;
  /** The function the call is written in. */
  fn: GoNode;
}

/** The package function or method a call invokes, when the syntax tells it (see exprType). */
export function calleeOf(call: GoNode, scope: CallScope): FuncDecl | undefined {
  const f = call.childForFieldName("function");
  if (!f) return undefined;
  const fn = unparen(f);
  if (fn.type === "identifier") {
    if (scope.bindings.resolve(fn) || !declaresFunc(scope.file, fn.text)) return undefined;
    const d = packageFuncs(scope.file).get(fn.text);
    return d && !d.recvType ? d : undefined;
  }
  if (fn.type !== "selector_expression") return undefined;
  const operand = fn.childForFieldName("operand");
  const name = fn.childForFieldName("field")?.text;
  if (!operand || !name || !declaresFunc(scope.file, name)) return undefined;
  const t = exprType(operand, scope);
  return t ? packageFuncs(scope.file).get(`${t}.${name}`) : undefined;
}

/**
 * Whether a file of the package declares a function or method of this name, read from the source
 * text alone: a call to anything else (most calls) never needs the package's functions indexed,
 * which would parse every file of the package whole.
 */
function declaresFunc(file: FileView, name: string): boolean {
  return [file, ...file.packageFiles()].some((f) => funcNames(f).has(name));
}

function funcNames(file: FileView): ReadonlySet<string> {
  return file.memo("summaries.funcNames", () => new Set([...file.source.matchAll(/^func[ \t]*(?:\([^)\n]*\)[ \t]*)?([\p{L}_][\p{L}\p{N}_]*)/gmu)].map((m) => m[1]!)));
}

/**
 * The package type an expression holds, from the syntax: the receiver, a parameter or variable
 * declared with that type, `&T{}`, `T{}`, `new(T)`, `x.(*T)`, a package function's declared
 * result, or a field of such a value declared with that type.
 */
function exprType(expr: GoNode, scope: CallScope, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  const e = unparen(expr);
  if (e.type === "identifier") {
    const b = scope.bindings.resolve(e);
    if (!b) return undefined;
    if (b.type) return typeName(b.type);
    if (b.kind !== "var") return undefined;
    if (b.decl.type !== "short_var_declaration" && b.decl.type !== "var_spec") return undefined;
    const left = b.decl.type === "var_spec" ? b.decl.childrenForFieldName("name").filter((x) => x?.type === "identifier") : (b.decl.childForFieldName("left")?.namedChildren ?? []);
    const right = b.decl.childForFieldName(b.decl.type === "var_spec" ? "value" : "right")?.namedChildren.filter((x) => x && x.type !== "comment") ?? [];
    const i = left.findIndex((x) => x?.id === b.id.id);
    const v = right.length === left.length ? right[i] : i === 0 ? right[0] : undefined;
    return v ? exprType(v, scope, depth + 1) : undefined;
  }
  if (e.type === "unary_expression" && e.childForFieldName("operator")?.text === "&") {
    const o = e.childForFieldName("operand");
    return o ? exprType(o, scope, depth + 1) : undefined;
  }
  if (e.type === "composite_literal") return typeName(e.childForFieldName("type"));
  if (e.type === "type_assertion_expression") return typeName(e.childForFieldName("type"));
  if (e.type === "call_expression") {
    const f = e.childForFieldName("function");
    if (f?.type === "identifier" && f.text === "new" && !scope.bindings.resolve(f)) {
      const a = e.childForFieldName("arguments")?.namedChildren[0];
      return a ? typeName(a) : undefined;
    }
    const d = calleeOf(e, scope);
    const result = d?.node.childForFieldName("result");
    if (!result) return undefined;
    if (result.type === "parameter_list") {
      const first = result.namedChildren.find((c) => c?.type === "parameter_declaration");
      return typeName(first?.childForFieldName("type") ?? null);
    }
    return typeName(result);
  }
  if (e.type === "selector_expression") {
    const o = e.childForFieldName("operand");
    const t = o ? exprType(o, scope, depth + 1) : undefined;
    const field = e.childForFieldName("field")?.text;
    return t && field ? fieldTypeName(scope.file, t, field) : undefined;
  }
  return undefined;
}

/** The struct types of the package: type name → its struct_type node and file. */
export function packageStructs(file: FileView): ReadonlyMap<string, { node: GoNode; file: FileView }> {
  return file.memo("summaries.structs", () => {
    const structs = (f: FileView) =>
      f.memo("summaries.fileStructs", () => {
        const out: { name: string; node: GoNode; file: FileView }[] = [];
        for (const d of f.decls) if (d.kind === "type" && d.type?.type === "struct_type" && d.names[0]) out.push({ name: d.names[0], node: d.type, file: f });
        return out;
      });
    return overlay(file, structs(file), structs, (t) => t.name, "summaries.sharedStructs");
  });
}

/** The declared type of field `field` of struct type `t`; embedded fields are searched one level. */
export function fieldDecl(file: FileView, t: string, field: string): GoNode | undefined {
  const s = packageStructs(file).get(t);
  const list = s?.node.namedChildren.find((c) => c?.type === "field_declaration_list");
  for (const fd of list?.namedChildren ?? []) {
    if (fd?.type !== "field_declaration") continue;
    if (fd.childrenForFieldName("name").some((n) => n?.text === field)) return fd.childForFieldName("type") ?? undefined;
  }
  return undefined;
}

function fieldTypeName(file: FileView, t: string, field: string): string | undefined {
  return typeName(fieldDecl(file, t, field) ?? null);
}


// ---------------------------------------------------------------------------------------------
// Channel fields across the package.

export type FieldUseKind = "send" | "recv" | "range" | "close" | "make" | "neutral" | "escape";

export interface FieldUse {
  kind: FieldUseKind;
  /** The operation (send statement, `<-x` expression, ranging for, close call, make call) or the escaping expression. */
  node: GoNode;
  file: FileView;
  /** The top-level function the use is written in, if any. */
  decl: FuncDecl | undefined;
  /** A send or receive that is a select case next to other cases or a default. */
  guarded: boolean;
  /** For a make: 0 unbuffered, the literal size, or null. */
  buffer?: number | null;
}

export interface ChanField {
  /** The field's name. */
  name: string;
  /** The struct type that declares it. */
  owner: string;
  uses: FieldUse[];
  /** Methods that return the field as it is (`func (s *S) Quit() <-chan T { return s.quit }`): their calls are in `uses`. */
  accessors: string[];
}

/**
 * The use of a field at `node` of `file`, matched by position: the uses are read from each file's
 * whole tree (FileView.wholeRoot), while a unit of a large file comes from a partial parse of the
 * same text, whose nodes have other ids.
 */
export function useAt(uses: readonly FieldUse[], file: FileView, node: GoNode): FieldUse | undefined {
  return uses.find((u) => u.file.path === file.path && u.node.startIndex === node.startIndex && u.node.endIndex === node.endIndex);
}

/**
 * An unexported channel field declared by exactly one struct type of the package (no other
 * struct has a field of that name, so `x.name` anywhere in the package is that field), with every
 * use in the package: only the package can touch it.
 */
export function chanField(file: FileView, name: string): ChanField | undefined {
  const cache = file.memo("summaries.fields", () => new Map<string, ChanField | null>());
  let f = cache.get(name);
  if (f === undefined) cache.set(name, (f = computeField(file, name) ?? null));
  return f ?? undefined;
}

function computeField(file: FileView, name: string): ChanField | undefined {
  if (!/^[a-z_]/.test(name)) return undefined;
  // A field of channel type is declared on one line with its `chan` keyword: without such a line in
  // the package, there is nothing to index (and no file to parse whole).
  const declared = new RegExp(`\\b${name}\\b[^\\n]*\\bchan\\b`);
  if (![file, ...file.packageFiles()].some((f) => declared.test(f.source))) return undefined;
  let owner: string | undefined;
  for (const [t] of packageStructs(file)) {
    const d = fieldDecl(file, t, name);
    if (!d) continue;
    if (owner !== undefined || d.type !== "channel_type") return undefined;
    owner = t;
  }
  if (!owner) return undefined;
  const uses: FieldUse[] = [];
  const funcsByNode = new Map<number, FuncDecl>();
  for (const d of packageFuncs(file).values()) funcsByNode.set(d.node.id, d);
  const declOf = (n: GoNode): FuncDecl | undefined => {
    for (let p = n.parent; p; p = p.parent) if (p.type === "function_declaration" || p.type === "method_declaration") return funcsByNode.get(p.id);
    return undefined;
  };
  // Accessors (`func (s *S) quit() <-chan T { return s.quit }`): their calls are uses too.
  const accessors = new Set<string>();
  for (const f of [file, ...file.packageFiles()]) {
    const index = fieldIndex(f);
    for (const field of index.fields.get(name) ?? []) {
      const sel = field.parent;
      if (sel?.type === "selector_expression" && sel.childForFieldName("field")?.id === field.id) {
        const u = classify(sel, f, declOf(sel));
        if (u.kind === "escape" && isAccessorReturn(sel, u.decl)) {
          accessors.add(u.decl!.name);
          continue;
        }
        uses.push(u);
      } else if (sel?.type === "field_declaration") {
        continue;
      }
    }
    // `T{name: make(chan X)}`: a keyed element of a composite literal of the owner type.
    for (const key of index.keys.get(name) ?? []) {
      const lit = key.parent?.parent;
      if (lit?.type !== "composite_literal" || typeName(lit.childForFieldName("type")) !== owner) continue;
      const v = key.childForFieldName("value") ?? key.namedChildren[1];
      const value = v?.type === "literal_element" ? v.namedChildren[0] : v;
      uses.push(value ? makeUse(value, f, declOf(key)) : { kind: "escape", node: key, file: f, decl: declOf(key), guarded: false });
    }
  }
  if (accessors.size > 0) {
    for (const f of [file, ...file.packageFiles()]) {
      for (const fld of [...accessors].flatMap((a) => fieldIndex(f).fields.get(a) ?? [])) {
        const sel = fld.parent;
        const call = sel?.parent;
        if (sel?.type !== "selector_expression" || call?.type !== "call_expression" || call.childForFieldName("function")?.id !== sel.id) continue;
        const u = classify(call, f, declOf(call));
        uses.push(u);
      }
    }
  }
  return { name, owner, uses, accessors: [...accessors] };
}

/**
 * The file's field identifiers and composite-literal keys by name, from one walk of the whole
 * file, memoised on its view (a sibling's view lives for the whole run: one walk per file).
 */
function fieldIndex(file: FileView): { fields: Map<string, GoNode[]>; keys: Map<string, GoNode[]> } {
  return file.memo("summaries.fieldIndex", () => {
    const fields = new Map<string, GoNode[]>();
    const keys = new Map<string, GoNode[]>();
    const add = (m: Map<string, GoNode[]>, k: string, n: GoNode) => {
      const l = m.get(k);
      if (l) l.push(n);
      else m.set(k, [n]);
    };
    for (const n of file.wholeRoot().descendantsOfType(["field_identifier", "keyed_element"])) {
      if (!n) continue;
      if (n.type === "field_identifier") add(fields, n.text, n);
      else {
        const k = n.childForFieldName("key") ?? n.namedChildren[0];
        if (k) add(keys, k.text, n);
      }
    }
    return { fields, keys };
  });
}

function isAccessorReturn(sel: GoNode, decl: FuncDecl | undefined): boolean {
  const list = sel.parent;
  return !!decl && decl.recvType !== undefined && list?.type === "expression_list" && list.parent?.type === "return_statement" && list.namedChildren.length === 1 && enclosingFunction(sel)?.id === decl.node.id;
}

/** A use of the field as an expression (`x.f`, or a call of its accessor). */
function classify(expr: GoNode, file: FileView, decl: FuncDecl | undefined): FieldUse {
  let n = expr;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  const use = (kind: FieldUseKind, node: GoNode, guarded = false): FieldUse => ({ kind, node, file, decl, guarded });
  if (!p) return use("escape", n);
  if (p.type === "send_statement" && p.childForFieldName("channel")?.id === n.id) return use("send", p, inSelectWithOthers(p));
  if (p.type === "unary_expression" && p.childForFieldName("operator")?.text === "<-") return use("recv", p, inSelectWithOthers(p));
  if (p.type === "range_clause" && p.childForFieldName("right")?.id === n.id) return use("range", p.parent ?? p);
  if (p.type === "binary_expression" && ["==", "!="].includes(p.childForFieldName("operator")?.text ?? "")) return use("neutral", n);
  if (p.type === "argument_list") {
    const f = p.parent?.childForFieldName("function");
    if (f?.type === "identifier" && f.text === "close") return use("close", p.parent!);
    if (f?.type === "identifier" && (f.text === "len" || f.text === "cap")) return use("neutral", n);
    return use("escape", n);
  }
  if (p.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("left")?.id === p.id) {
    const i = p.namedChildren.findIndex((c) => c?.id === n.id);
    const right = p.parent.childForFieldName("right")?.namedChildren.filter((c) => c && c.type !== "comment") ?? [];
    const v = right[i];
    if (v && p.parent.childForFieldName("operator")?.text === "=") return makeUse(v, file, decl);
  }
  return use("escape", n);
}

/** The value stored in the field: a make (its buffer), nil (neutral), anything else (an escape: another channel). */
function makeUse(value: GoNode, file: FileView, decl: FuncDecl | undefined): FieldUse {
  const v = unparen(value);
  if (v.type === "nil") return { kind: "neutral", node: v, file, decl, guarded: false };
  if (v.type === "call_expression" && v.childForFieldName("function")?.text === "make") {
    const args = v.childForFieldName("arguments")?.namedChildren.filter((a) => a && a.type !== "comment") ?? [];
    if (args[0]?.type === "channel_type") {
      const size = args[1];
      const buffer = !size ? 0 : size.type === "int_literal" ? Number(size.text.replace(/_/g, "")) : null;
      return { kind: "make", node: v, file, decl, guarded: false, buffer: Number.isFinite(buffer) ? buffer : null };
    }
  }
  return { kind: "escape", node: v, file, decl, guarded: false };
}
