// Step 4b: re-runs never repeat themselves. Threads carry the fingerprint of their finding:
// a finding whose thread is still open is not posted again; a thread whose finding is gone is
// resolved, unless a person replied in it; a thread a person resolved stays dismissed.
import type { ReviewThread } from "../github/types.js";
import { readFingerprint, ruleOf } from "../report/fingerprint.js";
import type { Placed } from "./anchor.js";

export interface ThreadPlan {
  /** Placements to post (not already open, not dismissed). */
  post: Placed[];
  alreadyOpen: number;
  dismissed: number;
  /** Threads of fixed findings: reply to `commentId`, then resolve `threadId`. */
  resolve: { threadId: string; commentId: number; path: string }[];
  /** Threads of gone findings left open because a person replied. */
  keptForHumans: number;
}

export interface RunScope {
  /** Fingerprints of every finding of this run, posted or not. */
  current: Set<string>;
  /** Rules that ran. */
  enabled: Set<string>;
  /** Paths analysed in this run. */
  analysed: Set<string>;
  /** Go paths the pull request still changes. */
  changed: Set<string>;
}

export function reconcile(placed: readonly Placed[], threads: readonly ReviewThread[], scope: RunScope): ThreadPlan {
  const plan: ThreadPlan = { post: [], alreadyOpen: 0, dismissed: 0, resolve: [], keptForHumans: 0 };
  const open = new Set<string>();
  const dismissed = new Set<string>();
  for (const t of threads) {
    const first = t.comments[0];
    const fp = first && readFingerprint(first.body);
    if (!first || !fp) continue;
    const humanReplied = t.comments.slice(1).some((c) => c.author !== first.author);
    if (scope.current.has(fp)) {
      if (!t.isResolved) open.add(fp);
      else if (t.resolvedBy !== first.author) dismissed.add(fp);
      continue;
    }
    if (t.isResolved || !scope.enabled.has(ruleOf(fp))) continue;
    // A file skipped this time was not looked at: its findings are not known to be gone.
    if (scope.changed.has(t.path) && !scope.analysed.has(t.path)) continue;
    if (humanReplied) plan.keptForHumans++;
    else plan.resolve.push({ threadId: t.id, commentId: first.id, path: t.path });
  }
  for (const p of placed) {
    if (open.has(p.fp)) plan.alreadyOpen++;
    else if (dismissed.has(p.fp)) plan.dismissed++;
    else plan.post.push(p);
  }
  return plan;
}
