// A local stand-in for the GitHub REST and GraphQL endpoints the app uses, serving one
// repository and pull request (fixture.ts) and recording every call and everything posted.
// It checks what GitHub checks where it shapes the app: the app's JWT, the installation token,
// and that review comments sit inside the diff's hunks (else 422, as on GitHub). Load tests open
// more pull requests with the same files (`addPull`) and push new heads to them (`push`).
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { hunkRanges, type DemoRepo, type Tree } from "./fixture.js";

export interface Call {
  method: string;
  path: string;
  status: number;
  /** The GraphQL operation, for POST /graphql. */
  operation?: string;
  body?: unknown;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at?: string | null;
  output: { title?: string; summary?: string; text?: string };
  annotations: { path: string; start_line: number; end_line: number; annotation_level: string; title?: string; message: string }[];
  actions: { label: string; identifier: string; description: string }[];
  /** When it was created and completed (ms since the epoch), to tell overlapping runs apart. */
  createdAt: number;
  completedAt: number | null;
}

export interface ReviewComment {
  id: number;
  pr: number;
  threadId: string;
  reviewId: number | null;
  path: string;
  line: number | null;
  start_line: number | null;
  body: string;
  user: string;
  inReplyTo: number | null;
}

export interface Review {
  id: number;
  pr: number;
  state: string;
  body: string;
  commit_id: string;
  user: string;
  commentIds: number[];
}

export interface Thread {
  id: string;
  pr: number;
  path: string;
  isResolved: boolean;
  resolvedBy: string | null;
  commentIds: number[];
}

export interface Posted {
  checkRuns: CheckRun[];
  reviews: Review[];
  comments: ReviewComment[];
  threads: Thread[];
  issueComments: { id: number; pr: number; body: string; user: string }[];
  reactions: { commentId: number; content: string; user: string }[];
  /** SARIF uploads to code scanning, decoded. */
  sarifs: { commit_sha: string; ref: string; tool_name?: string; sarif: unknown }[];
}

type Reply = { status: number; body?: unknown; text?: string };
type Handler = (m: RegExpExecArray, req: Request) => Reply;
interface Request {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** How the stand-in differs for a GitHub Actions workflow's token (the Action) rather than an App's. */
export interface StandInOptions {
  /** The token it accepts instead of the installation token it hands out (a workflow's GITHUB_TOKEN). */
  token?: string;
  /** Who posts reviews and comments: `github-actions[bot]` for a workflow's token. */
  bot?: string;
  /** A read-only token (a pull request from a fork): every write is refused with 403. */
  readOnly?: boolean;
}

const notFound: Reply = { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };

export class GitHubStandIn {
  readonly calls: Call[] = [];
  readonly posted: Posted = { checkRuns: [], reviews: [], comments: [], threads: [], issueComments: [], reactions: [], sarifs: [] };
  /** Calls the stand-in does not serve: a sign that the app uses an endpoint the demo lacks. */
  readonly unknown: Call[] = [];
  /** Users and their permission on the repository. */
  readonly permissions = new Map<string, string>();
  /** Fault injection for tests: milliseconds to hold a call before answering it. */
  latency: ((method: string, path: string, operation: string | undefined) => number) | undefined;
  private server: Server | undefined;
  private readonly token: string;
  private readonly publicKey: KeyObject;
  private nextId = 1000;
  private rateRemaining = 5000;
  private readonly routes: [string, RegExp, Handler][];
  private inFlight = 0;
  private lastCallAt = Date.now();
  /** Open pull requests and their head commits. */
  private readonly heads = new Map<number, string>();
  /** Head commits pushed by `push`: the head tree under another sha. */
  private readonly pushed = new Set<string>();

