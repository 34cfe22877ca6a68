import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import request from "supertest";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AudioStore } from "@voxqueue/audio-store";
import type { ErrorBody, SynthJobData, SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { JOB_STATES, METRIC, createApiMetrics, createLogger } from "@voxqueue/telemetry";
import { createApp } from "../src/app.js";
import { REDIS_STEP_TIMEOUT_MS } from "../src/errors.js";
import { REDIS_URL, RedisProxy, createHarness, parseMetrics, sampleValue, testConfig, type Harness } from "./helpers.js";

// Nothing listens on port 1: Redis is "down" for this app from the start.
const queueName = `test-api-down-${randomUUID()}`;
const redis = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500, retryStrategy: () => 1_000 });
redis.on("error", () => {}); // expected: ECONNREFUSED on every reconnect
const queue = new Queue<SynthJobData, SynthJobResult>(queueName, { connection: redis });
queue.on("error", () => {});
const registry = new Registry();
const config = testConfig(queueName, { REDIS_URL: "redis://127.0.0.1:1", LOG_LEVEL: "silent" });
const app = createApp({
  config,
  queue,
  redis,
  audioStore: new AudioStore(redis, config.AUDIO_TTL_SECONDS),
  fleet: new FleetRegistry(redis),
  metrics: createApiMetrics(registry, { queue: queueName, readCounts: () => queue.getJobCounts(...JOB_STATES), defaultMetrics: false }),
  registry,
  logger: createLogger("api-test", "silent"),
});

afterAll(async () => {
  redis.disconnect();
  await queue.close();
});

/**
 * Requests must fail fast, not hang on the reconnecting client: they answer before any Redis step could have
 * timed out (the bound is that step limit, not a speed target, so a loaded machine does not fail the test).
 */
const QUICK_MS = REDIS_STEP_TIMEOUT_MS;

async function timed(run: () => Promise<request.Response>): Promise<{ res: request.Response; ms: number }> {
  const started = performance.now();
  const res = await run();
  return { res, ms: performance.now() - started };
}

describe("with Redis unreachable", () => {
  it.each([
    ["POST /v1/jobs", () => request(app).post("/v1/jobs").send({ text: "Hello" })],
    ["GET /v1/jobs/:id", () => request(app).get(`/v1/jobs/${randomUUID()}`)],
    ["GET /v1/jobs/:id/audio", () => request(app).get(`/v1/jobs/${randomUUID()}/audio`)],
    ["GET /v1/voices", () => request(app).get("/v1/voices")],
  ] as const)("%s answers 503 service_unavailable with Retry-After: 5, quickly", async (_name, run) => {
    const { res, ms } = await timed(run);
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect((res.body as ErrorBody).error.type).toBe("service_unavailable");
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it("still validates input first (400, not 503)", async () => {
    const res = await request(app).post("/v1/jobs").send({ text: "" });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.field).toBe("text");
  });

  it("/metrics still serves the API's own metrics, without the Redis-backed queue gauges", async () => {
    const { res, ms } = await timed(() => request(app).get("/metrics"));
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(QUICK_MS);
    const samples = parseMetrics(res.text);
    expect(sampleValue(samples, METRIC.httpRequests, { method: "POST", route: "/v1/jobs", status_code: "503" })).toBe(1);
    expect(samples.some((s) => s.name === METRIC.queueLength || s.name === METRIC.queueJobs)).toBe(false);
  });

  it("/readyz is 503 with redis down; /healthz stays 200", async () => {
    const { res, ms } = await timed(() => request(app).get("/readyz"));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: "unready", checks: { redis: "down", workers: "unknown" } });
    expect(ms).toBeLessThan(QUICK_MS * 1.5);
    expect((await request(app).get("/healthz")).status).toBe(200);
  });
});

describe("with Redis going away after startup", () => {
  // Redis db 6 is this file's alone; the app reaches Redis through a proxy we can cut.
  const proxy = new RedisProxy();
  let h: Harness;
  let direct: Redis;
  beforeAll(async () => {
    await proxy.start();
    h = await createHarness({ db: 6, redisUrl: proxy.url, redisOptions: { retryStrategy: () => 20 } });
    h.redis.on("error", () => {}); // expected while the proxy is down
    direct = new Redis(REDIS_URL, { db: 6 });
  });
  afterAll(async () => {
    await proxy.start();
    if (h.redis.status !== "ready") await once(h.redis, "ready");
    await h.close();
    await direct.quit();
  });

  it("answers 503 at once while it is gone, writes nothing, and recovers when it is back", async () => {
    expect((await request(h.app).post("/v1/jobs").send({ text: "Before" })).status).toBe(202);
    const counter = new Queue(h.queue.name, { connection: direct });
    const before = await counter.count();

    const lost = once(h.redis, "close");
    await proxy.stop();
    await lost;
    const { res, ms } = await timed(() => request(h.app).post("/v1/jobs").send({ text: "During" }));
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(ms).toBeLessThan(QUICK_MS);
    expect((await request(h.app).get("/readyz")).status).toBe(503);
    expect(await counter.count()).toBe(before);

    const back = once(h.redis, "ready");
    await proxy.start();
    await back;
    expect((await request(h.app).post("/v1/jobs").send({ text: "After" })).status).toBe(202);
    expect(await counter.count()).toBe(before + 1);
    await counter.close();
  });
});
