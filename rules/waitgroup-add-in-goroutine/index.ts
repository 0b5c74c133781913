// waitgroup-add-in-goroutine: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "waitgroup-add-in-goroutine",
    title: "WaitGroup.Add inside the goroutine it counts",
    severity: "error",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("waitgroup-add-in-goroutine"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
