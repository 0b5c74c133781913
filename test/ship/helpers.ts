// Shared by the ship tests: free ports, keys, signed deliveries, child processes that always die.
import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";

export { freePort, freePorts, rsaPem, start, waitFor, type Child } from "../../bench/proc.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export function deliveryHeaders(event: string, body: string, secret: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
  };
}

export const PING = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1, hook: { type: "App", id: 1, active: true, events: [] } });

export async function get(url: string): Promise<{ status: number; text: string; type: string | null } | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

