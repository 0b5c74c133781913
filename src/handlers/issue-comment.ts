// `/ptrguard recheck` in a pull request's conversation: from the PR's author or someone with
// write, maintain or admin permission. Bots and plain issues are ignored; the comment gets an
// eyes reaction when accepted, a confused one and a short reply when refused (the reply at most
// once per user and repository every 10 minutes). The permission check and the reactions happen
// in the worker (src/queue/runner.ts), so the webhook is answered without a call to GitHub.
import type { Context } from "probot";
import { requestOf, submit, type HandlerDeps } from "./env.js";
import { int, obj, repoProblem, str } from "./payload.js";

export const RECHECK = /^\/ptrguard\s+recheck$/i;

export async function onIssueComment(context: Context<"issue_comment.created">, deps: HandlerDeps): Promise<void> {
  const log = deps.logger(context as Context);
  const p = context.payload as unknown;
  const issue = obj(obj(p)?.issue);
  const comment = obj(obj(p)?.comment);
  const problem = repoProblem(p) ?? (!int(issue?.number) ? "no issue.number" : !int(comment?.id) ? "no comment.id" : !str(obj(comment?.user)?.login) ? "no comment.user.login" : undefined);
  if (problem) {
    log.warn({ event: "issue_comment.created" }, `ptrguard: ignoring a malformed payload (${problem})`);
    return;
  }
  if (typeof comment!.body !== "string" || !RECHECK.test(comment!.body.trim())) return;
  const user = obj(comment!.user)!;
  const login = user.login as string;
  if (context.isBot || user.type === "Bot") {
    log.info({ user: login }, "ptrguard: ignoring /ptrguard recheck from a bot");
    return;
  }
  const number = issue!.number as number;
  if (!obj(issue!.pull_request)) {
    log.info({ issue: number }, "ptrguard: ignoring /ptrguard recheck on an issue that is not a pull request");
    return;
  }
  const author = obj(issue!.user)?.login;
  const isAuthor = typeof author === "string" && author.toLowerCase() === login.toLowerCase();
  await submit(deps, log, { ...requestOf(context as Context, "recheck", true), pullNumber: number, recheck: { commentId: comment!.id as number, login, isAuthor } });
}
