// The GitHub Action (action.yml): on a `pull_request` event, the App's review of the pull
// request with the workflow's token. `mode: review` runs the App's pipeline (src/review/run.ts)
// over the GitHub layer built on @octokit/rest: one review with suggestions, the same
// fingerprints, threads of fixed findings resolved, nothing posted twice. `annotations` and
// `sarif` run the same steps (files, analysis) and report through workflow annotations or a
// SARIF file instead of a review. Every mode writes the job summary (the App's check-run
// summary) and exits 1 when a finding is at or above `fail_on`, which is the check's verdict.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import type { Logger } from "probot";
import { rules as registry } from "../../rules/index.js";
import type { Finding, Rule } from "../analyzer/types.js";
import { uploadSarif } from "../github/code-scanning.js";
import { createGitHub, toPullInfo, type GitHubTarget } from "../github/octokit.js";
import { restOctokit } from "../github/rest.js";
import { explain } from "../github/retry.js";
import type { CheckCompletion, GitHub, PullInfo } from "../github/types.js";
import { createLogger } from "../log.js";
import { toSarif } from "../report/sarif.js";
import { analyse, knownRuleIds } from "../review/analyse.js";
import { completion, conclusionOf, titleOf } from "../review/check.js";
import type { AppMetrics } from "../review/deps.js";
import { readSources, selectFiles } from "../review/files.js";
import { loadConfig } from "../review/config-load.js";
import { runReview } from "../review/run.js";
import { VERSION } from "../version.js";
import { DEFAULT_CONFIG_PATH, workspaceConfigReader } from "./config.js";
import { actionGitHub, workspaceCommit } from "./github.js";
import { annotationCommand, appendRunnerFile, input, messageCommand, outputLines, type Env } from "./workflow.js";

export const MODES = ["review", "annotations", "sarif"] as const;
export type Mode = (typeof MODES)[number];

/** GitHub shows at most this many annotations of each level per step; the summary lists all. */
export const STEP_ANNOTATION_LIMIT = 10;

export interface ActionIo {
  env: Env;
  stdout(s: string): void;
  stderr(s: string): void;
  rules?: readonly Rule[];
}

interface PullEvent {
  pull_request?: {
    number: number;
    state: string;
    draft?: boolean;
    head: { sha: string; repo?: { full_name?: string } | null };
    base: { sha: string; repo?: { full_name?: string } | null };
    user: { login: string } | null;
  };
  repository?: { name: string; full_name: string; owner: { login: string } };
}

class ActionInputError extends Error {}

/** Runs the Action; returns the exit code (0: no finding at or above `fail_on`, 1: some, or a failure). */
export async function runAction(io: ActionIo): Promise<number> {
  try {
    return await run(io);
  } catch (err) {
    const message = err instanceof ActionInputError ? err.message : `ptrguard could not finish: ${explain(err)}`;
    io.stdout(messageCommand("error", message));
    appendRunnerFile(io.env, "GITHUB_STEP_SUMMARY", `## ptrguard\n\n${message}\n`);
    return 1;
  }
}

