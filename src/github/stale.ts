// The GitHub side of crash recovery (src/queue/recover.ts): ptrguard's check runs left
// "in progress" on the heads of open pull requests, found through the Checks API. Bounded, so a
// large organisation's start does not spend its API budget: only repositories pushed to and PRs
// updated since `since`, and at most so many of each.
import type { ProbotOctokit } from "probot";
import { CHECK_NAME } from "./checks.js";

/** A check run of this app still in progress on the head of an open pull request. */
export interface StaleCheckRun {
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  checkRunId: number;
  externalId: string | null;
}

/** The ids of the app's installations (`app`: the app's own client, authenticated with its JWT). */
export async function installationIds(app: ProbotOctokit): Promise<number[]> {
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  return installations.map((i) => i.id);
}

export interface StaleOptions {
  appId: number;
  /** Epoch ms: repositories pushed to and PRs updated before it are not looked at. */
  since: number;
  maxRepos: number;
  maxPulls: number;
}

/** The app's in-progress check runs on open PRs' heads, in the repositories of one installation. */
export async function staleCheckRuns(gh: ProbotOctokit, o: StaleOptions): Promise<StaleCheckRun[]> {
  const repos = (await gh.paginate(gh.rest.apps.listReposAccessibleToInstallation, { per_page: 100 }))
    .filter((r) => !r.archived && Date.parse(r.pushed_at ?? r.updated_at ?? "") >= o.since)
    .slice(0, o.maxRepos);
  const out: StaleCheckRun[] = [];
  for (const repo of repos) {
    const owner = repo.owner.login;
    const { data: pulls } = await gh.rest.pulls.list({ owner, repo: repo.name, state: "open", sort: "updated", direction: "desc", per_page: Math.min(100, o.maxPulls) });
    for (const pull of pulls.filter((p) => Date.parse(p.updated_at) >= o.since)) {
      const { data } = await gh.rest.checks.listForRef({ owner, repo: repo.name, ref: pull.head.sha, check_name: CHECK_NAME, status: "in_progress", app_id: o.appId, per_page: 100 });
      for (const run of data.check_runs) {
        if (run.app && run.app.id !== o.appId) continue;
        out.push({ owner, repo: repo.name, pullNumber: pull.number, headSha: pull.head.sha, checkRunId: run.id, externalId: run.external_id ?? null });
      }
    }
  }
  return out;
}
