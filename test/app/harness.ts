// The app under test: a real Probot with a real RSA key, GitHub mocked with nock, payloads from
// fixtures/webhooks/, Go sources from fixtures/app/, a clock whose sleep only records.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { rules } from "../../rules/index.js";
import { limitedOctokit } from "../../src/github/throttle.js";
import { createApp, type AppOptions } from "../../src/index.js";
import { clearConfigCache } from "../../src/review/config-load.js";
import type { AppMetrics, Clock } from "../../src/review/deps.js";
import { localPatch } from "../../src/review/files.js";
import { VERSION } from "../../src/version.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
export const BASE = "e5bd3914e2e596debea16f433f57875b5b90bcd6";
export const OLD = "3f786850e387550fdab836ed7e6dc881de23001b";
export const NEWER = "0d1f9e3c5a7b2e4f6a8c0e2d4f6a8b0c2e4d6f8a";
export const CHECK_RUN_ID = 9001;
export const START = "2026-11-27T10:00:00.000Z";
export const REPO = "/repos/acme/shop";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

/** Only lost-cancel: the other rules are still being written. */
export const lostCancel = rules.filter((r) => r.meta.id === "lost-cancel");

export interface Harness {
  probot: Probot;
  sleeps: number[];
  logs: { level: number; msg: string }[];
  outcomes: string[];
  /** Metrics: webhooks received and GitHub calls as "METHOD route status". */
  events: string[];
  apiCalls: string[];
  receive(name: string, payload: object): Promise<void>;
}

/** `options`: over the defaults the harness gives createApp (e.g. an `analyse` that records what it gets). */
export async function harness(options: Partial<AppOptions> = {}): Promise<Harness> {
  const sleeps: number[] = [];
  const logs: { level: number; msg: string }[] = [];
  const outcomes: string[] = [];
  const events: string[] = [];
  const apiCalls: string[] = [];
  let now = Date.parse(START);
  const clock: Clock = {
    now: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  const metrics: AppMetrics = {
    webhookReceived: (event) => void events.push(event),
    runFinished: (outcome) => void outcomes.push(outcome),
    findingsReported: () => {},
    githubCall: (route, status) => void apiCalls.push(`${route} ${status}`),
  };
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  clearConfigCache();
  // The production retry settings (reads retried, writes never) with waits of 1 ms instead of
  // 1 s; the throttle off (it paces in real time).
  const Octokit = limitedOctokit(ProbotOctokit).defaults((o: { retry?: object; throttle?: object }) => ({
    ...o,
    retry: { ...o.retry, retryAfterBaseValue: 1 },
    throttle: { ...o.throttle, enabled: false },
  })) as typeof ProbotOctokit;
  const probot = new Probot({ appId: 1, privateKey, log, Octokit });
  await probot.load(createApp({ clock, metrics, rules: lostCancel, ...options }));
  return {
    probot,
    sleeps,
    logs,
    outcomes,
    events,
    apiCalls,
    async receive(name, payload) {
      try {
        await probot.receive({ id: "delivery-1", name, payload } as Parameters<Probot["receive"]>[0]);
      } catch (err) {
        throw (err as AggregateError).errors?.[0] ?? err;
      }
    },
  };
}

export function payload<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, "fixtures/webhooks", `${name}.json`), "utf8")) as T;
}

export function goFixture(rel: string): string {
  return readFileSync(path.join(ROOT, "fixtures/app", rel), "utf8");
}

/** GitHub's `patch` for a change (hunks only, 3 lines of context). */
export const patchOf = (file: string, base: string, head: string) => localPatch(file, base, head);

/** What GitHub received, by name, in order. */
export type Calls = Record<string, any[]>;

/** A nock scope on api.github.com with the installation token mocked (Probot caches it: once per app). */
export function github(token = true): nock.Scope {
  const scope = nock("https://api.github.com");
  return token ? scope.post("/app/installations/42/access_tokens").reply(201, { token: "test-token", permissions: {} }) : scope;
}

/** A reply callback that records the request body under `key`. */
export function recorded(calls: Calls, key: string, status: number, response: unknown = {}, headers?: Record<string, string>) {
  return (_uri: string, body: unknown): nock.ReplyFnResult => {
    (calls[key] ??= []).push(body);
    return headers ? [status, response as nock.Body, headers] : [status, response as nock.Body];
  };
}

export const MAIN = "a0c1e2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9";

export interface StartOptions {
  /** `.github/ptrguard.yml` of the repository (default: none). */
  yaml?: string;
  /** Of the owner's `.github` repository (default: none); `false`: there is no such repository. */
  orgYaml?: string | false;
  /** ptrguard's check runs on the head commit (GraphQL shape: databaseId, status, externalId, ...). */
  checkRuns?: object[];
  changedFiles?: number;
}

