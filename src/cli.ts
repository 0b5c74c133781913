// The `ptrguard` command. This module loads only commander and the version: each subcommand
// imports what it needs when it runs (check: the engine and rules; demo: the App), so
// `ptrguard --version` and a small check start fast.
import { Command, Option } from "commander";
import { VERSION as version } from "./version.js";

export const FORMATS = ["text", "json", "sarif", "rdjsonl"] as const;
export type Format = (typeof FORMATS)[number];
/** The values of --scope and --fail-on (checked against the engine's and the config's in tests). */
export const SCOPE_VALUES = ["new", "added", "function", "file"] as const;
export const FAIL_ON_VALUES = ["error", "warning", "info", "none"] as const;
export const TEST_FINDINGS_VALUES = ["bugs", "all"] as const;

export interface Io {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin?: NodeJS.ReadableStream;
  /** Colour the output (stdout is a terminal and NO_COLOR is unset). */
  color?: boolean;
  /** Show a progress line on stderr for long runs (stderr is a terminal). */
  progress?: boolean;
  /** After how long a run shows progress (default 1 s). */
  progressAfterMs?: number;
}

export const EXIT_CODES = `Exit codes:
  0  no finding at or above the fail-on severity (default: error)
  1  findings at or above it
  2  usage or input error (bad flag, unreadable diff or --config file, git failure)
  3  internal error (a bug in ptrguard: please report it)`;

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];

export function program(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command("ptrguard")
    .description("finds goroutine leaks and pointer-lifetime bugs in Go code")
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError()
    .addHelpText("after", `\n${EXIT_CODES}\n`);
  cmd
    .command("check")
    .description("analyse Go files, or only the functions a diff touches")
    .argument("[paths...]", "files or directories (recursively *.go; default: the current directory, or the whole diff)")
    .addOption(new Option("--diff <file>", "a unified diff (- for stdin): only the functions it touches count; its paths are taken from the repository root"))
    .addOption(new Option("--git <ref>", "what the working tree changed since the merge base of <ref> and HEAD (as a pull request shows it), untracked Go files included"))
    .addOption(new Option("--staged", "what the index (git add) changed: against HEAD, or against the merge base with --git <ref>"))
    .addOption(new Option("--scope <scope>", "which findings of touched functions to report (default: the config's scope, else new)").choices(SCOPE_VALUES))
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("text"))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding is at or above (default: the config's fail_on, else error)").choices(FAIL_ON_VALUES))
    .addOption(new Option("--test-findings <which>", "findings in test code: all, or bugs (leaves out leaks reached only after a test failed, and timers in test code; default: the config's test_findings, else bugs)").choices(TEST_FINDINGS_VALUES))
    .addOption(new Option("--config <file>", "the configuration file (default: .github/ptrguard.yml at the repository root)"))
    .addOption(new Option("--enable <rule>", "turn a rule on (repeatable, or comma-separated)").argParser(collect))
    .addOption(new Option("--disable <rule>", "turn a rule off (repeatable, or comma-separated)").argParser(collect))
    .addOption(new Option("--rule <rules>", "run only these rules (comma-separated)").argParser(collect))
    .addOption(new Option("--exclude <glob>", "skip repository paths matching a glob, added to paths_ignore (repeatable)").argParser(collect))
    .addOption(new Option("--verbose", "list every skipped file (vendored, generated, excluded)"))
    .addHelpText("after", `\nThe configuration (.github/ptrguard.yml, the App's; schema/ptrguard.schema.json) is read from the\nrepository root; flags override it.\n\n${EXIT_CODES}\n`)
    .action(async (paths: string[] | undefined, opts) => {
      const { runCheck } = await import("./cli/check.js");
      setExit(await runCheck(paths ?? [], opts, io));
    });
  cmd
    .command("rules")
    .description("list the rules: id, severity, default, whether fixable, what each flags")
    .action(async () => setExit((await import("./cli/rules.js")).listRules(io)));
  cmd
    .command("explain")
    .description("show a rule's documentation page")
    .argument("<rule>", "a rule id (see `ptrguard rules`)")
    .action(async (id: string) => setExit((await import("./cli/rules.js")).explainRule(id, io)));
  cmd
    .command("demo")
    .description("run the GitHub App on a sample pull request, against a local stand-in for GitHub")
    .option("--verbose", "show the server's JSON log lines")
    .option("--svg <file>", "also draw the first comment with a suggestion as an SVG picture")
    .action(async (opts: { verbose?: boolean; svg?: string }) => {
      const { runDemo } = await import("./demo/run.js");
      setExit((await runDemo(io, { ...opts, color: io.color === true })).code);
    });
  return cmd;
}

/** Entry point of the `ptrguard` bin. Never prints a stack trace for bad input. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0;
  const cmd = program(io, (c) => (code = c));
  if (argv.length === 0) {
    io.stderr(cmd.helpInformation());
    return 2;
  }
  try {
    await cmd.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string; name?: string };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    if (e.code?.startsWith("commander.")) return 2;
    if (e.name === "InputError") {
      io.stderr(`ptrguard: ${e.message}\n`);
      return 2;
    }
    io.stderr(`ptrguard: internal error: ${e.message ?? String(err)}\n`);
    return 3;
  }
}
