// The little shared state the queues need beyond the jobs themselves: one-time claims (a
// delivery id seen, a refusal reply sent), small records (the last run of a PR, the newest head
// of a PR, an installation's pause) and per-PR locks. In memory for the embedded queue; on
// Redis (redis-store.ts) when replicas share the work, so the rules hold across processes.
import { randomUUID } from "node:crypto";

export interface Lock {
  /** Keeps the lock for another `ttlMs`; false when it was lost (expired and taken). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface Store {
  /** True the first time `key` is claimed within `ttlMs`; false while an earlier claim lives. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a claim (a request that could not be queued after all). */
  unclaim(key: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** An exclusive lock on `key` for `ttlMs` (renewable), or undefined while another holds it. */
  lock(key: string, ttlMs: number): Promise<Lock | undefined>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  expires: number;
}

/** One process's store: a Map with expiry, bounded so a flood of delivery ids cannot grow it without end. */
export class MemoryStore implements Store {
  private readonly map = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  private live(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e && e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: string, ttlMs: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + ttlMs });
    // Oldest first: drop the oldest entries beyond the bound.
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.put(key, "1", ttlMs);
    return true;
  }

  async unclaim(key: string): Promise<void> {
    this.map.delete(key);
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async lock(key: string, ttlMs: number): Promise<Lock | undefined> {
    const k = `lock:${key}`;
    if (this.live(k)) return undefined;
    const token = randomUUID();
    this.put(k, token, ttlMs);
    return {
      renew: async () => {
        if (this.live(k)?.value !== token) return false;
        this.put(k, token, ttlMs);
        return true;
      },
      release: async () => {
        if (this.live(k)?.value === token) this.map.delete(k);
      },
    };
  }

  async close(): Promise<void> {}
}