async function run(io: ActionIo): Promise<number> {
  const { env } = io;
  const rules = io.rules ?? registry;
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  if (eventName !== "pull_request" && eventName !== "pull_request_target") {
    io.stdout(messageCommand("notice", `ptrguard reviews pull requests; the ${eventName || "unknown"} event has none, so there is nothing to do. Run it on: pull_request.`));
    return 0;
  }
  const modeInput = input(env, "mode") || "review";
  if (!MODES.includes(modeInput as Mode)) throw new ActionInputError(`the mode input must be one of ${MODES.join(", ")}; got "${modeInput}"`);
  let mode = modeInput as Mode;
  const token = input(env, "token");
  if (!token) throw new ActionInputError("the token input is empty: pass token: ${{ github.token }} (the default) or a token that can read the repository");
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath) throw new ActionInputError("GITHUB_EVENT_PATH is not set: run ptrguard as a step of a GitHub Actions workflow");
  const event = JSON.parse(readFileSync(eventPath, "utf8")) as PullEvent;
  const pr = event.pull_request;
  if (!pr || !event.repository) throw new ActionInputError(`the ${eventName} event at ${eventPath} has no pull request`);
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const repo = { owner: event.repository.owner.login, repo: event.repository.name };

  const notes: string[] = [];
  // A pull request from a fork gets a read-only token on `pull_request`: it cannot review.
  const fork = !!pr.head.repo?.full_name && pr.head.repo.full_name !== event.repository.full_name;
  if (mode === "review" && fork && eventName === "pull_request") {
    mode = "annotations";
    notes.push("This pull request comes from a fork, and the workflow's token is read-only for it, so the findings are shown as annotations and in this summary instead of a review.");
  }

  const log = actionLogger(io, env.RUNNER_DEBUG === "1");
  const octokit = restOctokit({ token, baseUrl: env.GITHUB_API_URL || "https://api.github.com", userAgent: `ptrguard-action/${VERSION}` });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const inner = createGitHub(
    { octokit, repo, loadConfig: workspaceConfigReader(workspace, input(env, "config") || DEFAULT_CONFIG_PATH) },
    { sleep, metrics: { githubCall: () => {} } },
  );
  const github = actionGitHub(inner, workspace, workspaceCommit(workspace));
  const pull = toPullInfo(pr);

  let result: { completion: CheckCompletion | undefined; findings: readonly Finding[]; skipped?: string; failed?: string };
  if (mode === "review") {
    const outcome = await runReview({ pullNumber: pull.number, pull, explicit: false }, { github, rules, clock: { now: () => new Date(), sleep }, log, metrics: NO_METRICS, repo: `${repo.owner}/${repo.repo}` });
    result = { completion: github.completion, findings: [], ...(outcome === "skipped" ? { skipped: skipReason(pull) } : {}) };
  } else {
    const upload = mode === "sarif" && input(env, "upload") !== "false" ? { octokit, repo } : undefined;
    result = await report(github, pull, rules, mode, workspace, env, notes, upload);
  }
  log.debug({ readFromDisk: github.readFromDisk }, "ptrguard: head files read from the workspace");

  if (result.skipped !== undefined) {
    io.stdout(messageCommand("notice", result.skipped));
    appendRunnerFile(env, "GITHUB_STEP_SUMMARY", `## ptrguard\n\n${result.skipped}\n`);
    appendRunnerFile(env, "GITHUB_OUTPUT", outputLines({ conclusion: "skipped", findings: "0" }));
    return 0;
  }
  const c = result.completion!;
  const byLevel = new Map<string, number>();
  for (const a of c.annotations) {
    const n = byLevel.get(a.annotation_level) ?? 0;
    byLevel.set(a.annotation_level, n + 1);
    if (n < STEP_ANNOTATION_LIMIT) io.stdout(annotationCommand(a));
  }
  const cut = [...byLevel.values()].some((n) => n > STEP_ANNOTATION_LIMIT);
  if (cut) notes.push(`GitHub shows at most ${STEP_ANNOTATION_LIMIT} annotations of each level per step; every finding is listed in this summary.`);
  const summary = [`## ptrguard: ${c.output.title}`, ...notes, c.output.summary, findingList(c)].filter(Boolean).join("\n\n");
  if (!appendRunnerFile(env, "GITHUB_STEP_SUMMARY", summary + "\n")) io.stdout(summary + "\n");
  appendRunnerFile(env, "GITHUB_OUTPUT", outputLines({ conclusion: c.conclusion, findings: String(c.annotations.length), ...(mode === "sarif" ? { "sarif-file": sarifPath(env, workspace) } : {}) }));
  io.stderr(`ptrguard: ${c.output.title} (${c.conclusion})\n`);
  if (result.failed) {
    io.stdout(messageCommand("error", result.failed));
    return 1;
  }
  return c.conclusion === "failure" ? 1 : 0;
}

