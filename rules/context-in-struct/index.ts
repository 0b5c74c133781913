// context-in-struct: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "context-in-struct",
    title: "context.Context stored in a struct",
    severity: "warning",
    fixable: false,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("context-in-struct"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
