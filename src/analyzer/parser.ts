// Loads tree-sitter-go's shipped WASM once per process and parses Go source with it.
import { createRequire } from "node:module";
import { Language, Parser, type Range, type Tree } from "web-tree-sitter";

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
    const language = await Language.load(grammarPath ?? createRequire(import.meta.url).resolve("tree-sitter-go/tree-sitter-go.wasm"));
    const p = new Parser();
    p.setLanguage(language);
    parser = p;
    return p;
  })();
  return ready;
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
