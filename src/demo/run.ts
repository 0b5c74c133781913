// `npm run demo`: the whole App path on this machine, with no GitHub account. The real Probot
// server runs the real app on loopback; the app's Octokit talks to a local stand-in for GitHub
// that serves fixtures/demo; signed webhooks arrive over HTTP; the review is printed as a person
// would read it; a `/ptrguard recheck` then shows that nothing is posted twice.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { Writable } from "node:stream";
import { ProbotOctokit } from "probot";
import { createLogger } from "../log.js";
import { startServer, type Running } from "../server.js";
import { deliver, issueCommentCreated, pullRequestOpened, type Delivery } from "./events.js";
import { DEFAULT_FIXTURE, loadDemoRepo } from "./fixture.js";
import { COLOR, markdownToText, PLAIN, renderCheckRun, renderComment, viewComment, type CommentView } from "./render.js";
import { GitHubStandIn, type Posted } from "./standin.js";
import { reviewSvg } from "./svg.js";

export interface DemoIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

export interface DemoOptions {
  fixture?: string;
  color?: boolean;
  /** Show the server's JSON log lines (info and above) on stderr as they happen. */
  verbose?: boolean;
  /** Write a picture of the first comment with a suggestion to this file (SVG). */
  svg?: string;
  /** Bound on each wait for the app (ms). */
  timeoutMs?: number;
}

export interface DemoResult {
  code: number;
  deliveries: Delivery[];
  posted: Posted;
  comments: CommentView[];
  /** What the recheck posted, by kind. */
  recheck: { checkRuns: number; reviews: number; comments: number; issueComments: number; reactions: string[] } | undefined;
  calls: number;
  failure?: string;
}

class DemoFailure extends Error {}

export async function runDemo(io: DemoIo, options: DemoOptions = {}): Promise<DemoResult> {
  const style = options.color ? COLOR : PLAIN;
  const timeout = options.timeoutMs ?? 60_000;
  const repo = loadDemoRepo(options.fixture ?? DEFAULT_FIXTURE());
  const { meta } = repo;
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const secret = randomBytes(20).toString("hex");
  const standIn = new GitHubStandIn(repo, privateKey);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString();
      logs.push(...text.split("\n").filter(Boolean));
      if (options.verbose) io.stderr(text);
      cb();
    },
  });
  const result: DemoResult = { code: 1, deliveries: [], posted: standIn.posted, comments: [], recheck: undefined, calls: 0 };
  const say = (s = "") => io.stdout(s + "\n");
  let server: Running | undefined;
  try {
    await standIn.start();
    server = await startServer({
      settings: { appId: meta.appId, privateKey, webhookSecret: secret, logLevel: options.verbose ? "info" : "warn", port: await freePort(), host: "127.0.0.1", concurrency: 2, analysisThreads: 0, runBudgetMs: 60_000 },
      recover: false,
      log: createLogger({ level: options.verbose ? "info" : "warn", destination: sink }),
      baseUrl: standIn.url,
      // The stand-in answers at once: no client-side spacing of writes, and no retries that
      // would hide a failing call.
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false }, retry: { enabled: false } })),
    });

    const goFiles = repo.files.filter((f) => f.filename.endsWith(".go"));
    say(style.bold(`ptrguard demo: pull request #${meta.number} in ${meta.owner}/${meta.repo}, opened by ${meta.author}`));
    say(`  "${meta.title}"`);
    say(`  ${repo.files.length} files changed, ${goFiles.length} of them Go: ${repo.files.map((f) => `${f.filename} (${f.status})`).join(", ")}`);
    say(style.dim(`  app: the real Probot server at ${server.url}; GitHub: a local stand-in at ${standIn.url}`));
    say();

    // 1. The pull request is opened.
    const opened = await deliver(server.webhookUrl, secret, "pull_request", pullRequestOpened(standIn), timeout);
    result.deliveries.push(opened);
    say(style.bold(`1. GitHub delivers pull_request.opened (${opened.id.slice(0, 8)}): HTTP ${opened.status} in ${seconds(opened.ms)}`));
    expectAccepted(opened);
    await settle(standIn, timeout, server);
    const firstRun = standIn.posted.checkRuns.find((r) => r.head_sha === repo.headSha && r.status === "completed");
    if (!firstRun) throw new DemoFailure("the app did not complete a check run for the head commit");
    const reviews = standIn.posted.reviews;
    if (reviews.length === 0) throw new DemoFailure("the app posted no review");
    say();
    for (const review of reviews) {
      say(style.bold(`Review by ${review.user}: ${review.state}`));
      say("  " + markdownToText(review.body, style).split("\n").join("\n  "));
      say();
      for (const id of review.commentIds) {
        const c = standIn.posted.comments.find((x) => x.id === id)!;
        const view = viewComment(c, repo.head.get(c.path));
        result.comments.push(view);
        say(renderComment(view, style));
        say();
      }
    }
    for (const c of standIn.posted.comments.filter((x) => x.reviewId === null && x.inReplyTo === null)) {
      const view = viewComment(c, repo.head.get(c.path));
      result.comments.push(view);
      say(renderComment(view, style));
      say();
    }
    say(renderCheckRun(firstRun, style));
    say();

    // 2. Someone with write access asks for a recheck of the same commit.
    const reviewer = "lee";
    standIn.permissions.set(reviewer, "write");
    const comment = standIn.addIssueComment(reviewer, "/ptrguard recheck");
    const before = counts(standIn.posted);
    const recheck = await deliver(server.webhookUrl, secret, "issue_comment", issueCommentCreated(standIn, comment), timeout);
    result.deliveries.push(recheck);
    say(style.bold(`2. ${reviewer} comments "/ptrguard recheck"; GitHub delivers issue_comment.created (${recheck.id.slice(0, 8)}): HTTP ${recheck.status} in ${seconds(recheck.ms)}`));
    expectAccepted(recheck);
    await settle(standIn, timeout, server);
    const after = counts(standIn.posted);
    const reactions = standIn.posted.reactions.filter((r) => r.commentId === comment.id).map((r) => r.content);
    result.recheck = {
      checkRuns: after.checkRuns - before.checkRuns,
      reviews: after.reviews - before.reviews,
      comments: after.comments - before.comments,
      issueComments: after.issueComments - before.issueComments,
      reactions,
    };
    const rerun = standIn.posted.checkRuns.slice(before.checkRuns).find((r) => r.status === "completed");
    say(`  ptrguard reacted with ${reactions.length > 0 ? reactions.map((r) => `:${r}:`).join(" ") : "nothing"} and ran again.`);
    if (rerun) say(`  New check run on ${rerun.head_sha.slice(0, 7)}: ${rerun.conclusion}, "${rerun.output.title ?? ""}"`);
    const reviewLine = rerun?.output.summary?.split("\n").find((l) => l.startsWith("Review:"));
    if (reviewLine) say(`  ${reviewLine}`);
    say(`  Posted by the recheck: ${result.recheck.reviews} reviews, ${result.recheck.comments} review comments, ${result.recheck.issueComments} conversation comments.`);
    const twice = postedTwice(standIn.posted);
    if (twice.length > 0) throw new DemoFailure(`the recheck posted again: ${twice.join("; ")}`);
    if (!rerun) throw new DemoFailure("the recheck completed no check run");
    const threads = standIn.posted.threads.length;
    say(style.green(`  Nothing was posted twice: ${threads} review thread${threads === 1 ? "" : "s"}, one per finding.`));
    say();

    if (standIn.unknown.length > 0) {
      throw new DemoFailure(`the app called endpoints the stand-in does not serve: ${standIn.unknown.map((c) => `${c.method} ${c.path}${c.operation ? ` (${c.operation})` : ""}`).join(", ")}`);
    }
    result.calls = standIn.calls.length;
    say(style.dim(`The app made ${standIn.calls.length} calls to the stand-in: ${callSummary(standIn)}.`));

    if (options.svg) {
      const pick = result.comments.find((c) => c.suggestion) ?? result.comments[0];
      if (pick) {
        writeFileSync(options.svg, reviewSvg(pick, { repo: `${meta.owner}/${meta.repo}`, pull: meta.number, bot: standIn.bot }));
        say(style.dim(`Wrote a picture of the comment on ${pick.path} to ${options.svg}.`));
      }
    }
    result.code = 0;
  } catch (err) {
    result.failure = err instanceof DemoFailure ? err.message : `${(err as Error).message ?? String(err)}`;
    io.stderr(`\nptrguard demo failed: ${result.failure}\n`);
    if (!options.verbose && logs.length > 0) io.stderr(`The server's last log lines:\n${logs.slice(-20).join("\n")}\n`);
  } finally {
    result.calls = standIn.calls.length;
    await server?.stop().catch(() => undefined);
    await standIn.stop();
  }
  return result;
}

