// ticker-not-stopped: STUB, to be written (see ../../../shared/spec/RULES.md).
import type { Rule } from "../../src/analyzer/types.js";
import { docsUrl } from "../facts/meta.js";

const rule: Rule = {
  meta: {
    id: "ticker-not-stopped",
    title: "Ticker or timer never stopped",
    severity: "warning",
    fixable: true,
    summary: "TODO",
    why: "TODO",
    docs: docsUrl("ticker-not-stopped"),
  },
  kinds: ["func", "method"],
  check() {},
};
export default rule;
