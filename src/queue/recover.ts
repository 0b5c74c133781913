// At start (embedded queue): check runs this app left "in progress" when the process stopped
// without draining (a crash, SIGKILL) are found through the Checks API and handed to the queue
// as restart requests: the run completes the stale check run as neutral and reviews the PR's
// head again. The check run's `external_id` carries the PR number (fork PRs too). Bounded, so a
// large organisation's start does not spend its API budget: only repositories pushed to and PRs
// updated in the last day, and at most so many of each.
import type { Logger, ProbotOctokit } from "probot";
import { CHECK_NAME } from "../github/checks.js";
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
  const app = await o.appOctokit();
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  let found = 0;
  for (const inst of installations) {
    const gh = await o.octokit(inst.id);
    const repos = (await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, { per_page: 100 }))
      .filter((r) => !r.archived && Date.parse(r.pushed_at ?? r.updated_at ?? "") >= since)
      .slice(0, o.maxRepos ?? 200);
    for (const repo of repos) {
      const owner = repo.owner.login;
      const { data: pulls } = await gh.rest.pulls.list({ owner, repo: repo.name, state: "open", sort: "updated", direction: "desc", per_page: Math.min(100, o.maxPulls ?? 100) });
      for (const pull of pulls.filter((p) => Date.parse(p.updated_at) >= since)) {
        const { data } = await gh.rest.checks.listForRef({ owner, repo: repo.name, ref: pull.head.sha, check_name: CHECK_NAME, status: "in_progress", app_id: o.appId, per_page: 100 });
        for (const run of data.check_runs) {
          if (pullNumberFromExternalId(run.external_id) !== pull.number || (run.app && run.app.id !== o.appId)) continue;
          found++;
          await o.submit({
            installationId: inst.id,
            owner,
            repo: repo.name,
            pullNumber: pull.number,
            headSha: pull.head.sha,
            trigger: "restart",
            delivery: `restart-${run.id}`,
            explicit: true,
            receivedAt: Date.now(),
            staleCheckRunId: run.id,
          });
        }
      }
    }
  }
  if (found > 0) o.log.info({ checkRuns: found }, "ptrguard: found check runs left in progress by an earlier process; running them again");
  return found;
}
