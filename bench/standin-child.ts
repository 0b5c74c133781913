// The GitHub stand-in of bench/app.ts in a process of its own, so that the app's CPU time is
// measured without the stand-in's. Started with the pull request's size (argv[2]) and the app's
// private key (PRIVATE_KEY); speaks over IPC: it sends {url, payload} once it listens, answers
// "reset" (forget what was posted and called) with {ok}, and "report" with what the last run did.
import { pullRequestOpened } from "../src/demo/events.js";
import { GitHubStandIn } from "../src/demo/standin.js";
import { repoOf } from "./app.js";

const standIn = new GitHubStandIn(repoOf(Number(process.argv[2])), process.env.PRIVATE_KEY!);
await standIn.start();
const send = (m: object) => process.send!(m);
process.on("message", (cmd: string) => {
  if (cmd === "reset") {
    for (const list of Object.values(standIn.posted)) list.length = 0;
    standIn.calls.length = 0;
    send({ ok: true });
  } else if (cmd === "report") {
    send({ calls: standIn.calls.filter((c) => !c.path.includes("/access_tokens")).length, reviews: standIn.posted.reviews.length, unknown: standIn.unknown });
  } else if (cmd === "stop") {
    void standIn.stop().then(() => process.exit(0));
  }
});
send({ url: standIn.url, payload: pullRequestOpened(standIn) });
