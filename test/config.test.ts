// One configuration for the App, the CLI and the Action: the schema file, its defaults, reading
// it from disk, and hostile input (issue 11) that must be cheap.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { renderSchema, renderValidator, ruleIds } from "../scripts/write-schema.js";
import { ConfigFileError, DEFAULT_CONFIG, ignoreMatcher, readConfigFile, validateConfig } from "../src/config.js";
import { compileGlob, GlobError } from "../src/glob.js";
import { ROOT } from "../src/analyzer/testing.js";

const ids = ["lost-cancel", "ignore-directive"];

describe("the published schema", () => {
  it("schema/ptrguard.schema.json is up to date (npx tsx scripts/write-schema.ts)", () => {
    expect(readFileSync(path.join(ROOT, "schema/ptrguard.schema.json"), "utf8")).toBe(renderSchema());
  });

  it("src/config-validator.generated.ts is the schema compiled ahead of time (npm run schema), and agrees with Ajv at run time", () => {
    expect(readFileSync(path.join(ROOT, "src/config-validator.generated.ts"), "utf8")).toBe(renderValidator());
    const all = ruleIds();
    const reversed = [...all].reverse(); // another key: compiled by Ajv at run time
    for (const raw of [{}, { rules: { "lost-cancel": "loud", nope: "off" }, scope: "all", max_comments: 101, colour: 1 }, { paths_ignore: ["x".repeat(257)] }, { rules: [] }]) {
      expect(validateConfig(raw, all)).toEqual(validateConfig(raw, reversed));
    }
  });

  it("states the same defaults the App and the CLI use", () => {
    const schema = JSON.parse(renderSchema()) as { properties: Record<string, { default?: unknown }> };
    const defaults = Object.fromEntries(Object.entries(schema.properties).filter(([, p]) => "default" in p).map(([k, p]) => [k, p.default]));
    expect(defaults).toEqual({ ...DEFAULT_CONFIG });
    expect(DEFAULT_CONFIG.fail_on).toBe("error");
  });
});

describe("test_findings", () => {
  it("defaults to bugs; accepts bugs and all; a bad value is a problem and the default is used", () => {
    expect(DEFAULT_CONFIG.test_findings).toBe("bugs");
    expect(validateConfig({}, ids).config.test_findings).toBe("bugs");
    expect(validateConfig({ test_findings: "all" }, ids)).toEqual({ config: { ...DEFAULT_CONFIG, test_findings: "all" }, problems: [] });
    expect(validateConfig({ test_findings: "bugs" }, ids)).toEqual({ config: { ...DEFAULT_CONFIG }, problems: [] });
    for (const [bad, shown] of [["All", '"All"'], [true, "true"], [["all"], '["all"]']] as const) {
      expect(validateConfig({ test_findings: bad }, ids)).toEqual({
        config: { ...DEFAULT_CONFIG },
        problems: [`\`test_findings\` must be one of \`bugs\`, \`all\`; got \`${shown}\`, so the default \`"bugs"\` is used`],
      });
    }
    // The validator compiled ahead of time for the registry's rule ids says the same.
    expect(validateConfig({ test_findings: 1 }, ruleIds()).problems).toEqual(["`test_findings` must be one of `bugs`, `all`; got `1`, so the default `\"bugs\"` is used"]);
  });
});

