// goroutine-recv-leak: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "goroutine-recv-leak",
    title: "Goroutine blocked forever on a receive",
    severity: "error",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("goroutine-recv-leak"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
