// The package version and root (where bin/, dist/, rules/ and schema/ are), read from the
// package.json above this module (source or built, in a clone or an installed package).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function find(): { root: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ptrguard" && pkg.version) return { root: dir, version: pkg.version };
    }
    const up = path.dirname(dir);
    if (up === dir) return { root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."), version: "0.0.0" };
    dir = up;
  }
}

const pkg = find();
export const VERSION = pkg.version;
export const PACKAGE_ROOT = pkg.root;
