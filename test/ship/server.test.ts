// Start-up settings, the operational endpoints, webhook signatures and the log format, against
// the real Probot server on a loopback port.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect } from "node:net";
import { Writable } from "node:stream";
import nock from "nock";
import type { ApplicationFunction } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGo } from "../../src/analyzer/parser.js";
import { createLogger, runLogger } from "../../src/log.js";
import { metrics } from "../../src/metrics.js";
import { readSettings, SettingError, startServer, type Env, type Running } from "../../src/server.js";
import { deliveryHeaders, freePorts, get, PING, ROOT, rsaPem, start } from "./helpers.js";

const KEY = rsaPem();
const SECRET = "s3cret-for-tests";
const GOOD = { APP_ID: "12345", PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET };

function settingError(env: Env, cwd?: string): string {
  try {
    readSettings(env, cwd);
  } catch (err) {
    if (err instanceof SettingError) return err.message;
    throw err;
  }
  throw new Error("readSettings accepted " + JSON.stringify(Object.keys(env)));
}

describe("readSettings", () => {
  it("accepts the minimal settings with defaults for the rest", () => {
    const s = readSettings(GOOD);
    expect(s).toMatchObject({ appId: 12345, webhookSecret: SECRET, logLevel: "info", port: 3000, host: "localhost", metricsPort: 9090, concurrency: 4, runBudgetMs: 120_000 });
    expect(s.redisUrl).toBeUndefined();
    expect(readSettings({ ...GOOD, METRICS_PORT: "off" }).metricsPort).toBeUndefined();
    expect(readSettings({ ...GOOD, REDIS_URL: "redis://127.0.0.1:6379/0", WORKER_CONCURRENCY: "8" })).toMatchObject({ redisUrl: "redis://127.0.0.1:6379/0", concurrency: 8 });
    expect(s.privateKey).toContain("BEGIN RSA PRIVATE KEY");
  });

  it("reads GitHub Enterprise Server's host from GHE_HOST, as Probot does", () => {
    expect(readSettings(GOOD).baseUrl).toBeUndefined();
    expect(readSettings({ ...GOOD, GHE_HOST: "github.acme.internal" }).baseUrl).toBe("https://github.acme.internal/api/v3");
    expect(readSettings({ ...GOOD, GHE_HOST: "ghe.local:8443", GHE_PROTOCOL: "http" }).baseUrl).toBe("http://ghe.local:8443/api/v3");
    expect(() => readSettings({ ...GOOD, GHE_HOST: "https://github.acme.internal" })).toThrow('GHE_HOST must be a host name (with an optional port), got "https://github.acme.internal"');
  });

  it("takes PRIVATE_KEY as one line with \\n escapes, or in base64", () => {
    expect(readSettings({ ...GOOD, PRIVATE_KEY: KEY.trim().replace(/\n/g, "\\n") }).privateKey).toBe(KEY.trim());
    expect(readSettings({ ...GOOD, PRIVATE_KEY: Buffer.from(KEY).toString("base64") }).privateKey.trim()).toBe(KEY.trim());
  });

  it("reads PRIVATE_KEY_PATH relative to the working directory", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-key-"));
    try {
      writeFileSync(path.join(dir, "app.pem"), KEY);
      const env = { APP_ID: "1", PRIVATE_KEY_PATH: "app.pem", WEBHOOK_SECRET: SECRET };
      expect(readSettings(env, dir).privateKey).toBe(KEY);
      expect(settingError({ ...env, PRIVATE_KEY_PATH: "missing.pem" }, dir)).toMatch(/^PRIVATE_KEY_PATH names a file that cannot be read: .*missing\.pem \(ENOENT\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the missing or malformed setting", () => {
    expect(settingError({ ...GOOD, APP_ID: "" })).toMatch(/^APP_ID is not set/);
    expect(settingError({ ...GOOD, APP_ID: "12ab" })).toBe('APP_ID must be a positive whole number, got "12ab"');
    expect(settingError({ ...GOOD, PRIVATE_KEY: undefined })).toMatch(/^PRIVATE_KEY or PRIVATE_KEY_PATH must be set/);
    expect(settingError({ ...GOOD, PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----" })).toMatch(/^PRIVATE_KEY does not hold an RSA private key/);
    expect(settingError({ ...GOOD, WEBHOOK_SECRET: undefined })).toMatch(/^WEBHOOK_SECRET is not set/);
    expect(settingError({ ...GOOD, WEBHOOK_SECRET: "development" })).toMatch(/^WEBHOOK_SECRET is "development"/);
    expect(settingError({ ...GOOD, LOG_LEVEL: "verbose" })).toMatch(/^LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent/);
    expect(settingError({ ...GOOD, PORT: "80a" })).toBe('PORT must be a port number from 1 to 65535, got "80a"');
    expect(settingError({ ...GOOD, PORT: "70000" })).toMatch(/^PORT must be/);
    expect(settingError({ ...GOOD, METRICS_PORT: "3000" })).toBe("METRICS_PORT must differ from PORT (3000): /metrics is kept off the public webhook port");
    expect(settingError({ ...GOOD, REDIS_URL: "localhost:6379" })).toBe("REDIS_URL must be a redis:// or rediss:// URL");
    expect(settingError({ ...GOOD, WORKER_CONCURRENCY: "0" })).toBe('WORKER_CONCURRENCY must be a whole number from 1 to 256, got "0"');
  });

  it("never puts the key into a message", () => {
    const bad = "-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END RSA PRIVATE KEY-----";
    expect(settingError({ ...GOOD, PRIVATE_KEY: bad })).not.toContain("TOPSECRET");
  });
});

describe("start-up", () => {
  it("stops with one line naming a missing setting, exit code 1, no stack trace", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, APP_ID: "1", PRIVATE_KEY: KEY };
    const child = start(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd: ROOT, env });
    try {
      const code = await Promise.race([child.exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000))]);
      expect(code).toBe(1);
      expect(child.stderr()).toMatch(/^ptrguard: WEBHOOK_SECRET is not set \([^\n]*\)\n$/);
      expect(child.stdout()).toBe("");
    } finally {
      await child.kill();
    }
  }, 30_000);
});

