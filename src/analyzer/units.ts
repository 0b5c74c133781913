// The units of a file: functions, methods and package-level specs, with the file's imports.
import { BINDING_TYPES, declaredNames, DECLARING_TYPES, lazyBindings, resolveFlat } from "./bindings.js";
import { NodeIndex } from "./nodeindex.js";
import type { Bindings, GoNode, ImportName, PackageDecl, Unit, UnitKind } from "./types.js";

export function receiverTypeName(method: GoNode): string {
  const recv = method.childForFieldName("receiver");
  const t = recv?.descendantsOfType("type_identifier")[0];
  return t?.text ?? "?";
}

/** The package clause's name, read from the file's top level. */
export function readPackageName(root: GoNode): string {
  // Broken Go can leave the clause inside an ERROR node: only then is the whole tree searched.
  const clause = root.hasError ? root.descendantsOfType("package_clause")[0] : root.namedChildren.find((c) => c?.type === "package_clause");
  return clause?.namedChildren[0]?.text ?? "";
}

/** The import specs of the file's top-level import declarations (grouped or not). */
function importSpecs(root: GoNode): GoNode[] {
  if (root.hasError) return root.descendantsOfType("import_spec").filter((s): s is GoNode => !!s);
  const out: GoNode[] = [];
  for (const d of root.namedChildren) {
    if (d?.type !== "import_declaration") continue;
    for (const c of d.namedChildren) {
      if (c?.type === "import_spec") out.push(c);
      else if (c?.type === "import_spec_list") for (const s of c.namedChildren) if (s?.type === "import_spec") out.push(s);
    }
  }
  return out;
}

/**
 * The import path a vendored copy stands for: godep's rewritten `<repo>/Godeps/_workspace/src/<path>`
 * and a `<...>/vendor/<path>` written out in full are the package at `<path>`
 * (`github.com/example/app/Godeps/_workspace/src/golang.org/x/net/context` is
 * `golang.org/x/net/context`), as the code means it and as the rules know it.
 */
export function unvendored(path: string): string {
  return path.replace(/^.*\/Godeps\/_workspace\/src\//, "").replace(/^.*\/vendor\//, "");
}

export function readImports(root: GoNode): ImportName[] {
  const out: ImportName[] = [];
  for (const spec of importSpecs(root)) {
    const pathNode = spec.childForFieldName("path");
    if (!pathNode) continue;
    const path = unvendored(pathNode.text.slice(1, -1));
    const nameNode = spec.childForFieldName("name");
    if (!nameNode) {
      // The package name is usually the last path element (minus a /vN major-version suffix).
      const parts = path.split("/").filter((p) => !/^v\d+$/.test(p) || p === path);
      const last = (parts[parts.length - 1] ?? path).replace(/^go-/, "").replace(/[.-].*$/, "");
      out.push({ path, name: last, kind: "default" });
    } else if (nameNode.type === "dot") out.push({ path, name: ".", kind: "dot" });
    else if (nameNode.type === "blank_identifier") out.push({ path, name: "_", kind: "blank" });
    else out.push({ path, name: nameNode.text, kind: "alias" });
  }
  return out;
}

export function readDecls(root: GoNode): PackageDecl[] {
  const out: PackageDecl[] = [];
  for (const d of root.namedChildren) {
    if (!d) continue;
    for (const spec of specsOf(d)) {
      const kind = spec.type === "var_spec" ? "var" : spec.type === "const_spec" ? "const" : "type";
      const names = spec.childrenForFieldName("name").filter((n): n is GoNode => !!n && n.type !== ",").map((n) => n.text);
      out.push({ kind, names, node: spec, type: spec.childForFieldName("type") });
    }
  }
  return out;
}

function specsOf(decl: GoNode): GoNode[] {
  switch (decl.type) {
    case "type_declaration":
      return decl.namedChildren.filter((c): c is GoNode => !!c && (c.type === "type_spec" || c.type === "type_alias"));
    case "const_declaration":
      return decl.namedChildren.filter((c): c is GoNode => !!c && c.type === "const_spec");
    case "var_declaration":
      return decl.namedChildren.flatMap((c) =>
        !c ? [] : c.type === "var_spec" ? [c] : c.type === "var_spec_list" ? c.namedChildren.filter((s): s is GoNode => !!s && s.type === "var_spec") : [],
      );
    default:
      return [];
  }
}

export interface RawUnit {
  kind: UnitKind;
  name: string;
  node: GoNode;
  body: GoNode | null;
}

/** Top-level units in source order. */
export function listUnits(root: GoNode): RawUnit[] {
  const out: RawUnit[] = [];
  for (const d of root.namedChildren) {
    if (!d) continue;
    if (d.type === "function_declaration") {
      out.push({ kind: "func", name: d.childForFieldName("name")?.text ?? "?", node: d, body: d.childForFieldName("body") });
    } else if (d.type === "method_declaration") {
      const name = `${receiverTypeName(d)}.${d.childForFieldName("name")?.text ?? "?"}`;
      out.push({ kind: "method", name, node: d, body: d.childForFieldName("body") });
    } else {
      for (const spec of specsOf(d)) {
        const kind: UnitKind = spec.type === "var_spec" ? "var" : spec.type === "const_spec" ? "const" : "type";
        const names = spec.childrenForFieldName("name").filter((n) => n && n.type !== ",").map((n) => n!.text);
        out.push({ kind, name: names.join(","), node: spec, body: null });
      }
    }
  }
  return out;
}

export function makeUnit(raw: RawUnit, file: Unit["file"]): Unit {
  const memo = new Map<string, unknown>();
  let index: NodeIndex | undefined;
  let names: Set<string> | undefined;
  let resolved: Bindings | undefined;
  const bindings = lazyBindings(
    // From the unit's one walk (no walk of every node); resolveBindings for other shapes.
    () => (resolved ??= resolveFlat(raw.node, (index ??= new NodeIndex(raw.node)).nodes(BINDING_TYPES)) ?? file.bindingsOf(raw.node)),
    () => (names ??= declaredNames((index ??= new NodeIndex(raw.node)).nodes(DECLARING_TYPES))),
  );
  return {
    ...raw,
    file,
    bindings,
    nodes: (types, within) => (index ??= new NodeIndex(raw.node)).nodes(types, within),
    nodesInFunction: (types, fn) => (index ??= new NodeIndex(raw.node)).nodesInFunction(types, fn ?? raw.node),
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as T;
    },
  };
}
