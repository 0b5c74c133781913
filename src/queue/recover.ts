// At start (embedded queue): check runs this app left "in progress" when the process stopped
// without draining (a crash, SIGKILL) are found through the GitHub layer (src/github/stale.ts)
// and handed to the queue as restart requests: the run completes the stale check run as neutral
// and reviews the PR's head again. The check run's `external_id` carries the PR number (fork PRs
// too): a check run of another PR on the same commit is left to that PR.
import type { Logger, ProbotOctokit } from "probot";
import { installationIds, staleCheckRuns } from "../github/stale.js";
import { pullNumberFromExternalId } from "../handlers/payload.js";
import type { RunRequest } from "./request.js";

export interface RecoverOptions {
  appId: number;
  /** The app's own client (JWT), and an installation's. */
  appOctokit(): Promise<ProbotOctokit>;
  octokit(installationId: number): Promise<ProbotOctokit>;
  submit(req: RunRequest): Promise<unknown>;
  log: Logger;
  /** Only repositories pushed to and PRs updated within this window (default: a day). */
  windowMs?: number;
  maxRepos?: number;
  maxPulls?: number;
}

/** Returns how many stale check runs were handed to the queue. */
export async function recoverInProgress(o: RecoverOptions): Promise<number> {
  const since = Date.now() - (o.windowMs ?? 24 * 3600_000);
  let found = 0;
  for (const installationId of await installationIds(await o.appOctokit())) {
    const stale = await staleCheckRuns(await o.octokit(installationId), { appId: o.appId, since, maxRepos: o.maxRepos ?? 200, maxPulls: o.maxPulls ?? 100 });
    for (const run of stale) {
      if (pullNumberFromExternalId(run.externalId) !== run.pullNumber) continue;
      found++;
      await o.submit({
        installationId,
        owner: run.owner,
        repo: run.repo,
        pullNumber: run.pullNumber,
        headSha: run.headSha,
        trigger: "restart",
        delivery: `restart-${run.checkRunId}`,
        explicit: true,
        receivedAt: Date.now(),
        staleCheckRunId: run.checkRunId,
      });
    }
  }
  if (found > 0) o.log.info({ checkRuns: found }, "ptrguard: found check runs left in progress by an earlier process; running them again");
  return found;
}
