// subslice-retention: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "subslice-retention",
    title: "Small sub-slice pins a large buffer",
    severity: "warning",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("subslice-retention"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
