// context-in-struct: a named struct type keeps a context.Context in a field.
//
//	type Server struct {
//		ctx  context.Context          // a field
//		context.Context               // an embedded field
//		subs map[string]context.Context // map values, slices, arrays and pointers count
//	}
//
// Silent for request-scoped structs (`...Options`, `...Opts`, `...Params`, `...Request`, `...Args`),
// for types that are contexts themselves (they declare Deadline, Done, Err and Value, or embed
// context.Context and override some of them, or embed it under a name ending in Ctx/Context), for
// anonymous structs, and for struct types declared in test files (test tables, suites, fakes).
import type { FileView, GoNode, Rule, RuleContext } from "../../src/analyzer/types.js";
import { importsAny } from "../facts/calls.js";
import { docsUrl } from "../facts/meta.js";
import { spanOf } from "../facts/syntax.js";

const CONTEXT_PKGS = ["context", "golang.org/x/net/context"];
const REQUEST_SCOPED = /(options|opts|params|request|args)$/i;
const CONTEXT_LIKE = /(ctx|context)$/i;
const CONTEXT_METHODS = ["Deadline", "Done", "Err", "Value"];

const rule: Rule = {
  meta: {
    id: "context-in-struct",
    title: "context.Context stored in a struct",
    severity: "warning",
    fixable: false,
    // An API-design rule (golangci-lint's containedctx is opt-in too): off unless configured.
    optIn: true,
    summary: "a struct type keeps a context.Context in a field instead of receiving it as a parameter",
    why:
      "A context belongs to one call tree, but a field captures it when the struct is built and applies it to every later call: " +
      "callers cannot cancel or bound their own calls, and its values stay reachable for as long as the struct. " +
      "The context package says to pass a Context to each function that needs it instead.",
    docs: docsUrl("context-in-struct"),
    messages: {
      field: "{{field}} {{holds}} a context.Context: the context and its values stay reachable as long as the {{type}} does",
      embedded: "{{type}} embeds context.Context: the context and its values stay reachable as long as the {{type}} does",
      container: "{{field}} {{holds}} contexts ({{shape}}): they and their values stay reachable as long as the {{type}} does",
    },
  },
  kinds: ["type", "func", "method"],
  appliesTo: (file) => importsAny(file, CONTEXT_PKGS),
  check,
};
export default rule;

function check(ctx: RuleContext): void {
  const { unit, file } = ctx;
  // Types of test code (test tables, suites, fakes; FileView.isTestCode) live for one test binary's run at most.
  if (file.isTest) return;
  let specs: GoNode[];
  if (unit.kind === "type") specs = [unit.node];
  else if (!unit.body) return;
  else specs = unit.nodes(["type_spec", "type_alias"], unit.body);
  for (const spec of specs) {
    const name = spec.childForFieldName("name")?.text ?? "";
    const struct = spec.childForFieldName("type");
    if (struct?.type !== "struct_type" || REQUEST_SCOPED.test(name)) continue;
    const fields = fieldsWithContext(struct, file, name);
    if (fields.length === 0) continue;
    if (implementsContext(file, name, fields.some((f) => f.embedded && f.path === name))) continue;
    // `type mergedCtx struct { context.Context; other context.Context }`: a context decorator.
    if (CONTEXT_LIKE.test(name) && fields.some((f) => f.embedded && f.path === name)) continue;
    // Asked last: a test-support package is read from the package's other files.
    if (file.isTestCode()) return;
    for (const f of fields) {
      const holds = f.path.includes(" and ") ? "hold" : "holds";
      ctx.report({
        span: spanOf(f.node),
        messageId: f.embedded ? "embedded" : f.shape ? "container" : "field",
        data: { field: f.path, holds, shape: f.shape, type: name },
      });
    }
  }
}

interface ContextField {
  node: GoNode;
  path: string;
  /** The wrapping type (`[]context.Context`), or "" for a plain context.Context. */
  shape: string;
  embedded: boolean;
}

// The struct's fields (and those of anonymous structs nested in it) whose type holds a context.
function fieldsWithContext(struct: GoNode, file: FileView, path: string): ContextField[] {
  const out: ContextField[] = [];
  const list = struct.namedChildren.find((c) => c?.type === "field_declaration_list");
  for (const f of list?.namedChildren ?? []) {
    const type = f?.type === "field_declaration" ? f.childForFieldName("type") : null;
    if (!f || !type) continue;
    const names = f.childrenForFieldName("name").filter((n): n is GoNode => !!n);
    const shape = contextShape(type, file);
    if (shape !== undefined) {
      const label = names.length ? names.map((n) => `${path}.${n.text}`).join(" and ") : path;
      out.push({ node: f, path: label, shape, embedded: names.length === 0 });
      continue;
    }
    const inner = unwrap(type);
    if (inner?.type === "struct_type") out.push(...fieldsWithContext(inner, file, names.length ? `${path}.${names[0]!.text}` : path));
  }
  return out;
}

/** Pointers, slices, arrays and map values around a type: the element that is stored. */
function unwrap(t: GoNode | null): GoNode | null {
  let n = t;
  while (n) {
    if (n.type === "pointer_type" || n.type === "parenthesized_type") n = n.namedChildren[0] ?? null;
    else if (n.type === "slice_type" || n.type === "array_type") n = n.childForFieldName("element");
    else if (n.type === "map_type") n = n.childForFieldName("value");
    else return n;
  }
  return null;
}

// context.Context, ctxpkg.Context, Context under a dot import; wrapped as *T, []T, [N]T, map[K]T.
function contextShape(t: GoNode, file: FileView): string | undefined {
  const inner = unwrap(t);
  if (!inner) return undefined;
  const names = file.imports.filter((i) => CONTEXT_PKGS.includes(i.path)).map((i) => i.name);
  const isContext =
    (inner.type === "qualified_type" && names.includes(inner.childForFieldName("package")?.text ?? "") && inner.childForFieldName("name")?.text === "Context") ||
    (inner.type === "type_identifier" && inner.text === "Context" && names.includes(".") && !file.decls.some((d) => d.names.includes("Context")));
  if (!isContext) return undefined;
  return inner.id === t.id ? "" : t.text.replace(/\s+/g, " ");
}

// A context implementation, not a holder: a type that declares all of Deadline, Done, Err and
// Value itself, or embeds context.Context and overrides some of them (a decorator). A type with
// only Done/Err of its own (a future, a connection state) is no context.
// Read from the whole file's methods, so that a partially parsed file (untouched methods left out) agrees.
function implementsContext(file: FileView, name: string, embeds: boolean): boolean {
  const types = file.memo("context-in-struct:implementations", () => {
    const out = new Map<string, Set<string>>();
    for (const m of file.wholeRoot().namedChildren) {
      const method = m?.type === "method_declaration" ? m.childForFieldName("name")?.text : undefined;
      if (!method || !CONTEXT_METHODS.includes(method)) continue;
      // (c *T), (c T), (T), (c *T[K]): the receiver's type name.
      const recv = m!.childForFieldName("receiver")?.descendantsOfType("type_identifier")[0]?.text;
      if (!recv) continue;
      const set = out.get(recv) ?? new Set<string>();
      set.add(method);
      out.set(recv, set);
    }
    return out;
  });
  const methods = types.get(name)?.size ?? 0;
  return methods === 4 || (embeds && methods > 0);
}
