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

describe("AudioStore pieces (real Redis)", () => {
  it("commits the header and every piece, in order, as one value; nothing is visible before the commit", async () => {
    const store = new AudioStore(redis, 120);
    const id = randomUUID();
    const pieces = store.open(id);
    await store.append(pieces, [Buffer.from("one,"), Buffer.from("two,")]);
    await store.append(pieces, [Buffer.from("three")]);
    expect(await store.get(id)).toBeNull();
    expect(await redis.ttl(pieces.partialKey)).toBeGreaterThan(100);
    expect(await store.commit(pieces, Buffer.from("HEAD:"))).toBe(`voxqueue:audio:${id}`);
    expect((await store.get(id))?.toString()).toBe("HEAD:one,two,three");
    expect(pieces.bytes).toBe("HEAD:one,two,three".length);
    expect(await redis.exists(pieces.partialKey)).toBe(0);
    expect(await store.ttl(id)).toBeGreaterThan(100);
    await redis.del(`voxqueue:audio:${id}`);
  });

  it("keeps two attempts of one job apart: the last commit wins whole", async () => {
    const store = new AudioStore(redis, 60);
    const id = randomUUID();
    const first = store.open(id);
    const second = store.open(id);
    await store.append(first, [Buffer.from("a1")]);
    await store.append(second, [Buffer.from("b1")]);
    await store.append(first, [Buffer.from("a2")]);
    await store.commit(first, Buffer.from("A:"));
    await store.append(second, [Buffer.from("b2")]);
    await store.commit(second, Buffer.from("B:"));
    expect((await store.get(id))?.toString()).toBe("B:b1b2");
    await redis.del(`voxqueue:audio:${id}`);
  });

  it("discards an attempt's pieces, and reads audio stored as one string before pieces existed", async () => {
    const store = new AudioStore(redis, 60);
    const id = randomUUID();
    const pieces = store.open(id);
    await store.append(pieces, [Buffer.from("x")]);
    await store.discard(pieces);
    expect(await redis.exists(pieces.partialKey)).toBe(0);
    await redis.set(`voxqueue:audio:${id}`, "RIFF-old");
    expect((await store.get(id))?.toString()).toBe("RIFF-old");
    await redis.del(`voxqueue:audio:${id}`);
  });
});
