// The webhooks GitHub would send for the demo's pull request, signed with the app's secret and
// delivered over HTTP to the app's webhook endpoint.
import { createHmac, randomUUID } from "node:crypto";
import type { GitHubStandIn } from "./standin.js";

export interface Delivery {
  event: string;
  id: string;
  status: number;
  ms: number;
  answer: string;
}

export function pullRequestOpened(standIn: GitHubStandIn): Record<string, unknown> {
  const { meta } = standIn.repo;
  return {
    action: "opened",
    number: meta.number,
    pull_request: standIn.pullJson(),
    repository: standIn.repositoryJson(),
    organization: { login: meta.owner },
    installation: { id: meta.installationId },
    sender: { login: meta.author, type: "User" },
  };
}

export function issueCommentCreated(standIn: GitHubStandIn, comment: { id: number; body: string; user: string }): Record<string, unknown> {
  const { meta } = standIn.repo;
  const pull = standIn.pullJson();
  return {
    action: "created",
    issue: {
      number: meta.number,
      title: meta.title,
      state: "open",
      user: pull.user,
      pull_request: { url: `https://api.github.com/repos/${meta.owner}/${meta.repo}/pulls/${meta.number}`, html_url: pull.html_url },
    },
    comment: { id: comment.id, body: comment.body, user: { login: comment.user, type: "User" }, author_association: "MEMBER" },
    repository: standIn.repositoryJson(),
    organization: { login: meta.owner },
    installation: { id: meta.installationId },
    sender: { login: comment.user, type: "User" },
  };
}

/** POSTs one delivery as GitHub does: JSON body, event name, delivery id, HMAC-SHA256 signature. */
export async function deliver(webhookUrl: string, secret: string, event: string, payload: unknown, timeoutMs = 30_000): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const id = randomUUID();
  const started = Date.now();
  const res = await fetch(webhookUrl, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/ptrguard-demo",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
    },
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { event, id, status: res.status, ms: Date.now() - started, answer: (await res.text()).trim() };
}
