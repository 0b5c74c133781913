// The supported entry is `npm start` (src/server.ts: drain on SIGTERM, crash recovery, body caps,
// probes). The default export is what `probot run` loads (for registering the app): loaded, it
// warns once, naming what it lacks and the entry to use; the app the server builds does not.
import { generateKeyPairSync } from "node:crypto";
import pino from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import app, { createApp, PROBOT_RUN_WARNING } from "../../src/index.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });

async function load(fn: Parameters<Probot["load"]>[0]) {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const probot = new Probot({ appId: 1, privateKey, log });
  await probot.load(fn);
  return lines;
}

describe("entries", () => {
  it("the default export (`probot run`) warns once, at warn level, that `npm start` is the supported entry", async () => {
    const lines = await load(app);
    expect(lines.filter((l) => l.msg === PROBOT_RUN_WARNING)).toEqual([expect.objectContaining({ level: 40 })]);
    expect(PROBOT_RUN_WARNING).toContain("does not drain the queued runs");
    expect(PROBOT_RUN_WARNING).toContain("Run `npm start` (node dist/src/server.js) instead");
  });

  it("the app the server builds (createApp) does not", async () => {
    const lines = await load(createApp());
    expect(lines.filter((l) => l.msg === PROBOT_RUN_WARNING)).toEqual([]);
  });
});
