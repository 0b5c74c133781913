#!/usr/bin/env node
// The ptrguard command: runs the compiled CLI (built by `npm ci` through the prepare script).
import { main } from "../dist/src/cli.js";

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: process.stdin,
});
process.exitCode = code;
