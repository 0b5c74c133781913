// File contents at a commit in as few calls as GitHub allows: one GraphQL query reads up to
// BLOB_BATCH blobs through aliases (`f0: object(expression: "<sha>:<path>")`); a blob GraphQL
// truncates is read again through the REST contents endpoint as raw text. Asked with a pull
// request number, the last query also reads the pull request's head and first page of review
// threads, so the run knows both without calls of their own. A request may also ask for a
// directory's files (`... on Tree { entries }`: names and sizes, no contents) in the same query.
import pLimit from "p-limit";
import type { ProbotOctokit } from "probot";
import { MAX_FILE_BYTES } from "../analyzer/engine.js";
import { listThreads, THREAD_FIELDS, toThreads, type ThreadConnection } from "./threads.js";
import type { Blob, BlobRequest, PullNow, RepoRef } from "./types.js";

/** Blobs per query (and as many directory listings): a 100-file pull request and its go.mod files fit in one. */
export const BLOB_BATCH = 150;
const RAW_CONCURRENCY = 4;

interface GraphBlob {
  text: string | null;
  isBinary: boolean | null;
  isTruncated: boolean;
  byteSize: number;
}

interface GraphTree {
  entries?: { name: string; type: string; object: { byteSize?: number } | null }[] | null;
}

interface GraphPull {
  headRefOid: string;
  reviewThreads: ThreadConnection;
}

/** `lists`: the indexes that ask for a directory's files (`... on Tree`) rather than a blob. */
export function blobQuery(count: number, withPull = false, lists: ReadonlySet<number> = new Set()): string {
  const vars = Array.from({ length: count }, (_, i) => `$e${i}: String!`);
  if (withPull) vars.push("$number: Int!");
  const fields = Array.from({ length: count }, (_, i) =>
    lists.has(i)
      ? `    f${i}: object(expression: $e${i}) { ... on Tree { entries { name type object { ... on Blob { byteSize } } } } }`
      : `    f${i}: object(expression: $e${i}) { ... on Blob { text isBinary isTruncated byteSize } }`,
  );
  if (withPull) fields.push(`    pullRequest(number: $number) {\n      headRefOid\n      reviewThreads(first: 100) {\n        ${THREAD_FIELDS}\n      }\n    }`);
  return `query ReadBlobs($owner: String!, $repo: String!, ${vars.join(", ")}) {\n  repository(owner: $owner, name: $repo) {\n${fields.join("\n")}\n  }\n}`;
}

export async function readBlobs(octokit: ProbotOctokit, repo: RepoRef, requests: readonly BlobRequest[], pullNumber?: number): Promise<{ blobs: Blob[]; pull?: PullNow }> {
  const out: Blob[] = new Array(requests.length);
  const truncated: number[] = [];
  let pull: PullNow | undefined;
  // Up to BLOB_BATCH blobs and BLOB_BATCH directory listings (names and sizes only) per query.
  const blobAt = requests.flatMap((r, i) => (r.list ? [] : [i]));
  const listAt = requests.flatMap((r, i) => (r.list ? [i] : []));
  const batches = Math.max(1, Math.ceil(blobAt.length / BLOB_BATCH), Math.ceil(listAt.length / BLOB_BATCH));
  for (let b = 0; b < batches; b++) {
    const at = [...blobAt.slice(b * BLOB_BATCH, (b + 1) * BLOB_BATCH), ...listAt.slice(b * BLOB_BATCH, (b + 1) * BLOB_BATCH)];
    const batch = at.map((i) => requests[i]!);
    const withPull = pullNumber !== undefined && b === batches - 1;
    const variables: Record<string, string | number> = { owner: repo.owner, repo: repo.repo };
    // `<sha>:` names the root tree.
    batch.forEach((r, i) => (variables[`e${i}`] = `${r.ref}:${r.list && r.path === "." ? "" : r.path}`));
    if (withPull) variables.number = pullNumber;
    const lists = new Set(batch.flatMap((r, i) => (r.list ? [i] : [])));
    const data = await octokit.graphql<{ repository: Record<string, GraphBlob | GraphTree | null> & { pullRequest?: GraphPull | null } }>(blobQuery(batch.length, withPull, lists), variables);
    batch.forEach((r, i) => {
      const index = at[i]!;
      if (r.list) {
        const tree = data.repository[`f${i}`] as GraphTree | null | undefined;
        out[index] = tree?.entries
          ? { kind: "dir", entries: tree.entries.flatMap((e) => (e.type === "blob" && typeof e.object?.byteSize === "number" ? [{ name: e.name, bytes: e.object.byteSize }] : [])) }
          : { kind: "missing" };
        return;
      }
      const blob = data.repository[`f${i}`] as GraphBlob | null | undefined;
      // null: no such path; {}: not a blob (a directory or a submodule).
      if (!blob || typeof blob.byteSize !== "number") out[index] = { kind: "missing" };
      else if (blob.isBinary) out[index] = { kind: "binary" };
      // Larger files are not worth reading: the engine skips them anyway (its own limit).
      else if (blob.byteSize > MAX_FILE_BYTES) out[index] = { kind: "too-large", bytes: blob.byteSize };
      else if (blob.isTruncated || blob.text === null) truncated.push(index);
      // Text with U+FFFD standing for bytes that are not UTF-8 has another UTF-8 length than the
      // blob; a valid file that contains U+FFFD itself keeps its size, and is analysed.
      else if (blob.text.includes("\uFFFD") && Buffer.byteLength(blob.text) !== blob.byteSize) out[index] = { kind: "binary" };
      else out[index] = { kind: "text", text: blob.text };
    });
    const p = data.repository.pullRequest;
    if (withPull && p) {
      const threads = toThreads(p.reviewThreads);
      if (p.reviewThreads.pageInfo.hasNextPage) threads.push(...(await listThreads(octokit, repo, pullNumber!, 9, p.reviewThreads.pageInfo.endCursor)));
      pull = { headSha: p.headRefOid, threads };
    }
  }
  const limit = pLimit(RAW_CONCURRENCY);
  await Promise.all(
    truncated.map((index) =>
      limit(async () => {
        const r = requests[index]!;
        try {
          const res = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path: r.path, ref: r.ref, mediaType: { format: "raw" } });
          out[index] = { kind: "text", text: String(res.data) };
        } catch (err) {
          // Deleted between the listing and this read.
          if ((err as { status?: number }).status !== 404) throw err;
          out[index] = { kind: "missing" };
        }
      }),
    ),
  );
  return pull ? { blobs: out, pull } : { blobs: out };
}
