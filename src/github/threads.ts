// Review threads through GraphQL: REST has no thread ids, and only a thread id can be resolved.
import type { ProbotOctokit } from "probot";
import type { RepoRef, ReviewThread } from "./types.js";

export const THREADS_QUERY = `query ReviewThreads($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          path
          isResolved
          resolvedBy { login }
          comments(first: 50) { nodes { databaseId body author { login } } }
        }
      }
    }
  }
}`;

export const RESOLVE_MUTATION = `mutation ResolveThread($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

interface ThreadPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: {
          id: string;
          path: string;
          isResolved: boolean;
          resolvedBy: { login: string } | null;
          comments: { nodes: { databaseId: number; body: string; author: { login: string } | null }[] };
        }[];
      };
    } | null;
  };
}

/** Pages through the threads; stops after `maxPages` (a PR with more than 1,000 threads is left partial). */
export async function listThreads(octokit: ProbotOctokit, repo: RepoRef, number: number, maxPages = 10): Promise<ReviewThread[]> {
  const out: ReviewThread[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const data: ThreadPage = await octokit.graphql<ThreadPage>(THREADS_QUERY, { ...repo, number, cursor });
    const threads = data.repository.pullRequest?.reviewThreads;
    if (!threads) break;
    for (const t of threads.nodes) {
      out.push({
        id: t.id,
        path: t.path,
        isResolved: t.isResolved,
        resolvedBy: t.resolvedBy?.login ?? null,
        comments: t.comments.nodes.map((c) => ({ id: c.databaseId, body: c.body, author: c.author?.login ?? null })),
      });
    }
    if (!threads.pageInfo.hasNextPage) break;
    cursor = threads.pageInfo.endCursor;
  }
  return out;
}

export async function resolveThread(octokit: ProbotOctokit, threadId: string): Promise<void> {
  await octokit.graphql(RESOLVE_MUTATION, { threadId });
}
