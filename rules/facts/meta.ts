// Where each rule's doc page lives (the link in every finding).
export const DOCS_BASE = "https://github.com/ptrguard/ptrguard/blob/main/rules";

export function docsUrl(id: string): string {
  return `${DOCS_BASE}/${id}/README.md`;
}
