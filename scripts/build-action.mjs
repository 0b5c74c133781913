#!/usr/bin/env node
// Builds the GitHub Action's bundle: action/dist/index.js (src/action/main.ts with every
// dependency inlined) and the two .wasm files it loads from beside itself. The result is
// committed, so that a workflow runs the Action with no `npm install`; test/action.test.ts
// fails when the committed files differ from a fresh build. `node scripts/build-action.mjs`
// writes them; `--check` only compares.
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const OUT_DIR = path.join(root, "action", "dist");

/** The files of the bundle by name, built in memory. */
export async function buildAction() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["src/action/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    outfile: path.join(OUT_DIR, "index.js"),
    legalComments: "none",
    logLevel: "silent",
    // CommonJS dependencies call require() for Node's built-ins; ESM has no require of its own.
    banner: { js: 'import { createRequire as __ptrguardRequire } from "node:module";\nconst require = __ptrguardRequire(import.meta.url);' },
  });
  const files = new Map();
  for (const f of result.outputFiles) files.set(path.basename(f.path), Buffer.from(f.contents));
  const require = createRequire(import.meta.url);
  for (const wasm of ["tree-sitter-go/tree-sitter-go.wasm", "web-tree-sitter/web-tree-sitter.wasm"]) {
    files.set(path.basename(wasm), readFileSync(require.resolve(wasm)));
  }
  return files;
}

/** Names of committed files that differ from `files` (or are missing). */
export function staleFiles(files) {
  return [...files].filter(([name, data]) => {
    const file = path.join(OUT_DIR, name);
    return !existsSync(file) || !readFileSync(file).equals(data);
  }).map(([name]) => name);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await buildAction();
  if (process.argv.includes("--check")) {
    const stale = staleFiles(files);
    if (stale.length > 0) {
      console.error(`action/dist is stale (${stale.join(", ")}): run node scripts/build-action.mjs and commit the result`);
      process.exit(1);
    }
  } else {
    mkdirSync(OUT_DIR, { recursive: true });
    for (const [name, data] of files) writeFileSync(path.join(OUT_DIR, name), data);
    console.log(`action/dist: ${[...files].map(([n, d]) => `${n} (${Math.round(d.length / 1024)} KiB)`).join(", ")}`);
  }
}
