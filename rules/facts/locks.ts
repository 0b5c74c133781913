// Locks: the sync types (WaitGroup, Mutex, RWMutex, Once, Cond) named through the file's import
// names, and which mutex a function holds at an operation (a receive, a send) or takes through a
// method of the package (goroutine-recv-leak's receive and goroutine-send-leak's send with a lock
// held).
import type { FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { calleeOf } from "./summaries.js";
import { enclosingFunction, unparen } from "./syntax.js";
import { localTypes, unparenType } from "./types.js";

const SYNC_TYPES = new Set(["WaitGroup", "Mutex", "RWMutex", "Once", "Cond"]);

/** `sync.Mutex` under any import name of "sync", or `Mutex` under `import . "sync"`: "sync.Mutex". */
export function syncType(type: GoNode, file: FileView): string | undefined {
  const t = unparenType(type);
  if (t.type === "qualified_type") {
    const pkg = t.childForFieldName("package")?.text;
    const name = t.childForFieldName("name")?.text ?? "";
    const named = file.imports.some((i) => i.path === "sync" && i.name === pkg && (i.kind === "default" || i.kind === "alias"));
    return named && SYNC_TYPES.has(name) ? `sync.${name}` : undefined;
  }
  if (t.type === "type_identifier" && SYNC_TYPES.has(t.text) && file.imports.some((i) => i.path === "sync" && i.kind === "dot")) {
    return localTypes(file).has(t.text) ? undefined : `sync.${t.text}`;
  }
  return undefined;
}

/** `x.mu.Lock()` (or the named method: Unlock, RLock) → { base: "x", key: "mu" }; `x.Lock()` → { base: "x", key: "" }. */
export function lockCall(call: GoNode, method: "Lock" | "Unlock" | "RLock"): { base: string; key: string } | undefined {
  const f = call.childForFieldName("function");
  if (f?.type !== "selector_expression" || f.childForFieldName("field")?.text !== method) return undefined;
  const o = unparen(f.childForFieldName("operand")!);
  if (o.type === "identifier") return { base: o.text, key: "" };
  if (o.type === "selector_expression" && o.childForFieldName("operand")?.type === "identifier") return { base: o.childForFieldName("operand")!.text, key: o.childForFieldName("field")!.text };
  return undefined;
}

/** The Lock call before `op` in `fn` whose Unlock is deferred or not reached before `op`. */
export function heldLock(unit: Unit, fn: GoNode, op: GoNode): { base: string; key: string; call: GoNode } | undefined {
  let held: { base: string; key: string; call: GoNode } | undefined;
  for (const call of unit.nodes("call_expression", fn)) {
    if (!call || call.startIndex >= op.startIndex || enclosingFunction(call)?.id !== fn.id) continue;
    const l = lockCall(call, "Lock");
    if (l) {
      held = { ...l, call };
      continue;
    }
    const u = lockCall(call, "Unlock");
    if (u && held && u.base === held.base && u.key === held.key && call.parent?.type !== "defer_statement") held = undefined;
  }
  return held;
}

/** A call of a package method whose body takes the lock `key` on its receiver. */
export function locksInside(call: GoNode, key: string, file: FileView, fn: GoNode): boolean {
  const decl = calleeOf(call, { file, bindings: file.bindingsOf(topFunction(fn)), fn });
  if (!decl || !decl.recvType) return false;
  return decl.node.descendantsOfType("call_expression").some((c) => !!c && lockCall(c, "Lock")?.key === key);
}

function topFunction(fn: GoNode): GoNode {
  let top = fn;
  for (let p = fn.parent; p; p = p.parent) if (p.type === "function_declaration" || p.type === "method_declaration") top = p;
  return top;
}

