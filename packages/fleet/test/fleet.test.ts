import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { FleetRegistry } from "../src/index.js";

// A separate logical database keeps these keys away from a running stack's.
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { db: 7 });
afterAll(async () => {
  await redis.flushdb();
  await redis.quit();
});

describe("FleetRegistry (real Redis)", () => {
  it("publishes voices and reads them back sorted, skipping malformed entries", async () => {
    await redis.flushdb();
    const fleet = new FleetRegistry(redis);
    const voice = (id: string) => ({ id, language: "en_US", sample_rate: 22050, num_speakers: 1, speakers: [], reference: false, defaults: { length_scale: 1, noise_scale: 0.667, noise_w: 0.8 } });
    await fleet.publishVoices([voice("b"), voice("a")]);
    await redis.hset("voxqueue:voices", "broken", "{not json");
    expect((await fleet.voices()).map((v) => v.id)).toEqual(["a", "b"]);
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
