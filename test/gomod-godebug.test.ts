// go.mod `godebug` lines: what the timer rules read to know whether Go 1.23's timers are on.
import { describe, expect, it } from "vitest";
import { goModGodebug } from "../src/analyzer/gofile.js";

describe("go.mod godebug settings", () => {
  it("reads single lines and factored blocks, comments stripped", () => {
    const gomod = [
      "module example.com/m",
      "",
      "go 1.23",
      "",
      "godebug asynctimerchan=1 // old timers",
      "godebug (",
      "\tdefault=go1.21",
      "\t// a comment line",
      "\tpanicnil=1",
      ")",
      "",
      "require example.com/dep v1.0.0",
    ].join("\n");
    expect(goModGodebug(gomod)).toEqual({ asynctimerchan: "1", default: "go1.21", panicnil: "1" });
  });

  it("is empty without godebug lines, and ignores malformed ones", () => {
    expect(goModGodebug("module m\n\ngo 1.22\n")).toEqual({});
    expect(goModGodebug("module m\n\ngodebug asynctimerchan\ngodebug a=1,b=2\n// godebug x=1\n")).toEqual({});
  });
});
