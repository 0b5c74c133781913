// Step 1: `.github/ptrguard.yml`, read from the default branch of the repository, else of the
// owner's `.github` repository, with `_extends` (another repository's file as a base), and
// validated. The texts come with the run's first query (github/start.ts); what they parse to is
// cached per repository and head commit of both default branches, so a repository whose config
// did not change is not parsed (nor its `_extends` read) again.
// A file that is read but invalid is reported in the check run and the defaults stand in for what
// is wrong. A file that cannot be read (GitHub down, a reset) is not replaced by the defaults: the
// run completes its check run as neutral ("config could not be read; retrying") and throws
// RetryLater, so the queue runs it again.
import { parse } from "yaml";
import type { Rule } from "../analyzer/types.js";
import { DEFAULT_CONFIG, validateConfig, type ConfigResult } from "../config.js";
import { explain, isRateLimited, isUncertain, statusOf } from "../github/retry.js";
import { CONFIG_PATH } from "../github/start.js";
import type { GitHub, RunStart } from "../github/types.js";
import { knownRuleIds } from "./analyse.js";
import { openCheck, OUTAGE_RETRY_MS, retryLater } from "./check.js";
import { RetryLater } from "./errors.js";

/** A config file larger than this is not parsed. */
export const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_EXTENDS = 3;
const CACHE_ENTRIES = 1000;
/** An `_extends` target is another repository, whose changes the cache key does not see. */
const EXTENDS_TTL_MS = 5 * 60_000;
export const UNREADABLE = "config could not be read; retrying";

export interface LoadedConfig extends ConfigResult {
  /** The run's first query, when the layer read the config itself (its check runs serve openCheck). */
  start?: RunStart;
}

interface Cached {
  result: ConfigResult;
  expires: number;
}
const cache = new Map<string, Cached>();

/** Forgets every cached configuration (tests). */
export function clearConfigCache(): void {
  cache.clear();
}

export interface ConfigAt {
  sha: string;
  pullNumber: number;
  startedAt: Date;
  now?: () => number;
}

export async function loadConfig(github: GitHub, rules: readonly Rule[], at: ConfigAt): Promise<LoadedConfig> {
  const ids = knownRuleIds(rules);
  if (github.loadConfig) return loadFromHost(github, github.loadConfig, ids, at);
  let start: RunStart;
  try {
    start = await github.runStart(at.sha, at.pullNumber);
  } catch (err) {
    return unreadable(github, err, at);
  }
  const now = at.now?.() ?? Date.now();
  // The rules the app knows are part of what validation depends on.
  const key = `${start.configKey} ${ids.join(",")}`;
  const hit = cache.get(key);
  if (hit && hit.expires > now) return { ...clone(hit.result), start };

  let result: ConfigResult;
  let extended = false;
  try {
    const text = start.configText.repo ?? start.configText.org;
    if (text === null) result = validateConfig(null, ids);
    else {
      const problems: string[] = [];
      const raw = await resolve(github, text, problems, 0, () => (extended = true));
      const validated = validateConfig(raw, ids);
      result = { config: validated.config, problems: [...problems, ...validated.problems] };
    }
  } catch (err) {
    // The `_extends` base could not be read.
    return unreadable(github, err, at);
  }
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { result: clone(result), expires: extended ? now + EXTENDS_TTL_MS : Infinity });
  return { ...result, start };
}

