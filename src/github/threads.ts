// Review threads through GraphQL: REST has no thread ids, and only a thread id can be resolved.
// The first page of threads also comes with the blobs (blobs.ts), so a run reads them without a
// query of their own; later pages, and the read-back after a lost answer, use THREADS_QUERY.
import type { ProbotOctokit } from "probot";
import type { RepoRef, ReviewThread } from "./types.js";

/** The fields of a `reviewThreads` connection, as both queries ask for them. */
export const THREAD_FIELDS = `pageInfo { hasNextPage endCursor }
        nodes {
          id
          path
          isResolved
          resolvedBy { login }
          comments(first: 50) { nodes { databaseId body author { login } } }
        }`;

export const THREADS_QUERY = `query ReviewThreads($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        ${THREAD_FIELDS}
      }
    }
  }
}`;

export const RESOLVE_MUTATION = `mutation ResolveThread($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

export interface ThreadConnection {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: {
    id: string;
    path: string;
    isResolved: boolean;
    resolvedBy: { login: string } | null;
    comments: { nodes: { databaseId: number; body: string; author: { login: string } | null }[] };
  }[];
}

interface ThreadPage {
  repository: { pullRequest: { reviewThreads: ThreadConnection } | null };
}

export function toThreads(c: ThreadConnection): ReviewThread[] {
  return c.nodes.map((t) => ({
    id: t.id,
    path: t.path,
    isResolved: t.isResolved,
    resolvedBy: t.resolvedBy?.login ?? null,
    comments: t.comments.nodes.map((n) => ({ id: n.databaseId, body: n.body, author: n.author?.login ?? null })),
  }));
}

/** Pages through the threads from `cursor`; stops after `maxPages` (a PR with more than 1,000 threads is left partial). */
export async function listThreads(octokit: ProbotOctokit, repo: RepoRef, number: number, maxPages = 10, cursor: string | null = null): Promise<ReviewThread[]> {
  const out: ReviewThread[] = [];
  for (let page = 0; page < maxPages; page++) {
    const data: ThreadPage = await octokit.graphql<ThreadPage>(THREADS_QUERY, { ...repo, number, cursor });
    const threads = data.repository.pullRequest?.reviewThreads;
    if (!threads) break;
    out.push(...toThreads(threads));
    if (!threads.pageInfo.hasNextPage) break;
    cursor = threads.pageInfo.endCursor;
  }
  return out;
}

export async function resolveThread(octokit: ProbotOctokit, threadId: string): Promise<void> {
  await octokit.graphql(RESOLVE_MUTATION, { threadId });
}
