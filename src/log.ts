// Structured JSON logs: one pino logger for the whole process (Probot, its HTTP log, the app),
// and a child per review run that stamps every line with what identifies the run.
import { pino, stdTimeFunctions, type Logger, type LevelWithSilent } from "pino";

export type LogLevel = LevelWithSilent;
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a logged object. Octokit already
 * hides the Authorization header in its errors; this also covers anything that logs a request,
 * an auth result or the app's options.
 */
export const REDACT_PATHS = [
  "authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "request.headers.authorization",
  "err.request.headers.authorization",
  "token",
  "*.token",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "webhookSecret",
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where the JSON lines go (default: stdout). */
  destination?: NodeJS.WritableStream;
}

/** The process logger: JSON lines, level as a word, ISO time, secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export interface RunIds {
  /** The webhook delivery id (`x-github-delivery`, Probot's `context.id`). */
  delivery: string;
  /** `owner/name`. */
  repo: string;
  pr: number;
  /** The PR's head commit. */
  sha: string;
}

/**
 * A child logger for one review run: every line it writes carries `delivery`, `repo`, `pr` and
 * `sha`, so `jq 'select(.delivery == "…")'` shows one run whole.
 */
export function runLogger(log: Logger, ids: RunIds): Logger {
  return log.child({ delivery: ids.delivery, repo: ids.repo, pr: ids.pr, sha: ids.sha });
}