/** `annotations` and `sarif`: the pipeline's steps without the review. */
async function report(
  github: GitHub & { completion: CheckCompletion | undefined },
  pull: PullInfo,
  rules: readonly Rule[],
  mode: Mode,
  workspace: string,
  env: Env,
  notes: string[],
  upload: { octokit: GitHubTarget["octokit"]; repo: { owner: string; repo: string } } | undefined,
) {
  const started = Date.now();
  const { config, problems: configProblems } = await loadConfig(github, rules, { sha: pull.headSha, pullNumber: pull.number, startedAt: new Date(started) });
  if (pull.state !== "open" || (pull.draft && !config.draft_prs)) return { completion: undefined, findings: [], skipped: skipReason(pull) };
  const selection = selectFiles(await github.listFiles(pull.number), config);
  const { sources, skipped: unread } = await readSources(github, pull, selection.wanted, undefined, undefined, selection.movedCandidates);
  const analysis = await analyse(sources, rules, config);
  const findings = analysis.findings;
  const problems: string[] = [];
  let failed: string | undefined;
  const conclusion = analysis.filesAnalyzed === 0 ? "neutral" : conclusionOf(findings, config.fail_on);
  if (mode === "sarif") {
    const file = sarifPath(env, workspace);
    mkdirSync(path.dirname(file), { recursive: true });
    // A related location may sit in a context file (another file of the package): its text too.
    const sarif = toSarif(findings, rules, VERSION, new Map(sources.flatMap((s) => [...(s.context ?? []), s.file]).map((f) => [f.path, f.content])));
    writeFileSync(file, sarif);
    const results = `${findings.length} result${findings.length === 1 ? "" : "s"}`;
    if (!upload) notes.push(`SARIF written to \`${path.relative(workspace, file)}\` (${results}); upload it with github/codeql-action/upload-sarif.`);
    else {
      try {
        const id = await uploadSarif(upload.octokit, upload.repo, { commitSha: pull.headSha, ref: `refs/pull/${pull.number}/head`, sarif });
        notes.push(`SARIF (${results}) uploaded to code scanning for \`refs/pull/${pull.number}/head\` (upload ${id}) and written to \`${path.relative(workspace, file)}\`.`);
      } catch (err) {
        failed = `the SARIF was not uploaded to code scanning: ${explain(err)}`;
        problems.push(`the SARIF was not uploaded to code scanning (${explain(err)}): give the job \`security-events: write\`, or set \`upload: false\` and upload \`${path.relative(workspace, file)}\` with github/codeql-action/upload-sarif`);
      }
    }
  }
  const headline = analysis.filesAnalyzed > 0 ? undefined : selection.goPaths.size === 0 ? "This pull request changes no Go files." : "No Go file of this pull request could be analysed.";
  const c = completion(
    { conclusion, title: analysis.filesAnalyzed === 0 ? "Nothing to analyse" : titleOf(conclusion, findings, config.fail_on), findings },
    {
      headline,
      filesAnalyzed: analysis.filesAnalyzed,
      skipped: [...selection.skipped, ...unread, ...analysis.skipped],
      notes: analysis.notes,
      durationMs: Date.now() - started,
      configProblems,
      checkOnly: [],
      problems,
      review: `No review was posted (mode: ${mode}).`,
    },
    new Date(),
  );
  return { completion: c, findings, ...(failed ? { failed } : {}) };
}

const sarifPath = (env: Env, workspace: string) => path.resolve(workspace, input(env, "sarif-file") || "ptrguard.sarif");

const skipReason = (pull: PullInfo) =>
  pull.state !== "open" ? `Pull request #${pull.number} is ${pull.state}; nothing to review.` : `Pull request #${pull.number} is a draft and \`draft_prs\` is false; not reviewing.`;

/** Every finding, with its place, under the summary (annotations are capped per step). */
function findingList(c: CheckCompletion): string {
  if (c.annotations.length === 0) return "";
  const rows = c.annotations.map((a) => `| \`${a.path}:${a.start_line}\` | ${a.title.replace(/\|/g, "\\|")} | ${a.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
  return ["### Findings", "| Where | Rule | Message |", "|---|---|---|", ...rows].join("\n");
}

const NO_METRICS: AppMetrics = { webhookReceived: () => {}, runFinished: () => {}, findingsReported: () => {}, githubCall: () => {} };

/** The pipeline's structured log as plain lines on stderr (the Action's log); debug with RUNNER_DEBUG. */
function actionLogger(io: ActionIo, debug: boolean): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
          io.stderr(`${entry.msg ?? line}${entry.err?.message ? `: ${entry.err.message}` : ""}\n`);
        } catch {
          io.stderr(line + "\n");
        }
      }
      cb();
    },
  });
  return createLogger({ level: debug ? "debug" : "info", destination: sink }) as unknown as Logger;
}
