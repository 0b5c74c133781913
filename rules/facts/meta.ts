// Where each rule's doc page lives (the link in every finding); src/docs.ts builds every link.
import { docsLink } from "../../src/docs.js";

export function docsUrl(id: string): string {
  return docsLink(`rules/${id}/README.md`);
}
