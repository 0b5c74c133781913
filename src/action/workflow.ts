// The runner's side of a GitHub Action: inputs from `INPUT_*`, outputs and the job summary
// through the files the runner names, annotations through workflow commands on stdout.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
import { appendFileSync } from "node:fs";
import type { Annotation } from "../github/types.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** An input as the runner passes it: `INPUT_` + the name upper-cased, spaces as `_` (hyphens kept). */
export function input(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

const COMMAND: Record<Annotation["annotation_level"], string> = { failure: "error", warning: "warning", notice: "notice" };

/** `::error file=…,line=…,endLine=…,title=…::message`; GitHub shows it on the line in the diff. */
export function annotationCommand(a: Annotation & { column?: number }): string {
  const props = [`file=${escapeProperty(a.path)}`, `line=${a.start_line}`, `endLine=${a.end_line}`];
  if (a.column !== undefined && a.start_line === a.end_line) props.push(`col=${a.column}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${COMMAND[a.annotation_level]} ${props.join(",")}::${escapeData(a.message)}\n`;
}

export const messageCommand = (level: "error" | "warning" | "notice", message: string) => `::${level}::${escapeData(message)}\n`;

/** Appends to the file the runner names in `variable` (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT); false when there is none. */
export function appendRunnerFile(env: Env, variable: "GITHUB_STEP_SUMMARY" | "GITHUB_OUTPUT", text: string): boolean {
  const file = env[variable];
  if (!file) return false;
  appendFileSync(file, text);
  return true;
}

/** `name<<DELIMITER` … so that a value may hold newlines. */
export function outputLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      const delimiter = `ptrguard_${Math.random().toString(36).slice(2)}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join("");
}
