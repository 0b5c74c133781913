// `npm start`: checks the settings, then runs the app in Probot's server with /healthz, /readyz
// and /metrics beside the webhook endpoint. A bad setting stops start-up with one line naming it.
import { createPrivateKey } from "node:crypto";
import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Probot, ProbotOctokit, type ApplicationFunction, type Logger } from "probot";
import { isGoLoaded, loadGo } from "./analyzer/parser.js";
import { limitedOctokit } from "./github/throttle.js";
import { createLogger, LOG_LEVELS, type LogLevel } from "./log.js";
import { queueMetrics, registry } from "./metrics.js";
import type { RunQueue } from "./queue/queue.js";
import type { AppDeps } from "./review/deps.js";
import { VERSION } from "./version.js";

export const WEBHOOK_PATH = "/api/github/webhooks";

export interface Settings {
  appId: number;
  /** PEM text (never logged). */
  privateKey: string;
  webhookSecret: string;
  logLevel: LogLevel;
  port: number;
  host: string;
  /** GitHub Enterprise Server's REST API, from GHE_HOST (and GHE_PROTOCOL), as Probot reads them. */
  baseUrl?: string;
  /** `/metrics` listens here (METRICS_PORT), apart from the public webhook port; undefined: off. */
  metricsPort?: number;
  /** The metrics server's address (METRICS_HOST; default: HOST). */
  metricsHost?: string;
  /** REDIS_URL: the run queue on Redis, shared by replicas; undefined: the embedded queue. */
  redisUrl?: string;
  /** WORKER_CONCURRENCY: review runs at once in this process. */
  concurrency: number;
  /** ANALYSIS_THREADS: worker threads for the analysis (0: analyse on the main thread). */
  analysisThreads: number;
  /** RUN_CPU_BUDGET_SECONDS: the analysis of one run is stopped after this much time on its thread. */
  runBudgetMs: number;
}

/** The environment, read as plain strings (Probot narrows some of NodeJS.ProcessEnv's keys). */
export type Env = Record<string, string | undefined>;

/** A setting that is missing or malformed; the message names it and is safe to print. */
export class SettingError extends Error {}

/**
 * Reads the settings from the environment. PRIVATE_KEY may hold the PEM itself, the PEM with
 * `\n` escapes (one line), or the PEM in base64; it wins over PRIVATE_KEY_PATH, as in Probot.
 */
export function readSettings(env: Env = process.env, cwd = process.cwd()): Settings {
  const appIdText = required(env, "APP_ID", "the App ID from the app's settings page");
  if (!/^[1-9][0-9]{0,15}$/.test(appIdText)) throw new SettingError(`APP_ID must be a positive whole number, got "${appIdText}"`);

  const privateKey = readPrivateKey(env, cwd);

  const webhookSecret = required(env, "WEBHOOK_SECRET", "the webhook secret entered when the app was registered");
  if (webhookSecret === "development") {
    throw new SettingError('WEBHOOK_SECRET is "development", Probot\'s placeholder; set the secret the app was registered with');
  }

  const logLevel = (env.LOG_LEVEL?.trim() || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new SettingError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${env.LOG_LEVEL}"`);

  const portText = env.PORT?.trim() || "3000";
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) throw new SettingError(`PORT must be a port number from 1 to 65535, got "${env.PORT}"`);

  const host = env.HOST?.trim() || "localhost";
  const concurrency = whole(env, "WORKER_CONCURRENCY", 4, 1, 256);
  const analysisThreads = whole(env, "ANALYSIS_THREADS", Math.max(1, Math.min(4, availableParallelism() - 1)), 0, 64);
  const runBudgetMs = whole(env, "RUN_CPU_BUDGET_SECONDS", 120, 1, 3600) * 1000;
  const settings: Settings = { appId: Number(appIdText), privateKey, webhookSecret, logLevel, port, host, concurrency, analysisThreads, runBudgetMs };
  const metricsPort = env.METRICS_PORT?.trim();
  if (metricsPort && metricsPort !== "off") {
    const n = Number(metricsPort);
    if (!/^[0-9]+$/.test(metricsPort) || n < 1 || n > 65535) throw new SettingError(`METRICS_PORT must be a port number from 1 to 65535 (or "off"), got "${env.METRICS_PORT}"`);
    if (n === port) throw new SettingError(`METRICS_PORT must differ from PORT (${port}): /metrics is kept off the public webhook port`);
    settings.metricsPort = n;
  } else if (!metricsPort) {
    settings.metricsPort = port === 9090 ? 9091 : 9090;
  }
  if (env.METRICS_HOST?.trim()) settings.metricsHost = env.METRICS_HOST.trim();
  const redisUrl = env.REDIS_URL?.trim();
  if (redisUrl) {
    if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw new SettingError("REDIS_URL must be a redis:// or rediss:// URL");
    settings.redisUrl = redisUrl;
  }
  const ghe = env.GHE_HOST?.trim();
  if (ghe) {
    const protocol = env.GHE_PROTOCOL?.trim() || "https";
    if (!/^https?$/.test(protocol)) throw new SettingError(`GHE_PROTOCOL must be https or http, got "${env.GHE_PROTOCOL}"`);
    if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(ghe)) throw new SettingError(`GHE_HOST must be a host name (with an optional port), got "${env.GHE_HOST}"`);
    settings.baseUrl = `${protocol}://${ghe}/api/v3`;
  }
  return settings;
}

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new SettingError(`${name} must be a whole number from ${min} to ${max}, got "${env[name]}"`);
  return n;
}

