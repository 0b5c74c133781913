// production smoke: the Dockerfile's steps replayed in a temporary directory (there is no Docker
// engine here): only what the image copies, `npm ci --omit=dev` from the lockfile, the compiled
// output from the build stage; then the image's CMD with a generated key and secret, checked
// through the image's HEALTHCHECK, /readyz, /metrics and signed deliveries, and stopped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkInto, parseDockerfile, replay, type Stage } from "./dockerfile.js";
import { deliveryHeaders, freePorts, get, PING, ROOT, rsaPem, start, waitFor, type Child } from "./helpers.js";

const SECRET = "smoke-secret";
const KEY = rsaPem();

describe("production smoke", () => {
  let work: string;
  let image: Stage;
  let server: Child | undefined;
  let base: string;
  let metricsBase: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    work = mkdtempSync(path.join(tmpdir(), "ptrguard-image-"));
    const stages = replay(parseDockerfile(readFileSync(path.join(ROOT, "Dockerfile"), "utf8")), {
      context: ROOT,
      workdir: work,
      // A private npm cache: the image's `npm cache clean --force` must not wipe the user's.
      runEnv: { npm_config_cache: path.join(work, ".npm"), npm_config_update_notifier: "false" },
      substitute: (stage, command) => {
        // The build stage's full install is this repository's node_modules (same lockfile).
        if (stage.name === "build" && /^npm ci\b/.test(command) && !command.includes("--omit=dev")) {
          linkInto(stage, path.join(ROOT, "node_modules"), "node_modules");
          return true;
        }
        return false;
      },
    });
    image = stages.at(-1)!;
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    metricsBase = `http://127.0.0.1:${metricsPort}`;
    // The image listens on 0.0.0.0; the test keeps to loopback.
    env = { PATH: process.env.PATH, HOME: process.env.HOME, ...image.env, HOST: "127.0.0.1", PORT: String(port), METRICS_PORT: String(metricsPort), APP_ID: "4242", PRIVATE_KEY: KEY, WEBHOOK_SECRET: SECRET, LOG_LEVEL: "info" };
    base = `http://127.0.0.1:${port}`;
    server = start(image.cmd![0]!, image.cmd!.slice(1), { cwd: image.dir, env });
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    if (work) rmSync(work, { recursive: true, force: true });
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("builds an image of production dependencies and compiled output, run by a non-root user", () => {
    expect(image.image).toBe("node:24-slim");
    expect(image.user).toBeDefined();
    expect(image.user).not.toMatch(/^(root|0)$/);
    expect(image.expose).toContain(Number(image.env.PORT));
    expect(image.cmd).toEqual(["node", "dist/src/server.js"]);
    expect(existsSync(path.join(image.dir, "dist/src/server.js"))).toBe(true);
    expect(existsSync(path.join(image.dir, "node_modules/probot"))).toBe(true);
    expect(existsSync(path.join(image.dir, "wasm/tree-sitter-go.wasm"))).toBe(true);
    for (const dev of ["typescript", "vitest", "nock", "tsx", "tree-sitter-go"]) expect(existsSync(path.join(image.dir, "node_modules", dev))).toBe(false);
    for (const absent of ["src", "test", "fixtures", "tsconfig.json"]) expect(existsSync(path.join(image.dir, absent))).toBe(false);
  });

  it("becomes healthy, by the image's own HEALTHCHECK, and then ready", async () => {
    const died = server!.exited.then((code) => {
      throw new Error(`the server exited with ${code}:\n${server!.stderr()}${server!.stdout().slice(-2000)}`);
    });
    await Promise.race([waitFor("/healthz", 30_000, async () => ((await get(base + "/healthz"))?.status === 200 ? true : undefined)), died]);
    const check = start(image.healthcheck![0]!, image.healthcheck!.slice(1), { cwd: image.dir, env });
    try {
      expect(await Promise.race([check.exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))])).toBe(0);
    } finally {
      await check.kill();
    }
    await waitFor("/readyz", 30_000, async () => ((await get(base + "/readyz"))?.status === 200 ? true : undefined));
  }, 60_000);

  it("serves Prometheus metrics on METRICS_PORT only", async () => {
    expect((await get(base + "/metrics"))?.status).toBe(404);
    const res = await get(metricsBase + "/metrics");
    expect(res?.status).toBe(200);
    expect(res?.text).toContain("# TYPE ptrguard_runs_total counter");
  });

  it("accepts a signed ping and answers 401 to a badly signed one", async () => {
    const ok = await fetch(base + "/api/github/webhooks", { method: "POST", body: PING, headers: deliveryHeaders("ping", PING, SECRET) });
    expect(ok.status).toBe(200);
    const bad = await fetch(base + "/api/github/webhooks", { method: "POST", body: PING, headers: deliveryHeaders("ping", PING, "not-the-secret") });
    expect(bad.status).toBe(401);
  });

  it("writes JSON log lines without the key or the secret, and stops on SIGTERM", async () => {
    await server!.kill();
    expect(await server!.exited).toBe(0);
    const lines = server!.stdout().split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    const all = server!.stdout() + server!.stderr();
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(KEY.split("\n")[1]);
    expect(all).toContain("POST /api/github/webhooks 401");
  }, 30_000);
});