/** Parses a config text and its `_extends` chain into one object (the file's keys win; lists are replaced). */
async function resolve(github: GitHub, text: string, problems: string[], depth: number, onExtends: () => void): Promise<unknown> {
  const own = parseYaml(text, problems);
  if (own === null || typeof own !== "object" || Array.isArray(own)) return own;
  const { _extends: target, ...rest } = own as Record<string, unknown>;
  if (target === undefined) return rest;
  onExtends();
  const ref = typeof target === "string" ? parseExtends(target) : undefined;
  if (!ref) {
    problems.push(`\`_extends\` must name a repository (\`repo\`, \`owner/repo\` or \`owner/repo:path.yml\`); got ${JSON.stringify(target)?.slice(0, 60)}, so it is ignored`);
    return rest;
  }
  if (depth >= MAX_EXTENDS) {
    problems.push(`\`_extends\` goes more than ${MAX_EXTENDS} files deep; \`${target}\` is ignored`);
    return rest;
  }
  const owner = ref.owner ?? github.repo.owner;
  const base = await github.readRepoFile(owner, ref.repo, ref.path ?? CONFIG_PATH);
  if (base === null) {
    problems.push(`\`_extends: ${target}\` names a file that does not exist (${owner}/${ref.repo}:${ref.path ?? CONFIG_PATH}); it is ignored`);
    return rest;
  }
  const inherited = await resolve(github, base, problems, depth + 1, onExtends);
  return merge(inherited, rest);
}

function parseYaml(text: string, problems: string[]): unknown {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    problems.push(`the file is larger than ${MAX_CONFIG_BYTES / 1024} KB and was not read; the defaults are used`);
    return null;
  }
  try {
    return parse(text, { maxAliasCount: 100, prettyErrors: false }) ?? null;
  } catch (err) {
    problems.push(`the file is not valid YAML (${firstLine((err as Error).message)}); the defaults are used`);
    return null;
  }
}

const EXTENDS = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w\d]+)(?::([-_./\w\d]+\.ya?ml))?$/i;

function parseExtends(s: string): { owner?: string; repo: string; path?: string } | undefined {
  const m = EXTENDS.exec(s.trim());
  if (!m) return undefined;
  return { ...(m[1] ? { owner: m[1] } : {}), repo: m[2]!, ...(m[3] ? { path: m[3] } : {}) };
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Deep merge of mappings; `over` wins; a list replaces a list. */
function merge(base: unknown, over: Record<string, unknown>): unknown {
  if (!isMap(base)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? merge(out[k], v) : v;
  return out;
}

/** The host reads the file (the Action): a server error is an unreadable config; anything else (bad YAML) a problem. */
async function loadFromHost(github: GitHub, read: (defaults: object) => Promise<unknown>, ids: string[], at: ConfigAt): Promise<LoadedConfig> {
  try {
    return validateConfig(await read(DEFAULT_CONFIG), ids);
  } catch (err) {
    const status = statusOf(err);
    if (isRateLimited(err) || (status !== undefined && status >= 500)) return unreadable(github, err, at);
    return { config: { ...DEFAULT_CONFIG, rules: {}, paths_ignore: [] }, problems: [`the file could not be read (${explain(err)}); the defaults are used`] };
  }
}

/**
 * The configuration could not be read: a rate limit is retried later as it is; a server error or
 * a reset completes the check run as neutral and is retried later; a refusal (4xx) fails it.
 * Never the defaults in place of the repository's file.
 */
async function unreadable(github: GitHub, err: unknown, at: ConfigAt): Promise<never> {
  if (isRateLimited(err)) throw retryLater(err, "reading the configuration");
  const check = await openCheck(github, { sha: at.sha, pullNumber: at.pullNumber, startedAt: at.startedAt });
  const completedAt = new Date(at.now?.() ?? Date.now()).toISOString();
  if (!isUncertain(err)) {
    const summary = `**ptrguard could not start this review:** ${explain(err)}. Press "Recheck" to try again.`;
    await check.complete({ conclusion: "failure", output: { title: "ptrguard could not start", summary }, annotations: [], completedAt });
    throw err;
  }
  const summary = `ptrguard's ${UNREADABLE}: ${explain(err)}. Nothing was posted; the review runs again by itself.`;
  await check.complete({ conclusion: "neutral", output: { title: "Configuration could not be read", summary }, annotations: [], completedAt });
  throw new RetryLater(`${UNREADABLE}: ${explain(err)}`, OUTAGE_RETRY_MS, UNREADABLE);
}

const clone = (r: ConfigResult): ConfigResult => structuredClone(r);
const firstLine = (s: string) => s.split("\n")[0]!.slice(0, 200);
