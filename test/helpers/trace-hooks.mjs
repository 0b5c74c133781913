// Module hooks that append every URL Node loads (ESM) to $TRACE_FILE: what a command really loads.
import { appendFileSync } from "node:fs";

export async function load(url, context, next) {
  if (process.env.TRACE_FILE) appendFileSync(process.env.TRACE_FILE, url + "\n");
  return next(url, context);
}
