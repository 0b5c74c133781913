// goroutine-send-leak: a buffered channel field that nothing receives from blocks a sender only
// once its buffer is full. When every send on it runs at most once per object, and there are no
// more sends than the buffer holds, the buffer never fills: the field is dead, nothing leaks.
//
//	func newSync(...) (*syncer, error) { return &syncer{done: make(chan error, 1)}, nil }
//	func (s *syncer) pump() { ...; s.done <- nil }     // its only send, not in a loop
//	func (s *syncer) renames() { go s.pump() }         // the only mention of pump, not in a loop
//	func (s *syncer) run() error { s.renames(); ... }  // the only mention of renames
//	func Sync() error { s, err := newSync(); ...; return s.run() }   // a fresh object per call
//
// "Once per object" is proved up a chain of unexported methods of the package: each is mentioned
// by exactly one selector in the package's non-test code, outside any loop and func literal, on
// the receiver of a method that is itself once per object, or on a local declared with `:=` from
// a call or `&T{...}` in the same block, not assigned again (a fresh object). Anything else
// (an exported method, a second call site, a loop, a callback) may run the send again.
import type { FileView, GoNode } from "../../src/analyzer/types.js";
import type { ChanField, FieldUse } from "../facts/summaries.js";
import { statementsOf, unparen } from "../facts/syntax.js";

const MAX_DEPTH = 5;

export function sendsFitBuffer(cf: ChanField): boolean {
  const makes = cf.uses.filter((u) => u.kind === "make");
  const caps = makes.map((m) => m.buffer);
  if (caps.length === 0 || caps.some((c) => c === null || c === undefined || c < 1)) return false;
  const cap = Math.min(...(caps as number[]));
  const sends = cf.uses.filter((u) => u.kind === "send");
  if (sends.length === 0 || sends.length > cap) return false;
  const file = sends[0]!.file;
  const files = [file, ...file.packageFiles()].filter((f) => !f.isTest);
  return sends.every((s) => !s.file.isTest && oncePerObject(s, files));
}

function oncePerObject(send: FieldUse, files: readonly FileView[]): boolean {
  let node: GoNode = send.node;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const fn = topFunction(node);
    if (!fn || fn.type !== "method_declaration") return false;
    const name = fn.childForFieldName("name")?.text ?? "";
    if (!/^[a-z_]/.test(name) || declarations(name, files) !== 1) return false;
    const sites = selectorsNaming(name, files);
    if (sites.length === 0) return false;
    // Several sites, each on a fresh object: once per object.
    const onFresh = (site: GoNode) => {
      const caller = topFunction(site);
      const x = unparen(site.childForFieldName("operand")!);
      return !!caller && x.type === "identifier" && freshLocal(x, site, caller);
    };
    if (sites.every(onFresh)) return true;
    if (sites.length !== 1) return false;
    // One site, on the receiver of a method that must itself run once per object.
    const site = sites[0]!;
    const caller = topFunction(site);
    const x = unparen(site.childForFieldName("operand")!);
    if (!caller || caller.type !== "method_declaration" || x.type !== "identifier" || receiverName(caller) !== x.text) return false;
    node = site;
  }
  return false;
}

/** The top-level function around `node`, or undefined when a loop or a func literal lies between. */
function topFunction(node: GoNode): GoNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === "for_statement" || p.type === "func_literal") return undefined;
    if (p.type === "function_declaration" || p.type === "method_declaration") return p;
  }
  return undefined;
}

/** Selector expressions `x.name` in the files (method values and calls alike). */
function selectorsNaming(name: string, files: readonly FileView[]): GoNode[] {
  const out: GoNode[] = [];
  const re = new RegExp(`\\.\\s*${name}\\b`);
  for (const f of files) {
    if (!re.test(f.source)) continue;
    for (const s of f.wholeRoot().descendantsOfType("selector_expression")) if (s?.childForFieldName("field")?.text === name) out.push(s);
  }
  return out;
}

function declarations(name: string, files: readonly FileView[]): number {
  return files.reduce((n, f) => n + f.wholeRoot().namedChildren.filter((d) => d?.type === "method_declaration" && d.childForFieldName("name")?.text === name).length, 0);
}

function receiverName(m: GoNode): string | undefined {
  const p = m.childForFieldName("receiver")?.namedChildren.find((c) => c?.type === "parameter_declaration");
  return p?.childForFieldName("name")?.text;
}

/**
 * `x` is declared by `x, ... := f(...)` or `x := &T{...}` in the block of the statement holding
 * `site`, before it, and no statement of the function assigns `x` again.
 */
function freshLocal(x: GoNode, site: GoNode, fn: GoNode): boolean {
  let stmt: GoNode | null = site;
  while (stmt && stmt.parent?.type !== "statement_list" && stmt.parent?.type !== "block") stmt = stmt.parent;
  if (!stmt?.parent) return false;
  const siblings = statementsOf(stmt.parent);
  const at = siblings.findIndex((s) => s.id === stmt!.id);
  const decl = siblings.slice(0, at).reverse().find((s) => s.type === "short_var_declaration" && (s.childForFieldName("left")?.namedChildren ?? []).some((l) => l?.text === x.text));
  if (!decl) return false;
  const right = decl.childForFieldName("right")?.namedChildren ?? [];
  const value = right.length === 1 ? unparen(right[0]!) : null;
  const fresh = value?.type === "call_expression" || (value?.type === "unary_expression" && value.childForFieldName("operand")?.type === "composite_literal");
  if (!fresh) return false;
  // Assigned again with `=` anywhere in the function: another object may take its place.
  return !fn.descendantsOfType("assignment_statement").some((a) => (a?.childForFieldName("left")?.namedChildren ?? []).some((l) => l?.text === x.text));
}
