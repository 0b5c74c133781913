// `.github/ptrguard.yml`: one configuration for the App and the CLI. The keys, types and defaults
// are the JSON schema of src/config-schema.ts (published as schema/ptrguard.schema.json), checked
// here with Ajv. The App reads the file from the default branch only (Probot's context.config), so
// a pull request cannot switch its own review off; the CLI and the Action read it from disk with
// `readConfigFile`. A bad value is reported and replaced by its default; the other keys keep theirs.
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { ErrorObject } from "ajv";
import type { Scope, TestFindings } from "./analyzer/engine.js";
import type { Severity } from "./analyzer/types.js";
import {
  AJV_OPTIONS,
  configSchema,
  DEFAULTS,
  FAIL_ON_VALUES,
  MAX_COMMENTS_LIMIT,
  MAX_CONFIG_BYTES,
  MAX_GLOB_CHARS,
  MAX_PATHS_IGNORE,
  REVIEW_EVENTS,
  RULE_SETTINGS,
  TEST_FINDINGS,
} from "./config-schema.js";
import { RULE_IDS as GENERATED_IDS, validate as generatedValidate } from "./config-validator.generated.js";
import { compileGlobs, GlobError } from "./glob.js";

export { MAX_COMMENTS_LIMIT, MAX_CONFIG_BYTES, MAX_PATHS_IGNORE } from "./config-schema.js";

export const CONFIG_FILE = "ptrguard.yml";
/** Where the file sits in a repository. */
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/** `off` disables a rule, `on` keeps its own severity, a severity overrides it. */
export type RuleSetting = "off" | "on" | Severity;
export type FailOn = Severity | "none";
export type ReviewEvent = "COMMENT" | "REQUEST_CHANGES";

export interface Config {
  rules: Record<string, RuleSetting>;
  paths_ignore: string[];
  scope: Scope;
  fail_on: FailOn;
  review_event: ReviewEvent;
  max_comments: number;
  include_tests: boolean;
  /** `bugs`: findings whose harm ends with the test binary are left out (see AnalyzeOptions.testFindings); `all`: reported. */
  test_findings: TestFindings;
  draft_prs: boolean;
}

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({ ...DEFAULTS, rules: {}, paths_ignore: [] } as Config);

export interface ConfigResult {
  config: Config;
  /** Plain sentences, one per problem, for the check run or the terminal. */
  problems: string[];
}

const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(", ");
const WANT: Record<string, string> = {
  paths_ignore: "a list of glob patterns",
  scope: "", // filled below from the schema's enum
  fail_on: `one of ${list(FAIL_ON_VALUES)}`,
  review_event: `one of ${list(REVIEW_EVENTS)}`,
  max_comments: `a whole number from 0 to ${MAX_COMMENTS_LIMIT}`,
  include_tests: "`true` or `false`",
  test_findings: `one of ${list(TEST_FINDINGS)}`,
  draft_prs: "`true` or `false`",
};

type Validate = ((v: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validators = new Map<string, { validate: Validate; schema: Record<string, unknown> }>();

/**
 * The validator for a set of rule ids: the one compiled ahead of time (src/config-validator.generated.ts)
 * for the registry's ids, else Ajv, loaded and compiled on first use (tests with other rule sets).
 */
function validatorFor(ruleIds: readonly string[]): { validate: Validate; schema: Record<string, unknown> } {
  const key = ruleIds.join(",");
  let v = validators.get(key);
  if (!v) {
    const schema = configSchema(ruleIds);
    if (key === GENERATED_IDS.join(",")) v = { validate: generatedValidate as Validate, schema };
    else {
      const require = createRequire(import.meta.url);
      const Ajv = (require("ajv") as { default: new (o: object) => { compile(s: object): Validate } }).default;
      v = { validate: new Ajv(AJV_OPTIONS).compile(schema), schema };
    }
    validators.set(key, v);
  }
  return v;
}

/** Validates the merged configuration object. `ruleIds` are the rules the app knows. */
export function validateConfig(raw: unknown, ruleIds: readonly string[]): ConfigResult {
  const config: Config = { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] };
  const problems: string[] = [];
  if (raw === null || raw === undefined) return { config, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config, problems: ["the configuration is not a mapping of keys to values; the defaults are used"] };
  }
  let size: number;
  try {
    size = JSON.stringify(raw).length;
  } catch {
    return { config, problems: ["the configuration cannot be read as plain data (a cycle of YAML aliases?); the defaults are used"] };
  }
  if (size > MAX_CONFIG_BYTES) return { config, problems: [`the configuration is larger than ${MAX_CONFIG_BYTES / 1024} KiB; the defaults are used`] };

  const { validate, schema } = validatorFor(ruleIds);
  const known = (schema.properties as Record<string, { enum?: string[] }>);
  validate(raw);
  const errors = validate.errors ?? [];
  const failed = (pointer: string) => errors.some((e) => e.instancePath === pointer || e.instancePath.startsWith(pointer + "/"));
  const input = raw as Record<string, unknown>;
  const bad = (key: string) => {
    const v = input[key];
    const overCap = key === "paths_ignore" && Array.isArray(v) && (v.length > MAX_PATHS_IGNORE || v.some((g) => typeof g === "string" && g.length > MAX_GLOB_CHARS));
    const want = key === "scope" ? `one of ${list(known.scope!.enum!)}` : overCap ? `a list of at most ${MAX_PATHS_IGNORE} glob patterns of at most ${MAX_GLOB_CHARS} characters each` : WANT[key]!;
    problems.push(`\`${key}\` must be ${want}; got ${show(input[key])}, so the default ${show(DEFAULT_CONFIG[key as keyof Config])} is used`);
  };

  for (const key of Object.keys(input)) {
    if (!(key in known)) problems.push(`unknown key \`${key}\` is ignored`);
  }
  if ("rules" in input) config.rules = readRules(input.rules, ruleIds, failed, problems);
  for (const key of ["paths_ignore", "scope", "fail_on", "review_event", "max_comments", "include_tests", "test_findings", "draft_prs"] as const) {
    if (!(key in input)) continue;
    if (failed(`/${key}`)) bad(key);
    else (config as unknown as Record<string, unknown>)[key] = input[key];
  }
  if (config.paths_ignore.length > 0) {
    try {
      compileGlobs(config.paths_ignore);
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      problems.push(`\`paths_ignore\` has a pattern ptrguard cannot use (${err.message}), so the default \`[]\` is used`);
      config.paths_ignore = [];
    }
  }
  return { config, problems };
}

