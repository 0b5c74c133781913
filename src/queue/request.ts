// What a webhook is reduced to before it is answered: a plain, serialisable run request. The
// handler verifies the payload and builds one; a queue (embedded or on Redis) keeps it until a
// worker runs it. Nothing here refers to a webhook context, so a request survives a restart.
import { createHash } from "node:crypto";
import type { PullInfo } from "../github/types.js";

export type Trigger =
  /** pull_request opened / synchronize / reopened / ready_for_review. */
  | "push"
  /** `/ptrguard recheck` in the conversation. */
  | "recheck"
  /** The check run's Re-run or Recheck button. */
  | "rerun"
  /** The check suite's Re-run all. */
  | "rerun-all"
  /** A check run left in progress by a stopped process, found again at start. */
  | "restart";

export interface RunRequest {
  installationId: number;
  owner: string;
  repo: string;
  /** Absent only for a check suite whose PR must be found through its check runs (fork PRs). */
  pullNumber?: number | undefined;
  /** The head commit the event names; absent for a recheck (the PR's head when it runs). */
  headSha?: string | undefined;
  /** The payload's pull request, when the event carries one. */
  pull?: PullInfo | undefined;
  trigger: Trigger;
  /** The webhook delivery id (`x-github-delivery`). */
  delivery: string;
  /** Only `pull_request` events skip drafts; re-runs and rechecks are explicit. */
  explicit: boolean;
  /** When the app accepted the request (ms since the epoch). */
  receivedAt: number;
  /** A recheck comment still to be authorised: the run happens only if its author may ask. */
  recheck?: { commentId: number; login: string; isAuthor: boolean } | undefined;
  /** A check suite to find the PR of, when `pullNumber` is absent. */
  suiteId?: number | undefined;
  /** A stale in-progress check run to complete when the run starts (restart recovery). */
  staleCheckRunId?: number | undefined;
}

/** `owner/repo#number`: runs with the same key never overlap. */
export const prKey = (r: Pick<RunRequest, "owner" | "repo" | "pullNumber" | "suiteId">): string =>
  r.pullNumber !== undefined ? `${r.owner}/${r.repo}#${r.pullNumber}` : `${r.owner}/${r.repo}@suite${r.suiteId ?? 0}`;

/** A short, Redis- and BullMQ-safe digest of a key (no ':' and not a number). */
export const keyId = (key: string): string => "k" + createHash("sha1").update(key).digest("hex").slice(0, 20);

/** The newest of two requests for the same PR, merged: what one run must do to answer both. */
export function merge(older: RunRequest, newer: RunRequest): RunRequest {
  const head = newer.headSha ?? older.headSha;
  const samePull = newer.pull ?? (newer.headSha === undefined || older.pull?.headSha === newer.headSha ? older.pull : undefined);
  return {
    ...newer,
    headSha: head,
    pull: samePull,
    explicit: newer.explicit || (older.explicit && (newer.headSha === undefined || newer.headSha === older.headSha)),
    receivedAt: Math.max(older.receivedAt, newer.receivedAt),
    staleCheckRunId: newer.staleCheckRunId ?? older.staleCheckRunId,
  };
}
