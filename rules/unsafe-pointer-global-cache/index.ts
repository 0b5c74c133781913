// unsafe-pointer-global-cache: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "unsafe-pointer-global-cache",
    title: "Raw pointers cached in a package-level table",
    severity: "error",
    fixable: false,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("unsafe-pointer-global-cache"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
