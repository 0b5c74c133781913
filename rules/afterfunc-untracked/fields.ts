// afterfunc-untracked: a delay read from an unexported field that the package only ever sets to
// short constants (`s.gateway.recSubExp` set once, in the constructor, to a 2-second constant) is
// as bounded as the literal itself. Only the package can write an unexported field, so its writes
// are all visible when the package was read whole.
import type { Bindings, FileView, GoNode, Unit } from "../../src/analyzer/types.js";
import { fieldDecl, packageStructs } from "../facts/summaries.js";
import { unparen } from "../facts/syntax.js";
import { literalDuration, type Scope } from "../facts/timers.js";

const NO_LOCALS: Bindings = { all: [], resolve: () => undefined, declaredBy: () => undefined };

/**
 * The longest delay an unexported field `x.f` can hold: the largest of the values the package
 * gives it (assignments `x.f = v` and keyed literals `T{f: v}`), when every one is a literal
 * duration or a constant declared with one; null when a write is anything else (`x.f += d`,
 * `&x.f` handed to a flag parser, a value read from configuration, an unkeyed literal of a struct
 * declaring it), when the package was not read whole, or when nothing writes it (a fixture's or a
 * partial view's field, read as unknown rather than zero). Writes in test files count only when
 * the finding's own file is a test file: they are not compiled into the program otherwise.
 */
export function fieldDuration(sel: GoNode, unit: Unit): number | null {
  const name = sel.type === "selector_expression" ? sel.childForFieldName("field")?.text : undefined;
  if (!name || !/^[a-z_]/.test(name) || !unit.file.packageComplete()) return null;
  const files = [unit.file, ...unit.file.packageFiles()].filter((f) => unit.file.isTest || !f.isTest);
  const owners = [...packageStructs(unit.file).keys()].filter((t) => fieldDecl(unit.file, t, name));
  if (owners.length === 0) return null; // declared where the package cannot see (an embedded type of another file we lack)
  const mention = new RegExp(`\\b${name}\\b`);
  let max: number | null = null;
  const keep = (ns: number) => (max = max === null ? ns : Math.max(max, ns));
  for (const f of files) {
    if (!mention.test(f.source)) continue;
    const root = f.wholeRoot();
    for (const id of root.descendantsOfType("field_identifier")) {
      if (id?.text !== name) continue;
      const s = id.parent;
      if (s?.type !== "selector_expression") continue;
      const value = written(s);
      if (value === undefined) continue; // a read
      const ns = value && durationIn(f, value, files);
      if (ns === null || ns === undefined) return null;
      keep(ns);
    }
    for (const k of root.descendantsOfType("keyed_element")) {
      if (k?.childForFieldName("key")?.namedChildren[0]?.text !== name) continue;
      const v = k.childForFieldName("value")?.namedChildren[0];
      const ns = v ? durationIn(f, unparen(v), files) : null;
      if (ns === null) return null;
      keep(ns);
    }
    // `gateway{srv, 2 * time.Second}`: an unkeyed literal sets every field.
    for (const lit of root.descendantsOfType("composite_literal")) {
      const t = lit?.childForFieldName("type");
      const body = lit?.childForFieldName("body");
      if (!t || !owners.includes(t.text.replace(/^\*/, "")) || !body) continue;
      if (body.namedChildren.some((c) => c?.type === "literal_element")) return null;
    }
  }
  return max;
}

/**
 * For a selector `x.f` that is written: the value (null when it cannot be read: `x.f += d`,
 * `x.f++`, `&x.f`, one of several results of a call); undefined for a read.
 */
function written(sel: GoNode): GoNode | null | undefined {
  const p = sel.parent;
  if (p?.type === "inc_statement" || p?.type === "dec_statement") return null;
  if (p?.type === "unary_expression" && p.childForFieldName("operator")?.type === "&") return null;
  const stmt = p?.type === "expression_list" ? p.parent : null;
  if (stmt?.type !== "assignment_statement" || stmt.childForFieldName("left")?.id !== p!.id) return undefined;
  if (stmt.childForFieldName("operator")?.text !== "=") return null;
  const left = p!.namedChildren.filter((x) => x && x.type !== "comment");
  const right = stmt.childForFieldName("right")?.namedChildren.filter((x) => x && x.type !== "comment") ?? [];
  const i = left.findIndex((x) => x?.id === sel.id);
  return left.length === right.length && right[i] ? unparen(right[i]!) : null;
}

/** A literal duration (or a constant of the package declared with one) read where it is written. */
function durationIn(file: FileView, value: GoNode, files: readonly FileView[]): number | null {
  const ns = literalDuration(value, scopeAt(file, value));
  if (ns !== null || value.type !== "identifier") return ns;
  // A package-level constant declared in another file of the package.
  if (scopeAt(file, value).bindings.resolve(value)) return null;
  for (const g of files) {
    if (g === file || !g.decls.some((d) => d.kind === "const" && d.names.includes(value.text))) continue;
    return literalDuration(value, { file: g, bindings: NO_LOCALS }, false);
  }
  return null;
}

/** The file and the locals of the top-level function around `node` (none at package level). */
function scopeAt(file: FileView, node: GoNode): Scope {
  let top: GoNode | null = node;
  while (top && top.parent && top.parent.parent) top = top.parent;
  const fn = top && (top.type === "function_declaration" || top.type === "method_declaration") ? top : null;
  return { file, bindings: fn ? file.bindingsOf(fn) : NO_LOCALS };
}
