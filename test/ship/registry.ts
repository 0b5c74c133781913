// A loopback stand-in for the npm registry, serving only what package-lock.json pins: a packument
// per package (the locked versions, their dependencies) and each tarball from the local npm cache
// (where `npm ci` left it, found by its integrity). An install pointed at it proves the package
// installs with no network: it answers nothing else.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  [field: string]: unknown;
}

const MANIFEST_FIELDS = ["dependencies", "optionalDependencies", "peerDependencies", "peerDependenciesMeta", "bin", "engines", "os", "cpu", "license"];

export interface Registry {
  url: string;
  /** Requests that could not be answered (a package or tarball missing from the lock or cache). */
  misses: string[];
  close(): Promise<void>;
}

/** The cacache file for an integrity string (`sha512-<base64>`). */
function cachedTarball(cache: string, integrity: string): string {
  const [algo, b64] = integrity.split(" ")[0]!.split("-", 2) as [string, string];
  const hex = Buffer.from(b64, "base64").toString("hex");
  return path.join(cache, "_cacache", "content-v2", algo, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

export async function startRegistry(lockFile: string): Promise<Registry> {
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, LockEntry> };
  const cache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
  const packuments = new Map<string, { name: string; versions: Record<string, Record<string, unknown>>; "dist-tags": { latest: string } }>();
  const tarballs = new Map<string, string>();
  let base = "";
  for (const [where, e] of Object.entries(lock.packages)) {
    if (!where || e.link || !e.version || !e.integrity) continue;
    const name = (e.name as string | undefined) ?? where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length);
    const p = packuments.get(name) ?? { name, versions: {}, "dist-tags": { latest: e.version } };
    const file = `${name.replace("/", "__")}-${e.version}.tgz`;
    tarballs.set(file, cachedTarball(cache, e.integrity));
    const manifest: Record<string, unknown> = { name, version: e.version, dist: { integrity: e.integrity, tarball: `/tarballs/${file}` } };
    for (const f of MANIFEST_FIELDS) if (e[f] !== undefined) manifest[f] = e[f];
    p.versions[e.version] = manifest;
    packuments.set(name, p);
  }
  // Optional peer dependencies (bullmq's `redis`) are not in the lock when nobody installs them;
  // npm still asks for them, and a 404 is the honest answer, not a missing package.
  const optionalPeers = new Set(
    Object.values(lock.packages).flatMap((e) => Object.entries((e.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>).filter(([, m]) => m.optional).map(([n]) => `/${n}`)),
  );
  const misses: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    if (url.startsWith("/tarballs/")) {
      const file = tarballs.get(url.slice("/tarballs/".length));
      if (file && existsSync(file)) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(readFileSync(file));
        return;
      }
    } else {
      const p = packuments.get(url.slice(1));
      if (p) {
        const versions = Object.fromEntries(Object.entries(p.versions).map(([v, m]) => [v, { ...m, dist: { ...(m.dist as object), tarball: base + (m.dist as { tarball: string }).tarball } }]));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...p, versions }));
        return;
      }
    }
    if (!optionalPeers.has(url) || packuments.has(url.slice(1))) misses.push(url);
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return { url: base, misses, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
