// The `ptrguard` check run. GitHub takes 50 annotations per request and appends them across
// updates, so all batches but the last go out first and the last one completes the run.
// Writes are never repeated blindly: when an answer is lost (5xx, reset), the check run is read
// back (found again by head SHA, name and external_id) and the run goes on from what is there.
import type { ProbotOctokit } from "probot";
import { isUncertain } from "./retry.js";
import type { CheckCompletion, CheckRunInfo, NewCheckRun, RepoRef } from "./types.js";

export const CHECK_NAME = "ptrguard";
export const ANNOTATION_BATCH = 50;
export const RECHECK_ACTION = { label: "Recheck", description: "Run ptrguard again on this commit", identifier: "recheck" } as const;
/** Sent with every write: plugin-retry must not repeat it (see throttle.ts). */
export const WRITE = { request: { retries: 0 } } as const;

interface RestCheckRun {
  id: number;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at: string | null;
  output?: { title?: string | null; annotations_count?: number } | null;
}

const info = (r: RestCheckRun): CheckRunInfo => ({
  id: r.id,
  status: r.status,
  conclusion: r.conclusion,
  externalId: r.external_id,
  startedAt: r.started_at,
  title: r.output?.title ?? null,
  annotationsCount: r.output?.annotations_count ?? 0,
});

const sameInstant = (a: string | null, b: string) => a !== null && Math.floor(Date.parse(a) / 1000) === Math.floor(Date.parse(b) / 1000);

export async function findCheckRuns(octokit: ProbotOctokit, repo: RepoRef, headSha: string): Promise<CheckRunInfo[]> {
  const res = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: CHECK_NAME, filter: "all", per_page: 100 });
  return res.data.check_runs.map((r) => info(r as RestCheckRun));
}

async function getCheckRun(octokit: ProbotOctokit, repo: RepoRef, id: number): Promise<CheckRunInfo> {
  const res = await octokit.rest.checks.get({ ...repo, check_run_id: id });
  return info(res.data as RestCheckRun);
}

/**
 * Runs `write`; on a lost answer, `landed()` reads GitHub back: what it finds is the answer;
 * when GitHub did not act, the write goes once more (an informed repeat, not a blind one).
 */
export async function readBack<T>(write: () => Promise<T>, landed: () => Promise<{ value: T } | undefined>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isUncertain(err)) throw err;
    const found = await landed();
    if (found) return found.value;
    return write();
  }
}

export async function createCheckRun(octokit: ProbotOctokit, repo: RepoRef, run: NewCheckRun): Promise<number> {
  const c = run.completion;
  const body = {
    ...repo,
    name: CHECK_NAME,
    head_sha: run.headSha,
    started_at: run.startedAt,
    // Fork PRs come with an empty `pull_requests` list on check events: keep the number here.
    external_id: String(run.pullNumber),
    ...(c
      ? {
          status: "completed" as const,
          conclusion: c.conclusion,
          completed_at: c.completedAt,
          output: { ...c.output, ...(c.annotations.length > 0 ? { annotations: c.annotations } : {}) },
          actions: [{ ...RECHECK_ACTION }],
        }
      : { status: "in_progress" as const }),
    ...WRITE,
  };
  if (c && c.annotations.length > ANNOTATION_BATCH) throw new Error("createCheckRun: more than 50 annotations need completeCheckRun");
  return readBack(
    async () => (await octokit.rest.checks.create(body)).data.id,
    async () => {
      const found = (await findCheckRuns(octokit, repo, run.headSha)).find((r) => r.externalId === String(run.pullNumber) && sameInstant(r.startedAt, run.startedAt));
      return found && { value: found.id };
    },
  );
}

/** `alreadyAnnotated`: annotations the check run holds from an earlier, interrupted completion. */
export async function completeCheckRun(octokit: ProbotOctokit, repo: RepoRef, id: number, c: CheckCompletion, alreadyAnnotated = 0): Promise<void> {
  const batches: (typeof c.annotations)[] = [];
  for (let i = alreadyAnnotated; i < c.annotations.length; i += ANNOTATION_BATCH) batches.push(c.annotations.slice(i, i + ANNOTATION_BATCH));
  const last = batches.pop() ?? [];
  let sent = alreadyAnnotated;
  for (const annotations of batches) {
    const expected = sent + annotations.length;
    await readBack(
      async () => void (await octokit.rest.checks.update({ ...repo, check_run_id: id, output: { ...c.output, annotations }, ...WRITE })),
      async () => ((await getCheckRun(octokit, repo, id)).annotationsCount! >= expected ? { value: undefined } : undefined),
    );
    sent = expected;
  }
  await readBack(
    async () =>
      void (await octokit.rest.checks.update({
        ...repo,
        check_run_id: id,
        status: "completed",
        conclusion: c.conclusion,
        completed_at: c.completedAt,
        output: { ...c.output, ...(last.length > 0 ? { annotations: last } : {}) },
        actions: [{ ...RECHECK_ACTION }],
        ...WRITE,
      })),
    async () => ((await getCheckRun(octokit, repo, id)).status === "completed" ? { value: undefined } : undefined),
  );
}

export async function checkRunsInSuite(octokit: ProbotOctokit, repo: RepoRef, suiteId: number): Promise<{ externalId: string | null }[]> {
  const res = await octokit.rest.checks.listForSuite({ ...repo, check_suite_id: suiteId, check_name: CHECK_NAME, per_page: 100 });
  return res.data.check_runs.map((r) => ({ externalId: r.external_id ?? null }));
}
