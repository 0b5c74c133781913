#!/usr/bin/env node
// The ptrguard command: runs the compiled CLI (dist/, shipped in the package; built by `npm run build`).
import module from "node:module";

// Node 22.1+: cache compiled code between runs (a no-op on Node 20).
module.enableCompileCache?.();
const cli = await import("../dist/src/cli.js").catch((err) => {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dist/src/cli.js")) throw err;
  process.stderr.write("ptrguard: dist/ is missing: in a clone, run `npm run build` first\n");
  process.exit(3);
});
const { main } = cli;
const tty = (s) => s.isTTY === true;
const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: process.stdin,
  color: tty(process.stdout) && !process.env.NO_COLOR,
  progress: tty(process.stderr),
});
process.exitCode = code;
