// Writes schema/ptrguard.schema.json, the JSON schema of .github/ptrguard.yml, from
// src/config-schema.ts and the rule registry.
//   npx tsx scripts/write-schema.ts        (a test fails when the file is stale)
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rules } from "../rules/index.js";
import { DIRECTIVE_RULE } from "../src/analyzer/engine.js";
import { configSchema } from "../src/config-schema.js";

export function renderSchema(): string {
  return JSON.stringify(configSchema([...rules.map((r) => r.meta.id), DIRECTIVE_RULE]), null, 2) + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(path.resolve(import.meta.dirname, "../schema/ptrguard.schema.json"), renderSchema());
}
