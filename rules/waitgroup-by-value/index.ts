// waitgroup-by-value: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "waitgroup-by-value",
    title: "sync type copied by value",
    severity: "error",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("waitgroup-by-value"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
