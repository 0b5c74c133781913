// Step 5b: with `review_event: REQUEST_CHANGES`, ptrguard's own request for changes would block
// the merge forever once the findings are fixed. When nothing at or above `fail_on` remains, its
// earlier CHANGES_REQUESTED reviews are dismissed with a short message.
import type { Finding } from "../analyzer/types.js";
import { atOrAbove, type Config } from "../config.js";
import { explain } from "../github/retry.js";
import type { GitHub } from "../github/types.js";

/** Review bodies ptrguard writes start like this (see report/summary.ts reviewBody). */
const OWN_REVIEW = /^\*\*ptrguard\*\*/;

export async function dismissStaleRequests(github: GitHub, pullNumber: number, sha: string, findings: readonly Finding[], config: Config): Promise<{ dismissed: number; problems: string[] }> {
  const out = { dismissed: 0, problems: [] as string[] };
  if (config.review_event !== "REQUEST_CHANGES" || config.fail_on === "none") return out;
  if (findings.some((f) => atOrAbove(f.severity, config.fail_on))) return out;
  try {
    const stale = (await github.listReviews(pullNumber)).filter((r) => r.byBot && r.state === "CHANGES_REQUESTED" && OWN_REVIEW.test(r.body));
    for (const r of stale) {
      await github.dismissReview(pullNumber, r.id, `Fixed in ${sha}: no ptrguard finding at or above ${config.fail_on} remains.`);
      out.dismissed++;
    }
  } catch (err) {
    out.problems.push(`an earlier request for changes could not be dismissed: ${explain(err)}`);
  }
  return out;
}