/** The RunStart query's answer. */
export function runStartReply(calls: Calls, o: StartOptions = {}) {
  return (_uri: string, body: any): nock.ReplyFnResult => {
    (calls.start ??= []).push(body.variables);
    const repository = {
      defaultBranchRef: { target: { oid: MAIN } },
      config: o.yaml === undefined ? null : { text: o.yaml },
      pullRequest: { changedFiles: o.changedFiles ?? 1 },
      head: { checkSuites: { nodes: o.checkRuns ? [{ checkRuns: { nodes: o.checkRuns } }] : [] } },
    };
    if (o.orgYaml === false) {
      return [200, { data: { repository, org: null }, errors: [{ type: "NOT_FOUND", path: ["org"], message: "Could not resolve to a Repository with the name 'acme/.github'." }] }];
    }
    const org = { defaultBranchRef: { target: { oid: MAIN } }, config: o.orgYaml === undefined ? null : { text: o.orgYaml } };
    return [200, { data: { repository, org } }];
  };
}

/** The run's first query: no `.github/ptrguard.yml` in the repository nor in the owner's `.github` repository. */
export function noConfig(scope: nock.Scope, calls: Calls = {}, o: StartOptions = {}): nock.Scope {
  return scope.post("/graphql", isQuery("query RunStart")).reply(runStartReply(calls, o));
}

export function config(scope: nock.Scope, yaml: string, calls: Calls = {}): nock.Scope {
  return noConfig(scope, calls, { yaml });
}

export const pull = (over: Partial<{ sha: string; draft: boolean; state: string; author: string }> = {}) => ({
  number: 7,
  state: over.state ?? "open",
  draft: over.draft ?? false,
  head: { sha: over.sha ?? HEAD },
  base: { sha: BASE },
  user: { login: over.author ?? "alice" },
});

export interface PrFile {
  filename: string;
  status: string;
  patch?: string;
  previous_filename?: string;
}

/** A modified (or added) Go file of a fixture: its PR entry and its blobs at BASE and HEAD. */
export function changed(file: string, base: string | null, head: string, sha = HEAD): { entry: PrFile; blobs: Record<string, string> } {
  return {
    entry: { filename: file, status: base === null ? "added" : "modified", patch: patchOf(file, base ?? "", head) },
    blobs: { [`${sha}:${file}`]: head, ...(base === null ? {} : { [`${BASE}:${file}`]: base }) },
  };
}

export type Blobs = Record<string, string | { truncated: string } | { binary: true } | { large: number }>;

export const threadConnection = (nodes: unknown[] = []) => ({ pageInfo: { hasNextPage: false, endCursor: null }, nodes });

/**
 * Answers ReadBlobs queries from `blobs` ("<sha>:<path>" → text) and records the expressions asked
 * for; when the query asks for the pull request, it answers with `pull` (head and threads).
 */
export function blobReader(calls: Calls, blobs: Blobs, pull: { head?: string; threads?: unknown[] } = {}) {
  return (_uri: string, body: any): nock.ReplyFnResult => {
    const vars = body.variables as Record<string, string>;
    const all = Object.keys(vars)
      .filter((k) => /^e\d+$/.test(k))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    // Directory listings (the package context, `... on Tree`) are recorded apart, under `lists`.
    const isList = (k: string) => new RegExp(`f${k.slice(1)}: object\\(expression: \\$${k}\\) \\{ \\.\\.\\. on Tree`).test(body.query);
    const asked = all.filter((k) => !isList(k));
    const lists = all.filter(isList);
    (calls.blobs ??= []).push(asked.map((k) => vars[k]));
    if (lists.length) (calls.lists ??= []).push(lists.map((k) => vars[k]));
    const repository: Record<string, unknown> = {};
    for (const k of lists) repository[`f${k.slice(1)}`] = directoryOf(blobs, vars[k]!);
    for (const k of asked) {
      const b = blobs[vars[k]!];
      const alias = `f${k.slice(1)}`;
      if (b === undefined) repository[alias] = null;
      else if (typeof b === "string") repository[alias] = { text: b, isBinary: false, isTruncated: false, byteSize: Buffer.byteLength(b) };
      else if ("binary" in b) repository[alias] = { text: null, isBinary: true, isTruncated: false, byteSize: 10 };
      // What GitHub answers for a blob too large to inline: its size and the start of its text.
      else if ("large" in b) repository[alias] = { text: "package svc\n", isBinary: false, isTruncated: true, byteSize: b.large };
      else repository[alias] = { text: b.truncated.slice(0, 10), isBinary: false, isTruncated: true, byteSize: Buffer.byteLength(b.truncated) };
    }
    if (vars.number !== undefined) {
      (calls.pullRead ??= []).push(vars.number);
      repository.pullRequest = { headRefOid: pull.head ?? HEAD, reviewThreads: threadConnection(pull.threads) };
    }
    return [200, { data: { repository } }];
  };
}

