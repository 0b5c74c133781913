// The check run's "Re-run" (check_run.rerequested), its "Recheck" button
// (check_run.requested_action) and "Re-run all" (check_suite.rerequested). Fork PRs come with an
// empty `pull_requests` list, so the PR number is read from our check run's `external_id`.
import type { Context } from "probot";
import { CHECK_NAME, RECHECK_ACTION } from "../github/checks.js";
import { requestOf, submit, type HandlerDeps } from "./env.js";
import { int, isSha, obj, pullNumberFromExternalId, repoProblem } from "./payload.js";

const firstPullNumber = (list: unknown): number | undefined => {
  const n = Array.isArray(list) ? obj(list[0])?.number : undefined;
  return int(n) ? n : undefined;
};

export async function onCheckRun(context: Context<"check_run.rerequested" | "check_run.requested_action">, deps: HandlerDeps): Promise<void> {
  const log = deps.logger(context as Context);
  const p = obj(context.payload);
  const run = obj(p?.check_run);
  const problem = repoProblem(p) ?? (!run ? "no check_run" : !isSha(run.head_sha) ? "no check_run.head_sha" : undefined);
  if (problem) {
    log.warn({ event: `check_run.${String(p?.action)}` }, `ptrguard: ignoring a malformed payload (${problem})`);
    return;
  }
  if (run!.name !== CHECK_NAME) return;
  if (p!.action === "requested_action" && obj(p!.requested_action)?.identifier !== RECHECK_ACTION.identifier) {
    log.info("ptrguard: ignoring an unknown check run action");
    return;
  }
  const number = pullNumberFromExternalId(run!.external_id) ?? firstPullNumber(run!.pull_requests);
  if (!number) {
    log.warn({ checkRun: run!.id }, "ptrguard: cannot tell which pull request this check run belongs to; not re-running");
    return;
  }
  await submit(deps, log, { ...requestOf(context as Context, "rerun", true), pullNumber: number, headSha: run!.head_sha as string });
}

export async function onCheckSuite(context: Context<"check_suite.rerequested">, deps: HandlerDeps): Promise<void> {
  const log = deps.logger(context as Context);
  const p = obj(context.payload);
  const suite = obj(p?.check_suite);
  const problem = repoProblem(p) ?? (!int(suite?.id) ? "no check_suite.id" : !isSha(suite?.head_sha) ? "no check_suite.head_sha" : undefined);
  if (problem) {
    log.warn({ event: "check_suite.rerequested" }, `ptrguard: ignoring a malformed payload (${problem})`);
    return;
  }
  // A fork PR's suite lists no pull request: the worker finds it through the suite's check runs.
  const number = firstPullNumber(suite!.pull_requests);
  await submit(deps, log, { ...requestOf(context as Context, "rerun-all", true), pullNumber: number, suiteId: number ? undefined : (suite!.id as number), headSha: suite!.head_sha as string });
}
