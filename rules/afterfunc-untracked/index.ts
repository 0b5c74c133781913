// afterfunc-untracked: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "afterfunc-untracked",
    title: "time.AfterFunc timer discarded while it holds a pointer",
    severity: "info",
    fixable: false,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("afterfunc-untracked"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
