// Types that hold a lock by value, directly or through types of the file (only this
// rule asks, so it lives in its folder, not in rules/facts/).
import type { FileView, GoNode } from "../../src/analyzer/types.js";
import { syncType } from "../facts/locks.js";
import { localTypes, unparenType } from "../facts/types.js";

/** A lock held by value: which sync type, and the field path to it ("" when the type is the lock). */
export interface Lock {
  lock: string;
  path: string;
}

/** The lock a type expression holds by value: directly, in a struct field (named or embedded), an array element, or a type of the file. */
export function lockHeld(type: GoNode | null | undefined, file: FileView): Lock | undefined {
  return type ? lockIn(type, file, (name) => lockedTypes(file).get(name)) : undefined;
}

function lockIn(type: GoNode, file: FileView, named: (name: string) => Lock | undefined): Lock | undefined {
  const t = unparenType(type);
  const sync = syncType(t, file);
  if (sync) return { lock: sync, path: "" };
  switch (t.type) {
    case "type_identifier":
      return named(t.text);
    case "generic_type": {
      const base = t.childForFieldName("type");
      return base?.type === "type_identifier" ? named(base.text) : undefined;
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
