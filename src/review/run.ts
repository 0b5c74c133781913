// One review run: config → check run → files → analyse → anchor and reconcile → publish →
// complete the check run. Whatever happens after the check run exists, it gets completed,
// with the error in plain words when there is one.
import type { Logger } from "probot";
import type { Finding, Rule } from "../analyzer/types.js";
import { atOrAbove, ignoreMatcher, type Config } from "../config.js";
import { commentableLines } from "../diff/diff.js";
import { explain, isRateLimited } from "../github/retry.js";
import { runLogger } from "../log.js";
import type { GitHub, PullInfo } from "../github/types.js";
import type { RunOutcome } from "../metrics.js";
import { fingerprints } from "../report/fingerprint.js";
import { reviewLine } from "../report/summary.js";
import { analyse } from "./analyse.js";
import { place, type Placed } from "./anchor.js";
import { answeredSince, completion, conclusionOf, NOTHING_TO_ANALYSE, openCheck, retryLater, titleOf, type CheckHandle } from "./check.js";
import { loadConfig } from "./config-load.js";
import { DEFAULT_LIMITS } from "./limits.js";
import type { AppMetrics, Clock } from "./deps.js";
import { readSources, selectFiles, type Source } from "./files.js";
import { dismissStaleRequests } from "./dismiss.js";
import { Covered, LockLost, RetryLater, Superseded } from "./errors.js";
import { publish } from "./publish.js";
import { reconcile } from "./reconcile.js";

export interface RunEnv {
  github: GitHub;
  rules: readonly Rule[];
  clock: Clock;
  log: Logger;
  metrics: AppMetrics;
  /** The webhook delivery id and `owner/name`, stamped on every log line of the run. */
  delivery?: string;
  repo?: string;
  /**
   * Aborted by the queue when a newer head is accepted for this PR (reason: a Superseded: the
   * check run is completed as neutral) or the PR's lock is lost (a LockLost: nothing is touched);
   * the run stops at its next step and never posts.
   */
  signal?: AbortSignal | undefined;
  /** The analysis step (default: in this thread); the server runs it on a worker-thread pool. */
  analyse?: typeof analyse | undefined;
  /** Above this many Go files the check run is shown in progress while the run works (default: limits.ts). */
  eagerCheckFiles?: number | undefined;
  /**
   * When the queue accepted the request (ms). A completed check run on this head that began
   * after it has answered the request: the run does nothing (the queue's own record of the last
   * run can be lost with its store; GitHub's check runs cannot).
   */
  requestedAt?: number | undefined;
  /**
   * The queue runs this request again (a failed or stalled attempt, which may have posted, or
   * may still be running elsewhere): just before posting, the head's check runs are read again.
   */
  retry?: boolean | undefined;
  /** Called just before anything is posted; throws (LockLost) when this run may no longer post. */
  beforePublish?: (() => Promise<void>) | undefined;
}

/** Throws when the queue has called this run off (a newer head, a lost lock). */
function checkSignal(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Superseded || signal.reason instanceof LockLost ? signal.reason : new Superseded("");
}

export interface RunRequest {
  pullNumber: number;
  /** The payload's pull request, when the event carries one; else it is read from GitHub. */
  pull?: PullInfo | undefined;
  /** The commit a re-run asks for; a commit that is no longer the head makes the run moot. */
  headSha?: string | undefined;
  /** Only `pull_request` events skip drafts; a re-run or a recheck is an explicit request. */
  explicit: boolean;
}

