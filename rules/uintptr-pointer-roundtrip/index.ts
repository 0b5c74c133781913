// uintptr-pointer-roundtrip: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "uintptr-pointer-roundtrip",
    title: "Address kept as a uintptr and converted back",
    severity: "error",
    fixable: false,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("uintptr-pointer-roundtrip"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
