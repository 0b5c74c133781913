// Uploading a SARIF log to GitHub code scanning (`security-events: write`): gzip, then base64,
// as the endpoint wants. For a pull request the results go to `refs/pull/N/head` at its head
// commit, the commit the SARIF describes; GitHub shows them as alerts on the pull request.
import { gzipSync } from "node:zlib";
import type { GitHubTarget } from "./octokit.js";
import type { RepoRef } from "./types.js";

export interface SarifUpload {
  commitSha: string;
  ref: string;
  sarif: string;
}

/** Returns the upload's id (GitHub processes it afterwards). */
export async function uploadSarif(octokit: GitHubTarget["octokit"], repo: RepoRef, upload: SarifUpload): Promise<string> {
  const { data } = await octokit.rest.codeScanning.uploadSarif({
    ...repo,
    commit_sha: upload.commitSha,
    ref: upload.ref,
    sarif: gzipSync(upload.sarif).toString("base64"),
    tool_name: "ptrguard",
  });
  return data.id ?? "";
}
