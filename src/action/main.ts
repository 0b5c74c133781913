// Entry point of the bundled GitHub Action (action/dist/index.js, built by scripts/build-action.mjs).
// The grammar's .wasm files sit beside the bundle: no node_modules in the user's workflow.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useGrammar } from "../analyzer/parser.js";
import { runAction } from "./run.js";

const here = path.dirname(fileURLToPath(import.meta.url));
useGrammar(path.join(here, "tree-sitter-go.wasm"));
process.exitCode = await runAction({ env: process.env, stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