  constructor(
    readonly repo: DemoRepo,
    privateKeyPem: string,
    private readonly options: StandInOptions = {},
  ) {
    this.token = options.token ?? "ghs_demo" + randomBytes(12).toString("hex");
    this.publicKey = createPublicKey(privateKeyPem);
    this.permissions.set(repo.meta.author, "write");
    const r = `/repos/${repo.meta.owner}/${repo.meta.repo}`;
    const n = "(\\d+)";
    this.heads.set(repo.meta.number, repo.headSha);
    this.routes = [
      ["POST", /^\/app\/installations\/(\d+)\/access_tokens$/, (m) => this.accessToken(Number(m[1]))],
      ["GET", new RegExp(`^${r}/contents/(.+)$`), (m, req) => this.contents(decodeURIComponent(m[1]!), req)],
      // The owner has no `.github` repository, where Probot looks for shared configuration.
      ["GET", new RegExp(`^/repos/${repo.meta.owner}/\\.github/contents/`), () => notFound],
      ["GET", new RegExp(`^${r}/pulls$`), (_m, req) => this.page([...this.heads.keys()].map((k) => this.pullJson(k)), req)],
      ["GET", new RegExp(`^${r}/pulls/${n}$`), (m) => this.withPull(m, (pr) => ({ status: 200, body: this.pullJson(pr) }))],
      ["GET", new RegExp(`^${r}/pulls/${n}/files$`), (m, req) => this.withPull(m, (pr) => this.page(this.repo.files.map((f) => ({ ...f, sha: this.heads.get(pr) })), req))],
      ["GET", new RegExp(`^${r}/pulls/${n}/reviews$`), (m, req) => this.withPull(m, (pr) => this.page(this.posted.reviews.filter((x) => x.pr === pr).map((v) => this.reviewJson(v)), req))],
      ["GET", new RegExp(`^${r}/pulls/${n}/comments$`), (m, req) => this.withPull(m, (pr) => this.page(this.posted.comments.filter((c) => c.pr === pr).map((c) => this.commentJson(c)), req))],
      ["POST", new RegExp(`^${r}/pulls/${n}/reviews$`), (m, req) => this.withPull(m, (pr) => this.createReview(pr, req.body as ReviewBody))],
      ["POST", new RegExp(`^${r}/pulls/${n}/comments$`), (m, req) => this.withPull(m, (pr) => this.createFileComment(pr, req.body as { path: string; body: string }))],
      ["POST", new RegExp(`^${r}/pulls/${n}/comments/(\\d+)/replies$`), (m, req) => this.withPull(m, (pr) => this.reply(pr, Number(m[2]), (req.body as { body: string }).body))],
      ["POST", new RegExp(`^${r}/check-runs$`), (_m, req) => this.createCheckRun(req.body as Partial<CheckRun> & { output?: CheckOutput })],
      ["PATCH", new RegExp(`^${r}/check-runs/(\\d+)$`), (m, req) => this.updateCheckRun(Number(m[1]), req.body as Partial<CheckRun> & { output?: CheckOutput })],
      ["GET", new RegExp(`^${r}/check-runs/(\\d+)$`), (m) => this.checkRunById(Number(m[1]))],
      ["GET", new RegExp(`^${r}/git/trees/([0-9a-f]{40})$`), (m) => this.tree(m[1]!)],
      ["GET", new RegExp(`^${r}/check-suites/(\\d+)/check-runs$`), () => ({ status: 200, body: { total_count: this.posted.checkRuns.length, check_runs: this.posted.checkRuns } })],
      ["GET", new RegExp(`^${r}/commits/([0-9a-f]{40})/check-runs$`), (m, req) => this.checkRunsFor(m[1]!, req)],
      ["GET", /^\/app\/installations$/, () => ({ status: 200, body: [{ id: repo.meta.installationId, account: { login: repo.meta.owner, type: "Organization" }, app_id: repo.meta.appId }] })],
      ["GET", /^\/installation\/repositories$/, () => ({ status: 200, body: { total_count: 1, repositories: [this.repositoryJson()] } })],
      ["GET", new RegExp(`^${r}/collaborators/([^/]+)/permission$`), (m) => this.permission(decodeURIComponent(m[1]!))],
      ["POST", new RegExp(`^${r}/issues/comments/(\\d+)/reactions$`), (m, req) => this.react(Number(m[1]), (req.body as { content: string }).content)],
      ["GET", new RegExp(`^${r}/issues/${n}/comments$`), (m, req) => this.withPull(m, (pr) => this.page(this.posted.issueComments.filter((c) => c.pr === pr), req))],
      ["POST", new RegExp(`^${r}/issues/${n}/comments$`), (m, req) => this.withPull(m, (pr) => this.issueComment(pr, (req.body as { body: string }).body, this.bot))],
      ["POST", new RegExp(`^${r}/code-scanning/sarifs$`), (_m, req) => this.uploadSarif(req.body as { commit_sha: string; ref: string; sarif: string; tool_name?: string })],
      ["POST", /^(?:\/api)?\/graphql$/, (_m, req) => this.graphql(req.body as { query: string; variables?: Record<string, unknown> })],
    ];
  }

