// pull_request opened / synchronize / reopened / ready_for_review: review the head commit.
import type { Context } from "probot";
import { requestOf, submit, type HandlerDeps } from "./env.js";
import { readPullRequest } from "./payload.js";

export const PULL_REQUEST_EVENTS = ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review"] as const;

export async function onPullRequest(context: Context<"pull_request">, deps: HandlerDeps): Promise<void> {
  const log = deps.logger(context as Context);
  const pull = readPullRequest(context.payload);
  if (typeof pull === "string") {
    log.warn({ event: `pull_request.${context.payload.action}` }, `ptrguard: ignoring a malformed payload (${pull})`);
    return;
  }
  await submit(deps, log, { ...requestOf(context as Context, "push", false), pullNumber: pull.number, headSha: pull.headSha, pull });
}
