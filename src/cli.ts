// `ptrguard check`: the engine on a local tree or a local diff, with no GitHub involved.
import { Command, InvalidArgumentError, Option } from "commander";
import { analyze, SCOPES, type Scope } from "./analyzer/engine.js";
import { SEVERITIES, type Finding, type Severity } from "./analyzer/types.js";
import { gitDiff, InputError, loadSources, parseDiffOrThrow, readDiffText } from "./local.js";
import { toJson } from "./report/json.js";
import { toRdjsonl } from "./report/rdjsonl.js";
import { toSarif } from "./report/sarif.js";
import { summaryLine, toText } from "./report/text.js";
import { rules as allRules } from "../rules/index.js";
import { VERSION as version } from "./version.js";

const FORMATS = ["text", "json", "sarif", "rdjsonl"] as const;
type Format = (typeof FORMATS)[number];
type FailOn = Severity | "none";

export interface CheckOptions {
  diff?: string;
  git?: string;
  scope: Scope;
  format: Format;
  failOn: FailOn;
  rule?: string[];
}

export interface Io {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin?: NodeJS.ReadableStream;
}


/** Runs the check and returns the exit code: 0 clean, 1 findings at or above --fail-on, 2 bad input. */
export async function runCheck(paths: string[], opts: CheckOptions, io: Io): Promise<number> {
  const rules = opts.rule ? opts.rule.map((id) => {
    const r = allRules.find((x) => x.meta.id === id);
    if (!r) throw new InputError(`unknown rule: ${id} (known: ${allRules.map((x) => x.meta.id).join(", ")})`);
    return r;
  }) : allRules;
  if (opts.diff && opts.git) throw new InputError("use either --diff or --git, not both");
  const diffText = opts.diff ? await readDiffText(opts.diff, io.stdin) : opts.git ? await gitDiff(opts.git, io.cwd) : undefined;
  const diffs = diffText === undefined ? undefined : parseDiffOrThrow(diffText);
  const roots = paths.length ? paths : ["."];
  const sources = await loadSources(roots, diffs, io.cwd);
  if (sources.length === 0) io.stderr(`ptrguard: no Go files to analyse in ${roots.join(" ")}${diffs ? " (the diff changes none)" : ""}\n`);
  const result = await analyze(sources, { rules, scope: opts.scope, registry: allRules });
  for (const s of result.skipped) io.stderr(`ptrguard: skipped ${s.path}: ${s.reason}\n`);
  for (const n of result.notes) io.stderr(`ptrguard: ${n.path}: ${n.reason}\n`);
  io.stdout(render(result.findings, opts.format, rules, new Map(sources.map((s) => [s.path, s.content]))));
  if (opts.format === "text") io.stderr(summaryLine(result.findings, result.filesAnalyzed) + "\n");
  return failing(result.findings, opts.failOn) ? 1 : 0;
}

function render(findings: Finding[], format: Format, rules: typeof allRules, files: ReadonlyMap<string, string>): string {
  switch (format) {
    case "json":
      return toJson(findings) + "\n";
    case "sarif":
      return toSarif(findings, rules, version, files);
    case "rdjsonl":
      return toRdjsonl(findings);
    default:
      return toText(findings);
  }
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
export function failing(findings: readonly Finding[], failOn: FailOn): boolean {
  if (failOn === "none") return false;
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}

function choice<T extends string>(values: readonly T[], what: string) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new InvalidArgumentError(`${what} must be one of ${values.join(", ")}`);
    return v as T;
  };
}

export function program(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command("ptrguard")
    .description("finds goroutine leaks and pointer-lifetime bugs in Go code")
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();
  cmd
    .command("check")
    .description("analyse Go files, or only the functions a diff touches")
    .argument("[paths...]", "files or directories (recursively *.go)", [])
    .addOption(new Option("--diff <file>", "a unified diff (or - for stdin): only the functions it touches count"))
    .addOption(new Option("--git <rev>", "the diff of the working tree against <rev> (runs git diff)"))
    .addOption(new Option("--scope <scope>", "which findings of touched functions to report").argParser(choice(SCOPES, "--scope")).default("new"))
    .addOption(new Option("--format <format>", "output format").argParser(choice(FORMATS, "--format")).default("text"))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is at or above").argParser(choice([...SEVERITIES, "none"] as const, "--fail-on")).default("warning"))
    .addOption(new Option("--rule <ids>", "only these rules (comma-separated)").argParser((v) => v.split(",").map((s) => s.trim()).filter(Boolean)))
    .action(async (paths: string[], opts: CheckOptions) => {
      setExit(await runCheck(paths, opts, io));
    });
  cmd
    .command("demo")
    .description("run the GitHub App on a sample pull request, against a local stand-in for GitHub")
    .option("--verbose", "show the server's JSON log lines")
    .option("--svg <file>", "also draw the first comment with a suggestion as an SVG picture")
    .action(async (opts: { verbose?: boolean; svg?: string }) => {
      const { runDemo } = await import("./demo/run.js");
      setExit((await runDemo(io, { ...opts, color: process.stdout.isTTY === true && !process.env.NO_COLOR })).code);
    });
  return cmd;
}

/** Entry point of the `ptrguard` bin. Never prints a stack trace for bad input. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0;
  const cmd = program(io, (c) => (code = c));
  try {
    await cmd.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    if (e.code?.startsWith("commander.")) return 2;
    if (err instanceof InputError) {
      io.stderr(`ptrguard: ${err.message}\n`);
      return 2;
    }
    io.stderr(`ptrguard: internal error: ${e.message ?? String(err)}\n`);
    return 3;
  }
}