describe("the server", () => {
  let running: Running;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  const seen: string[] = [];
  const app: ApplicationFunction = (probot) => {
    probot.onAny(async (ctx) => {
      seen.push(ctx.name);
      metrics.webhookReceived(ctx.name);
    });
  };

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const settings = { ...readSettings(GOOD), host: "127.0.0.1", port, metricsPort, logLevel: "info" as const };
    running = await startServer({ settings, app, log: createLogger({ level: "info", destination: sink }) });
  });
  afterAll(async () => {
    await running?.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("answers /healthz at once and /readyz only after the grammar loads", async () => {
    expect(await get(running.url + "/healthz")).toMatchObject({ status: 200, text: "ok\n" });
    expect((await get(running.url + "/readyz"))?.status).toBe(503);
    await loadGo();
    expect(await get(running.url + "/readyz")).toMatchObject({ status: 200, text: "ready\n" });
  });

  it("serves Prometheus text on /metrics on its own port, not on the webhook port", async () => {
    expect((await get(running.url + "/metrics"))?.status).toBe(404);
    const res = await get(running.metricsUrl!);
    expect(res?.status).toBe(200);
    expect(res?.type).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of ["ptrguard_webhooks_received_total", "ptrguard_runs_total", "ptrguard_findings_total", "ptrguard_github_api_calls_total", "ptrguard_github_rate_limit_remaining", "ptrguard_run_duration_seconds", "ptrguard_queue_depth", "ptrguard_queue_wait_seconds"]) {
      expect(res?.text).toContain(`# TYPE ${name} `);
    }
    expect(res?.text).toMatch(/^ptrguard_\w*process_cpu_seconds_total \d/m);
  });

  it("accepts a signed ping and refuses a badly signed one with 401", async () => {
    const ok = await fetch(running.webhookUrl, { method: "POST", body: PING, headers: deliveryHeaders("ping", PING, SECRET) });
    expect(ok.status).toBe(200);
    expect(seen).toEqual(["ping"]);
    const bad = await fetch(running.webhookUrl, { method: "POST", body: PING, headers: deliveryHeaders("ping", PING, "wrong") });
    expect(bad.status).toBe(401);
    expect(seen).toEqual(["ping"]);
    expect((await get(running.metricsUrl!))?.text).toMatch(/ptrguard_webhooks_received_total\{event="ping"\} 1/);
  });

  it("answers an unsigned delivery at once, before its body has arrived, and queues nothing", async () => {
    const started = Date.now();
    const answer = await rawRequest(new URL(running.webhookUrl), ["content-type: application/json", "x-github-event: pull_request", "x-github-delivery: d-partial", "content-length: 100000"], '{"action":"opened"');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen).toEqual(["ping"]);
  });

  it("refuses a body over GitHub's 25 MB cap before reading it, and never logs a body", async () => {
    const marker = "SECRET-BODY-MARKER";
    const answer = await rawRequest(new URL(running.webhookUrl), [...signedHeaders("push", marker), `content-length: ${26 * 1024 * 1024}`], marker);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    const res = await fetch(running.webhookUrl, { method: "POST", body: marker, headers: deliveryHeaders("push", marker, "wrong") });
    expect(res.status).toBe(401);
    expect(lines.join("\n")).not.toContain(marker);
    expect(seen).toEqual(["ping"]);
  });

  it("answers 400 to a signed body that is not a JSON object (null, an array, not JSON)", async () => {
    for (const body of ["null", "[]", "42", "{not json"]) {
      const res = await fetch(running.webhookUrl, { method: "POST", body, headers: deliveryHeaders("pull_request", body, SECRET) });
      expect(res.status, body).toBe(400);
    }
    const noEvent = await fetch(running.webhookUrl, { method: "POST", body: PING, headers: { "content-type": "application/json" } });
    expect(noEvent.status).toBe(400);
    expect(seen).toEqual(["ping"]);
  });

  it("logs health probes at debug, not at info", async () => {
    await get(running.url + "/healthz");
    await get(running.url + "/readyz");
    expect(lines.some((l) => l.includes("/healthz") || l.includes("/readyz"))).toBe(false);
  });

  it("answers 404 elsewhere", async () => {
    expect((await get(running.url + "/nothing-here"))?.status).toBe(404);
  });

  it("logs JSON lines with the level as a word", () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const rec = JSON.parse(line) as { level: unknown; time: unknown };
      expect(typeof rec.level).toBe("string");
      expect(typeof rec.time).toBe("string");
    }
    expect(lines.some((l) => l.includes("POST /api/github/webhooks 200"))).toBe(true);
  });
});

