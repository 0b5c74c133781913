// Terminal styling: ANSI colour only when the stream is a terminal and NO_COLOR is not set
// (https://no-color.org: present and not empty). Plain text otherwise, byte for byte.
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  green(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const same = (s: string) => s;

export const PLAIN: Style = { bold: same, dim: same, red: same, yellow: same, blue: same, green: same };
export const ANSI: Style = { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), blue: wrap(34, 39), green: wrap(32, 39) };

