// `npm start`: checks the settings, then runs the app in Probot's server with /healthz, /readyz
// and /metrics beside the webhook endpoint. A bad setting stops start-up with one line naming it.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Probot, ProbotOctokit, Server, type ApplicationFunction, type Logger } from "probot";
import { isGoLoaded, loadGo } from "./analyzer/parser.js";
import { limitedOctokit } from "./github/throttle.js";
import { createLogger, LOG_LEVELS, type LogLevel } from "./log.js";
import { registry } from "./metrics.js";
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
  const settings: Settings = { appId: Number(appIdText), privateKey, webhookSecret, logLevel, port, host };
  const ghe = env.GHE_HOST?.trim();
  if (ghe) {
    const protocol = env.GHE_PROTOCOL?.trim() || "https";
    if (!/^https?$/.test(protocol)) throw new SettingError(`GHE_PROTOCOL must be https or http, got "${env.GHE_PROTOCOL}"`);
    if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(ghe)) throw new SettingError(`GHE_HOST must be a host name (with an optional port), got "${env.GHE_HOST}"`);
    settings.baseUrl = `${protocol}://${ghe}/api/v3`;
  }
  return settings;
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
  app: ApplicationFunction;
  log?: Logger;
  /** The GitHub REST base URL (GitHub Enterprise, or the demo's stand-in). */
  baseUrl?: string;
  /** Octokit class for the app's clients (the demo turns throttling off). */
  Octokit?: typeof ProbotOctokit;
}

export interface Running {
  url: string;
  webhookUrl: string;
  log: Logger;
  stop(): Promise<void>;
}

/** Starts Probot's server with the app and the operational endpoints; resolves once it listens. */
export async function startServer(options: StartOptions): Promise<Running> {
  const { settings } = options;
  const log = options.log ?? createLogger({ level: settings.logLevel });
  const server = new Server({
    host: settings.host,
    port: settings.port,
    webhookPath: WEBHOOK_PATH,
    log,
    enableStaticFiles: false,
    Probot: Probot.defaults({
      appId: settings.appId,
      privateKey: settings.privateKey,
      secret: settings.webhookSecret,
      log,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      // The app's pacing and retry settings (github/throttle.ts) unless the caller brings its own.
      Octokit: options.Octokit ?? limitedOctokit(),
    }),
  });
  server.addHandler(opsHandler);
  await server.load(options.app);
  await server.start();
  const host = server.host.includes(":") && !server.host.startsWith("[") ? `[${server.host}]` : server.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${server.port}`;
  return { url, webhookUrl: url + WEBHOOK_PATH, log, stop: () => server.stop() };
}

/** GET /healthz, /readyz and /metrics. Anything else falls through to Probot's 404. */
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
    case "/metrics":
      return reply(res, 200, registry.contentType, await registry.metrics());
    default:
      return false;
  }
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
  // Loaded after the settings check, so a bad setting is reported before anything heavy loads.
  const { default: app } = await import("./index.js");
  let running: Running;
  try {
    running = await startServer({ settings, app, log, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) });
  } catch (err) {
    log.fatal({ err }, "the server did not start");
    return 1;
  }
  log.info({ version: VERSION, url: running.url, webhookPath: WEBHOOK_PATH }, "ptrguard is listening");
  loadGo().then(
    () => log.info("Go grammar loaded; ready"),
    (err: unknown) => {
      log.fatal({ err }, "the Go grammar failed to load");
      process.exit(1);
    },
  );
  const stop = (signal: string) => {
    log.info({ signal }, "stopping: no new connections, finishing the webhooks in flight");
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
