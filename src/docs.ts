// The one place where links to ptrguard's documentation are made (rule pages, the suppression
// section). They point at the pages of the running version (the `vVERSION` tag), on github.com or,
// for GitHub Enterprise Server, on the host the deployment names (Probot's GHE_HOST, GHE_PROTOCOL),
// where the repository is expected to be mirrored; PTRGUARD_DOCS_URL replaces the whole base
// (e.g. an internal docs site serving the same paths). Read once at start-up.
import { VERSION } from "./version.js";

export const DOCS_REPO = "ptrguard/ptrguard";

/** `https://HOST/ptrguard/ptrguard/blob/vVERSION`: the repository's files at the release's tag. */
export function docsBase(host = "github.com", version = VERSION, protocol = "https"): string {
  return `${protocol}://${host.replace(/\/+$/, "")}/${DOCS_REPO}/blob/v${version}`;
}

export function docsBaseFromEnv(env: NodeJS.ProcessEnv): string {
  if (env.PTRGUARD_DOCS_URL) return env.PTRGUARD_DOCS_URL.replace(/\/+$/, "");
  return docsBase(env.GHE_HOST || undefined, VERSION, env.GHE_PROTOCOL || undefined);
}

export const DOCS_BASE = docsBaseFromEnv(process.env);

/** A page of the repository, e.g. `rules/lost-cancel/README.md`. */
export function docsLink(page: string, base = DOCS_BASE): string {
  return `${base}/${page}`;
}
