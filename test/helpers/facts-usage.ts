// Which rules use each export of rules/facts/*.ts (read by test/facts.test.ts).
//
// Definition. A *facts declaration* is a top-level declaration (function, const, interface, type)
// of a module in rules/facts/. A rule (a folder rules/<id>/) *uses* a facts declaration D when a
// file of that folder refers to D, or refers to a facts declaration whose code refers to D, and
// so on (references between facts declarations followed transitively, through any facts module).
// References are resolved by the TypeScript checker (imports followed to what they name), so a
// local that happens to share a name is not a use.
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

export interface FactsExport {
  /** "syntax.ts:unparen" */
  key: string;
  module: string;
  name: string;
  /** Rule folders that use it, directly or through other facts. */
  rules: string[];
  /** Rule folders that import it themselves. */
  direct: string[];
  /** Other facts modules that import it. */
  factsImporters: string[];
}

export function factsUsage(root: string): FactsExport[] {
  const rulesDir = join(root, "rules");
  const factsDir = join(rulesDir, "facts");
  const ruleIds = readdirSync(rulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "facts")
    .map((d) => d.name);
  const ruleFiles = ruleIds.flatMap((id) =>
    readdirSync(join(rulesDir, id))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(rulesDir, id, f)),
  );
  const factsFiles = readdirSync(factsDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(factsDir, f));

  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram({ rootNames: [...factsFiles, ...ruleFiles], options: { ...parsed!.options, noEmit: true } });
  const checker = program.getTypeChecker();

  // Every top-level declaration of the facts modules, by the declaration node.
  const declOf = new Map<ts.Node, string>();
  const exported = new Map<string, { module: string; name: string }>();
  const bodies = new Map<string, ts.Node[]>();
  for (const file of factsFiles) {
    const sf = program.getSourceFile(file)!;
    const module = relative(factsDir, file);
    for (const stmt of sf.statements) {
      const isExported = (ts.getCombinedModifierFlags(stmt as unknown as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
      const named: [ts.Node, string][] = [];
      if (ts.isFunctionDeclaration(stmt) || ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) {
        if (stmt.name) named.push([stmt, stmt.name.text]);
      } else if (ts.isVariableStatement(stmt)) {
        for (const d of stmt.declarationList.declarations) if (ts.isIdentifier(d.name)) named.push([d, d.name.text]);
      }
      for (const [node, name] of named) {
        const key = `${module}:${name}`;
        declOf.set(node, key);
        bodies.set(key, [...(bodies.get(key) ?? []), node]);
        if (isExported) exported.set(key, { module, name });
      }
    }
  }

  /** The facts declarations an identifier refers to. */
  const target = (id: ts.Identifier): string | undefined => {
    let sym = checker.getSymbolAtLocation(id);
    if (!sym) return undefined;
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    for (const d of sym.declarations ?? []) {
      const key = declOf.get(d) ?? (d.parent && ts.isVariableDeclarationList(d.parent) ? undefined : undefined);
      if (key) return key;
    }
    return undefined;
  };
  const refsIn = (node: ts.Node, out: Set<string>) => {
    const visit = (n: ts.Node) => {
      if (ts.isIdentifier(n)) {
        const k = target(n);
        if (k) out.add(k);
      }
      ts.forEachChild(n, visit);
    };
    ts.forEachChild(node, visit);
  };

  // Facts → facts references (a declaration's own name is not a reference to itself that matters).
  const refs = new Map<string, Set<string>>();
  for (const [key, nodes] of bodies) {
    const out = new Set<string>();
    for (const n of nodes) refsIn(n, out);
    out.delete(key);
    refs.set(key, out);
  }

  // Facts modules that import each export.
  const factsImporters = new Map<string, Set<string>>();
  for (const file of factsFiles) {
    const sf = program.getSourceFile(file)!;
    const module = relative(factsDir, file);
    for (const stmt of sf.statements) {
      if (!ts.isImportDeclaration(stmt)) continue;
      const out = new Set<string>();
      refsIn(stmt, out);
      for (const k of out) if (!k.startsWith(`${module}:`)) factsImporters.set(k, (factsImporters.get(k) ?? new Set()).add(module));
    }
  }

  const users = new Map<string, Set<string>>();
  const direct = new Map<string, Set<string>>();
  for (const id of ruleIds) {
    const seen = new Set<string>();
    for (const file of ruleFiles.filter((f) => relative(rulesDir, f).split(sep)[0] === id)) {
      const out = new Set<string>();
      refsIn(program.getSourceFile(file)!, out);
      for (const k of out) {
        direct.set(k, (direct.get(k) ?? new Set()).add(id));
        seen.add(k);
      }
    }
    const stack = [...seen];
    while (stack.length > 0) {
      for (const r of refs.get(stack.pop()!) ?? []) if (!seen.has(r)) (seen.add(r), stack.push(r));
    }
    for (const k of seen) users.set(k, (users.get(k) ?? new Set()).add(id));
  }

  return [...exported].map(([key, { module, name }]) => ({
    key,
    module,
    name,
    rules: [...(users.get(key) ?? [])].sort(),
    direct: [...(direct.get(key) ?? [])].sort(),
    factsImporters: [...(factsImporters.get(key) ?? [])].sort(),
  }));
}

// `npx tsx test/helpers/facts-usage.ts`: the table, for people moving code around.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(sep).pop()!)) {
  for (const e of factsUsage(process.cwd())) {
    console.log(`${e.rules.length}\t${e.key}\t${e.direct.join(",") || "-"}\t${e.factsImporters.join(",") || "-"}\t(all: ${e.rules.join(",")})`);
  }
}
