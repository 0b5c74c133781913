// goroutine-send-leak: one comment per stranded goroutine. A goroutine that can block on sends to
// several channels of the function (a stream decoder sending errors on errCh and frames on
// frames) has one root cause, the function's way out that stops receiving; the per-channel
// findings for the same `go` statement are merged into one, at the `make` of the channel made
// first (a stable line for the fingerprint across re-runs), naming every channel, with each send
// and way out as related locations.
//
//	errCh := make(chan error)          // reported here: "errCh and frames are unbuffered: ..."
//	frames := make(chan Frame)         // no second comment
//	go decode(conn, frames, errCh)
import type { Diagnostic, Fix, GoNode, RelatedLocation, RuleContext } from "../../src/analyzer/types.js";

/** What the merge needs of a finding at a channel's `make`: which goroutine is stranded, and how it reads. */
export interface Stranded {
  /** The `go` statement (or `g.Go` call statement) of the stranded goroutine. */
  go: GoNode;
  /** The `make` the finding sits on. */
  make: GoNode;
  channel: string;
  /** The buffer the channel's own fix gives it ("1", "len(urls)"), when there is one. */
  buffer?: string;
  /** The loop body the channel is made in (its way out may be the end of an iteration), if any. */
  scope?: GoNode;
}

/** A rule context whose channel findings may carry the goroutine they strand. */
export interface StrandingContext extends RuleContext {
  report(d: Diagnostic, stranded?: Stranded): void;
}

/** Per-channel messages that merge when they strand the same goroutine, and the merged message of each. */
const MERGED: Readonly<Record<string, string>> = {
  leftUnbuffered: "leftSeveral",
  namedSender: "namedSeveral",
  failingUnbuffered: "failingSeveral",
};

/**
 * Runs `body` with a context that holds back the findings reported with a `Stranded`, then
 * reports them: merged where two or more channels strand the same goroutine; as they are
 * otherwise. Once the function has left by any of the merged ways out, nothing receives from
 * any of its channels (the rule judges only channels no closure or callee receives from), so the
 * goroutine blocks on its next send whichever channel it is: the most visible finding (a passing
 * path's before a failing test's) speaks for all. Channels made in a loop body merge only with
 * channels of the same body: the end of an iteration abandons only what the iteration made.
 */
export function reportStranded(ctx: RuleContext, body: (c: StrandingContext) => void): void {
  const held: { d: Diagnostic; s: Stranded }[] = [];
  body({ unit: ctx.unit, file: ctx.file, report: (d, s) => (s ? held.push({ d, s }) : ctx.report(d)) });
  const groups = new Map<string, { d: Diagnostic; s: Stranded }[]>();
  for (const h of held) {
    const key = MERGED[h.d.messageId] ? `${h.s.go.id}/${h.s.scope?.id ?? ""}` : `single/${groups.size}`;
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  for (const group of groups.values()) {
    if (group.length === 1) {
      ctx.report(group[0]!.d);
      continue;
    }
    group.sort((a, b) => a.s.make.startIndex - b.s.make.startIndex);
    ctx.report(merge(group, (n) => ctx.file.lineOf(n.startIndex)));
  }
}

/** Lower is more visible: posted by default at error, before a warning, before a failing test's. */
const rank = (d: Diagnostic) => (d.testBounded ? 2 : 0) + (d.severity === "warning" ? 1 : 0);

function merge(group: { d: Diagnostic; s: Stranded }[], line: (n: GoNode) => number): Diagnostic {
  // The message, severity and test bound of the most visible finding; the line of the first make.
  const lead = group.reduce((best, g) => (rank(g.d) < rank(best.d) ? g : best)).d;
  const first = { ...lead, span: group[0]!.d.span };
  const names = group.map((g) => g.s.channel);
  const channels = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  const data: Record<string, string | number> = { ...first.data, channels, go: line(group[0]!.s.go) };
  if (first.messageId === "namedSender") data.at = sendsAt(group.map((g) => String(g.d.data?.at ?? "")));
  const seen = new Set<string>();
  const related: RelatedLocation[] = [];
  for (const r of group.flatMap((g) => g.d.related ?? [])) {
    const key = `${r.file?.path ?? ""}:${r.start}:${r.end}:${r.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    related.push(r);
  }
  // In the order of the file (a sibling file's lines after the file's own), as one finding's would be.
  related.sort((a, b) => (a.file ? 1 : 0) - (b.file ? 1 : 0) || (a.file?.path ?? "").localeCompare(b.file?.path ?? "") || a.start - b.start);
  return { ...first, messageId: MERGED[first.messageId]!, data, related, fix: mergedFix(group, line) };
}

/** "decode.go:14 and :22" for sends in one file, "a.go:3 and b.go:9" otherwise. */
function sendsAt(at: string[]): string {
  const unique = [...new Set(at)];
  const files = new Set(unique.map((a) => a.slice(0, a.lastIndexOf(":"))));
  const parts = files.size === 1 ? [unique[0]!, ...unique.slice(1).map((a) => a.slice(a.lastIndexOf(":")))] : unique;
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/**
 * Every channel's buffer, or none: a buffer for one channel leaves the goroutine blocked on the
 * other. Only for makes a few lines apart: the suggestion replaces every line between them.
 */
function mergedFix(group: { d: Diagnostic; s: Stranded }[], line: (n: GoNode) => number): Fix | undefined {
  if (!group.every((g) => g.d.fix && g.s.buffer)) return undefined;
  if (line(group[group.length - 1]!.s.make) - line(group[0]!.s.make) > 4) return undefined;
  const parts = group.map((g) => `${g.s.channel} a buffer of ${g.s.buffer}`);
  return { description: `give ${parts.join(" and ")} so no send blocks`, edits: group.flatMap((g) => g.d.fix!.edits) };
}