function expectAccepted(d: Delivery): void {
  if (d.status !== 200 && d.status !== 202) throw new DemoFailure(`the app answered the ${d.event} delivery with HTTP ${d.status}: ${d.answer}`);
}

/** Waits until the app has made no call for a moment (the webhook is answered before the run). */
async function settle(standIn: GitHubStandIn, timeoutMs: number, server: Running): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busy = async () => {
    const s = await server.queue?.stats();
    return (s?.waiting ?? 0) + (s?.active ?? 0) > 0;
  };
  while ((await busy()) || standIn.idleFor() < 300) {
    if (Date.now() > deadline) throw new DemoFailure(`the app was still calling GitHub after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function counts(p: Posted) {
  return { checkRuns: p.checkRuns.length, reviews: p.reviews.length, comments: p.comments.length, issueComments: p.issueComments.length };
}

/** Review comments that say the same thing at the same place, or carry the same fingerprint. */
export function postedTwice(p: Posted): string[] {
  const seen = new Map<string, number>();
  for (const c of p.comments.filter((x) => x.inReplyTo === null)) {
    const key = /<!-- ptrguard:fp=(\S+) -->/.exec(c.body)?.[1] ?? `${c.path}:${c.line}:${c.body}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ${n} times`);
}

function callSummary(standIn: GitHubStandIn): string {
  const own = `/repos/${standIn.repo.meta.owner}/${standIn.repo.meta.repo}`;
  const counts = new Map<string, number>();
  for (const c of standIn.calls) {
    const key = c.operation ? `GraphQL ${c.operation.split(" ")[1] ?? c.operation}` : `${c.method} ${c.path.split("?")[0]!.replace(own, "")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ");
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A port that was free a moment ago (Probot's Server treats port 0 as 3000). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}