function required(env: Env, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SettingError(`${name} is not set (${what})`);
  return value;
}

function readPrivateKey(env: Env, cwd: string): string {
  let pem: string;
  let source: string;
  if (env.PRIVATE_KEY?.trim()) {
    source = "PRIVATE_KEY";
    pem = env.PRIVATE_KEY.trim();
    if (!pem.includes("-----BEGIN") && /^[A-Za-z0-9+/=\s]+$/.test(pem)) pem = Buffer.from(pem, "base64").toString("utf8");
    pem = pem.replace(/\\n/g, "\n");
  } else if (env.PRIVATE_KEY_PATH?.trim()) {
    source = "PRIVATE_KEY_PATH";
    const file = path.resolve(cwd, env.PRIVATE_KEY_PATH.trim());
    try {
      pem = readFileSync(file, "utf8");
    } catch (err) {
      throw new SettingError(`PRIVATE_KEY_PATH names a file that cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  } else {
    throw new SettingError("PRIVATE_KEY or PRIVATE_KEY_PATH must be set (the .pem key generated on the app's settings page)");
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
  } catch {
    const where = source === "PRIVATE_KEY_PATH" ? "PRIVATE_KEY_PATH does not name" : "PRIVATE_KEY does not hold";
    throw new SettingError(`${where} an RSA private key in PEM form (the .pem file GitHub generated for the app)`);
  }
  return pem;
}

export interface StartOptions {
  settings: Settings;
  /** The Probot app; default: ptrguard's, with the queue the settings choose (embedded, or Redis). */
  app?: ApplicationFunction;
  log?: Logger;
  /** The GitHub REST base URL (GitHub Enterprise, or the demo's stand-in). */
  baseUrl?: string;
  /** Octokit class for the app's clients (the demo turns throttling off). */
  Octokit?: typeof ProbotOctokit;
  /** Test knobs: how long a job's and a PR's lock live without renewal (default 30 s). */
  lockMs?: number;
  /** Look for check runs a crashed process left in progress, at start (embedded queue; default true). */
  recover?: boolean;
  /** Replaces parts of the app's dependencies (the load tests inject faults into the GitHub layer). */
  deps?: Partial<AppDeps>;
}

export interface Running {
  url: string;
  webhookUrl: string;
  /** The metrics endpoint, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  log: Logger;
  /** The app's run queue (undefined for an app passed in that has none). */
  queue: RunQueue | undefined;
  /** Stops taking connections, drains the queue, closes everything. */
  stop(): Promise<void>;
}

/** GitHub's own cap on a webhook payload. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
/** A body that takes longer than this to arrive is refused (GitHub sends it at once). */
export const BODY_TIMEOUT_MS = 5000;

/**
 * The Octokit class the app's clients are built from. Octokit's throttle and retry options plug
 * in here (src/github/throttle.ts); the demo and tests pass their own class.
 */
export function appOctokit(Base?: typeof ProbotOctokit): typeof ProbotOctokit {
  return Base ?? limitedOctokit();
}

/** Starts the app on its own HTTP server (and the metrics server); resolves once both listen. */
export async function startServer(options: StartOptions): Promise<Running> {
  const { settings } = options;
  const log = options.log ?? createLogger({ level: settings.logLevel });
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    log,
    Octokit: appOctokit(options.Octokit),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
  let queue: RunQueue | undefined;
  let closeExtras = async () => {};
  let app = options.app;
  if (!app) {
    // Loaded here, so a bad setting is reported before the app's modules load.
    const { createApp, queueFor } = await import("./index.js");
    const q = await queueFor(settings, log, options.lockMs);
    closeExtras = q.close;
    const { recover, ...appOptions } = q.appOptions;
    app = createApp({ ...options.deps, ...appOptions, ...(recover && options.recover !== false ? { recover } : {}), onLoad: (created) => (queue = created) });
  }
  await probot.load(app);

  const webhooks = webhookHandler(probot, log);
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    res.once("finish", () => logRequest(log, req, res, started));
    void (async () => {
      try {
        if ((req.url ?? "").split("?")[0] === WEBHOOK_PATH) return await webhooks(req, res);
        if (await opsHandler(req, res)) return;
        reply(res, 404, "text/plain; charset=utf-8", "not found\n");
      } catch (err) {
        log.error({ err }, "ptrguard: the request failed");
        if (!res.headersSent) reply(res, 500, "text/plain; charset=utf-8", "internal error\n");
      }
    })();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await listen(server, settings.port, settings.host);
  const url = urlOf(server);

  let metricsServer: Server | undefined;
  if (settings.metricsPort !== undefined) {
    metricsServer = createServer((req, res) => {
      const started = process.hrtime.bigint();
      res.once("finish", () => logRequest(log, req, res, started));
      void metricsHandler(req, res, () => queue).catch((err: unknown) => {
        log.error({ err }, "ptrguard: /metrics failed");
        if (!res.headersSent) reply(res, 500, "text/plain; charset=utf-8", "internal error\n");
      });
    });
    await listen(metricsServer, settings.metricsPort, settings.metricsHost ?? settings.host);
  }
  const metricsUrl = metricsServer ? urlOf(metricsServer) + "/metrics" : undefined;
  let stopping: Promise<void> | undefined;
  return {
    url,
    webhookUrl: url + WEBHOOK_PATH,
    metricsUrl,
    log,
    get queue() {
      return queue;
    },
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await queue?.close();
        await closeExtras();
        server.closeAllConnections();
        await closed;
        if (metricsServer) {
          metricsServer.closeAllConnections();
          await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
        }
      })()),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? Object.assign(err, { message: `port ${port} is already in use` }) : err);
    });
    server.listen({ port, host }, () => resolve());
  });
}

function urlOf(server: Server): string {
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${addr.port}`;
}

/** One line per request; health probes and scrapes at debug, so they do not flood the log. */
function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse, started: bigint): void {
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const route = (req.url ?? "").split("?")[0] ?? "";
  const quiet = route === "/healthz" || route === "/readyz" || route === "/metrics";
  const delivery = req.headers["x-github-delivery"];
  const entry = { name: "http", req: { method: req.method, url: route, ...(typeof delivery === "string" ? { id: delivery.slice(0, 64) } : {}) }, res: { statusCode: res.statusCode }, responseTime: ms };
  const msg = `${req.method} ${route} ${res.statusCode} - ${ms}ms`;
  if (quiet) log.debug(entry, msg);
  else log.info(entry, msg);
}

type Answer = { status: number; message: string };

/**
 * POST /api/github/webhooks. Headers first (no signature: refused before the body is read), then
 * the body up to 25 MB and 5 s, the HMAC signature (401), a JSON object (400), and the app's
 * handlers, which only queue: the answer is 202 as soon as the request is kept. Bodies are never
 * logged.
 */
export function webhookHandler(probot: Probot, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refuse = (a: Answer) => {
      res.setHeader("connection", "close");
      // Once the answer is out, anything still being sent is not read.
      res.once("finish", () => setImmediate(() => req.destroy()));
      reply(res, a.status, "text/plain; charset=utf-8", a.message + "\n");
    };
    if (req.method !== "POST") return refuse({ status: 405, message: "webhooks are POSTed" });
    const name = header(req, "x-github-event");
    const id = header(req, "x-github-delivery");
    const signature = header(req, "x-hub-signature-256");
    if (!name || !id) return refuse({ status: 400, message: "not a GitHub delivery: x-github-event and x-github-delivery are required" });
    if (!signature) return refuse({ status: 401, message: "unsigned: x-hub-signature-256 is required" });
    const length = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(length) && length > MAX_BODY_BYTES) return refuse({ status: 413, message: `the body exceeds ${MAX_BODY_BYTES} bytes` });
    const body = await readBody(req, MAX_BODY_BYTES, BODY_TIMEOUT_MS);
    if (!Buffer.isBuffer(body)) return refuse(body);
    const text = body.toString("utf8");
    if (!(await probot.webhooks.verify(text, signature).catch(() => false))) {
      log.warn({ delivery: id.slice(0, 64), event: name.slice(0, 64) }, "ptrguard: refused a delivery with a wrong signature");
      return refuse({ status: 401, message: "signature does not match" });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return refuse({ status: 400, message: "the body is not JSON" });
    }
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return refuse({ status: 400, message: "the payload is not a JSON object" });
    try {
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
    } catch (err) {
      const cause = (err as AggregateError).errors?.[0] ?? err;
      log.error({ err: cause, delivery: id }, "ptrguard: the delivery could not be queued");
      return reply(res, 503, "text/plain; charset=utf-8", "could not queue the delivery; try again\n") && undefined;
    }
    if (name === "ping") reply(res, 200, "text/plain; charset=utf-8", "pong\n");
    else reply(res, 202, "text/plain; charset=utf-8", "accepted\n");
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer | Answer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off("data", onData);
      resolve(v);
    };
    const timer = setTimeout(() => finish({ status: 408, message: `the body did not arrive within ${timeoutMs} ms` }), timeoutMs);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish({ status: 413, message: `the body exceeds ${limit} bytes` });
      else chunks.push(c);
    };
    req.on("data", onData);
    req.once("end", () => finish(Buffer.concat(chunks)));
    req.once("error", () => finish({ status: 400, message: "the body could not be read" }));
    req.once("close", () => finish({ status: 400, message: "the connection closed before the body arrived" }));
  });
}

