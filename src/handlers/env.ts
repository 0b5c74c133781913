// What every handler does with a delivery it accepts: reduce it to a run request (plain data:
// installation, repository, PR, head, trigger, delivery id) and hand it to the queue.
import type { Context, Logger } from "probot";
import type { RunQueue } from "../queue/queue.js";
import type { RunRequest, Trigger } from "../queue/request.js";
import type { AppDeps } from "../review/deps.js";

/** What the handlers need: the app's dependencies and the queue the requests go to. */
export interface HandlerDeps extends AppDeps {
  queue: RunQueue;
}

/** The fields every request of this delivery shares. */
export function requestOf(context: Context, trigger: Trigger, explicit: boolean): Omit<RunRequest, "pullNumber"> {
  const { owner, repo } = context.repo();
  const installationId = (context.payload as { installation?: { id?: number } }).installation?.id ?? 0;
  return { installationId, owner, repo, trigger, delivery: context.id, explicit, receivedAt: Date.now() };
}

/** Hands a request to the queue and logs what became of it. */
export async function submit(deps: HandlerDeps, log: Logger, req: RunRequest): Promise<void> {
  const accepted = await deps.queue.submit(req);
  if (accepted === "duplicate") log.info({ delivery: req.delivery }, "ptrguard: this delivery was accepted before; not queued again");
  else log.debug({ delivery: req.delivery, pr: req.pullNumber, sha: req.headSha, trigger: req.trigger }, "ptrguard: run queued");
}

/** `pull_request.opened`, or the bare event name when the payload has no action. */
export function eventName(context: Context): string {
  const action = (context.payload as { action?: unknown }).action;
  return typeof action === "string" ? `${context.name}.${action}` : context.name;
}
