// Types that hold a lock by value, directly or through types of the file or of the enclosing
// function (only this rule asks, so it lives in its folder, not in rules/facts/).
import type { FileView, GoNode } from "../../src/analyzer/types.js";
import { syncType } from "../facts/locks.js";
import { localTypes, unparenType } from "../facts/types.js";

/** A lock held by value: which sync type, and the field path to it ("" when the type is the lock). */
export interface Lock {
  lock: string;
  path: string;
}

/**
 * The lock a type expression holds by value: directly, in a struct field (named or embedded), an
 * array element, a type declared in an enclosing block of the function (`type entry struct{ mu
 * sync.Mutex }` in a function body, which shadows a file-level type of the same name), or a type of
 * the file.
 */
export function lockHeld(type: GoNode | null | undefined, file: FileView): Lock | undefined {
  return type ? lockIn(type, file, (name, ref) => named(name, ref, file, new Set())) : undefined;
}

type Named = (name: string, ref: GoNode) => Lock | undefined;

function named(name: string, ref: GoNode, file: FileView, visiting: Set<number>): Lock | undefined {
  const local = localTypeBefore(file) < ref.startIndex ? blockType(name, ref) : undefined;
  if (!local) return lockedTypes(file).get(name);
  if (visiting.has(local.id)) return undefined; // a recursive type holds nothing through itself
  const t = local.childForFieldName("type");
  if (!t) return undefined;
  visiting.add(local.id);
  const lock = lockIn(t, file, (n, r) => named(n, r, file, visiting));
  visiting.delete(local.id);
  return lock;
}

/**
 * Where the file's first `type` keyword that does not open a top-level declaration is (a type
 * declared in a function, or the word in a comment or string): before it no block can declare a
 * type, so blockType has nothing to find and its climb through every enclosing block is skipped.
 */
function localTypeBefore(file: FileView): number {
  return file.memo("waitgroup-by-value.localTypeAt", () => {
    const top = new Set(file.decls.filter((d) => d.kind === "type").map((d) => d.node.parent?.startIndex));
    for (const m of file.source.matchAll(/\btype\b/g)) if (!top.has(m.index)) return m.index;
    return Infinity;
  });
}

/**
 * The type_spec (or alias) named `name` declared in a block that encloses `ref`, at or before it
 * (a local type's scope starts at its name), the innermost one winning; undefined for file-level names.
 */
function blockType(name: string, ref: GoNode): GoNode | undefined {
  for (let n = ref.parent; n && n.type !== "source_file"; n = n.parent) {
    let found: GoNode | undefined;
    for (const stmt of n.namedChildren) {
      if (stmt?.type !== "type_declaration" || stmt.startIndex > ref.startIndex) continue;
      for (const spec of stmt.namedChildren) {
        const id = spec && (spec.type === "type_spec" || spec.type === "type_alias") ? spec.childForFieldName("name") : null;
        if (id?.text === name && id.startIndex <= ref.startIndex) found = spec!;
      }
    }
    if (found) return found;
  }
  return undefined;
}

function lockIn(type: GoNode, file: FileView, named: Named): Lock | undefined {
  const t = unparenType(type);
  const sync = syncType(t, file);
  if (sync) return { lock: sync, path: "" };
  switch (t.type) {
    case "type_identifier":
      return named(t.text, t);
    case "generic_type": {
      const base = t.childForFieldName("type");
      return base?.type === "type_identifier" ? named(base.text, base) : undefined;
    }
    case "array_type":
    case "implicit_length_array_type": {
      const el = t.childForFieldName("element");
      const l = el ? lockIn(el, file, named) : undefined;
      return l && { lock: l.lock, path: join("[i]", l.path) };
    }
    case "struct_type":
      for (const field of t.descendantsOfType("field_declaration")) {
        if (!field || field.parent?.parent?.id !== t.id) continue;
        if (field.children.some((c) => c?.type === "*")) continue; // embedded *T: a pointer
        const ft = field.childForFieldName("type");
        const l = ft ? lockIn(ft, file, named) : undefined;
        if (!l) continue;
        const name = field.childForFieldName("name")?.text ?? embeddedName(ft!);
        return { lock: l.lock, path: join(name, l.path) };
      }
      return undefined;
    default:
      return undefined;
  }
}

const join = (a: string, b: string) => (b === "" ? a : b.startsWith("[") ? `${a}${b}` : `${a}.${b}`);

function embeddedName(type: GoNode): string {
  const t = unparenType(type);
  if (t.type === "qualified_type") return t.childForFieldName("name")?.text ?? t.text;
  if (t.type === "generic_type") return t.childForFieldName("type")?.text ?? t.text;
  return t.text;
}

/** Which types of the file hold a lock by value (through other types of the file too). */
function lockedTypes(file: FileView): Map<string, Lock | undefined> {
  return file.memo("sync.lockedTypes", () => {
    const types = localTypes(file);
    const out = new Map<string, Lock | undefined>();
    const visit = (name: string): Lock | undefined => {
      if (out.has(name)) return out.get(name);
      out.set(name, undefined); // a recursive type holds nothing through itself
      const t = types.get(name);
      const l = t ? lockIn(t, file, visit) : undefined;
      out.set(name, l);
      return l;
    };
    for (const name of types.keys()) visit(name);
    return out;
  });
}
