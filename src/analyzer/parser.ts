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
 *
 * A package may also declare its own function `new` (`func new(buf int, l Logger) *monitor`),
 * which shadows the builtin in every file of the package. The grammar still reads each `new(`
 * as the builtin, whose first argument is a type: `new(5, l)` is a syntax error and `new(n, l)`
 * reads `n` as a type, not a use of the variable. So the declaration and every `new(...)` call
 * with more than one argument (the builtin takes one) are read as NEW_EXPR_CALLEE too, in every
 * file, whether or not it has an error: the calls resolve to the declaration by name, across the
 * package's files. In a file that declares `func new`, every `new(...)` call is its.
 */
export function parseGo(source: string, ranges?: Range[]): Tree {
  const tree = parseRaw(source, ranges);
  if (!source.includes("new")) return tree;
  if (!tree.rootNode.hasError && !OWN_NEW_HINT.test(source)) return tree;
  const patched = patchNewExpr(source, tree, ranges);
  if (patched === undefined) return tree;
  tree.delete();
  return parseRaw(patched, ranges);
}

function parseRaw(source: string, ranges: Range[] | undefined): Tree {
  if (!parser) throw new Error("parseGo called before loadGo() resolved");
  const tree = parser.parse(source, null, ranges && ranges.length ? { includedRanges: ranges } : undefined);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return tree;
}

/**
 * What a Go 1.26 `new(expr)` call's callee reads as in the tree: `new` with a Cyrillic "е"
 * (U+0435, one UTF-16 unit like "e"), an identifier no Go code declares in practice. Rules see a
 * call of an unknown function, or of the package's own `new` (declared under the same name); the
 * engine writes it back as `new` in messages and fixes.
 */
export const NEW_EXPR_CALLEE = "n\u0435w";

const NEW_CALL = /(?<![\p{L}\p{N}_.])new(?=[ \t]*\()/gu;
const IN_TEXT = /comment|string|rune/;
/** Text that may hold a package's own `new`: its declaration, or a call with a second argument. */
const OWN_NEW_HINT = /(?:^func[ \t]+new[ \t]*\(|(?<![\p{L}\p{N}_.])new[ \t]*\([^()]*,)/mu;

/**
 * `source` with `new` replaced where it is not the builtin: a Go 1.26 `new(expr)` the grammar
 * rejects, a package-level `func new(...)` declaration, a call with several arguments, and every
 * call in a file that declares `func new`. Undefined when there is none.
 */
function patchNewExpr(source: string, tree: Tree, ranges: Range[] | undefined): string | undefined {
  const root = tree.rootNode;
  const at: number[] = [];
  const calls: number[] = [];
  let declares = false;
  for (const m of source.matchAll(NEW_CALL)) {
    const i = m.index;
    if (ranges?.length && !ranges.some((r) => i >= r.startIndex && i < r.endIndex)) continue;
    const node = root.descendantForIndex(i, i + 3);
    if (!node || IN_TEXT.test(node.type) || IN_TEXT.test(node.parent?.type ?? "")) continue;
    const parent = node.parent;
    if (node.type === "identifier" && parent?.type === "function_declaration" && parent.childForFieldName("name")?.id === node.id) {
      declares = true;
      at.push(i);
      continue;
    }
    // A method named new, a field or a label: not the builtin's name.
    if (parent?.type === "method_declaration" || node.type === "field_identifier") continue;
    // A clean `new(T)`: the grammar's own builtin call, kept (unless the file declares its own).
    if (node.type === "identifier" && parent?.type === "call_expression" && !parent.hasError) {
      if ((parent.childForFieldName("arguments")?.namedChildCount ?? 0) <= 1) {
        calls.push(i);
        continue;
      }
    }
    at.push(i);
  }
  if (declares) at.push(...calls);
  if (at.length === 0) return undefined;
  at.sort((a, b) => a - b);
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
