// Rule messages by id (ESLint's `meta.messages` + `messageId`/`data`): a rule reports an id and
// the values of its placeholders, the engine renders the sentence from the rule's metadata.
import type { MessageData, RuleMeta } from "./types.js";

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/** The placeholder names of a template, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * The message `meta.messages[id]` with its placeholders filled from `data`. An unknown id or a
 * placeholder without a value is a bug in the rule: it throws (the engine reports the rule as failed).
 */
export function renderMessage(meta: Pick<RuleMeta, "id" | "messages">, id: string, data: MessageData = {}): string {
  const template = Object.hasOwn(meta.messages, id) ? meta.messages[id] : undefined;
  if (template === undefined) throw new Error(`rule ${meta.id} has no message "${id}"`);
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const v = Object.hasOwn(data, name) ? data[name] : undefined;
    if (v === undefined) throw new Error(`rule ${meta.id}, message "${id}": no value for {{${name}}}`);
    return String(v);
  });
}
