// One app replica for the load and fault tests: the real server (src/server.ts) with the
// settings from the environment, pointed at the GitHub stand-in (STANDIN_URL), with Octokit's
// client-side throttle and retries off (the stand-in answers at once; see the demo). Prints one
// JSON line {"ready":url} once it listens and the grammar is loaded; SIGTERM stops it cleanly.
import { ProbotOctokit } from "probot";
import { loadGo } from "../src/analyzer/parser.js";
import { createLogger } from "../src/log.js";
import { readSettings, startServer } from "../src/server.js";

const settings = readSettings(process.env);
const log = createLogger({ level: settings.logLevel, destination: process.stderr });
const running = await startServer({
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
