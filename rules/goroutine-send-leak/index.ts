// goroutine-send-leak: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "goroutine-send-leak",
    title: "Goroutine blocked forever on a send",
    severity: "error",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("goroutine-send-leak"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