export async function runReview(req: RunRequest, outer: RunEnv): Promise<RunOutcome | "skipped" | "covered"> {
  const { github, clock } = outer;
  const started = clock.now();
  const pull = req.pull ?? (await github.getPull(req.pullNumber));
  const sha = req.headSha ?? pull.headSha;
  const log = runLogger(outer.log, { delivery: outer.delivery ?? "", repo: outer.repo ?? "", pr: pull.number, sha });
  const env: RunEnv = { ...outer, log };
  if (pull.state !== "open") {
    log.info({ pull: pull.number }, "ptrguard: the pull request is closed; nothing to review");
    return "skipped";
  }
  const { config, problems, start } = await loadConfig(github, env.rules, { sha, pullNumber: pull.number, startedAt: started, now: () => clock.now().getTime() });
  if (pull.draft && !config.draft_prs && !req.explicit) {
    log.info({ pull: pull.number }, "ptrguard: draft pull request and draft_prs is false; not reviewing");
    return "skipped";
  }
  if (outer.signal?.aborted) {
    if (outer.signal.reason instanceof LockLost) throw outer.signal.reason;
    log.info({ pull: pull.number }, "ptrguard: called off before it started (a newer head); posting nothing");
    env.metrics.runFinished("superseded", 0);
    return "superseded";
  }
  const answered = answeredSince(start?.checkRuns, pull.number, outer.requestedAt, outer.retry);
  if (answered) {
    log.info({ pull: pull.number, checkRun: answered.id }, "ptrguard: a run that started after this request came has answered it (its check run is complete); nothing to do");
    return "covered";
  }
  const check = await openCheck(github, { sha, pullNumber: pull.number, startedAt: started, existing: start?.checkRuns });
  const elapsed = () => clock.now().getTime() - started.getTime();
  let outcome: RunOutcome;
  try {
    outcome = await reviewAt(sha, pull, config, problems, check, env, elapsed, start?.changedFiles);
  } catch (err) {
    // Another run holds the PR now: nothing is touched; a check run this one opened is left to it.
    if (err instanceof LockLost) {
      log.warn({ pull: pull.number, checkRun: check.id }, "ptrguard: lost the lock on the pull request; stopping without posting");
      throw err;
    }
    if (err instanceof Covered) {
      log.info({ pull: pull.number, checkRun: err.checkRunId }, "ptrguard: another run answered this request while this one worked; posting nothing");
      if (check.id === undefined || check.id === err.checkRunId) return "covered";
      const headline = `Another ptrguard run answered for this commit (check run ${err.checkRunId}); this one posted nothing.`;
      await check.complete(completion({ conclusion: "neutral", title: "Answered by another run", findings: [] }, base(headline, problems, elapsed()), clock.now()));
      return "covered";
    }
    if (err instanceof Superseded) {
      outcome = await completeSuperseded(check, err.newerSha, problems, elapsed(), clock.now());
      log.info({ pull: pull.number, newer: err.newerSha }, "ptrguard: called off by a newer head; posting nothing");
      env.metrics.runFinished(outcome, elapsed() / 1000);
      return outcome;
    }
    // The queue runs it again later. The check run is not touched here (completing it may hit the
    // same limit): the next attempt finds the one this attempt opened by its external_id and reuses it.
    if (err instanceof RetryLater) {
      log.warn({ pull: pull.number, retryAfterMs: err.retryAfterMs, reason: err.reason }, "ptrguard: the run will be retried");
      if (check.id !== undefined) err.openCheckRun = check.id;
      throw err;
    }
    if (isRateLimited(err)) {
      const later = retryLater(err, "reading from GitHub");
      if (check.id !== undefined) later.openCheckRun = check.id;
      throw later;
    }
    log.error({ err, pull: pull.number }, "ptrguard: the run failed");
    outcome = "error";
    const headline = `**ptrguard could not finish this review:** ${explain(err)}. Press "Recheck" to try again.`;
    await check.complete(completion({ conclusion: "failure", title: "ptrguard could not finish", findings: [] }, base(headline, problems, elapsed()), clock.now()));
  }
  env.metrics.runFinished(outcome, elapsed() / 1000);
  return outcome;
}

async function completeSuperseded(check: CheckHandle, newer: string, configProblems: string[], durationMs: number, now: Date): Promise<RunOutcome> {
  const headline = newer
    ? `A newer commit (${newer}) is the head of this pull request now; this run posted nothing.`
    : "A newer commit is the head of this pull request now; this run posted nothing.";
  await check.complete(completion({ conclusion: "neutral", title: "Superseded by a newer push", findings: [] }, base(headline, configProblems, durationMs), now));
  return "superseded";
}

const base = (headline: string | undefined, configProblems: string[], durationMs: number) => ({
  headline,
  filesAnalyzed: 0,
  skipped: [],
  notes: [],
  durationMs,
  configProblems,
  checkOnly: [],
  problems: [],
});

