// time-after-in-loop: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "time-after-in-loop",
    title: "time.After in a select loop",
    severity: "warning",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("time-after-in-loop"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