/** GET /healthz and /readyz on the webhook port. */
export async function opsHandler(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const route = (req.url ?? "").split("?")[0];
  switch (route) {
    case "/healthz":
      return reply(res, 200, "text/plain; charset=utf-8", "ok\n");
    case "/readyz":
      return isGoLoaded()
        ? reply(res, 200, "text/plain; charset=utf-8", "ready\n")
        : reply(res, 503, "text/plain; charset=utf-8", "loading the Go grammar\n");
    default:
      return false;
  }
}

/** GET /metrics on METRICS_PORT, with the queue's depth read at scrape time. */
async function metricsHandler(req: IncomingMessage, res: ServerResponse, queue: () => RunQueue | undefined): Promise<void> {
  const route = (req.url ?? "").split("?")[0];
  if ((req.method !== "GET" && req.method !== "HEAD") || route !== "/metrics") {
    reply(res, 404, "text/plain; charset=utf-8", "not found\n");
    return;
  }
  const q = queue();
  if (q) {
    const s = await q.stats().catch(() => undefined);
    if (s) queueMetrics.depth(s.waiting, s.active);
  }
  reply(res, 200, registry.contentType, await registry.metrics());
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): true {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
  return true;
}

/** The process: settings, grammar, server, and a clean stop on SIGTERM/SIGINT. Returns the exit code on failure. */
export async function main(env: Env = process.env): Promise<number | undefined> {
  let settings: Settings;
  try {
    settings = readSettings(env);
  } catch (err) {
    if (!(err instanceof SettingError)) throw err;
    process.stderr.write(`ptrguard: ${err.message}\n`);
    return 1;
  }
  const log = createLogger({ level: settings.logLevel });
  let running: Running;
  try {
    running = await startServer({ settings, log, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
  } catch (err) {
    log.fatal({ err }, "the server did not start");
    return 1;
  }
  log.info(
    { version: VERSION, url: running.url, webhookPath: WEBHOOK_PATH, metrics: running.metricsUrl, queue: settings.redisUrl ? "redis" : "embedded", concurrency: settings.concurrency },
    "ptrguard is listening",
  );
  loadGo().then(
    () => log.info("Go grammar loaded; ready"),
    (err: unknown) => {
      log.fatal({ err }, "the Go grammar failed to load");
      process.exit(1);
    },
  );
  const stop = (signal: string) => {
    log.info({ signal }, "stopping: no new connections; finishing the accepted runs");
    setTimeout(() => process.exit(1), 25_000).unref();
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ptrguard: cannot start: ${(err as Error).message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