/** Sends a request over a raw socket (a body shorter than its content-length, say) and returns the first answer. */
function rawRequest(url: URL, headers: string[], body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\n${headers.join("\r\n")}\r\n\r\n${body}`);
    });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, 5000);
    socket.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("\r\n\r\n")) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("error", reject);
  });
}

const signedHeaders = (event: string, body: string) => Object.entries(deliveryHeaders(event, body, SECRET)).map(([k, v]) => `${k}: ${v}`);

describe("runLogger", () => {
  it("puts delivery, repo, PR and head SHA on every line, and redacts secrets", () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk.toString());
        cb();
      },
    });
    const log = runLogger(createLogger({ level: "debug", destination: sink }), { delivery: "d-1", repo: "acme/api", pr: 7, sha: "abc123" });
    log.info("run started");
    log.debug({ request: { headers: { authorization: "token ghs_xyz" } }, token: "ghs_abc", privateKey: KEY }, "call");
    const recs = out.join("").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs).toHaveLength(2);
    for (const r of recs) expect(r).toMatchObject({ delivery: "d-1", repo: "acme/api", pr: 7, sha: "abc123" });
    const text = out.join("");
    expect(text).not.toContain("ghs_");
    expect(text).not.toContain("PRIVATE KEY");
  });
});
