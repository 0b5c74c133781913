// loopvar-capture: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "loopvar-capture",
    title: "Loop variable captured by a goroutine or deferred closure",
    severity: "error",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("loopvar-capture"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
