// Locks: the sync types (WaitGroup, Mutex, RWMutex, Once, Cond) named through the file's import
// names.
import type { FileView, GoNode } from "../../src/analyzer/types.js";
import { localTypes, unparenType } from "./types.js";

const SYNC_TYPES = new Set(["WaitGroup", "Mutex", "RWMutex", "Once", "Cond"]);

/** `sync.Mutex` under any import name of "sync", or `Mutex` under `import . "sync"`: "sync.Mutex". */
export function syncType(type: GoNode, file: FileView): string | undefined {
  const t = unparenType(type);
  if (t.type === "qualified_type") {
    const pkg = t.childForFieldName("package")?.text;
    const name = t.childForFieldName("name")?.text ?? "";
    const named = file.imports.some((i) => i.path === "sync" && i.name === pkg && (i.kind === "default" || i.kind === "alias"));
    return named && SYNC_TYPES.has(name) ? `sync.${name}` : undefined;
  }
  if (t.type === "type_identifier" && SYNC_TYPES.has(t.text) && file.imports.some((i) => i.path === "sync" && i.kind === "dot")) {
    return localTypes(file).has(t.text) ? undefined : `sync.${t.text}`;
  }
  return undefined;
}
