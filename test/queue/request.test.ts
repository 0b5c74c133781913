// The pieces the queues are built from: how two requests for one PR merge, and the in-memory
// store's claims and locks (the Redis store is exercised by the load and fault tests, against a
// real redis-server).
import { describe, expect, it } from "vitest";
import { keyId, merge, prKey, type RunRequest } from "../../src/queue/request.js";
import { MemoryStore } from "../../src/queue/store.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const req = (over: Partial<RunRequest>): RunRequest => ({ installationId: 1, owner: "acme", repo: "shop", pullNumber: 7, trigger: "push", delivery: "d", explicit: false, receivedAt: 1, ...over });

describe("run requests", () => {
  it("are keyed by repository and PR; the key's id is safe for BullMQ (no ':', not a number)", () => {
    expect(prKey(req({}))).toBe("acme/shop#7");
    expect(prKey(req({ pullNumber: undefined, suiteId: 9 }))).toBe("acme/shop@suite9");
    expect(keyId("acme/shop#7")).toMatch(/^k[0-9a-f]{20}$/);
  });

  it("merge: the newer head wins, and a push to a new head does not inherit an older explicit request", () => {
    const m = merge(req({ headSha: A, explicit: true, trigger: "rerun", receivedAt: 1 }), req({ headSha: B, receivedAt: 5 }));
    expect(m).toMatchObject({ headSha: B, explicit: false, receivedAt: 5, trigger: "push" });
  });

  it("merge: a recheck (no head) after a push keeps the push's head and is explicit", () => {
    const pull = { number: 7, state: "open", draft: true, headSha: A, baseSha: B, author: "dana" };
    const m = merge(req({ headSha: A, pull, receivedAt: 1 }), req({ trigger: "recheck", explicit: true, receivedAt: 3 }));
    expect(m).toMatchObject({ headSha: A, pull, explicit: true, receivedAt: 3 });
  });

  it("merge: a stale check run to complete is never dropped", () => {
    expect(merge(req({ staleCheckRunId: 42 }), req({ headSha: B })).staleCheckRunId).toBe(42);
  });
});

describe("the in-memory store", () => {
  it("claims a key once until it expires", async () => {
    let now = 0;
    const s = new MemoryStore(100, () => now);
    expect(await s.claim("delivery:x", 1000)).toBe(true);
    expect(await s.claim("delivery:x", 1000)).toBe(false);
    now = 1001;
    expect(await s.claim("delivery:x", 1000)).toBe(true);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    const s = new MemoryStore(3);
    for (const k of ["a", "b", "c", "d"]) await s.set(k, k, 60_000);
    expect(await s.get("a")).toBeUndefined();
    expect(await s.get("d")).toBe("d");
  });

  it("locks: exclusive, renewable by its holder only, free again after release or expiry", async () => {
    let now = 0;
    const s = new MemoryStore(100, () => now);
    const first = await s.lock("acme/shop#7", 1000);
    expect(first).toBeDefined();
    expect(await s.lock("acme/shop#7", 1000)).toBeUndefined();
    now = 900;
    expect(await first!.renew()).toBe(true);
    now = 1800;
    expect(await s.lock("acme/shop#7", 1000)).toBeUndefined();
    now = 3000;
    const second = await s.lock("acme/shop#7", 1000);
    expect(second).toBeDefined();
    // The first holder lost it: it can neither renew nor free the second holder's lock.
    expect(await first!.renew()).toBe(false);
    await first!.release();
    expect(await s.lock("acme/shop#7", 1000)).toBeUndefined();
    await second!.release();
    expect(await s.lock("acme/shop#7", 1000)).toBeDefined();
  });
});
