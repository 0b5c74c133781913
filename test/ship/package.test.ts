// The installable package, as a Go team gets it: `npm pack`, then `npm install -g` of the tarball
// into an empty prefix (from a loopback registry that serves only the locked dependencies out of
// the npm cache: no network), then `ptrguard` in a small Go module with git history.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { CTX_IN_STRUCT, goRepo, LOST_CANCEL } from "../helpers/gorepo.js";
import { ROOT } from "./helpers.js";
import { startRegistry, type Registry } from "./registry.js";

describe("the packed tarball", () => {
  let work: string;
  let tarball: string;
  let bin: string;
  let registry: Registry;
  let installLog = "";

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "ptrguard-pack-"));
    // `npm test` has just built dist/ and wasm/ (pretest); --ignore-scripts skips building them again.
    expect(existsSync(path.join(ROOT, "dist/src/cli.js")) && existsSync(path.join(ROOT, "wasm/tree-sitter-go.wasm"))).toBe(true);
    const name = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    tarball = path.join(work, name);
    registry = await startRegistry(path.join(ROOT, "package-lock.json"));
    const prefix = path.join(work, "prefix");
    // Asynchronously: the registry answers from this process.
    const npm = spawn("npm", ["install", "-g", "--prefix", prefix, "--registry", registry.url, "--cache", path.join(work, "npm-cache"), "--no-audit", "--no-fund", "--no-update-notifier", tarball], {
      cwd: work,
      env: { ...process.env, npm_config_loglevel: "warn" },
      timeout: 280_000,
    });
    npm.stdout.on("data", (d: Buffer) => (installLog += d.toString()));
    npm.stderr.on("data", (d: Buffer) => (installLog += d.toString()));
    const status = await new Promise<number | null>((resolve) => npm.on("close", resolve));
    if (status !== 0) throw new Error(`npm install -g failed (${status}); registry misses: ${registry.misses.join(", ")}\n${installLog}`);
    bin = path.join(prefix, "bin", "ptrguard");
  }, 300_000);

  afterAll(async () => {
    await registry?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const ptrguard = (args: string[], cwd: string) => {
    const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("ships only what runs: no sources, tests, fixtures (but the demo's) or source maps", () => {
    const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
    const top = new Set(files.map((f) => f.split("/")[0]));
    expect([...top].sort()).toEqual(["README.md", "app.yml", "bin", "dist", "fixtures", "package.json", "rules", "schema", "wasm"]);
    expect(files.filter((f) => f.endsWith(".ts") || f.endsWith(".map") || f.startsWith("test/") || f.startsWith("dist/bench/"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("fixtures/") && !f.startsWith("fixtures/demo/"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("rules/") && !f.endsWith("README.md"))).toEqual([]);
    expect(files).toContain("wasm/tree-sitter-go.wasm");
    expect(files).toContain("schema/ptrguard.schema.json");
  });

  it("installs from the registry alone, without TypeScript, tree-sitter-go or any install script", () => {
    expect(registry.misses).toEqual([]);
    // The one script npm holds back is msgpackr-extract's (bullmq's optional native speed-up for
    // the Redis queue; msgpackr falls back to plain JavaScript): nothing ptrguard needs is built.
    const held = [...installLog.matchAll(/^npm warn install-scripts {3}(\S+)@/gm)].map((m) => m[1]);
    expect(held).toEqual(installLog.includes("install-scripts") ? ["msgpackr-extract"] : []);
    expect(installLog).not.toMatch(/\bprepare\b|gyp info|gyp ERR/);
    const installed = path.join(work, "prefix", "lib", "node_modules", "ptrguard");
    const deps = readdirSync(path.join(installed, "node_modules"));
    for (const absent of ["typescript", "tree-sitter-go", "vitest", "nock"]) expect(deps).not.toContain(absent);
    expect(ptrguard(["--version"], work)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(ptrguard(["explain", "lost-cancel"], work).stdout).toMatch(/^# lost-cancel\n/);
  });

  it("in a Go module: finds its bugs, honours .github/ptrguard.yml, and --git HEAD sees an untracked file", () => {
    const repo = goRepo();
    repo.write("svc/fetch.go", LOST_CANCEL);
    repo.write("svc/server.go", CTX_IN_STRUCT);
    repo.git("add", ".");
    repo.git("commit", "-qm", "the service");

    const all = ptrguard(["check"], repo.dir);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain("svc/fetch.go:10:2: error: the cancel function from context.WithTimeout is discarded");
    // context-in-struct is an opinion rule, off until the configuration switches it on.
    expect(all.stdout).not.toContain("svc/server.go");
    expect(all.stdout).toContain("+\tdefer cancel()");

    repo.write(".github/ptrguard.yml", "rules:\n  lost-cancel: off\n  context-in-struct: on\nfail_on: warning\n");
    const configured = ptrguard(["check", "--format", "json"], repo.dir);
    expect(configured.code).toBe(1);
    expect(JSON.parse(configured.stdout).findings.map((f: { rule: string }) => f.rule)).toEqual(["context-in-struct"]);

    // A change: a new file nobody has added to git yet.
    repo.write("svc/retry.go", LOST_CANCEL.replace("func Fetch", "func Retry"));
    const changed = ptrguard(["check", "--format", "json", "--enable", "lost-cancel", "--git", "HEAD"], repo.dir);
    expect(JSON.parse(changed.stdout).findings.map((f: { path: string; line: number; rule: string }) => `${f.path}:${f.line} ${f.rule}`)).toEqual(["svc/retry.go:10 lost-cancel"]);
    expect(changed.code).toBe(1);
  });
});
