// What a run reads before it starts, in one GraphQL query: `.github/ptrguard.yml` on the default
// branch of the repository and of the owner's `.github` repository (both in one go, rather than
// one REST call and then another on a 404), the head commits of both default branches (which
// name the configuration for the cache), ptrguard's check runs on the head commit (a check run
// is found again rather than created twice) and the pull request's file count.
import type { ProbotOctokit } from "probot";
import { CHECK_NAME } from "./checks.js";
import type { CheckRunInfo, RepoRef, RunStart } from "./types.js";

export const CONFIG_PATH = ".github/ptrguard.yml";

export const START_QUERY = `query RunStart($owner: String!, $repo: String!, $number: Int!, $head: GitObjectID!, $config: String!) {
  repository(owner: $owner, name: $repo) {
    defaultBranchRef { target { oid } }
    config: object(expression: $config) { ... on Blob { text } }
    pullRequest(number: $number) { changedFiles }
    head: object(oid: $head) {
      ... on Commit {
        checkSuites(first: 20, filterBy: { checkName: "${CHECK_NAME}" }) {
          nodes { checkRuns(first: 20, filterBy: { checkName: "${CHECK_NAME}" }) { nodes { databaseId status conclusion externalId startedAt title annotations { totalCount } } } }
        }
      }
    }
  }
  org: repository(owner: $owner, name: ".github") {
    defaultBranchRef { target { oid } }
    config: object(expression: $config) { ... on Blob { text } }
  }
}`;

interface GraphRun {
  databaseId: number;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  startedAt: string | null;
  title: string | null;
  annotations?: { totalCount: number } | null;
}

interface GraphRepo {
  defaultBranchRef: { target: { oid: string } } | null;
  config: { text?: string | null } | null;
}

interface StartData {
  repository: (GraphRepo & { pullRequest: { changedFiles: number } | null; head: { checkSuites?: { nodes: { checkRuns: { nodes: GraphRun[] } }[] } } | null }) | null;
  org: GraphRepo | null;
}

interface GraphError {
  type?: string;
  path?: (string | number)[];
}

export async function runStart(octokit: ProbotOctokit, repo: RepoRef, headSha: string, pullNumber: number): Promise<RunStart> {
  let data: StartData;
  try {
    data = await octokit.graphql<StartData>(START_QUERY, { ...repo, number: pullNumber, head: headSha, config: `HEAD:${CONFIG_PATH}` });
  } catch (err) {
    // The owner has no `.github` repository: GitHub answers NOT_FOUND for that part only.
    const e = err as { name?: string; errors?: GraphError[]; data?: StartData };
    const onlyOrgMissing = e.name === "GraphqlResponseError" && e.data?.repository && (e.errors ?? []).every((x) => x.type === "NOT_FOUND" && x.path?.[0] === "org");
    if (!onlyOrgMissing) throw err;
    data = e.data!;
  }
  const r = data.repository;
  if (!r) throw new Error(`the repository ${repo.owner}/${repo.repo} could not be read`);
  const runs: CheckRunInfo[] = (r.head?.checkSuites?.nodes ?? [])
    .flatMap((s) => s.checkRuns.nodes)
    .map((c) => ({ id: c.databaseId, status: c.status.toLowerCase(), conclusion: c.conclusion?.toLowerCase() ?? null, externalId: c.externalId, startedAt: c.startedAt, title: c.title, annotationsCount: c.annotations?.totalCount ?? 0 }))
    .sort((a, b) => b.id - a.id);
  const oid = (x: GraphRepo | null) => x?.defaultBranchRef?.target.oid ?? "-";
  return {
    configText: { repo: r.config?.text ?? null, org: data.org?.config?.text ?? null },
    configKey: `${repo.owner}/${repo.repo}@${oid(r)}+.github@${oid(data.org)}`,
    checkRuns: runs,
    changedFiles: r.pullRequest?.changedFiles ?? null,
  };
}

/** Every go.mod path at a commit (the recursive tree); undefined when GitHub truncates the tree. */
export async function goModPaths(octokit: ProbotOctokit, repo: RepoRef, sha: string): Promise<string[] | undefined> {
  const res = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: "1" });
  if (res.data.truncated) return undefined;
  return res.data.tree.filter((e) => e.type === "blob" && (e.path === "go.mod" || e.path?.endsWith("/go.mod"))).map((e) => e.path!);
}
