import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "@voxqueue/contracts";
import { createApp } from "../src/app.js";
import { RedisSafety } from "../src/redis-safety.js";
import { createHarness, parseMetrics, sampleValue, type Harness } from "./helpers.js";

// A redis-server of this test's own, started as the reproduction was:
// --maxmemory 20mb --maxmemory-policy allkeys-lru.
let server: ChildProcess;
let h: Harness;
let safety: RedisSafety;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  server = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    try {
      h = await createHarness({ db: 0, redisUrl: `redis://127.0.0.1:${port}` });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  safety = new RedisSafety(h.redis, { config: h.deps.config, logger: h.deps.logger, registry: h.deps.registry });
  app = createApp({ ...h.deps, redisSafety: safety });
}, 30_000);
afterAll(async () => {
  safety?.stop();
  await h?.close();
  server?.kill();
});

const submit = () => request(app).post("/v1/jobs").send({ text: "Hello there." });

describe("Redis that may evict keys", () => {
  it("is not ready and refuses submits naming maxmemory-policy, with the metric at 1; nothing is queued", async () => {
    await safety.refresh();
    const ready = await request(app).get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      checks: { redis_settings: "unsafe" },
      error: { message: expect.stringContaining('maxmemory-policy is "allkeys-lru"') },
    });
    const res = await submit();
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBeDefined();
    expect((res.body as ErrorBody).error).toMatchObject({ type: "service_unavailable", message: expect.stringContaining("maxmemory-policy") });
    expect(await h.queue.count()).toBe(0);
    expect(sampleValue(parseMetrics(await h.deps.registry.metrics()), "tts_redis_unsafe_settings", {})).toBe(1);
  });

  it("accepts jobs again once the policy is noeviction (read again, as on every reconnect and refresh)", async () => {
    await h.redis.config("SET", "maxmemory-policy", "noeviction");
    await safety.refresh();
    expect((await submit()).status).toBe(202);
    expect(sampleValue(parseMetrics(await h.deps.registry.metrics()), "tts_redis_unsafe_settings", {})).toBe(0);
  });

  it("refuses submits with 503 and Retry-After before writing anything when memory is within the margin of maxmemory", async () => {
    const used = Number(/^used_memory:(\d+)/m.exec(await h.redis.info("memory"))![1]);
    await h.redis.config("SET", "maxmemory", String(Math.floor(used / 0.95)));
    await safety.refresh();
    const before = await h.queue.count();
    const res = await submit();
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBeDefined();
    expect((res.body as ErrorBody).error.message).toMatch(/Redis memory is \d+ % of maxmemory .* REDIS_MEMORY_ADMISSION_RATIO \(0\.9\)/);
    expect(await h.queue.count()).toBe(before);
    await h.redis.config("SET", "maxmemory", "20mb");
    await safety.refresh();
    expect((await submit()).status).toBe(202);
  });
});
