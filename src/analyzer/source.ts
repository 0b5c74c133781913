// Positions in a source text: string index <-> 1-based line, UTF-8 byte columns (like go vet).
export class LineIndex {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  get lineCount(): number {
    return this.starts.length;
  }
  /** 1-based line of a string index. */
  lineOf(index: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  /** String index where 1-based `line` starts. */
  startOf(line: number): number {
    return this.starts[Math.min(Math.max(line, 1), this.starts.length) - 1]!;
  }
  /** String index of the end of `line`, before its newline (and a CR before it). */
  endOf(line: number): number {
    const next = line < this.starts.length ? this.starts[line]! - 1 : this.text.length;
    return next > 0 && this.text[next - 1] === "\r" && next - 1 >= this.startOf(line) ? next - 1 : next;
  }
  lineText(line: number): string {
    return this.text.slice(this.startOf(line), this.endOf(line));
  }
  /** 1-based line and 1-based UTF-8 byte column of a string index. */
  position(index: number): { line: number; column: number } {
    const line = this.lineOf(index);
    const prefix = this.text.slice(this.startOf(line), index);
    return { line, column: Buffer.byteLength(prefix, "utf8") + 1 };
  }
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A file's bytes as text, decoded strictly: undefined when they are not valid UTF-8 (Go source
 * must be). A valid file may well contain U+FFFD itself; only the bytes can tell the two apart.
 * A byte-order mark is kept, as Buffer#toString keeps it.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Collapses whitespace so that code compares equal whatever its indentation or line. */
export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, " ").trim();
}
