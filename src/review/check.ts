// Step 6: the check run's verdict, and the check run itself (openCheck). `failure` when a finding is at or above `fail_on`, else
// `success`; `neutral` when nothing could be analysed or a newer push made the run moot.
import type { Finding } from "../analyzer/types.js";
import { atOrAbove, type FailOn } from "../config.js";
import { ANNOTATION_BATCH } from "../github/checks.js";
import { explain, isRateLimited, isUncertain, retryAfterMs } from "../github/retry.js";
import type { Annotation, AnnotationLevel, CheckCompletion, CheckRunInfo, Conclusion, GitHub } from "../github/types.js";
import { checkSummary, type SummaryInput } from "../report/summary.js";
import { RetryLater } from "./errors.js";

/** Beyond this, annotations cost more requests than they help (50 per request). */
export const MAX_ANNOTATIONS = 1000;

const LEVEL: Record<Finding["severity"], AnnotationLevel> = { error: "failure", warning: "warning", info: "notice" };

export function toAnnotation(f: Finding): Annotation {
  return { path: f.path, start_line: f.line, end_line: Math.max(f.line, f.endLine), annotation_level: LEVEL[f.severity], title: `[${f.rule}] ${f.title}`, message: f.message };
}

export function conclusionOf(findings: readonly Finding[], failOn: FailOn): Conclusion {
  return findings.some((f) => atOrAbove(f.severity, failOn)) ? "failure" : "success";
}

export function titleOf(conclusion: Conclusion, findings: readonly Finding[], failOn: FailOn): string {
  const n = findings.length;
  if (n === 0) return "No findings";
  const blocking = findings.filter((f) => atOrAbove(f.severity, failOn)).length;
  const what = `${n} finding${n === 1 ? "" : "s"}`;
  return conclusion === "failure" ? `${what}, ${blocking} at or above ${failOn}` : `${what}, none at or above ${failOn}`;
}

export interface Verdict {
  conclusion: Conclusion;
  title: string;
  findings: readonly Finding[];
}

export function completion(v: Verdict, summary: Omit<SummaryInput, "annotationsLeftOut" | "findings">, completedAt: Date): CheckCompletion {
  const annotations = v.findings.slice(0, MAX_ANNOTATIONS).map(toAnnotation);
  return {
    conclusion: v.conclusion,
    output: { title: v.title, summary: checkSummary({ ...summary, findings: v.findings, annotationsLeftOut: v.findings.length - annotations.length }) },
    annotations,
    completedAt: completedAt.toISOString(),
  };
}

/** A rate-limited request as RetryLater: the run is tried again after GitHub's `retry-after`. */
export function retryLater(err: unknown, doing: string): RetryLater {
  return new RetryLater(`${doing}: ${explain(err)}`, retryAfterMs(err), "GitHub's rate limit; retrying");
}

/** The title of a neutral verdict: nothing could be analysed (an answer, unlike the other neutral check runs). */
export const NOTHING_TO_ANALYSE = "Nothing to analyse";

/**
 * A completed ptrguard check run for this pull request on this head that began after a request
 * arrived (`since`, ms): that run answered the request, its review posted and its verdict given.
 * The neutral check runs of runs that stopped without a verdict (superseded, interrupted,
 * waiting for the configuration) answer nothing. GitHub keeps whole seconds: a check run that
 * began in the second the request came is counted only for a `retry` (the request's own earlier
 * attempt began after it came); for a new request it may be a run that finished just before.
 */
export function answeredSince(runs: readonly CheckRunInfo[] | undefined, pullNumber: number, since: number | undefined, retry = false): CheckRunInfo | undefined {
  if (since === undefined || !runs) return undefined;
  const from = retry ? Math.floor(since / 1000) * 1000 : since;
  return runs.find(
    (r) =>
      r.status === "completed" &&
      r.externalId === String(pullNumber) &&
      r.startedAt !== null &&
      Date.parse(r.startedAt) >= from &&
      (r.conclusion === "success" || r.conclusion === "failure" || (r.conclusion === "neutral" && r.title === NOTHING_TO_ANALYSE)),
  );
}

/** How long to wait before trying again when GitHub does not answer at all. */
export const OUTAGE_RETRY_MS = 30_000;

export interface CheckHandle {
  /** The check run's id once it exists. */
  readonly id: number | undefined;
  /** Takes over a check run in progress for this pull request among `runs` (read again), when this run has none yet. */
  adopt(runs: readonly CheckRunInfo[]): void;
  /** Shows the run in progress now (large pull requests); reuses the check run an earlier attempt left. */
  inProgress(): Promise<void>;
  /** Completes the check run, creating it with its verdict when it does not exist yet (one request). */
  complete(c: CheckCompletion): Promise<void>;
}

export interface OpenCheck {
  sha: string;
  pullNumber: number;
  startedAt: Date;
  /** ptrguard's check runs on the head commit (RunStart): one left in progress is reused. */
  existing?: readonly CheckRunInfo[] | undefined;
}

/**
 * The check run of one run. It is found again rather than created twice: a check run left in
 * progress on this head for this pull request (a killed run, an attempt that hit a rate limit)
 * is reused. A small run creates it with its verdict in one request; a large one shows it in
 * progress first (`inProgress`). A rate limit on either becomes RetryLater: the next attempt
 * finds the check run again by head SHA, name and external_id, and completes it.
 */
export async function openCheck(github: GitHub, o: OpenCheck): Promise<CheckHandle> {
  const open = (runs: readonly CheckRunInfo[] | undefined) => runs?.find((r) => r.externalId === String(o.pullNumber) && r.status !== "completed");
  const reused = open(o.existing);
  let id = reused?.id;
  // Annotations an interrupted completion already sent (GitHub appends them): not sent twice.
  let annotated = reused?.annotationsCount ?? 0;
  const guarded = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (isRateLimited(err)) throw retryLater(err, doing);
      // Still no answer after the read-back and one informed repeat: try the whole run later.
      if (isUncertain(err)) throw new RetryLater(`${doing}: ${explain(err)}`, OUTAGE_RETRY_MS, "GitHub did not answer; retrying");
      throw err;
    }
  };
  const base = { headSha: o.sha, pullNumber: o.pullNumber, startedAt: o.startedAt.toISOString() };
  return {
    get id() {
      return id;
    },
    adopt(runs) {
      const found = id === undefined ? open(runs) : undefined;
      if (!found) return;
      id = found.id;
      annotated = found.annotationsCount ?? 0;
    },
    async inProgress() {
      if (id === undefined) id = await guarded("creating the check run", () => github.createCheckRun(base));
    },
    async complete(c) {
      await guarded("completing the check run", async () => {
        if (id === undefined && c.annotations.length <= ANNOTATION_BATCH) {
          id = await github.createCheckRun({ ...base, completion: c });
          return;
        }
        const fresh = id === undefined;
        id ??= await github.createCheckRun(base);
        await github.completeCheckRun(id, c, fresh ? 0 : annotated);
      });
    },
  };
}
