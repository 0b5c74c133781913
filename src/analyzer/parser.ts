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
 *
 * Go 1.26's `new(expr)` (`new(uint64(10))`, `new(a + 1)`) is valid Go that tree-sitter-go's
 * grammar does not know: it parses `new(` as the builtin taking a type and marks the rest as an
 * error. When a parse has errors, each `new` whose call did not come out clean is read as a call
 * of NEW_EXPR_CALLEE (the same length, so every position stays that of the source) and the text
 * is parsed again: such a file has no syntax error and its functions are analysed whole.
 */
export function parseGo(source: string, ranges?: Range[]): Tree {
  const tree = parseRaw(source, ranges);
  if (!tree.rootNode.hasError || !source.includes("new")) return tree;
  const patched = patchNewExpr(source, tree, ranges);
  if (patched === undefined) return tree;
  tree.delete();
  return parseRaw(patched, ranges);
}

/** How many trees the process has parsed (for tests and the benchmark). */
export const parseStats = { trees: 0 };

function parseRaw(source: string, ranges: Range[] | undefined): Tree {
  if (!parser) throw new Error("parseGo called before loadGo() resolved");
  parseStats.trees++;
  const tree = parser.parse(source, null, ranges && ranges.length ? { includedRanges: ranges } : undefined);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/**
 * What a Go 1.26 `new(expr)` call's callee reads as in the tree: `new` with a Cyrillic "е"
 * (U+0435, one UTF-16 unit like "e"), an identifier no Go code declares in practice. Rules see a
 * call of an unknown function; the engine writes it back as `new` in messages and fixes.
 */
export const NEW_EXPR_CALLEE = "n\u0435w";

const NEW_CALL = /(?<![\p{L}\p{N}_.])new(?=[ \t]*\()/gu;
const IN_TEXT = /comment|string|rune/;

/** `source` with the `new` of each erroneous `new(...)` call replaced, or undefined when there is none. */
function patchNewExpr(source: string, tree: Tree, ranges: Range[] | undefined): string | undefined {
  const root = tree.rootNode;
  const at: number[] = [];
  for (const m of source.matchAll(NEW_CALL)) {
    const i = m.index;
    if (ranges?.length && !ranges.some((r) => i >= r.startIndex && i < r.endIndex)) continue;
    const node = root.descendantForIndex(i, i + 3);
    if (!node || IN_TEXT.test(node.type) || IN_TEXT.test(node.parent?.type ?? "")) continue;
    // A clean `new(T)`: the grammar's own builtin call, kept.
    if (node.type === "identifier" && node.parent?.type === "call_expression" && !node.parent.hasError) continue;
    at.push(i);
  }
  if (at.length === 0) return undefined;
  let out = "";
  let from = 0;
  for (const i of at) {
    out += source.slice(from, i) + NEW_EXPR_CALLEE;
    from = i + 3;
  }
  return out + source.slice(from);
}

/** Writes `new` back where a rule's diagnostic quotes a Go 1.26 `new(expr)` call (messages, fixes). */
export function restoreNewExpr<T>(value: T): T {
  if (typeof value === "string") return (value.includes(NEW_EXPR_CALLEE) ? value.replaceAll(NEW_EXPR_CALLEE, "new") : value) as T;
  if (Array.isArray(value)) return value.map((v) => restoreNewExpr(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = restoreNewExpr(v);
    return out as T;
  }
  return value;
}