function readRules(v: unknown, ruleIds: readonly string[], failed: (pointer: string) => boolean, problems: string[]): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    problems.push(`\`rules\` must map rule ids to ${list(RULE_SETTINGS)}; got ${show(v)}, so every rule keeps its default`);
    return out;
  }
  for (const [id, setting] of Object.entries(v as Record<string, unknown>)) {
    if (!ruleIds.includes(id)) problems.push(`\`rules.${id}\` names no rule ptrguard knows and is ignored`);
    else if (failed(`/rules/${id.replace(/~/g, "~0").replace(/\//g, "~1")}`)) problems.push(`\`rules.${id}\` must be one of ${list(RULE_SETTINGS)}; got ${show(setting)}, so the rule keeps its default`);
    else out[id] = (setting === true ? "on" : setting === false ? "off" : setting) as RuleSetting;
  }
  return out;
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  if (text === undefined) return String(v);
  return `\`${text.length > 60 ? text.slice(0, 57) + "..." : text}\``;
}

/** A matcher for `paths_ignore` (`dot`-matching globs, without backtracking: src/glob.ts). */
export function ignoreMatcher(config: Config): (path: string) => boolean {
  if (config.paths_ignore.length === 0) return () => false;
  return compileGlobs(config.paths_ignore);
}

/** Why the configuration leaves a repository path out (`paths_ignore`, `include_tests`), or undefined. */
export function exclusion(config: Config): (path: string) => string | undefined {
  const ignored = ignoreMatcher(config);
  return (path) => {
    if (ignored(path)) return "matches `paths_ignore`";
    if (!config.include_tests && path.endsWith("_test.go")) return "test file (`include_tests` is false)";
    return undefined;
  };
}

/** Whether a rule runs under `setting`: an opt-in rule (meta.optIn) only when the configuration names it. */
export function ruleIsOn(setting: RuleSetting | undefined, meta: { optIn?: boolean | undefined }): boolean {
  return setting === undefined ? meta.optIn !== true : setting !== "off";
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** True when `severity` is at or above `threshold` (`none` is never reached). */
export function atOrAbove(severity: Severity, threshold: FailOn): boolean {
  return threshold !== "none" && RANK[severity] >= RANK[threshold];
}

/** The configuration file named on a command line does not exist or cannot be read. */
export class ConfigFileError extends Error {}

export interface ConfigFile extends ConfigResult {
  /** The file that was read, or null when the repository has none (the defaults apply). */
  file: string | null;
}

/**
 * Finds, reads, parses and validates the configuration from disk, for the CLI and the Action.
 * `target` is a repository root (then `.github/ptrguard.yml` is read, if present) or a file.
 * A missing or unreadable explicit file throws ConfigFileError; problems inside the file (YAML
 * errors, bad values, too large) are returned as problems with the defaults, as the App does.
 */
export async function readConfigFile(target: string, ruleIds: readonly string[]): Promise<ConfigFile> {
  const isDir = existsSync(target) && statSync(target).isDirectory();
  const file = isDir ? path.join(target, CONFIG_PATH) : target;
  if (isDir && !existsSync(file)) return { config: { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] }, problems: [], file: null };
  let text: string;
  try {
    if (statSync(file).size > MAX_CONFIG_BYTES) {
      return { config: { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] }, problems: [`the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB; the defaults are used`], file };
    }
    text = await readFile(file, "utf8");
  } catch {
    throw new ConfigFileError(`cannot read the configuration file ${file}`);
  }
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const why = doc.errors[0]!.message.split("\n")[0];
    return { config: { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] }, problems: [`the file could not be read (invalid YAML: ${why}); the defaults are used`], file };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { config: { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] }, problems: [`the file could not be read (${(err as Error).message}); the defaults are used`], file };
  }
  const result = validateConfig(raw, ruleIds);
  if (raw && typeof raw === "object" && "_extends" in raw) {
    result.problems.push("`_extends` is followed by the App only; read from disk, this file is used alone");
  }
  return { ...result, file };
}
