// What a worker does with a run request, the same for every queue: build the installation's
// GitHub layer from the request, authorise a recheck, find a fork PR's number, then run the
// review under the PR's lock, unless a newer head made it moot or a run for the same head was
// under way when the request came (that run answers both). A RetryLater pauses the installation.
import type { Logger, ProbotOctokit } from "probot";
import type { GitHub } from "../github/types.js";
import { pullNumberFromExternalId } from "../handlers/payload.js";
import { completion } from "../review/check.js";
import type { AppDeps } from "../review/deps.js";
import { LockLost, RetryLater, Superseded } from "../review/errors.js";
import { runReview } from "../review/run.js";
import { prKey, type RunRequest } from "./request.js";
import type { Store } from "./store.js";
import { installationTarget } from "./target.js";

const ALLOWED = new Set(["admin", "maintain", "write"]);
const DAY = 24 * 3600_000;
/** One refusal reply per user and repository in this window; later refusals only get a reaction. */
export const REFUSAL_REPLY_WINDOW_MS = 10 * 60_000;
/** How long a RetryLater without `retry-after` pauses its installation. */
export const DEFAULT_RETRY_MS = 60_000;

export type RunResult = "done" | "covered" | "superseded" | "skipped" | "busy";

export interface RunControl {
  /** Aborted when the queue accepts a newer head for this PR: the run stops before posting. */
  signal?: AbortSignal;
  /**
   * An earlier attempt of this request failed or stalled (its worker lost the job's lock): it may
   * have posted already, or still be running. The run reads the head's check runs again before posting.
   */
  retry?: boolean;
}

export interface RunnerOptions {
  /** An installation's authenticated Octokit (Probot's `app.auth(id)`). */
  octokit(installationId: number): Promise<ProbotOctokit>;
  deps: AppDeps;
  store: Store;
  log: Logger;
  /** How long a PR's lock lives without renewal (a killed worker frees it after this). */
  lockTtlMs?: number;
  /**
   * Show every run's check run in progress as soon as its files are listed. The embedded queue
   * keeps runs in memory: a check run left in progress is how the next start finds a run a crash
   * lost (recover.ts). With Redis the job itself is durable, and a small PR's check run is created
   * with its verdict in one request.
   */
  openCheckAtStart?: boolean;
}

interface LastRun {
  sha: string;
  startedAt: number;
  completedAt: number;
}

export class Runner {
  readonly lockTtlMs: number;

  constructor(private readonly o: RunnerOptions) {
    this.lockTtlMs = o.lockTtlMs ?? 30_000;
  }

  get log(): Logger {
    return this.o.log;
  }

  get store(): Store {
    return this.o.store;
  }

  private async github(req: RunRequest): Promise<GitHub> {
    const octokit = await this.o.octokit(req.installationId);
    return this.o.deps.github(installationTarget(octokit, { owner: req.owner, repo: req.repo }));
  }

  private logFor(req: RunRequest): Logger {
    return this.o.log.child({ delivery: req.delivery, repo: `${req.owner}/${req.repo}`, ...(req.pullNumber ? { pr: req.pullNumber } : {}), trigger: req.trigger });
  }

  /** Records the head a push named, so runs for older heads know they are moot. */
  async noteHead(req: RunRequest): Promise<void> {
    if (req.trigger === "push" && req.headSha && req.pullNumber !== undefined) await this.o.store.set(`head:${prKey(req)}`, req.headSha, DAY);
  }

  /** Throws RetryLater while the installation is paused by an earlier RetryLater. */
  async checkPaused(installationId: number): Promise<void> {
    const until = Number((await this.o.store.get(`pause:${installationId}`)) ?? 0);
    const left = until - Date.now();
    if (left > 0) throw new RetryLater(`installation ${installationId} is paused`, left, "GitHub asked ptrguard to slow down; retrying");
  }

  async pause(installationId: number, err: RetryLater): Promise<number> {
    const ms = Math.max(1000, err.retryAfterMs ?? DEFAULT_RETRY_MS);
    await this.o.store.set(`pause:${installationId}`, String(Date.now() + ms), ms);
    this.o.log.warn({ installation: installationId, retryInMs: ms, reason: err.reason }, "ptrguard: pausing the installation's runs");
    return ms;
  }