describe("paths_ignore globs", () => {
  const paths = ["gen/a.go", "gen/x/b.pb.go", "a.pb.go", "x/y/z.pb.go", ".github/w.go", "vendor/m/v.go", "cmd/tool/main.go", "internal/a_test.go", "a/b/c/d.go", "x.go"];
  const globs = ["gen/**", "**/*.pb.go", "*.pb.go", ".github/**", "vendor/**", "cmd/*/main.go", "**/*_test.go", "a/**/d.go", "{gen,vendor}/**", "?.go", "[a-c]/**", "x/[^a]/*.go", "x/[!a]/*.go", "**"];
  it.each(globs.filter((g) => !g.includes("[!")))("%s matches what picomatch (dot: true) matches", (glob) => {
    const ours = compileGlob(glob);
    const theirs = picomatch(glob, { dot: true });
    expect(paths.filter(ours)).toEqual(paths.filter((p) => theirs(p)));
  });

  it("reads [!a] as a negated class, as the shell and .gitignore do (picomatch reads it literally)", () => {
    expect(paths.filter(compileGlob("x/[!a]/*.go"))).toEqual(["x/y/z.pb.go"]);
  });

  it("matches a pattern built for catastrophic backtracking without backtracking", () => {
    // picomatch compiles this to a RegExp that takes minutes on the path below (issue 11: 94 s).
    const hostile = "*a".repeat(40) + "*b";
    const { config, problems } = validateConfig({ paths_ignore: [hostile] }, ids);
    expect(problems).toEqual([]);
    const ignored = ignoreMatcher(config);
    expect(ignored("a".repeat(48))).toBe(false);
    expect(ignored("a".repeat(40) + "b")).toBe(true);
    expect(compileGlob("**/".repeat(30) + "x")("a/".repeat(47) + "y")).toBe(false);
  });

  it("refuses extended globs and brace bombs as configuration problems", () => {
    expect(() => compileGlob("+(a|aa)+(a|aa)b")).toThrow(GlobError);
    expect(validateConfig({ paths_ignore: ["gen/**", "!(a|b)/x"] }, ids)).toEqual({
      config: { ...DEFAULT_CONFIG },
      problems: ["`paths_ignore` has a pattern ptrguard cannot use (`!(a|b)/x`: extended globs such as `!(…)` are not supported; use `{a,b}` alternatives or several patterns), so the default `[]` is used"],
    });
    expect(validateConfig({ paths_ignore: ["{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}"] }, ids).problems).toEqual([
      "`paths_ignore` has a pattern ptrguard cannot use (`{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}`: braces expand to more than 64 alternatives), so the default `[]` is used",
    ]);
  });

  it("caps the list and the configuration's size: a 5 MB list is refused, not compiled", () => {
    const many = Array.from({ length: 201 }, (_, i) => `gen${i}/**`);
    expect(validateConfig({ paths_ignore: many }, ids).problems).toEqual([
      "`paths_ignore` must be a list of at most 200 glob patterns of at most 256 characters each; got `[\"gen0/**\",\"gen1/**\",\"gen2/**\",\"gen3/**\",\"gen4/**\",\"gen5/...`, so the default `[]` is used",
    ]);
    const huge = Array.from({ length: 500_000 }, (_, i) => `dir${i}/**`);
    expect(validateConfig({ paths_ignore: huge }, ids)).toEqual({ config: { ...DEFAULT_CONFIG }, problems: ["the configuration is larger than 64 KiB; the defaults are used"] });
  });
});

describe("readConfigFile", () => {
  const repo = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ptrguard-config-"));
    mkdirSync(path.join(dir, ".github"));
    return dir;
  };

  it("reads .github/ptrguard.yml from a repository root, with the App's validation", async () => {
    const dir = repo();
    writeFileSync(path.join(dir, ".github/ptrguard.yml"), "rules:\n  lost-cancel: off\npaths_ignore: [gen/**]\nfail_on: warnings\ncolour: red\n");
    expect(await readConfigFile(dir, ids)).toEqual({
      file: path.join(dir, ".github/ptrguard.yml"),
      config: { ...DEFAULT_CONFIG, rules: { "lost-cancel": "off" }, paths_ignore: ["gen/**"] },
      problems: ["unknown key `colour` is ignored", '`fail_on` must be one of `error`, `warning`, `info`, `none`; got `"warnings"`, so the default `"error"` is used'],
    });
  });

  it("gives the defaults without a file, problems for bad YAML, and throws for a missing explicit file", async () => {
    const dir = repo();
    expect(await readConfigFile(dir, ids)).toEqual({ file: null, config: { ...DEFAULT_CONFIG }, problems: [] });
    writeFileSync(path.join(dir, "bad.yml"), "rules: [unclosed\n");
    const bad = await readConfigFile(path.join(dir, "bad.yml"), ids);
    expect(bad.config).toEqual({ ...DEFAULT_CONFIG });
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toMatch(/^the file could not be read \(invalid YAML: .+\); the defaults are used$/);
    await expect(readConfigFile(path.join(dir, "nope.yml"), ids)).rejects.toThrow(ConfigFileError);
    writeFileSync(path.join(dir, "big.yml"), "paths_ignore:\n" + "  - gen/**\n".repeat(10_000));
    expect((await readConfigFile(path.join(dir, "big.yml"), ids)).problems).toEqual(["the file is larger than 64 KiB; the defaults are used"]);
  });
});
