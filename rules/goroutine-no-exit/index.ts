// goroutine-no-exit: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "goroutine-no-exit",
    title: "Goroutine that never ends",
    severity: "warning",
    fixable: false,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("goroutine-no-exit"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
