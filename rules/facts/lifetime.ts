// Functions that run once for the life of the process: what they start or allocate is meant to
// live as long as the process, so rules about things outliving their caller exempt them.
import type { Unit } from "../../src/analyzer/types.js";

export type ProcessEntry = "main" | "init" | "TestMain";

/** `main` of package main, an `init` function, or a test binary's `TestMain`; undefined otherwise. */
export function processEntry(unit: Unit): ProcessEntry | undefined {
  if (unit.kind !== "func") return undefined;
  if (unit.name === "main" && unit.file.packageName === "main") return "main";
  if (unit.name === "init") return "init";
  if (unit.name === "TestMain" && unit.file.isTest) return "TestMain";
  return undefined;
}
