// The Action's configuration: `.github/ptrguard.yml` (or the `config` input) from the checked-out
// workspace, the same keys, defaults and validation (src/config.ts) as the App. The App reads the
// default branch's copy so that a pull request cannot switch its own review off; in a workflow
// the pull request can already edit the workflow itself, so the workspace's copy is used.
// TODO(issue 12, item 2): swap for the shared config-file reader once it lands.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export const DEFAULT_CONFIG_PATH = ".github/ptrguard.yml";

/** The file's mapping over `defaults`; `defaults` alone when there is no file; throws on bad YAML. */
export function workspaceConfigReader(workspace: string, file: string): (defaults: object) => Promise<unknown> {
  return async (defaults) => {
    const full = path.resolve(workspace, file);
    if (!existsSync(full)) return defaults;
    let parsed: unknown;
    try {
      parsed = parse(readFileSync(full, "utf8"));
    } catch (err) {
      throw new Error(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (parsed === null || parsed === undefined) return defaults;
    // Not a mapping: validateConfig says so and uses the defaults.
    if (typeof parsed !== "object" || Array.isArray(parsed)) return parsed;
    return { ...defaults, ...(parsed as object) };
  };
}
