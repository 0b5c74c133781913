// A sync.Cond or sync.WaitGroup kept in an unexported struct field, with every use of that field
// across the files of the package: which of its methods are called where, and whether it is ever
// used in a way that hands it to code we do not read (then nothing can be said of who calls what).
// Read by the Cond waits nothing signals (cond.ts) and the Waits no Done releases (waitgroup.ts).
import type { FileView, GoNode } from "../../src/analyzer/types.js";
import { syncType } from "../facts/locks.js";
import { packageStructs } from "../facts/summaries.js";
import { unparen } from "../facts/syntax.js";

export type SyncKind = "sync.Cond" | "sync.WaitGroup";

export type SyncUse =
  | { kind: "call"; method: string; node: GoNode; file: FileView }
  | { kind: "neutral" | "escape"; node: GoNode; file: FileView };

export interface SyncField {
  name: string;
  /** The field's declaration, for a related location. */
  decl: GoNode;
  declFile: FileView;
  uses: SyncUse[];
}

/**
 * `x.f` where f is an unexported field of type T or *T (T the sync type) that exactly one struct
 * type of the package declares (so `y.f` anywhere in the package is that field), with every use
 * of the field in the package. Memoised per file.
 */
export function syncField(expr: GoNode, file: FileView, kind: SyncKind): SyncField | undefined {
  const e = unparen(expr);
  if (e.type !== "selector_expression") return undefined;
  const name = e.childForFieldName("field")?.text;
  if (!name || !/^[a-z_]/.test(name)) return undefined;
  const cache = file.memo("goroutine-no-exit.syncFields", () => new Map<string, SyncField | null>());
  const key = `${kind} ${name}`;
  let f = cache.get(key);
  if (f === undefined) cache.set(key, (f = compute(name, file, kind) ?? null));
  return f ?? undefined;
}

function compute(name: string, file: FileView, kind: SyncKind): SyncField | undefined {
  // Without a line declaring the field with the type's name, there is nothing to index.
  const declared = new RegExp(`\\b${name}\\b[^\\n]*\\b${kind.slice(5)}\\b`);
  if (![file, ...file.packageFiles()].some((f) => declared.test(f.source))) return undefined;
  let found: { decl: GoNode; file: FileView } | undefined;
  for (const [, s] of packageStructs(file)) {
    const list = s.node.namedChildren.find((c) => c?.type === "field_declaration_list");
    for (const fd of list?.namedChildren ?? []) {
      if (fd?.type !== "field_declaration" || !fd.childrenForFieldName("name").some((n) => n?.text === name)) continue;
      let t = fd.childForFieldName("type");
      while (t?.type === "pointer_type") t = t.namedChildren[0] ?? null;
      if (found || !t || syncType(t, s.file) !== kind) return undefined;
      found = { decl: fd, file: s.file };
    }
  }
  if (!found) return undefined;
  const uses: SyncUse[] = [];
  const word = new RegExp(`\\b${name}\\b`);
  for (const f of [file, ...file.packageFiles()]) {
    if (!word.test(f.source)) continue;
    const root = f.wholeRoot();
    for (const id of root.descendantsOfType("field_identifier")) {
      if (!id || id.text !== name) continue;
      const sel = id.parent;
      if (sel?.type === "field_declaration") continue;
      uses.push(sel?.type === "selector_expression" ? classify(sel, f) : { kind: "escape", node: id, file: f });
    }
    for (const key of root.descendantsOfType("keyed_element")) {
      const k = key?.childForFieldName("key") ?? key?.namedChildren[0];
      if (!key || k?.text !== name) continue;
      const v = key.childForFieldName("value") ?? key.namedChildren[1];
      const value = v?.type === "literal_element" ? v.namedChildren[0] : v;
      uses.push({ kind: value && isNewCond(value) ? "neutral" : "escape", node: key, file: f });
    }
  }
  return { name, decl: found.decl, declFile: found.file, uses };
}

/** A use `x.f`: a method call on it, its `.L`, being set from sync.NewCond, or anything else (an escape). */
function classify(sel: GoNode, file: FileView): SyncUse {
  let n = sel;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const p = n.parent;
  if (p?.type === "selector_expression" && p.childForFieldName("operand")?.id === n.id) {
    const m = p.childForFieldName("field")?.text;
    const call = p.parent?.type === "call_expression" && p.parent.childForFieldName("function")?.id === p.id ? p.parent : undefined;
    if (m === "L") return { kind: "neutral", node: p, file };
    if (call && m) return { kind: "call", method: m, node: call, file };
    return { kind: "escape", node: p, file };
  }
  // `x.f = sync.NewCond(...)`: the field is made here.
  if (p?.type === "expression_list" && p.parent?.type === "assignment_statement" && p.parent.childForFieldName("left")?.id === p.id) {
    const i = p.namedChildren.findIndex((c) => c?.id === n.id);
    const v = p.parent.childForFieldName("right")?.namedChildren.filter((c) => c && c.type !== "comment")[i];
    if (v && isNewCond(v)) return { kind: "neutral", node: n, file };
  }
  return { kind: "escape", node: n, file };
}

function isNewCond(v: GoNode): boolean {
  const e = unparen(v);
  const f = e.type === "call_expression" ? e.childForFieldName("function") : null;
  return f?.type === "selector_expression" && f.childForFieldName("field")?.text === "NewCond";
}