/** A directory of the blobs at a commit (`<sha>:<dir>`, `<sha>:` the root) as GraphQL's Tree; null when it has no file. */
function directoryOf(blobs: Blobs, expr: string): { entries: { name: string; type: string; object: { byteSize: number } }[] } | null {
  const prefix = expr.endsWith(":") ? expr : `${expr}/`;
  const entries = Object.entries(blobs)
    .filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes("/"))
    .map(([k, b]) => ({ name: k.slice(prefix.length), type: "blob", object: { byteSize: typeof b === "string" ? Buffer.byteLength(b) : 10 } }));
  return entries.length ? { entries } : null;
}

export const isQuery = (name: string) => (body: any) => typeof body?.query === "string" && body.query.includes(name);

/** ReviewThreads answering with `threads` (GraphQL shape). */
export function threads(calls: Calls, nodes: unknown[] = []) {
  return recorded(calls, "threads", 200, { data: { repository: { pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes } } } } });
}

/**
 * The usual run on HEAD for PR #7, up to the review: the run's first query (config, none by
 * default), the files, and the blobs with the PR's head and threads. Returns the scope for the
 * test to add the review and the check run (completeCheck).
 */
export function usualRun(calls: Calls, files: readonly PrFile[], blobs: Blobs, opts: { threads?: unknown[]; config?: string; sha?: string; token?: boolean } & StartOptions = {}): nock.Scope {
  const gh = github(opts.token ?? true);
  return noConfig(gh, calls, { ...opts, ...(opts.config !== undefined ? { yaml: opts.config } : {}), changedFiles: opts.changedFiles ?? files.length })
    .get(`${REPO}/pulls/7/files`)
    .query({ per_page: "100" })
    .reply(200, files)
    .post("/graphql", isQuery("query ReadBlobs"))
    .reply(blobReader(calls, blobs, { head: opts.sha ?? HEAD, threads: opts.threads ?? [] }));
}

/** What a check run creation carries besides its verdict. */
const CREATE_KEYS = ["name", "head_sha", "started_at", "external_id"];

/**
 * The check run created with its verdict (one POST): records what identifies it under
 * `createCheck` and the verdict (status, conclusion, output, actions) under `check`.
 */
export function checkCreator(calls: Calls, status = 201, id = CHECK_RUN_ID) {
  return (_uri: string, body: any): nock.ReplyFnResult => {
    const ident: Record<string, unknown> = {};
    const verdict: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) (CREATE_KEYS.includes(k) ? ident : verdict)[k] = v;
    (calls.createCheck ??= []).push(ident);
    if (verdict.status === "completed") (calls.check ??= []).push(verdict);
    else (calls.inProgress ??= []).push(verdict);
    return [status, { id }];
  };
}

export const completeCheck = (scope: nock.Scope, calls: Calls) => scope.post(`${REPO}/check-runs`).reply(checkCreator(calls));

/** An update of an existing check run (a reused one, or one shown in progress). */
export const updateCheck = (scope: nock.Scope, calls: Calls, id = CHECK_RUN_ID) => scope.patch(`${REPO}/check-runs/${id}`).reply(recorded(calls, "check", 200, {}));

export const createdCheck = {
  name: "ptrguard",
  head_sha: HEAD,
  started_at: START,
  external_id: "7",
};

export const RECHECK_ACTION = [{ label: "Recheck", description: "Run ptrguard again on this commit", identifier: "recheck" }];
export const LOST_CANCEL_DOCS = `https://github.com/ptrguard/ptrguard/blob/v${VERSION}/rules/lost-cancel/README.md`;
export const LOST_CANCEL_WHY =
  "Until cancel is called, the child context stays registered in its parent's list of children: a WithCancel context as long as the parent lives, which for a server's base context is forever, and a WithTimeout/WithDeadline context, with its timer, until the deadline, which can be hours away. Each call leaks one more.";

/** The shortest complete run on PR 7: the PR, no config, the given files (none by default), the check run. */
export function shortRun(scope: nock.Scope, calls: Calls, files: unknown[] = []): nock.Scope {
  return completeCheck(
    noConfig(scope.get(`${REPO}/pulls/7`).reply(200, pull()), calls)
      .get(`${REPO}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, files),
    calls,
  );
}
