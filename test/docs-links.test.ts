// Docs links: the version's tag, on github.com or the configured GitHub Enterprise Server host.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { docsBase, docsBaseFromEnv } from "../src/docs.js";
import { VERSION } from "../src/version.js";
import { ROOT } from "../src/analyzer/testing.js";

describe("docs links", () => {
  it("point at the release's tag, on the configured host", () => {
    expect(docsBaseFromEnv({})).toBe(`https://github.com/ptrguard/ptrguard/blob/v${VERSION}`);
    expect(docsBaseFromEnv({ GHE_HOST: "git.corp.example", GHE_PROTOCOL: "http" })).toBe(`http://git.corp.example/ptrguard/ptrguard/blob/v${VERSION}`);
    expect(docsBaseFromEnv({ GHE_HOST: "git.corp.example", PTRGUARD_DOCS_URL: "https://docs.corp.example/ptrguard/" })).toBe("https://docs.corp.example/ptrguard");
    expect(docsBase("ghe.example/", "1.2.3")).toBe("https://ghe.example/ptrguard/ptrguard/blob/v1.2.3");
  });

  it("reach every finding, suppression findings included, when GHE_HOST is set", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/ptrguard.js"), "check", "--format", "json", "fixtures/rules/lost-cancel/aliased.go"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, GHE_HOST: "git.corp.example" },
    });
    const docs = (JSON.parse(r.stdout) as { findings: { docs: string }[] }).findings.map((f) => f.docs);
    expect(docs).toEqual([`https://git.corp.example/ptrguard/ptrguard/blob/v${VERSION}/rules/lost-cancel/README.md`]);
  });
});
