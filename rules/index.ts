// The explicit rule registry, sorted by id. The engine runs what is listed here and nothing else.
import type { Rule } from "../src/analyzer/types.js";
import afterfuncUntracked from "./afterfunc-untracked/index.js";
import contextInStruct from "./context-in-struct/index.js";
import goroutineNoExit from "./goroutine-no-exit/index.js";
import goroutineRecvLeak from "./goroutine-recv-leak/index.js";
import goroutineSendLeak from "./goroutine-send-leak/index.js";
import loopvarCapture from "./loopvar-capture/index.js";
import lostCancel from "./lost-cancel/index.js";
import signalNotifyUnbuffered from "./signal-notify-unbuffered/index.js";
import subsliceRetention from "./subslice-retention/index.js";
import tickerNotStopped from "./ticker-not-stopped/index.js";
import timeAfterInLoop from "./time-after-in-loop/index.js";
import uintptrPointerRoundtrip from "./uintptr-pointer-roundtrip/index.js";
import unsafePointerGlobalCache from "./unsafe-pointer-global-cache/index.js";
import waitgroupAddInGoroutine from "./waitgroup-add-in-goroutine/index.js";
import waitgroupByValue from "./waitgroup-by-value/index.js";

export const rules: readonly Rule[] = [
  afterfuncUntracked,
  contextInStruct,
  goroutineNoExit,
  goroutineRecvLeak,
  goroutineSendLeak,
  loopvarCapture,
  lostCancel,
  signalNotifyUnbuffered,
  subsliceRetention,
  tickerNotStopped,
  timeAfterInLoop,
  uintptrPointerRoundtrip,
  unsafePointerGlobalCache,
  waitgroupAddInGoroutine,
  waitgroupByValue,
];

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.meta.id === id);
}
