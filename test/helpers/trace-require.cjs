// `node --require ./trace-require.cjs ...`: appends every CommonJS module loaded to $TRACE_FILE
// (createRequire and require, which the ESM hooks of trace-hooks.mjs do not see).
const Module = require("node:module");
const { appendFileSync } = require("node:fs");

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const out = load.apply(this, arguments);
  try {
    if (process.env.TRACE_FILE && !request.startsWith("node:")) appendFileSync(process.env.TRACE_FILE, "file://" + Module._resolveFilename(request, parent, isMain) + "\n");
  } catch {
    // a builtin without the node: prefix
  }
  return out;
};
