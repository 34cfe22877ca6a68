import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { AUDIO_CACHE_KEYS, audioCacheKey, audioKey } from "@voxqueue/contracts";
import { AudioCache, AudioStore, type CachedResult } from "../src/index.js";

// Redis db 1: the cache's index keys have fixed names.
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { db: 1, maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());
beforeEach(() => redis.flushdb());

const result: CachedResult = {
  audio_bytes: 0,
  audio_duration_s: 1.5,
  synthesis_s: 0.2,
  rtf: 0.13,
  sample_rate: 16000,
  voice: "v",
  speaker: null,
  sentences: 1,
};
const wav = (bytes: number) => Buffer.alloc(bytes, 7);

describe("AudioCache (real Redis)", () => {
  it("round-trips audio and result, each key with the cache's own TTL", async () => {
    const cache = new AudioCache(redis, { maxBytes: 1000, ttlSeconds: 120 });
    const hash = randomUUID();
    expect(await cache.get(hash)).toBeNull();
    expect(await cache.put(hash, wav(100), result)).toBe(true);
    expect(await cache.get(hash)).toEqual({ wav: wav(100), result });
    for (const key of [AUDIO_CACHE_KEYS.audio(hash), AUDIO_CACHE_KEYS.result(hash)]) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    }
    expect(await cache.bytes()).toBe(100);
  });

  it("stays within its bound: the oldest entries go first, a replaced entry is counted once", async () => {
    const cache = new AudioCache(redis, { maxBytes: 1000, ttlSeconds: 120 });
    const hashes = Array.from({ length: 5 }, () => randomUUID());
    for (const h of hashes) await cache.put(h, wav(300), result);
    expect(await cache.bytes()).toBe(900);
    expect(await cache.get(hashes[0]!)).toBeNull();
    expect(await cache.get(hashes[1]!)).toBeNull();
    for (const h of hashes.slice(2)) expect(await cache.get(h)).not.toBeNull();
    await cache.put(hashes[4]!, wav(300), result);
    expect(await cache.bytes()).toBe(900);
    expect(await redis.zcard(AUDIO_CACHE_KEYS.index)).toBe(3);
  });

  it("does not store an entry larger than the bound, and nothing at all when turned off", async () => {
    expect(await new AudioCache(redis, { maxBytes: 100, ttlSeconds: 60 }).put(randomUUID(), wav(101), result)).toBe(false);
    const off = new AudioCache(redis, { maxBytes: 0, ttlSeconds: 60 });
    expect(off.enabled).toBe(false);
    expect(await off.put(randomUUID(), wav(10), result)).toBe(false);
    expect(await redis.dbsize()).toBe(0);
  });

  it("answers a hit inside Redis: the job's audio as AudioStore reads it, its record ending with the result; a miss writes nothing", async () => {
    const cache = new AudioCache(redis, { maxBytes: 1000, ttlSeconds: 120 });
    const store = new AudioStore(redis, 300);
    const hash = randomUUID();
    const jobId = randomUUID();
    const target = {
      audioKey: audioKey(jobId),
      audioTtlSeconds: 300,
      recordKey: `test:record:${jobId}`,
      recordHead: '{"id":"x","result":',
      recordTtlSeconds: 60,
    };
    expect(await cache.answer(hash, target)).toBeNull();
    expect(await redis.dbsize()).toBe(0);

    await cache.put(hash, wav(100), result);
    expect(await cache.answer(hash, target)).toEqual(result);
    expect(await store.get(jobId)).toEqual(wav(100));
    expect(JSON.parse((await redis.get(target.recordKey))!)).toEqual({ id: "x", result });
    expect(await store.ttl(jobId)).toBeGreaterThan(200);
    const recordTtl = await redis.ttl(target.recordKey);
    expect(recordTtl).toBeGreaterThan(0);
    expect(recordTtl).toBeLessThanOrEqual(60);
  });

  it("uncounts entries older than the TTL at the next store", async () => {
    const cache = new AudioCache(redis, { maxBytes: 1000, ttlSeconds: 60 });
    const old = randomUUID();
    await cache.put(old, wav(400), result);
    // As if stored two minutes ago: past the TTL (its keys would have expired by now).
    await redis.zadd(AUDIO_CACHE_KEYS.index, Date.now() - 120_000, old);
    await cache.put(randomUUID(), wav(100), result);
    expect(await cache.bytes()).toBe(100);
    expect(await redis.zscore(AUDIO_CACHE_KEYS.index, old)).toBeNull();
  });
});

describe("audioCacheKey", () => {
  const data = { text: "Hello there.", voice: "v", speaker: null, speaker_id: null, length_scale: 1, noise_scale: 0.667, noise_w: 0.8 };
  it("is a sha256 that an absent text_normalization shares with standard, the mode every job takes by default", () => {
    const key = audioCacheKey(data);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(audioCacheKey({ ...data, text_normalization: "standard" })).toBe(key);
    expect(audioCacheKey({ ...data, stream: false })).toBe(key);
  });

  it("differs with anything that changes the audio or its word timings", () => {
    const key = audioCacheKey(data);
    const changes = [
      { text: "Hello there!" },
      // A line break ends a sentence in standard mode (a list item); white space moves word offsets.
      { text: "Hello\nthere." },
      { text: "Hello  there." },
      // NFC against NFD: the same letters in other code units (word offsets move).
      { text: "Caf\u00e9 there." },
      { text: "Cafe\u0301 there." },
      { text_normalization: "piper" as const },
      { text_type: "text" as const },
      { text_type: "ssml" as const },
      { voice: "w" },
      // A speaker name is resolved by the worker: the id is null for every name.
      { speaker: "alice" },
      { speaker: "bob" },
      { speaker_id: 1 },
      { length_scale: 1.1 },
      { noise_scale: 0.6 },
      { noise_w: 0.7 },
      // A streamed job's first sentence is split at its first clause.
      { stream: true },
    ];
    const keys = changes.map((change) => audioCacheKey({ ...data, ...change }));
    expect(new Set([key, ...keys]).size).toBe(changes.length + 1);
  });
});
