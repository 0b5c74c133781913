// Guards for webhook payloads: the handlers read a few fields, and a payload without them is
// logged and ignored rather than half-handled.
import type { PullInfo } from "../github/types.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): v is string => typeof v === "string" && v !== "";
const int = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;
export const isSha = (v: unknown): v is string => typeof v === "string" && /^[0-9a-f]{40}$/.test(v);

/** A problem with the fields every handled event needs, or undefined. */
export function repoProblem(payload: unknown): string | undefined {
  const p = obj(payload);
  const repo = obj(p?.repository);
  if (!str(repo?.name) || !str(obj(repo?.owner)?.login)) return "no repository.name or repository.owner.login";
  if (!int(obj(p?.installation)?.id)) return "no installation.id";
  return undefined;
}

export function readPullRequest(payload: unknown): PullInfo | string {
  const problem = repoProblem(payload);
  if (problem) return problem;
  const pr = obj(obj(payload)?.pull_request);
  if (!pr) return "no pull_request";
  const head = obj(pr.head);
  const base = obj(pr.base);
  if (!int(pr.number)) return "no pull_request.number";
  if (!isSha(head?.sha)) return "no pull_request.head.sha";
  if (!isSha(base?.sha)) return "no pull_request.base.sha";
  if (!str(pr.state)) return "no pull_request.state";
  return {
    number: pr.number,
    state: pr.state,
    draft: pr.draft === true,
    headSha: head.sha,
    baseSha: base.sha,
    author: str(obj(pr.user)?.login) ? (obj(pr.user)!.login as string) : "",
  };
}

/** The PR number ptrguard keeps in its check runs' `external_id`. */
export function pullNumberFromExternalId(v: unknown): number | undefined {
  return typeof v === "string" && /^[1-9][0-9]{0,9}$/.test(v) ? Number(v) : undefined;
}

export { obj, str, int };
