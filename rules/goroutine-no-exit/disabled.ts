// goroutine-no-exit: a disabled test never runs. A test renamed so that `go test` skips it
// (`XTestDelivery`, `_TestFoo`, `disabledTestSync`: not `Test`, `Benchmark`, `Fuzz` or `Example`
// followed by an upper-case letter, a digit, `_` or nothing) and that no file of the package
// mentions is dead code kept for manual runs: its goroutines start only when someone edits it back.
import type { Unit } from "../../src/analyzer/types.js";

export function disabledTest(unit: Unit): boolean {
  if (unit.kind !== "func" || !unit.file.isTest || !unit.file.packageComplete()) return false;
  const name = unit.node.childForFieldName("name")?.text;
  if (!name || /^(Test|Benchmark|Fuzz|Example)(?![\p{Ll}])/u.test(name) || !/^\w*?(Test|Benchmark)/.test(name)) return false;
  const params = unit.node.childForFieldName("parameters")?.text.replace(/\s+/g, "");
  if (!params || !/^\(\w+\*testing\.(T|B)\)$/.test(params)) return false;
  const named = new RegExp(`\\b${name}\\b`, "g");
  // Comments left out: a doc comment names its function.
  const mentions = [unit.file, ...unit.file.packageFiles()].reduce((n, f) => n + (f.source.replace(/\/\/.*$/gm, "").match(named)?.length ?? 0), 0);
  return mentions === 1;
}