  /**
   * The steps before a PR's run: authorise a recheck (a reaction, and a reply at most once per
   * user and window when refused) and find the PR of a check suite. Undefined: nothing to run.
   */
  async prepare(req: RunRequest): Promise<RunRequest | undefined> {
    if (!req.recheck && req.pullNumber !== undefined) return req;
    const log = this.logFor(req);
    const github = await this.github(req);
    let out = req;
    if (req.recheck) {
      const { commentId, login, isAuthor } = req.recheck;
      if (!isAuthor && !(await mayRecheck(github, login))) {
        log.info({ user: login }, "ptrguard: refused /ptrguard recheck: not the author and no write permission");
        await github.react(commentId, "confused");
        if (await this.o.store.claim(`refused:${req.owner}/${req.repo}:${login.toLowerCase()}`, REFUSAL_REPLY_WINDOW_MS)) {
          await github.commentOnIssue(req.pullNumber!, `@${login} only the author of this pull request and people with write access can ask ptrguard to recheck it.`);
        } else {
          log.info({ user: login }, "ptrguard: not replying again to a refused recheck (one reply per user every 10 minutes)");
        }
        return undefined;
      }
      await github.react(commentId, "eyes");
      out = { ...out, recheck: undefined };
    }
    if (out.pullNumber === undefined) {
      const runs = await github.checkRunsInSuite(out.suiteId ?? 0);
      const number = runs.map((r) => pullNumberFromExternalId(r.externalId)).find((n) => n !== undefined);
      if (!number) {
        log.warn({ suite: out.suiteId }, "ptrguard: cannot tell which pull request this check suite belongs to; not re-running");
        return undefined;
      }
      out = { ...out, pullNumber: number, suiteId: undefined };
    }
    return out;
  }

