// `/ptrguard recheck` in a pull request's conversation: from the PR's author or someone with
// write, maintain or admin permission. Bots and plain issues are ignored; the comment gets an
// eyes reaction when accepted, a confused one and a short reply when refused.
import type { Context } from "probot";
import type { GitHub } from "../github/types.js";
import type { AppDeps } from "../review/deps.js";
import { runReview } from "../review/run.js";
import { runEnv } from "./env.js";
import { int, obj, repoProblem, str } from "./payload.js";

export const RECHECK = /^\/ptrguard\s+recheck$/i;
const ALLOWED = new Set(["admin", "maintain", "write"]);

export async function onIssueComment(context: Context<"issue_comment.created">, deps: AppDeps): Promise<void> {
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
  const env = runEnv(context as Context, deps, log);
  const commentId = comment!.id as number;
  const author = obj(issue!.user)?.login;
  const isAuthor = typeof author === "string" && author.toLowerCase() === login.toLowerCase();
  if (!isAuthor && !(await mayRecheck(env.github, login))) {
    log.info({ user: login, pull: number }, "ptrguard: refused /ptrguard recheck: not the author and no write permission");
    await env.github.react(commentId, "confused");
    await env.github.commentOnIssue(number, `@${login} only the author of this pull request and people with write access can ask ptrguard to recheck it.`);
    return;
  }
  await env.github.react(commentId, "eyes");
  await runReview({ pullNumber: number, explicit: true }, env);
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
