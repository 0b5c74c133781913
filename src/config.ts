// `.github/ptrguard.yml`: the schema, the defaults, and validation. Read from the default
// branch only (Probot's context.config), so a pull request cannot switch its own review off.
// A bad value is reported and replaced by its default; the other keys keep their values.
import picomatch from "picomatch";
import { SCOPES, type Scope } from "./analyzer/engine.js";
import { SEVERITIES, type Severity } from "./analyzer/types.js";

export const CONFIG_FILE = "ptrguard.yml";

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
  draft_prs: boolean;
}

export const MAX_COMMENTS_LIMIT = 100;

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  rules: {},
  paths_ignore: [],
  scope: "new",
  fail_on: "error",
  review_event: "COMMENT",
  max_comments: 25,
  include_tests: true,
  draft_prs: true,
});

export interface ConfigResult {
  config: Config;
  /** Plain sentences, one per problem, for the check run. */
  problems: string[];
}

const FAIL_ON: readonly FailOn[] = [...SEVERITIES, "none"];
const REVIEW_EVENTS: readonly ReviewEvent[] = ["COMMENT", "REQUEST_CHANGES"];
const RULE_SETTINGS: readonly RuleSetting[] = ["off", "on", ...SEVERITIES];
const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(", ");

/** Validates the merged configuration object. `ruleIds` are the rules the app knows. */
export function validateConfig(raw: unknown, ruleIds: readonly string[]): ConfigResult {
  const config: Config = { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] };
  const problems: string[] = [];
  if (raw === null || raw === undefined) return { config, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config, problems: ["the configuration is not a mapping of keys to values; the defaults are used"] };
  }
  const input = raw as Record<string, unknown>;
  const bad = (key: string, want: string) => problems.push(`\`${key}\` must be ${want}; got ${show(input[key])}, so the default ${show(DEFAULT_CONFIG[key as keyof Config])} is used`);

  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_CONFIG)) problems.push(`unknown key \`${key}\` is ignored`);
  }
  if ("rules" in input) config.rules = readRules(input.rules, ruleIds, problems);
  if ("paths_ignore" in input) {
    const v = input.paths_ignore;
    if (Array.isArray(v) && v.every((g) => typeof g === "string" && g.trim() !== "" && validGlob(g))) config.paths_ignore = v as string[];
    else bad("paths_ignore", "a list of glob patterns");
  }
  if ("scope" in input) {
    if (SCOPES.includes(input.scope as Scope)) config.scope = input.scope as Scope;
    else bad("scope", `one of ${list(SCOPES)}`);
  }
  if ("fail_on" in input) {
    if (FAIL_ON.includes(input.fail_on as FailOn)) config.fail_on = input.fail_on as FailOn;
    else bad("fail_on", `one of ${list(FAIL_ON)}`);
  }
  if ("review_event" in input) {
    if (REVIEW_EVENTS.includes(input.review_event as ReviewEvent)) config.review_event = input.review_event as ReviewEvent;
    else bad("review_event", `one of ${list(REVIEW_EVENTS)}`);
  }
  if ("max_comments" in input) {
    const v = input.max_comments;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_COMMENTS_LIMIT) config.max_comments = v;
    else bad("max_comments", `a whole number from 0 to ${MAX_COMMENTS_LIMIT}`);
  }
  for (const key of ["include_tests", "draft_prs"] as const) {
    if (!(key in input)) continue;
    if (typeof input[key] === "boolean") config[key] = input[key];
    else bad(key, "`true` or `false`");
  }
  return { config, problems };
}

function readRules(v: unknown, ruleIds: readonly string[], problems: string[]): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    problems.push(`\`rules\` must map rule ids to ${list(RULE_SETTINGS)}; got ${show(v)}, so every rule keeps its default`);
    return out;
  }
  for (const [id, setting] of Object.entries(v as Record<string, unknown>)) {
    const s = setting === true ? "on" : setting === false ? "off" : setting;
    if (!ruleIds.includes(id)) problems.push(`\`rules.${id}\` names no rule ptrguard knows and is ignored`);
    else if (!RULE_SETTINGS.includes(s as RuleSetting)) problems.push(`\`rules.${id}\` must be one of ${list(RULE_SETTINGS)}; got ${show(setting)}, so the rule keeps its default`);
    else out[id] = s as RuleSetting;
  }
  return out;
}

function validGlob(glob: string): boolean {
  try {
    picomatch(glob);
    return true;
  } catch {
    return false;
  }
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  if (text === undefined) return String(v);
  return `\`${text.length > 60 ? text.slice(0, 57) + "..." : text}\``;
}

/** A matcher for `paths_ignore` (picomatch globs; `dot` so `.github/**` works). */
export function ignoreMatcher(config: Config): (path: string) => boolean {
  if (config.paths_ignore.length === 0) return () => false;
  return picomatch(config.paths_ignore, { dot: true });
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** True when `severity` is at or above `threshold` (`none` is never reached). */
export function atOrAbove(severity: Severity, threshold: FailOn): boolean {
  return threshold !== "none" && RANK[severity] >= RANK[threshold];
}
