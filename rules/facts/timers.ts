// Facts shared by the timer rules (afterfunc-untracked, ticker-not-stopped, time-after-in-loop):
// calls into package "time" through the file's import names, and whether the runtime collects
// unstopped timers. Paths (a range over a ticker that never ends, a loop that runs again) are
// questions for the control-flow graph (cfg.ts).
import type { FileView, GoNode, Severity, Unit } from "../../src/analyzer/types.js";
import { importsAny, packageCallee } from "./calls.js";
import { FUNCTION_TYPES } from "./syntax.js";

const TIME = "time";

/** Cheap exit shared by the three rules. */
export const importsTime = (file: FileView): boolean => importsAny(file, [TIME]);

export interface TimeCall {
  call: GoNode;
  /** The function called: "After", "AfterFunc", "NewTicker", "NewTimer", "Tick", ... */
  name: string;
}

/** Every `time.X(...)` call of the unit (aliases and dot imports honoured), in source order. */
export function timeCalls(unit: Unit): TimeCall[] {
  return unit.memo("timers.calls", () => {
    const out: TimeCall[] = [];
    for (const call of unit.nodes("call_expression")) {
      if (!call) continue;
      const c = packageCallee(call, unit, [TIME]);
      if (c?.pkg === TIME) out.push({ call, name: c.name });
    }
    return out;
  });
}

/**
 * What the file's Go version says about unstopped timers and tickers. From Go 1.23 the runtime
 * collects them once unreferenced, but only when the *main module's* go line is 1.23 or later
 * (the asynctimerchan GODEBUG default): a library's go line is a lower bound for its main
 * module's, a `//go:build go1.23` constraint only says which toolchain compiles the file. So the
 * module's go line decides (FileView.moduleGoVersion), and unknown means "assume old".
 * The module's `godebug` lines come first: `asynctimerchan=1` brings the pre-1.23 timers back at
 * any go line (`0`, and `2`, which keeps the old channels but collects the timers, do the
 * opposite), and `default=go1.N` sets the defaults of that version.
 */
export interface TimerEra {
  /** Unstopped, unreferenced timers are collected: the Go 1.23 rules stay silent. */
  collected: boolean;
  /** Severity override for a finding when the version is not settled. */
  severity?: Severity;
}

const GO_1_23 = { major: 1, minor: 23 };

export function timerEra(file: FileView): TimerEra {
  return file.memo("timers.era", () => {
    const setting = file.moduleGodebug["asynctimerchan"];
    if (setting === "1") return { collected: false };
    if (setting === "0" || setting === "2") return { collected: true };
    // `godebug default=go1.N` sets every default as of Go 1.N.
    const byDefault = /^go1\.(\d+)/.exec(file.moduleGodebug["default"] ?? "");
    if (byDefault) return { collected: Number(byDefault[1]) >= 23 };
    const collected = file.goAtLeast("1.23", "module");
    if (collected === null) return { collected: false, severity: "warning" as Severity };
    return { collected };
  });
}
