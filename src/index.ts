// The Probot app: which events start what. `probot run` and the server load the default
// export; `createApp(overrides)` builds the same app around other dependencies.
import type { ApplicationFunction, Context, Probot } from "probot";
import { onCheckRun, onCheckSuite } from "./handlers/checks.js";
import { eventName } from "./handlers/env.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { defaultDeps, type AppDeps } from "./review/deps.js";

export function createApp(overrides: Partial<AppDeps> = {}): ApplicationFunction {
  const deps = defaultDeps(overrides);
  return (app: Probot) => {
    app.onAny(async (context) => deps.metrics.webhookReceived(eventName(context as Context)));
    app.on([...PULL_REQUEST_EVENTS], (context) => onPullRequest(context, deps));
    app.on("issue_comment.created", (context) => onIssueComment(context, deps));
    app.on(["check_run.rerequested", "check_run.requested_action"], (context) => onCheckRun(context, deps));
    app.on("check_suite.rerequested", (context) => onCheckSuite(context, deps));
  };
}

export type { AppDeps } from "./review/deps.js";
export { defaultDeps, systemClock } from "./review/deps.js";

const app: ApplicationFunction = createApp();
export default app;
