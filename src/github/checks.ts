// The `ptrguard` check run: created in progress, completed with a conclusion, a summary and
// annotations. GitHub takes 50 annotations per request and appends them across updates, so
// all batches but the last go out first and the last one completes the run.
import type { ProbotOctokit } from "probot";
import type { CheckCompletion, RepoRef } from "./types.js";

export const CHECK_NAME = "ptrguard";
export const ANNOTATION_BATCH = 50;
export const RECHECK_ACTION = { label: "Recheck", description: "Run ptrguard again on this commit", identifier: "recheck" } as const;

export async function createCheckRun(octokit: ProbotOctokit, repo: RepoRef, headSha: string, pullNumber: number, startedAt: string): Promise<number> {
  const res = await octokit.rest.checks.create({
    ...repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: "in_progress",
    started_at: startedAt,
    // Fork PRs come with an empty `pull_requests` list on check events: keep the number here.
    external_id: String(pullNumber),
  });
  return res.data.id;
}

export async function completeCheckRun(octokit: ProbotOctokit, repo: RepoRef, id: number, c: CheckCompletion): Promise<void> {
  const batches: (typeof c.annotations)[] = [];
  for (let i = 0; i < c.annotations.length; i += ANNOTATION_BATCH) batches.push(c.annotations.slice(i, i + ANNOTATION_BATCH));
  const last = batches.pop() ?? [];
  for (const annotations of batches) {
    await octokit.rest.checks.update({ ...repo, check_run_id: id, output: { ...c.output, annotations } });
  }
  await octokit.rest.checks.update({
    ...repo,
    check_run_id: id,
    status: "completed",
    conclusion: c.conclusion,
    completed_at: c.completedAt,
    output: { ...c.output, ...(last.length > 0 ? { annotations: last } : {}) },
    actions: [{ ...RECHECK_ACTION }],
  });
}

export async function checkRunsInSuite(octokit: ProbotOctokit, repo: RepoRef, suiteId: number): Promise<{ externalId: string | null }[]> {
  const res = await octokit.rest.checks.listForSuite({ ...repo, check_suite_id: suiteId, check_name: CHECK_NAME, per_page: 100 });
  return res.data.check_runs.map((r) => ({ externalId: r.external_id ?? null }));
}
