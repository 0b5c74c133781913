// The store on Redis, shared by every replica: SET NX PX for claims and locks, a compare-and-
// delete / compare-and-extend script so a replica never frees or extends a lock it lost.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Lock, Store } from "./store.js";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export class RedisStore implements Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "ptrguard",
  ) {}

  static connect(url: string, prefix?: string): RedisStore {
    // Commands wait for a reconnect rather than fail at once while Redis restarts.
    return new RedisStore(new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true }), prefix);
  }

  private k(key: string): string {
    return `${this.prefix}:${key}`;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k(key), "1", "PX", ttlMs, "NX")) === "OK";
  }

  async unclaim(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.k(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.k(key), value, "PX", ttlMs);
  }

  async lock(key: string, ttlMs: number): Promise<Lock | undefined> {
    const k = this.k(`lock:${key}`);
    const token = randomUUID();
    if ((await this.redis.set(k, token, "PX", ttlMs, "NX")) !== "OK") return undefined;
    return {
      renew: async () => (await this.redis.eval(RENEW, 1, k, token, String(ttlMs))) === 1,
      release: async () => {
        await this.redis.eval(RELEASE, 1, k, token);
      },
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
