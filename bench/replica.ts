// One app replica for the load and fault tests: the real server (src/server.ts) with the
// settings from the environment, pointed at the GitHub stand-in (STANDIN_URL), with Octokit's
// client-side throttle and retries off (the stand-in answers at once; see the demo). Prints one
// JSON line {"ready":url} once it listens and the grammar is loaded; SIGTERM stops it cleanly.
// RETRY_LATER_ONCE_MS=N: the first check run this process would create fails with a RetryLater
// (a secondary rate limit with retry-after N ms), to test that the queue waits and retries.
import { ProbotOctokit } from "probot";
import { loadGo } from "../src/analyzer/parser.js";
import { createLogger } from "../src/log.js";
import { createGitHub } from "../src/github/octokit.js";
import { metrics } from "../src/metrics.js";
import { systemClock, type AppDeps } from "../src/review/deps.js";
import { RetryLater } from "../src/review/errors.js";
import { readSettings, startServer } from "../src/server.js";

const settings = readSettings(process.env);
const log = createLogger({ level: settings.logLevel, destination: process.stderr });
const retryOnce = Number(process.env.RETRY_LATER_ONCE_MS ?? 0);
let thrown = false;
const deps: Partial<AppDeps> = retryOnce
  ? {
      github: (target) => {
        const gh = createGitHub(target, { sleep: (ms) => systemClock.sleep(ms), metrics });
        return {
          ...gh,
          createCheckRun: async (...args) => {
            if (!thrown) {
              thrown = true;
              process.stdout.write(JSON.stringify({ retryLaterAt: Date.now() }) + "\n");
              throw new RetryLater("secondary rate limit", retryOnce, "GitHub's secondary rate limit was hit");
            }
            return gh.createCheckRun(...args);
          },
        };
      },
    }
  : {};
const running = await startServer({
  deps,
  settings,
  log,
  baseUrl: process.env.STANDIN_URL!,
  Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false }, retry: { enabled: false } })),
  ...(process.env.LOCK_MS ? { lockMs: Number(process.env.LOCK_MS) } : {}),
});
await loadGo();
process.stdout.write(JSON.stringify({ ready: running.url }) + "\n");
process.once("SIGTERM", () => {
  running.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