  /**
   * Runs the review for a prepared request under the PR's lock; "busy" when another worker holds
   * it, or took it over because this one could not renew it (the request is then tried again).
   */
  async run(req: RunRequest, control: RunControl = {}): Promise<RunResult> {
    const key = prKey(req);
    await this.checkPaused(req.installationId);
    const lock = await this.o.store.lock(key, this.lockTtlMs);
    if (!lock) return "busy";
    const lost = new AbortController();
    const renew = setInterval(() => {
      lock.renew().then(
        (ok) => {
          if (!ok) lost.abort(new LockLost());
        },
        () => undefined,
      );
    }, Math.max(200, Math.floor(this.lockTtlMs / 3)));
    renew.unref();
    let watch: NodeJS.Timeout | undefined;
    const log = this.logFor(req);
    try {
      const github = await this.github(req);
      // A check run a dead worker left in progress for this PR, or one a restart found: completed
      // first, whatever this run then does.
      const inflightKey = `inflight:${key}`;
      const stale = [Number(await this.o.store.get(inflightKey)), req.staleCheckRunId].filter((id): id is number => !!id && Number.isFinite(id));
      for (const id of new Set(stale)) await this.completeStale(github, id).catch((err: unknown) => log.warn({ err, checkRun: id }, "ptrguard: could not complete a stale check run"));
      if (stale.length > 0) await this.o.store.unclaim(inflightKey);
      // A newer push was accepted for this PR: this head is moot (GitHub has the last word).
      const newest = await this.o.store.get(`head:${key}`);
      let pull = req.pull;
      if (req.headSha && newest && newest !== req.headSha) {
        pull = await github.getPull(req.pullNumber!);
        if (pull.headSha !== req.headSha) {
          log.info({ sha: req.headSha, newer: pull.headSha }, "ptrguard: a newer head was pushed before this run started; skipping it");
          return "superseded";
        }
      }
      pull ??= await github.getPull(req.pullNumber!);
      const sha = req.headSha ?? pull.headSha;
      const last = parseLast(await this.o.store.get(`last:${key}`));
      // A request that came while a run for the same head was queued or running joins that run.
      // Strictly before its completion: one that came in the millisecond the run completed may
      // have come after the run read the pull request (a thread resolved, then a recheck).
      if (last && last.sha === sha && req.receivedAt < last.completedAt) {
        log.info({ sha }, "ptrguard: a run for this head that was under way when this request came has answered it; nothing to do");
        return "covered";
      }
      // Only the holder of the lock posts: checked again just before anything is posted.
      const stillHeld = async () => {
        if (lost.signal.aborted || !(await lock.renew())) throw new LockLost();
      };
      const startedAt = Date.now();
      // Its own check run is remembered until it completes, so a run that dies leaves it to the next.
      const tracked: GitHub = {
        ...github,
        createCheckRun: async (run) => {
          const id = await github.createCheckRun(run);
          // A check run created with its verdict is done; one created in progress is tracked.
          if (!run.completion) await this.o.store.set(inflightKey, String(id), DAY);
          return id;
        },
      };
      // A newer head accepted by any replica calls this run off, once GitHub confirms it.
      const watchHead = new AbortController();
      let confirmed = sha;
      watch = setInterval(() => {
        void (async () => {
          const newer = await this.o.store.get(`head:${key}`);
          if (!newer || newer === sha || newer === confirmed || watchHead.signal.aborted) return;
          confirmed = newer;
          const now = await github.getPull(req.pullNumber!);
          if (now.headSha !== sha) watchHead.abort(new Superseded(now.headSha));
        })().catch(() => undefined);
      }, 1000);
      watch.unref();
      const signals = [lost.signal, watchHead.signal, ...(control.signal ? [control.signal] : [])];
      let outcome: Awaited<ReturnType<typeof runReview>>;
      try {
        outcome = await runReview(
          { pullNumber: req.pullNumber!, pull, headSha: req.headSha, explicit: req.explicit },
          {
            github: tracked,
            rules: this.o.deps.rules,
            clock: this.o.deps.clock,
            log: this.o.log,
            metrics: this.o.deps.metrics,
            delivery: req.delivery,
            repo: `${req.owner}/${req.repo}`,
            signal: AbortSignal.any(signals),
            requestedAt: req.receivedAt,
            retry: control.retry === true,
            beforePublish: stillHeld,
            ...(this.o.openCheckAtStart ? { eagerCheckFiles: 0 } : {}),
            ...(this.o.deps.analyse ? { analyse: this.o.deps.analyse } : {}),
          },
        );
      } catch (err) {
        // Another worker may hold the PR now: this request is tried again later, when that run's
        // record or check run answers it. A check run this attempt opened stays marked for the next run.
        if (err instanceof LockLost) return "busy";
        // Its check run already says "retrying" (else the marker stays, and the next attempt completes it).
        if (err instanceof RetryLater && err.openCheckRun === undefined) await this.o.store.unclaim(inflightKey);
        throw err;
      }
      await this.o.store.unclaim(inflightKey);
      await this.o.store.set(`last:${key}`, JSON.stringify({ sha, startedAt, completedAt: Date.now() } satisfies LastRun), DAY);
      return outcome === "covered" ? "covered" : "done";
    } finally {
      clearInterval(renew);
      clearInterval(watch);
      await lock.release().catch(() => undefined);
    }
  }

  private async completeStale(github: GitHub, id: number): Promise<void> {
    const now = this.o.deps.clock.now();
    const headline = "ptrguard stopped during this run; a new run for this commit took over.";
    await github.completeCheckRun(
      id,
      completion(
        { conclusion: "neutral", title: "Interrupted; run again", findings: [] },
        { headline, filesAnalyzed: 0, skipped: [], notes: [], durationMs: 0, configProblems: [], checkOnly: [], problems: [] },
        now,
      ),
    );
  }
}

async function mayRecheck(github: GitHub, login: string): Promise<boolean> {
  try {
    return ALLOWED.has(await github.permission(login));
  } catch (err) {
    // Not a collaborator at all.
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}

function parseLast(text: string | undefined): LastRun | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as LastRun;
    return typeof v.sha === "string" && typeof v.completedAt === "number" ? v : undefined;
  } catch {
    return undefined;
  }
}

export { RetryLater, Superseded };