async function reviewAt(
  sha: string,
  pull: PullInfo,
  config: Config,
  configProblems: string[],
  check: CheckHandle,
  env: RunEnv,
  elapsed: () => number,
  changedFiles?: number | null,
): Promise<RunOutcome> {
  const { github, clock, log } = env;
  const superseded = async (newer: string) => {
    log.info({ pull: pull.number, sha, newer }, "ptrguard: a newer push exists; posting nothing");
    const headline = `A newer commit (${newer}) is the head of this pull request now; this run posted nothing.`;
    await check.complete(completion({ conclusion: "neutral", title: "Superseded by a newer push", findings: [] }, base(headline, configProblems, elapsed()), clock.now()));
    return "superseded" as const;
  };
  if (sha !== pull.headSha) return superseded(pull.headSha);

  const selection = selectFiles(await github.listFiles(pull.number, DEFAULT_LIMITS.listedFiles), config, changedFiles);
  if (selection.wanted.length > (env.eagerCheckFiles ?? DEFAULT_LIMITS.eagerCheckFiles)) await check.inProgress();
  const { sources, skipped: unread, pull: now, limits: readLimits } = await readSources(github, pull, selection.wanted, DEFAULT_LIMITS, ignoreMatcher(config), selection.movedCandidates);
  checkSignal(env.signal);
  const analysis = await (env.analyse ?? analyse)(sources, env.rules, config);
  checkSignal(env.signal);
  const skipped = [...selection.skipped, ...unread, ...analysis.skipped];
  const limits = [...selection.limits, ...readLimits, ...analysis.limits];
  const summaryBase = { ...base(undefined, configProblems, 0), filesAnalyzed: analysis.filesAnalyzed, skipped, notes: analysis.notes, limits };

  if (analysis.filesAnalyzed === 0) {
    const headline = selection.goPaths.size === 0 ? "This pull request changes no Go files." : "No Go file of this pull request could be analysed.";
    await check.complete(completion({ conclusion: "neutral", title: NOTHING_TO_ANALYSE, findings: [] }, { ...summaryBase, headline, durationMs: elapsed() }, clock.now()));
    return "neutral";
  }

  const findings = analysis.findings;
  const placed = placeAll(findings, sources);
  const plan = reconcile(placed, now?.threads ?? (await github.listThreads(pull.number)), {
    current: new Set(placed.map((p) => p.fp)),
    enabled: analysis.enabled,
    analysed: new Set(sources.map((s) => s.file.path).filter((p) => !analysis.skipped.some((s) => s.path === p) && !analysis.incomplete.has(p))),
    changed: selection.goPaths,
  });
  const commentable = plan.post.filter((p) => p.kind !== "check").sort(bySeverity);
  const toPost = [...commentable.slice(0, config.max_comments), ...plan.post.filter((p) => p.kind === "check")];
  const overflow = commentable.slice(config.max_comments).map((p) => p.finding);

  checkSignal(env.signal);
  const headSha = now?.headSha ?? (await github.getPull(pull.number)).headSha;
  if (headSha !== sha) return superseded(headSha);
  checkSignal(env.signal);
  // A retried request may have been answered by its earlier attempt (which the queue lost track
  // of) or be under way in it still: its check run on the head is read again before posting.
  if (env.retry) {
    const runs = await github.findCheckRuns(sha);
    const answered = answeredSince(runs, pull.number, env.requestedAt, true);
    if (answered) throw new Covered(answered.id);
    check.adopt(runs);
  }
  // The last word of the queue: only the holder of the PR's lock posts.
  await env.beforePublish?.();

  const requestChanges = config.review_event === "REQUEST_CHANGES" && [...toPost.map((p) => p.finding), ...overflow].some((f) => atOrAbove(f.severity, config.fail_on));
  const published = await publish(github, {
    pullNumber: pull.number,
    headSha: sha,
    event: requestChanges ? "REQUEST_CHANGES" : "COMMENT",
    post: toPost,
    overflow,
    maxComments: config.max_comments,
    resolve: plan.resolve,
  });
  const dismissal = await dismissStaleRequests(github, pull.number, sha, findings, config);
  published.problems.push(...dismissal.problems);
  for (const rule of new Set(findings.map((f) => f.rule))) env.metrics.findingsReported(rule, findings.filter((f) => f.rule === rule).length);

  const review = reviewLine({ ...published, ...plan, overflow: overflow.length });
  const conclusion = conclusionOf(findings, config.fail_on);
  await check.complete(
    completion(
      { conclusion, title: titleOf(conclusion, findings, config.fail_on), findings },
      { ...summaryBase, durationMs: elapsed(), review, checkOnly: published.checkOnly, problems: published.problems },
      clock.now(),
    ),
  );
  return conclusion;
}

function placeAll(findings: Finding[], sources: Source[]): Placed[] {
  const renamedFrom = new Map(sources.flatMap((s) => (s.file.diff?.status === "renamed" && s.file.diff.oldPath ? [[s.file.path, s.file.diff.oldPath] as const] : [])));
  const fps = fingerprints(findings, renamedFrom);
  const byPath = new Map(sources.map((s) => [s.file.path, { source: s, lines: s.githubDiff && commentableLines(s.githubDiff) }]));
  return findings.map((f, i) => {
    const entry = byPath.get(f.path)!;
    return place(f, fps[i]!, { githubDiff: entry.source.githubDiff, content: entry.source.file.content }, entry.lines);
  });
}

const RANK = { error: 0, warning: 1, info: 2 } as const;
const bySeverity = (a: Placed, b: Placed) =>
  RANK[a.finding.severity] - RANK[b.finding.severity] || a.finding.path.localeCompare(b.finding.path) || a.finding.line - b.finding.line;
