// Loads tree-sitter-go's shipped WASM once per process and parses Go source with it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, type Range, type Tree } from "web-tree-sitter";
import { PACKAGE_ROOT } from "../version.js";

let ready: Promise<Parser> | undefined;
let parser: Parser | undefined;
let grammarPath: string | undefined;

/**
 * Where tree-sitter-go's .wasm is, for a bundle that ships it beside itself (the GitHub Action);
 * by default it is resolved from node_modules. Call before the first `loadGo()`.
 */
export function useGrammar(wasmPath: string): void {
  if (ready) throw new Error("useGrammar called after the grammar was loaded");
  grammarPath = wasmPath;
}

/** Loads the grammar (idempotent). Resolves once the parser can be used synchronously. */
export function loadGo(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const language = await Language.load(grammarPath ?? defaultGrammarPath());
    const p = new Parser();
    p.setLanguage(language);
    parser = p;
    return p;
  })();
  return ready;
}

/**
 * The grammar the package ships (wasm/, copied from tree-sitter-go by `npm run build`, so an
 * installed ptrguard needs no tree-sitter-go and its native install script), else tree-sitter-go's
 * own file (a clone before its first build).
 */
function defaultGrammarPath(): string {
  const shipped = path.join(PACKAGE_ROOT, "wasm", "tree-sitter-go.wasm");
  return existsSync(shipped) ? shipped : createRequire(import.meta.url).resolve("tree-sitter-go/tree-sitter-go.wasm");
}

export function isGoLoaded(): boolean {
  return parser !== undefined;
}

/**
 * Parses `source` (whole file, or only `ranges` of it: positions stay those of the whole file).
 * Never throws on broken Go: tree-sitter recovers and marks ERROR/MISSING nodes.
 */
export function parseGo(source: string, ranges?: Range[]): Tree {
  if (!parser) throw new Error("parseGo called before loadGo() resolved");
  const tree = parser.parse(source, null, ranges && ranges.length ? { includedRanges: ranges } : undefined);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}
