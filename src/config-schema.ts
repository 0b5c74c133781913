// The JSON schema of `.github/ptrguard.yml`: the one definition of its keys, types and defaults.
// The App and the CLI validate against it (src/config.ts), and `schema/ptrguard.schema.json` is
// this object written out (`npm run schema`; a test keeps the file in step) so editors complete it.
import { SCOPES, TEST_FINDINGS, type TestFindings } from "./analyzer/engine.js";

export { TEST_FINDINGS };

export const MAX_COMMENTS_LIMIT = 100;
/** Caps, so a configuration cannot cost the App more than a few milliseconds (issue 11). */
export const MAX_CONFIG_BYTES = 64 * 1024;
export const MAX_PATHS_IGNORE = 200;
export const MAX_GLOB_CHARS = 256;

/** Ajv's options, for the validator compiled at run time and the one generated ahead of time. */
export const AJV_OPTIONS = { allErrors: true, strict: true } as const;

const SEVERITY = ["error", "warning", "info"] as const;
export const RULE_SETTINGS = ["off", "on", ...SEVERITY] as const;
export const FAIL_ON_VALUES = [...SEVERITY, "none"] as const;
export const REVIEW_EVENTS = ["COMMENT", "REQUEST_CHANGES"] as const;

/** The defaults, as the schema states them (DEFAULT_CONFIG in src/config.ts is built from these). */
export const DEFAULTS = {
  rules: {},
  paths_ignore: [] as string[],
  scope: "new",
  fail_on: "error",
  review_event: "COMMENT",
  max_comments: 25,
  include_tests: true,
  test_findings: "bugs" as TestFindings,
  draft_prs: true,
} as const;

const ruleSetting = {
  description: "`off` disables the rule, `on` keeps its own severity, a severity overrides it (true/false mean on/off).",
  oneOf: [{ enum: [...RULE_SETTINGS] }, { type: "boolean" }],
};

/** An opinion rule's setting: off unless the configuration switches it on. */
const optInSetting = {
  ...ruleSetting,
  description: "Off by default (an opinion rule, not a bug finder): `on` or a severity switches it on.",
  default: "off",
};

/** The schema for a registry of rule ids (the rules plus `ignore-directive`); `optIn`: the ids off by default. */
export function configSchema(ruleIds: readonly string[], optIn: readonly string[] = []): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "ptrguard configuration (.github/ptrguard.yml)",
    description: "Read by the ptrguard GitHub App from the default branch, and by `ptrguard check` from the repository root (or --config).",
    type: "object",
    additionalProperties: false,
    properties: {
      _extends: {
        description: "App only (Probot): inherit from another repository's .github/ptrguard.yml, e.g. `.github` or `owner/repo`. The CLI reads this file alone.",
        type: "string",
      },
      rules: {
        description: "Per-rule settings, by rule id.",
        type: "object",
        default: DEFAULTS.rules,
        ...(ruleIds.length > 0 ? { propertyNames: { enum: [...ruleIds] } } : {}),
        properties: Object.fromEntries(ruleIds.map((id) => [id, optIn.includes(id) ? optInSetting : ruleSetting])),
      },
      paths_ignore: {
        description: "Glob patterns (`**`, `*`, `?`, `[a-z]`, `{a,b}`) of repository paths not to analyse, e.g. `gen/**`, `**/*.pb.go`.",
        type: "array",
        default: DEFAULTS.paths_ignore,
        maxItems: MAX_PATHS_IGNORE,
        items: { type: "string", minLength: 1, maxLength: MAX_GLOB_CHARS },
      },
      scope: {
        description: "Which findings in the functions a change touches are reported: `new` (introduced by the change), `added` (on added lines), `function` (anywhere in a touched function), `file` (anywhere in a changed file).",
        enum: [...SCOPES],
        default: DEFAULTS.scope,
      },
      fail_on: {
        description: "The check run fails (App) and `ptrguard check` exits 1 (CLI) when a finding is at or above this severity.",
        enum: [...FAIL_ON_VALUES],
        default: DEFAULTS.fail_on,
      },
      review_event: {
        description: "App only: `REQUEST_CHANGES` requests changes when a finding reaches `fail_on`.",
        enum: [...REVIEW_EVENTS],
        default: DEFAULTS.review_event,
      },
      max_comments: {
        description: "App only: at most this many inline comments per review; the rest go to the check run.",
        type: "integer",
        minimum: 0,
        maximum: MAX_COMMENTS_LIMIT,
        default: DEFAULTS.max_comments,
      },
      include_tests: {
        description: "Analyse _test.go files.",
        type: "boolean",
        default: DEFAULTS.include_tests,
      },
      test_findings: {
        description:
          "Which findings in test code are reported: `bugs` (default) leaves out those whose harm ends with the test binary: a goroutine leak reached only after the test has already failed (t.Fatal, t.Error then return, require.*, must.*, a timeout case that fails the test), and pending timers and unstopped tickers in test code: _test.go files, files declaring testing.T/TB/B helpers, test-support packages (time-after-in-loop, ticker-not-stopped, afterfunc-untracked); `all` reports them too (failing-test leaks at `warning`).",
        enum: [...TEST_FINDINGS],
        default: DEFAULTS.test_findings,
      },
      draft_prs: {
        description: "App only: review draft pull requests.",
        type: "boolean",
        default: DEFAULTS.draft_prs,
      },
    },
  };
}
