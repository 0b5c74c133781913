// A picture of one review comment as GitHub shows it (file header, the bot's comment, the
// suggested change in red and green), drawn as SVG from the demo's real output. Used for
// docs/review.svg: `npm run demo -- --svg docs/review.svg`.
import { SUGGESTION_PLACE, type CommentView } from "./render.js";

const WIDTH = 880;
const PAD = 20;
const SANS = "-apple-system, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace";
/** Average advance of a character at the sizes used, for wrapping (generous, so text stays inside). */
const SANS_W = 7.4;
const MONO_W = 7.9;

interface Segment {
  text: string;
  bold?: boolean;
  code?: boolean;
  link?: boolean;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Inline markdown of one paragraph: **bold**, `code`, [links](url). */
function segments(md: string): Segment[] {
  const out: Segment[] = [];
  const re = /\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\([^)]+\)|_([^_]+)_/g;
  let last = 0;
  for (const m of md.matchAll(re)) {
    if (m.index! > last) out.push({ text: md.slice(last, m.index) });
    if (m[1] !== undefined) out.push(...segments(m[1]).map((s) => ({ ...s, bold: true })));
    else if (m[2] !== undefined) out.push({ text: m[2], code: true });
    else if (m[3] !== undefined) out.push({ text: m[3], link: true });
    else out.push({ text: m[4]! });
    last = m.index! + m[0].length;
  }
  if (last < md.length) out.push({ text: md.slice(last) });
  return out;
}

/** Greedy wrap of styled words into lines no wider than `width` pixels. */
function wrap(segs: Segment[], width: number): Segment[][] {
  const lines: Segment[][] = [[]];
  let used = 0;
  for (const seg of segs) {
    for (const word of seg.text.split(/(?<=\s)/)) {
      const w = word.length * (seg.code ? MONO_W : SANS_W);
      if (used + w > width && used > 0) {
        lines.push([]);
        used = 0;
      }
      lines.at(-1)!.push({ ...seg, text: used === 0 ? word.trimStart() : word });
      used += w;
    }
  }
  return lines;
}

function tspan(s: Segment): string {
  const attrs = [s.bold ? `font-weight="600"` : "", s.code ? `font-family="${MONO}" font-size="13"` : "", s.link ? `fill="#0969da"` : ""].filter(Boolean).join(" ");
  return `<tspan${attrs ? " " + attrs : ""}>${esc(s.text)}</tspan>`;
}

export interface SvgContext {
  repo: string;
  pull: number;
  bot: string;
}

export function reviewSvg(view: CommentView, ctx: SvgContext): string {
  const parts: string[] = [];
  let y = PAD;
  const inner = WIDTH - 2 * PAD;

  // File header, as in the "Files changed" tab.
  parts.push(`<rect x="${PAD}" y="${y}" width="${inner}" height="40" rx="6" fill="#f6f8fa" stroke="#d0d7de"/>`);
  parts.push(`<text x="${PAD + 14}" y="${y + 25}" font-family="${MONO}" font-size="13" font-weight="600" fill="#1f2328">${esc(view.path)}</text>`);
  parts.push(`<text x="${WIDTH - PAD - 14}" y="${y + 25}" font-family="${SANS}" font-size="12" fill="#59636e" text-anchor="end">${esc(`${ctx.repo} #${ctx.pull} · ${view.lines}`)}</text>`);
  y += 40;
  const cardTop = y;
  y += 18;

  // Who commented.
  parts.push(`<circle cx="${PAD + 28}" cy="${y + 10}" r="12" fill="#1f6feb"/><text x="${PAD + 28}" y="${y + 14.5}" font-family="${SANS}" font-size="12" font-weight="700" fill="#fff" text-anchor="middle">pg</text>`);
  parts.push(`<text x="${PAD + 50}" y="${y + 15}" font-family="${SANS}" font-size="14"><tspan font-weight="600" fill="#1f2328">${esc(ctx.bot)}</tspan><tspan fill="#59636e"> commented</tspan></text>`);
  y += 40;

  const textX = PAD + 50;
  const textW = WIDTH - textX - PAD - 16;
  const paragraphs = view.text.split(/\n{2,}/).filter((p) => p.trim() !== "");
  for (const para of paragraphs) {
    if (para.trim() === SUGGESTION_PLACE) {
      y = suggestion(parts, view, textX, textW, y);
      continue;
    }
    for (const raw of para.split("\n")) {
      const bullet = /^- /.test(raw);
      const x = bullet ? textX + 16 : textX;
      if (bullet) parts.push(`<circle cx="${textX + 5}" cy="${y + 9}" r="2.2" fill="#1f2328"/>`);
      for (const line of wrap(segments(bullet ? raw.slice(2) : raw), textW - (x - textX))) {
        parts.push(`<text x="${x}" y="${y + 14}" font-family="${SANS}" font-size="14" fill="#1f2328" xml:space="preserve">${line.map(tspan).join("")}</text>`);
        y += 21;
      }
    }
    y += 10;
  }
  y += 6;
  parts.push(`<rect x="${PAD}" y="${cardTop}" width="${inner}" height="${y - cardTop}" fill="none" stroke="#d0d7de"/>`);
  const height = y + PAD;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(`ptrguard review comment on ${view.path}, ${view.lines}`)}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}

/** The "Suggested change" box: the lines it replaces in red, the new ones in green. */
function suggestion(parts: string[], view: CommentView, x: number, width: number, y: number): number {
  const lines = view.suggestion ?? [];
  const top = y;
  parts.push(`<rect x="${x}" y="${y}" width="${width}" height="${32 + lines.length * 20 + 8}" rx="6" fill="#ffffff" stroke="#d0d7de"/>`);
  parts.push(`<path d="M${x} ${y + 6} a6 6 0 0 1 6 -6 h${width - 12} a6 6 0 0 1 6 6 v26 h-${width} z" fill="#f6f8fa"/>`);
  parts.push(`<text x="${x + 12}" y="${y + 21}" font-family="${SANS}" font-size="13" font-weight="600" fill="#1f2328">Suggested change</text>`);
  y += 36;
  for (const l of lines) {
    const fill = l.kind === "+" ? "#dafbe1" : l.kind === "-" ? "#ffebe9" : "#ffffff";
    const mark = l.kind === " " ? " " : l.kind;
    parts.push(`<rect x="${x + 1}" y="${y}" width="${width - 2}" height="20" fill="${fill}"/>`);
    parts.push(`<text x="${x + 12}" y="${y + 14.5}" font-family="${MONO}" font-size="13" fill="#1f2328" xml:space="preserve">${esc(`${mark} ${l.text.replace(/\t/g, "    ")}`)}</text>`);
    y += 20;
  }
  return top + 32 + lines.length * 20 + 8 + 14;
}
