// Step 5: one review, then file-level comments, then the fixed threads. One bad anchor never
// sinks the review: on a 422, retry without the comments GitHub's message points at, then with
// no line comments at all (they become file comments), and what GitHub still refuses is left
// to the check run. A lost answer (5xx, reset) is read back in the GitHub layer and sent again
// only when GitHub did not act; when GitHub still fails, the findings stay in the check run and
// its summary says what happened. A rate limit stops the run with RetryLater: the next attempt
// reads the threads back and posts only what is missing.
import type { Finding } from "../analyzer/types.js";
import type { GitHub, ReviewEventName } from "../github/types.js";
import { explain, isRateLimited, statusOf } from "../github/retry.js";
import { reviewBody } from "../report/summary.js";
import { fileLevel, type Placed } from "./anchor.js";
import { retryLater } from "./check.js";
import type { ThreadPlan } from "./reconcile.js";

type LinePlaced = Extract<Placed, { kind: "line" }>;
type FilePlaced = Extract<Placed, { kind: "file" }>;

export interface PublishInput {
  pullNumber: number;
  headSha: string;
  event: ReviewEventName;
  /** New placements to post, at most max_comments of them. */
  post: Placed[];
  /** New findings beyond max_comments: listed in the review body. */
  overflow: Finding[];
  maxComments: number;
  resolve: ThreadPlan["resolve"];
}

export interface Published {
  lineComments: number;
  fileComments: number;
  /** Findings that ended in the check run only, with the reason. */
  checkOnly: { finding: Finding; reason: string }[];
  resolved: number;
  /** What went wrong, in plain words. */
  problems: string[];
}

export async function publish(github: GitHub, input: PublishInput): Promise<Published> {
  const out: Published = { lineComments: 0, fileComments: 0, checkOnly: [], resolved: 0, problems: [] };
  const lines = input.post.filter((p): p is LinePlaced => p.kind === "line");
  const files = input.post.filter((p): p is FilePlaced => p.kind === "file");
  for (const p of input.post) if (p.kind === "check") out.checkOnly.push({ finding: p.finding, reason: p.reason });

  let reviewBroken = false;
  if (lines.length > 0 || input.overflow.length > 0 || (input.event === "REQUEST_CHANGES" && files.length > 0)) {
    const body = reviewBody(input.post.map((p) => p.finding), input.overflow, input.maxComments);
    const result = await postReview(github, input, body, lines);
    out.lineComments = result.posted;
    if (result.problem) out.problems.push(result.problem);
    reviewBroken = result.broken;
    for (const p of result.refused) {
      if (reviewBroken) out.checkOnly.push({ finding: p.finding, reason: "the review could not be posted" });
      else files.push(fileLevel(p.finding, p.fp, "GitHub refused this comment on its line, so it sits on the file") as FilePlaced);
    }
  }

  for (const [i, p] of files.entries()) {
    if (reviewBroken) {
      out.checkOnly.push({ finding: p.finding, reason: "the review could not be posted" });
      continue;
    }
    try {
      await github.createFileComment(input.pullNumber, input.headSha, p.finding.path, p.body);
      out.fileComments++;
    } catch (err) {
      if (isRateLimited(err)) throw retryLater(err, "posting a file comment");
      out.checkOnly.push({ finding: p.finding, reason: `GitHub refused the file comment: ${explain(err)}` });
      // Anything but a refusal of this one comment (a rate limit, an outage) stops the rest.
      if (statusOf(err) !== 422) {
        reviewBroken = true;
        out.problems.push(`file comments stopped after ${i} of ${files.length}: ${explain(err)}`);
      }
    }
  }

  for (const t of input.resolve) {
    try {
      await github.replyToComment(input.pullNumber, t.commentId, `Fixed in ${input.headSha}.`);
      await github.resolveThread(t.threadId);
      out.resolved++;
    } catch (err) {
      if (isRateLimited(err)) throw retryLater(err, "resolving a fixed thread");
      out.problems.push(`a thread on ${t.path} could not be resolved: ${explain(err)}`);
    }
  }
  return out;
}

interface ReviewResult {
  posted: number;
  /** Line comments GitHub did not take. */
  refused: LinePlaced[];
  /** True when no review could be posted at all (not even without comments). */
  broken: boolean;
  problem?: string;
}

async function postReview(github: GitHub, input: PublishInput, body: string, lines: LinePlaced[]): Promise<ReviewResult> {
  const send = (comments: LinePlaced[], text = body) =>
    github.createReview(input.pullNumber, { commitId: input.headSha, event: input.event, body: text, comments: comments.map((p) => p.comment) });
  try {
    await send(lines);
    return { posted: lines.length, refused: [], broken: false };
  } catch (err) {
    if (isRateLimited(err)) throw retryLater(err, "posting the review");
    if (statusOf(err) !== 422) return { posted: 0, refused: lines, broken: true, problem: `the review was not posted: ${explain(err)}` };
    const why = explain(err);
    const suspects = offending(err, lines);
    if (suspects.length > 0 && suspects.length < lines.length) {
      const rest = lines.filter((p) => !suspects.includes(p));
      try {
        await send(rest);
        return { posted: rest.length, refused: suspects, broken: false, problem: `GitHub refused ${suspects.length} of ${lines.length} review comments (${why}); they were posted on their files` };
      } catch (again) {
        if (isRateLimited(again)) throw retryLater(again, "posting the review");
        if (statusOf(again) !== 422) return { posted: 0, refused: lines, broken: true, problem: `the review was not posted: ${explain(again)}` };
      }
    }
    if (lines.length === 0) return { posted: 0, refused: [], broken: true, problem: `the review was not posted: ${why}` };
    try {
      await send([], `${body}\n\nGitHub refused the line comments of this review (${why}); they are posted on their files instead.`);
      return { posted: 0, refused: lines, broken: false, problem: `GitHub refused the line comments (${why}); they were posted on their files` };
    } catch (last) {
      if (isRateLimited(last)) throw retryLater(last, "posting the review");
      return { posted: 0, refused: lines, broken: true, problem: `the review was not posted: ${explain(last)}` };
    }
  }
}

/** The comments a 422 message points at: a named path, or multi-line ranges when it blames `start_line`. */
function offending(err: unknown, lines: LinePlaced[]): LinePlaced[] {
  const e = err as { message?: string; response?: { data?: unknown } };
  const text = `${e.message ?? ""} ${JSON.stringify(e.response?.data ?? "")}`;
  const byPath = lines.filter((p) => text.includes(p.comment.path));
  if (byPath.length > 0) return byPath;
  if (/start[_ ]line|same hunk/i.test(text)) return lines.filter((p) => p.comment.start_line !== undefined);
  return [];
}
