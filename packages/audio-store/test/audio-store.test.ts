import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { AudioStore } from "../src/index.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

describe("AudioStore (real Redis)", () => {
  it("round-trips bytes with the configured TTL", async () => {
    const store = new AudioStore(redis, 120);
    const id = randomUUID();
    const wav = Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 255, 1, 2]);
    await store.put(id, wav);
    expect(await store.get(id)).toEqual(wav);
    const ttl = await store.ttl(id);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    await redis.del(`voxqueue:audio:${id}`);
  });

  it("answers null for audio that was never stored or has expired", async () => {
    const store = new AudioStore(redis, 1);
    expect(await store.get(randomUUID())).toBeNull();
    const id = randomUUID();
    await store.put(id, Buffer.from("x"));
    await redis.pexpire(`voxqueue:audio:${id}`, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.get(id)).toBeNull();
    expect(await store.ttl(id)).toBeNull();
  });

  it("is idempotent: writing a job twice keeps one copy", async () => {
    const store = new AudioStore(redis, 60);
    const id = randomUUID();
    await store.put(id, Buffer.from("first"));
    await store.put(id, Buffer.from("first"));
    expect((await store.get(id))?.toString()).toBe("first");
    expect(await redis.exists(`voxqueue:audio:${id}`)).toBe(1);
    await redis.del(`voxqueue:audio:${id}`);
  });
});