  get bot(): string {
    return this.options.bot ?? `${this.repo.meta.appSlug}[bot]`;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error("the stand-in is not listening");
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(0, "127.0.0.1", resolve);
    });
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s?.listening) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Milliseconds since the last call finished, or 0 while one is being served. */
  idleFor(): number {
    return this.inFlight > 0 ? 0 : Date.now() - this.lastCallAt;
  }

  /** A comment on the pull request by a person, as GitHub stores it before sending the webhook. */
  addIssueComment(user: string, body: string, pr = this.repo.meta.number): { id: number; body: string; user: string } {
    return this.issueComment(pr, body, user).body as { id: number; body: string; user: string };
  }

  /** Opens another pull request with the demo's files (at the demo's head commit). */
  addPull(number: number): void {
    this.heads.set(number, this.repo.headSha);
  }

  /** The open pull requests' numbers. */
  pulls(): number[] {
    return [...this.heads.keys()];
  }

  /** The head commit of a pull request. */
  headOf(pr = this.repo.meta.number): string {
    const sha = this.heads.get(pr);
    if (!sha) throw new Error(`no pull request #${pr}`);
    return sha;
  }

  /** A new commit on the PR's branch (same files, new sha), as a push before `synchronize`. */
  /** A push the caller made itself (its repository already serves `sha`): the pull request's head is now `sha`. */
  setHead(sha: string, pr = this.repo.meta.number): void {
    if (!this.heads.has(pr)) throw new Error(`no pull request #${pr}`);
    this.heads.set(pr, sha);
  }

  push(pr = this.repo.meta.number): string {
    const sha = createHash("sha1").update(`${this.headOf(pr)}:${pr}:${this.pushed.size}`).digest("hex");
    this.pushed.add(sha);
    this.heads.set(pr, sha);
    return sha;
  }

  /** The tree of a commit: the demo's commits, or a pushed head. */
  treeAt(sha: string): Tree | undefined {
    return this.pushed.has(sha) ? this.repo.head : this.repo.treeAt(sha);
  }

  private withPull(m: RegExpExecArray, f: (pr: number) => Reply): Reply {
    const pr = Number(m[1]);
    return this.heads.has(pr) ? f(pr) : notFound;
  }

  private checkRunsFor(sha: string, req: Request): Reply {
    const name = req.url.searchParams.get("check_name");
    const status = req.url.searchParams.get("status");
    const runs = this.posted.checkRuns.filter((r) => r.head_sha === sha && (!name || r.name === name) && (!status || r.status === status));
    return { status: 200, body: { total_count: runs.length, check_runs: runs.map((r) => this.checkRunJson(r)) } };
  }

  private checkRunJson(run: CheckRun): Record<string, unknown> {
    const { createdAt: _c, completedAt: _d, annotations, ...rest } = run;
    return { ...rest, output: { ...run.output, annotations_count: annotations.length }, app: { id: this.repo.meta.appId, slug: this.repo.meta.appSlug } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://stand-in");
    // GitHub Enterprise Server's REST prefix, when the app is pointed at the stand-in through GHE_HOST.
    url.pathname = url.pathname.replace(/^\/api\/v3(?=\/)/, "");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const request: Request = { method: req.method ?? "GET", url, headers: req.headers, body };
    const hold = this.latency?.(request.method, url.pathname, url.pathname.endsWith("/graphql") ? operationOf((body as { query?: string } | undefined)?.query ?? "") : undefined) ?? 0;
    // Held, unless the caller hangs up first (a killed process).
    if (hold > 0) await new Promise<void>((r) => {
      const t = setTimeout(r, hold);
      res.once("close", () => {
        clearTimeout(t);
        r();
      });
    });
    let reply: Reply;
    try {
      reply = this.route(request);
    } catch (err) {
      reply = { status: 500, body: { message: `the demo stand-in failed: ${(err as Error).message}` } };
    }
    const call: Call = { method: request.method, path: url.pathname + url.search, status: reply.status, ...(body !== undefined ? { body } : {}) };
    if (url.pathname.endsWith("/graphql")) call.operation = operationOf((body as { query?: string } | undefined)?.query ?? "");
    this.calls.push(call);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, --this.rateRemaining)),
      "x-github-request-id": randomBytes(4).toString("hex"),
    };
    if (reply.text !== undefined) res.writeHead(reply.status, { ...headers, "content-type": "text/plain; charset=utf-8" }).end(reply.text);
    else res.writeHead(reply.status, { ...headers, "content-type": "application/json; charset=utf-8" }).end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    this.inFlight--;
    this.lastCallAt = Date.now();
  }

  private route(req: Request): Reply {
    for (const [method, pattern, handler] of this.routes) {
      const m = method === req.method ? pattern.exec(req.url.pathname) : null;
      if (!m) continue;
      const denied = this.authorize(req) ?? this.readOnly(req);
      if (denied) return denied;
      try {
        return handler(m, req);
      } catch (err) {
        return { status: 422, body: { message: (err as Error).message } };
      }
    }
    this.unknown.push({ method: req.method, path: req.url.pathname + req.url.search, status: 404 });
    return notFound;
  }

  /** App routes take the app's JWT (RS256, iss = app id); all others the installation token. */
  private authorize(req: Request): Reply | undefined {
    const auth = String(req.headers.authorization ?? "");
    if (req.url.pathname.startsWith("/app/")) {
      const jwt = /^bearer (.+)$/i.exec(auth)?.[1];
      if (jwt && this.validJwt(jwt)) return undefined;
      return { status: 401, body: { message: "A JSON web token could not be decoded" } };
    }
    if (auth === `token ${this.token}` || auth === `bearer ${this.token}`) return undefined;
    return { status: 401, body: { message: "Bad credentials" } };
  }

  private readOnly(req: Request): Reply | undefined {
    if (!this.options.readOnly || req.method === "GET") return undefined;
    if (req.method === "POST" && req.url.pathname.endsWith("/graphql") && !/^\s*mutation\b/.test((req.body as { query?: string } | undefined)?.query ?? "")) return undefined;
    return { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } };
  }

  private validJwt(jwt: string): boolean {
    const [h, p, s] = jwt.split(".");
    if (!h || !p || !s) return false;
    try {
      const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, "base64url"));
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { iss?: string | number; exp?: number };
      return ok && String(claims.iss) === String(this.repo.meta.appId) && (claims.exp ?? 0) * 1000 > Date.now();
    } catch {
      return false;
    }
  }

  private accessToken(installationId: number): Reply {
    if (installationId !== this.repo.meta.installationId) return notFound;
    const expires = new Date(Date.now() + 3600_000).toISOString();
    return { status: 201, body: { token: this.token, expires_at: expires, permissions: { checks: "write", contents: "read", metadata: "read", pull_requests: "write", issues: "read" }, repository_selection: "selected" } };
  }

  private contents(file: string, req: Request): Reply {
    const ref = req.url.searchParams.get("ref");
    const tree = !ref || ref === this.repo.meta.baseRef ? this.repo.base : ref === this.repo.meta.headRef ? this.repo.head : this.treeAt(ref);
    const text = tree?.get(file);
    if (text === undefined) return notFound;
    if (String(req.headers.accept ?? "").includes("raw")) return { status: 200, text };
    return { status: 200, body: { type: "file", encoding: "base64", name: file.split("/").pop(), path: file, size: Buffer.byteLength(text), content: Buffer.from(text).toString("base64") } };
  }

  private page<T>(items: T[], req: Request): Reply {
    const per = Math.min(100, Number(req.url.searchParams.get("per_page") ?? 30));
    const page = Number(req.url.searchParams.get("page") ?? 1);
    return { status: 200, body: items.slice((page - 1) * per, page * per) };
  }

  pullJson(pr = this.repo.meta.number): Record<string, unknown> {
    const { meta: demo, baseSha } = this.repo;
    const meta = { ...demo, number: pr };
    const headSha = this.headOf(pr);
    const repository = this.repositoryJson();
    return {
      id: 90000 + meta.number,
      node_id: `PR_demo${meta.number}`,
      number: meta.number,
      state: "open",
      draft: false,
      title: meta.title,
      body: meta.body,
      user: { login: meta.author, type: "User" },
      html_url: `https://github.com/${meta.owner}/${meta.repo}/pull/${meta.number}`,
      head: { ref: meta.headRef, sha: headSha, repo: repository, user: { login: meta.author } },
      base: { ref: meta.baseRef, sha: baseSha, repo: repository, user: { login: meta.owner } },
      updated_at: new Date().toISOString(),
      changed_files: this.repo.files.length,
      additions: this.repo.files.reduce((a, f) => a + f.additions, 0),
      deletions: this.repo.files.reduce((a, f) => a + f.deletions, 0),
    };
  }

  repositoryJson(): Record<string, unknown> {
    const { meta } = this.repo;
    const now = new Date().toISOString();
    return { id: 7000, node_id: "R_demo", name: meta.repo, full_name: `${meta.owner}/${meta.repo}`, private: false, archived: false, pushed_at: now, updated_at: now, default_branch: meta.baseRef, owner: { login: meta.owner, type: "Organization" } };
  }

  private createCheckRun(body: Partial<CheckRun> & { output?: CheckOutput }): Reply {
    const run: CheckRun = {
      id: this.nextId++,
      name: body.name ?? "",
      head_sha: body.head_sha ?? "",
      status: body.status ?? "queued",
      conclusion: body.conclusion ?? null,
      external_id: body.external_id ?? null,
      started_at: body.started_at ?? null,
      output: {},
      annotations: [],
      actions: [],
      createdAt: Date.now(),
      completedAt: null,
    };
    this.posted.checkRuns.push(run);
    return this.updateCheckRun(run.id, { ...body, status: run.status }, 201);
  }

  private updateCheckRun(id: number, body: Partial<CheckRun> & { output?: CheckOutput }, status = 200): Reply {
    const run = this.posted.checkRuns.find((r) => r.id === id);
    if (!run) return notFound;
    if (body.conclusion) run.status = "completed";
    if (body.status) run.status = body.status;
    if (run.status === "completed") run.completedAt ??= Date.now();
    if (body.conclusion !== undefined) run.conclusion = body.conclusion;
    if (body.actions) run.actions = body.actions;
    if (body.output) {
      const { annotations, ...output } = body.output;
      if ((annotations?.length ?? 0) > 50) return { status: 422, body: { message: "Only 50 annotations are allowed per request" } };
      run.output = { ...run.output, ...output };
      run.annotations.push(...(annotations ?? []));
    }
    return { status, body: this.checkRunJson(run) };
  }

  private checkRunById(id: number): Reply {
    const run = this.posted.checkRuns.find((r) => r.id === id);
    return run ? { status: 200, body: this.checkRunJson(run) } : notFound;
  }

  private tree(sha: string): Reply {
    const files = this.treeAt(sha);
    if (!files) return notFound;
    return { status: 200, body: { sha, truncated: false, tree: [...files.keys()].map((path) => ({ path, type: "blob", mode: "100644" })) } };
  }

  private reviewJson(v: Review): Record<string, unknown> {
    return { id: v.id, state: v.state, body: v.body, commit_id: v.commit_id, user: { login: v.user, type: v.user.endsWith("[bot]") ? "Bot" : "User" } };
  }

  /** The run's first query: config on the default branch, ptrguard's check runs on the head, the file count. */
  private runStart(vars: Record<string, unknown>): Reply {
    const { meta, baseSha } = this.repo;
    const config = this.repo.base.get(".github/ptrguard.yml");
    const runs = this.posted.checkRuns
      .filter((c) => c.head_sha === vars.head && c.name === "ptrguard")
      .map((c) => ({ databaseId: c.id, status: c.status.toUpperCase(), conclusion: c.conclusion?.toUpperCase() ?? null, externalId: c.external_id, startedAt: c.started_at ?? null, title: c.output.title ?? null }));
    const repository = {
      defaultBranchRef: { target: { oid: baseSha } },
      config: config === undefined ? null : { text: config },
      pullRequest: this.heads.has(Number(vars.number)) ? { changedFiles: this.repo.files.length } : null,
      head: { checkSuites: { nodes: runs.length ? [{ checkRuns: { nodes: runs } }] : [] } },
    };
    // The owner has no `.github` repository.
    return { status: 200, body: { data: { repository, org: null }, errors: [{ type: "NOT_FOUND", path: ["org"], message: `Could not resolve to a Repository with the name '${meta.owner}/.github'.` }] } };
  }

  private createReview(pr: number, body: ReviewBody): Reply {
    const comments = body.comments ?? [];
    for (const c of comments) {
      const problem = this.anchorProblem(c);
      if (problem) return { status: 422, body: { message: "Unprocessable Entity", errors: [problem], documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request" } };
    }
    const review: Review = { id: this.nextId++, pr, state: REVIEW_STATE[body.event ?? "COMMENT"] ?? "PENDING", body: body.body ?? "", commit_id: body.commit_id ?? this.headOf(pr), user: this.bot, commentIds: [] };
    this.posted.reviews.push(review);
    for (const c of comments) review.commentIds.push(this.addComment({ pr, reviewId: review.id, path: c.path, line: c.line, start_line: c.start_line ?? null, body: c.body }).id);
    return { status: 200, body: { id: review.id, state: review.state, body: review.body, user: { login: this.bot } } };
  }

  private anchorProblem(c: ReviewBody["comments"] extends (infer T)[] | undefined ? T : never): string | undefined {
    const file = this.repo.files.find((f) => f.filename === c.path);
    if (!file) return `Path could not be resolved: ${c.path}`;
    if (c.side && c.side !== "RIGHT") return "the demo stand-in only takes side RIGHT";
    const hunk = hunkRanges(file.patch).find((h) => c.line >= h.start && c.line <= h.end);
    if (!hunk) return `pull_request_review_thread.line must be part of the diff (${c.path}:${c.line})`;
    if (c.start_line !== undefined && (c.start_line < hunk.start || c.start_line >= c.line)) {
      return `pull_request_review_thread.start_line must be part of the same hunk as the line (${c.path}:${c.start_line}-${c.line})`;
    }
    return undefined;
  }

  private addComment(c: { pr: number; reviewId: number | null; path: string; line: number | null; start_line: number | null; body: string; inReplyTo?: number; user?: string }): ReviewComment {
    const comment: ReviewComment = { id: this.nextId++, pr: c.pr, threadId: "", reviewId: c.reviewId, path: c.path, line: c.line, start_line: c.start_line, body: c.body, user: c.user ?? this.bot, inReplyTo: c.inReplyTo ?? null };
    const thread = c.inReplyTo ? this.posted.threads.find((t) => t.commentIds.includes(c.inReplyTo!)) : undefined;
    if (thread) thread.commentIds.push(comment.id);
    else this.posted.threads.push({ id: `PRRT_demo${comment.id}`, pr: c.pr, path: c.path, isResolved: false, resolvedBy: null, commentIds: [comment.id] });
    comment.threadId = (thread ?? this.posted.threads.at(-1)!).id;
    this.posted.comments.push(comment);
    return comment;
  }

  private createFileComment(pr: number, body: { path: string; body: string }): Reply {
    if (!this.repo.files.some((f) => f.filename === body.path)) return { status: 422, body: { message: "Unprocessable Entity", errors: [`Path could not be resolved: ${body.path}`] } };
    return { status: 201, body: this.commentJson(this.addComment({ pr, reviewId: null, path: body.path, line: null, start_line: null, body: body.body })) };
  }

  private reply(pr: number, to: number, body: string): Reply {
    const parent = this.posted.comments.find((c) => c.id === to && c.pr === pr);
    if (!parent) return notFound;
    return { status: 201, body: this.commentJson(this.addComment({ pr, reviewId: null, path: parent.path, line: parent.line, start_line: null, body, inReplyTo: to })) };
  }

  private commentJson(c: ReviewComment): Record<string, unknown> {
    return { id: c.id, path: c.path, line: c.line, start_line: c.start_line, body: c.body, user: { login: c.user }, in_reply_to_id: c.inReplyTo ?? undefined, pull_request_review_id: c.reviewId };
  }

  private permission(user: string): Reply {
    const permission = this.permissions.get(user) ?? "read";
    return { status: 200, body: { permission, role_name: permission, user: { login: user } } };
  }

  private react(commentId: number, content: string): Reply {
    if (!this.posted.issueComments.some((c) => c.id === commentId)) return notFound;
    this.posted.reactions.push({ commentId, content, user: this.bot });
    return { status: 201, body: { id: this.nextId++, content, user: { login: this.bot } } };
  }

  private issueComment(pr: number, body: string, user: string): Reply {
    const c = { id: this.nextId++, pr, body, user };
    this.posted.issueComments.push(c);
    return { status: 201, body: c };
  }

  private uploadSarif(body: { commit_sha: string; ref: string; sarif: string; tool_name?: string }): Reply {
    const sarif = JSON.parse(gunzipSync(Buffer.from(body.sarif, "base64")).toString("utf8")) as unknown;
    this.posted.sarifs.push({ commit_sha: body.commit_sha, ref: body.ref, ...(body.tool_name ? { tool_name: body.tool_name } : {}), sarif });
    const id = `sarif-${this.nextId++}`;
    return { status: 202, body: { id, url: `${this.url}/repos/${this.repo.meta.owner}/${this.repo.meta.repo}/code-scanning/sarifs/${id}` } };
  }

  private graphql(req: { query: string; variables?: Record<string, unknown> }): Reply {
    const q = req.query ?? "";
    const vars = req.variables ?? {};
    if (/query RunStart\b/.test(q)) return this.runStart(vars);
    if (/\breviewThreads\b/.test(q) && !/query ReadBlobs\b/.test(q)) return { status: 200, body: { data: { repository: { pullRequest: { reviewThreads: this.threadsJson(Number(vars.number ?? this.repo.meta.number)) } } } } };
    if (/\bresolveReviewThread\b/.test(q)) {
      const thread = this.posted.threads.find((t) => t.id === vars.threadId);
      if (!thread) return { status: 200, body: { data: null, errors: [{ type: "NOT_FOUND", message: `Could not resolve to a node with the global id of '${String(vars.threadId)}'` }] } };
      thread.isResolved = true;
      thread.resolvedBy = this.bot;
      return { status: 200, body: { data: { resolveReviewThread: { thread: { id: thread.id, isResolved: true } } } } };
    }
    const blobs = [...q.matchAll(/(\w+)\s*:\s*object\(\s*expression\s*:\s*\$(\w+)\s*\)(?:\s*\{\s*\.\.\.\s*on\s+(\w+))?/g)];
    if (blobs.length > 0 || /query ReadBlobs\b/.test(q)) {
      const repository: Record<string, unknown> = {};
      for (const [, alias, variable, on] of blobs) {
        const expr = String(vars[variable!] ?? "");
        const colon = expr.indexOf(":");
        // A directory's files (the package context's listing).
        if (on === "Tree") {
          repository[alias!] = this.directory(expr.slice(0, colon), expr.slice(colon + 1));
          continue;
        }
        const text = this.treeAt(expr.slice(0, colon))?.get(expr.slice(colon + 1));
        repository[alias!] = text === undefined ? null : { text, isBinary: false, isTruncated: false, byteSize: Buffer.byteLength(text) };
      }
      const pr = Number(vars.number);
      if (vars.number !== undefined && this.heads.has(pr)) repository.pullRequest = { headRefOid: this.heads.get(pr), reviewThreads: this.threadsJson(pr) };
      return { status: 200, body: { data: { repository } } };
    }
    this.unknown.push({ method: "POST", path: "/graphql", status: 200, operation: operationOf(q) });
    return { status: 200, body: { data: null, errors: [{ message: `the demo stand-in does not serve this GraphQL operation (${operationOf(q)})` }] } };
  }

  /** A directory at a commit as GraphQL's Tree: files with their sizes, subdirectories once each; null when there is none. */
  private directory(sha: string, dir: string): { entries: { name: string; type: string; object: { byteSize?: number } }[] } | null {
    const tree = this.treeAt(sha);
    if (!tree) return null;
    const prefix = dir === "" ? "" : dir.replace(/\/$/, "") + "/";
    const entries: { name: string; type: string; object: { byteSize?: number } }[] = [];
    const subdirs = new Set<string>();
    for (const [path, text] of tree) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash === -1) entries.push({ name: rest, type: "blob", object: { byteSize: Buffer.byteLength(text) } });
      else subdirs.add(rest.slice(0, slash));
    }
    for (const name of subdirs) entries.push({ name, type: "tree", object: {} });
    return entries.length > 0 ? { entries: entries.sort((a, b) => (a.name < b.name ? -1 : 1)) } : null;
  }

  private threadsJson(pr: number): Record<string, unknown> {
    const byId = new Map(this.posted.comments.map((c) => [c.id, c]));
    return {
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: this.posted.threads.filter((t) => t.pr === pr).map((t) => ({
        id: t.id,
        path: t.path,
        isResolved: t.isResolved,
        resolvedBy: t.resolvedBy ? { login: graphLogin(t.resolvedBy) } : null,
        comments: { nodes: t.commentIds.map((id) => byId.get(id)!).map((c) => ({ databaseId: c.id, body: c.body, author: { login: graphLogin(c.user) } })) },
      })),
    };
  }
}

interface CheckOutput {
  title?: string;
  summary?: string;
  text?: string;
  annotations?: CheckRun["annotations"];
}

interface ReviewBody {
  commit_id?: string;
  body?: string;
  event?: string;
  comments?: { path: string; line: number; side?: string; start_line?: number; start_side?: string; body: string }[];
}

const REVIEW_STATE: Record<string, string> = { COMMENT: "COMMENTED", REQUEST_CHANGES: "CHANGES_REQUESTED", APPROVE: "APPROVED" };

/** GraphQL names a GitHub App's bot without the `[bot]` that REST adds. */
const graphLogin = (login: string) => login.replace(/\[bot\]$/, "");

function operationOf(query: string): string {
  return /\b(query|mutation)\s+(\w+)/.exec(query)?.slice(1).join(" ") ?? query.trim().split(/\s+/).slice(0, 2).join(" ");
}
