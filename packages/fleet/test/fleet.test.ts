import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { workerVoicesKey } from "@voxqueue/contracts";
import { FleetRegistry } from "../src/index.js";

// A separate logical database keeps these keys away from a running stack's.
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { db: 7 });
beforeEach(() => redis.flushdb());
afterAll(async () => {
  await redis.flushdb();
  await redis.quit();
});

const voice = (id: string, sample_rate = 22050) => ({
  id,
  language: "en_US",
  sample_rate,
  num_speakers: 1,
  speakers: [],
  reference: false,
  defaults: { length_scale: 1, noise_scale: 0.667, noise_w: 0.8 },
});

describe("FleetRegistry (real Redis)", () => {
  it("lists the union of live workers' voices, once per id, in code-point order", async () => {
    const fleet = new FleetRegistry(redis);
    await fleet.publishVoices("w1", [voice("en_US-ref_multi-x_low"), voice("en_US-ref-medium")]);
    await fleet.publishVoices("w2", [voice("en_US-ref-medium", 16000), voice("en_US-ref-x_low")]);
    await redis.set(workerVoicesKey("w3"), "{not json");
    await fleet.heartbeat("w3");
    const voices = await fleet.voices(30_000);
    expect(voices.map((v) => v.id)).toEqual(["en_US-ref-medium", "en_US-ref-x_low", "en_US-ref_multi-x_low"]);
  });

  it("drops a worker's voices when it leaves, and ignores workers past the window", async () => {
    const fleet = new FleetRegistry(redis);
    const now = Date.now();
    await fleet.publishVoices("gone", [voice("old")], now);
    await fleet.publishVoices("stale", [voice("stale")], now - 60_000);
    await fleet.publishVoices("live", [voice("new")], now);
    expect((await fleet.voices(30_000, now)).map((v) => v.id)).toEqual(["new", "old"]);
    await fleet.leave("gone", now);
    expect((await fleet.voices(30_000, now)).map((v) => v.id)).toEqual(["new"]);
  });

  it("keeps the last hour's voices while no worker is live, so jobs still queue", async () => {
    const fleet = new FleetRegistry(redis);
    const now = Date.now();
    await fleet.publishVoices("left", [voice("a")], now - 120_000);
    await fleet.leave("left", now - 60_000);
    await fleet.publishVoices("died", [voice("b")], now - 300_000);
    await fleet.publishVoices("ancient", [voice("c")], now - 7_200_000);
    expect((await fleet.voices(30_000, now)).map((v) => v.id)).toEqual(["a", "b"]);
    await redis.del(workerVoicesKey("left"), workerVoicesKey("died"));
    expect(await fleet.voices(30_000, now)).toEqual([]);
  });

  it("lists only workers with a recent heartbeat", async () => {
    const fleet = new FleetRegistry(redis);
    const fresh = randomUUID();
    const stale = randomUUID();
    const now = Date.now();
    await fleet.heartbeat(fresh, now);
    await fleet.heartbeat(stale, now - 60_000);
    const live = await fleet.liveWorkers(30_000, now);
    expect(live).toContain(fresh);
    expect(live).not.toContain(stale);
    await fleet.leave(fresh);
    expect(await fleet.liveWorkers(30_000, now)).not.toContain(fresh);
  });
});
