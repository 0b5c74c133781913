// Part of `npm run build`: copies tree-sitter-go's grammar into wasm/, which the package ships, so
// an installed ptrguard does not depend on tree-sitter-go (whose install script builds a native addon).
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
mkdirSync(path.join(root, "wasm"), { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve("tree-sitter-go/tree-sitter-go.wasm"), path.join(root, "wasm/tree-sitter-go.wasm"));
