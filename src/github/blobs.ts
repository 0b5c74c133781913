// File contents at a commit in as few calls as GitHub allows: one GraphQL query reads up to
// BATCH blobs through aliases (`f0: object(expression: "<sha>:<path>")`); a blob GraphQL
// truncates is read again through the REST contents endpoint as raw text.
import pLimit from "p-limit";
import type { ProbotOctokit } from "probot";
import type { Blob, BlobRequest, RepoRef } from "./types.js";

export const BLOB_BATCH = 100;
/** Larger files are not worth reading: the engine skips them anyway (its MAX_FILE_BYTES, 16 MiB). */
export const MAX_BLOB_BYTES = 16 << 20;
const RAW_CONCURRENCY = 4;

interface GraphBlob {
  text: string | null;
  isBinary: boolean | null;
  isTruncated: boolean;
  byteSize: number;
}

export function blobQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$e${i}: String!`).join(", ");
  const fields = Array.from({ length: count }, (_, i) => `    f${i}: object(expression: $e${i}) { ... on Blob { text isBinary isTruncated byteSize } }`).join("\n");
  return `query ReadBlobs($owner: String!, $repo: String!, ${vars}) {\n  repository(owner: $owner, name: $repo) {\n${fields}\n  }\n}`;
}

export async function readBlobs(octokit: ProbotOctokit, repo: RepoRef, requests: readonly BlobRequest[]): Promise<Blob[]> {
  const out: Blob[] = new Array(requests.length);
  const truncated: number[] = [];
  for (let start = 0; start < requests.length; start += BLOB_BATCH) {
    const batch = requests.slice(start, start + BLOB_BATCH);
    const variables: Record<string, string> = { owner: repo.owner, repo: repo.repo };
    batch.forEach((r, i) => (variables[`e${i}`] = `${r.ref}:${r.path}`));
    const data = await octokit.graphql<{ repository: Record<string, GraphBlob | null> }>(blobQuery(batch.length), variables);
    batch.forEach((_, i) => {
      const blob = data.repository[`f${i}`];
      const index = start + i;
      // null: no such path; {}: not a blob (a directory or a submodule).
      if (!blob || typeof blob.byteSize !== "number") out[index] = { kind: "missing" };
      else if (blob.isBinary) out[index] = { kind: "binary" };
      else if (blob.byteSize > MAX_BLOB_BYTES) out[index] = { kind: "too-large", bytes: blob.byteSize };
      else if (blob.isTruncated || blob.text === null) truncated.push(index);
      else out[index] = { kind: "text", text: blob.text };
    });
  }
  const limit = pLimit(RAW_CONCURRENCY);
  await Promise.all(
    truncated.map((index) =>
      limit(async () => {
        const r = requests[index]!;
        const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: r.path, ref: r.ref, mediaType: { format: "raw" } });
        out[index] = { kind: "text", text: String(res.data) };
      }),
    ),
  );
  return out;
}
