// Limits per pull request, so that one pull request cannot starve the others: what is cut is
// named in the check run summary (### Limits, and the files under ### Files skipped).
// No import of the GitHub layer: the CLI analyses through the same step (./analyse.ts) and must
// not load it. The engine's own limits are imported, not repeated.
import { MAX_FILE_BYTES } from "../analyzer/engine.js";

export interface Limits {
  /** Files listed (GitHub lists at most 3,000). */
  listedFiles: number;
  /** Go files read and analysed per run. */
  goFiles: number;
  /** Bytes per file (larger files are skipped unread by the engine). */
  fileBytes: number;
  /** Bytes of Go source analysed per run. */
  runBytes: number;
  /** Analysis time per file, in ms: a file over it is named; the next files get what is left of the run's budget. */
  fileMs: number;
  /** Analysis time per run, in ms: files not started when it is spent are skipped. */
  runMs: number;
  /** Sibling files and bytes read per package as context (issue 10: evidence, never analysed); more is skipped and said. */
  packageFiles: number;
  packageBytes: number;
  /** Above this many Go files the check run is shown in progress while the run works; below, it is created with its verdict (one request). */
  eagerCheckFiles: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // GitHub lists at most 3,000 files of a pull request (github/octokit.ts MAX_FILES).
  listedFiles: 3000,
  goFiles: 500,
  // The engine parses only the touched declarations of a large file (up to its MAX_FILE_BYTES).
  fileBytes: MAX_FILE_BYTES,
  runBytes: 32 << 20,
  fileMs: 10_000,
  runMs: 60_000,
  eagerCheckFiles: 100,
  packageFiles: 60,
  packageBytes: 4 << 20,
});

export const count = (n: number) => n.toLocaleString("en-US");
