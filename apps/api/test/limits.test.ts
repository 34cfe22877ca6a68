import { QueueEvents, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, type ErrorBody, type JobAccepted, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { createApp } from "../src/app.js";
import { KeyStore } from "../src/security/key-store.js";
import { MULTI, REDIS_URL, createHarness, fakeWav, parseMetrics, sampleValue, type Harness } from "./helpers.js";

/** Keys named as their keys, for short tests: key `k` is "key-k-secret". */
const NAMES = ["rate", "other", "cap", "race"] as const;
const keyOf = (name: (typeof NAMES)[number]) => `key-${name}-secret`;
const auth = (name: (typeof NAMES)[number]) => ({ Authorization: `Bearer ${keyOf(name)}` });
const keys = new KeyStore(NAMES.map((name) => ({ name, sha256: hashApiKey(keyOf(name)) })));

// Redis db 14 is this file's alone.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ db: 14, keys });
});
afterAll(async () => {
  await h.close();
});

/** The app with these settings changed (another replica of the same API, on the same Redis). */
function appWith(overrides: Partial<Harness["deps"]["config"]>, opts: { open?: boolean } = {}) {
  const deps = { ...h.deps, config: { ...h.deps.config, ...overrides } };
  if (opts.open) delete deps.keys;
  return createApp(deps);
}

async function refused(reason: string): Promise<number> {
  const res = await request(h.app).get("/metrics");
  return sampleValue(parseMetrics(res.text), "tts_requests_refused_total", { reason }) ?? Number.NaN;
}

describe("backpressure: MAX_QUEUED_JOBS", () => {
  it("answers 503 with Retry-After once the backlog (waiting + prioritized + delayed) is full, and stores nothing", async () => {
    const app = appWith({ MAX_QUEUED_JOBS: 3, QUEUE_FULL_RETRY_AFTER_SECONDS: 7 }, { open: true });
    for (const body of [{ text: "one" }, { text: "two", priority: 5 }, { text: "three" }])
      expect((await request(app).post("/v1/jobs").send(body)).status).toBe(202);
    const counts = await h.queue.getJobCounts("waiting", "prioritized");
    expect(counts).toEqual({ waiting: 2, prioritized: 1 });
    const before = await refused("queue_full");

    const res = await request(app).post("/v1/jobs").send({ text: "four" });
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("7");
    expect((res.body as ErrorBody).error.type).toBe("service_unavailable");
    expect((res.body as ErrorBody).error.message).toMatch(/queue is full .*MAX_QUEUED_JOBS is 3/);
    expect(await h.queue.count()).toBe(3);
    expect(await refused("queue_full")).toBe(before + 1);

    await h.queue.drain(true);
    expect((await request(app).post("/v1/jobs").send({ text: "five" })).status).toBe(202);
    await h.queue.drain(true);
  });
});

describe("per-key submit rate limit", () => {
  it("is shared by replicas: 429 with Retry-After and RateLimit-* past the limit, other keys unaffected", async () => {
    // Two app instances, as two API replicas: the count lives in Redis.
    const replicas = [appWith({ SUBMIT_RATE_LIMIT: 3, SUBMIT_RATE_WINDOW_SECONDS: 60 }), appWith({ SUBMIT_RATE_LIMIT: 3, SUBMIT_RATE_WINDOW_SECONDS: 60 })];
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(replicas[i % 2]!)
        .post("/v1/jobs")
        .set(auth("rate"))
        .send({ text: `n${i}` });
      expect(res.status).toBe(202);
      expect(res.headers["ratelimit-limit"]).toBe("3");
      expect(res.headers["ratelimit-policy"]).toBe("3;w=60");
      remaining.push(res.headers["ratelimit-remaining"] as string);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const before = await refused("rate_limited");
    const queued = await h.queue.count();

    const res = await request(replicas[1]!).post("/v1/jobs").set(auth("rate")).send({ text: "one too many" });
    expect(res.status).toBe(429);
    expect((res.body as ErrorBody).error.type).toBe("rate_limited");
    const retryAfter = Number(res.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers["ratelimit-remaining"]).toBe("0");
    expect(res.headers["ratelimit-reset"]).toBe(String(retryAfter));
    expect(await h.queue.count()).toBe(queued);
    expect(await refused("rate_limited")).toBe(before + 1);

    expect((await request(replicas[0]!).post("/v1/jobs").set(auth("other")).send({ text: "another key" })).status).toBe(202);
    await h.queue.drain(true);
  });

  it("does not count requests refused as invalid", async () => {
    const app = appWith({ SUBMIT_RATE_LIMIT: 1, SUBMIT_RATE_WINDOW_SECONDS: 60 });
    for (let i = 0; i < 3; i++) expect((await request(app).post("/v1/jobs").set(auth("race")).send({ text: "" })).status).toBe(400);
    expect((await request(app).post("/v1/jobs").set(auth("race")).send({ text: "valid" })).status).toBe(202);
    await h.queue.drain(true);
  });
});

describe("per-key cap on jobs in flight", () => {
  it("takes places atomically: of 6 concurrent submits under a cap of 2, exactly 2 are accepted; the rest get 429 in_flight_limit", async () => {
    const app = appWith({ MAX_JOBS_IN_FLIGHT_PER_KEY: 2, SUBMIT_RATE_LIMIT: 0, QUEUE_FULL_RETRY_AFTER_SECONDS: 4 });
    const before = await refused("in_flight_limit");
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        request(app)
          .post("/v1/jobs")
          .set(auth("cap"))
          .send({ text: `job ${i}` }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 429, 429, 429, 429]);
    for (const r of answers.filter((a) => a.status === 429)) {
      expect((r.body as ErrorBody).error.type).toBe("in_flight_limit");
      expect((r.body as ErrorBody).error.message).toContain("MAX_JOBS_IN_FLIGHT_PER_KEY");
      expect(r.headers["retry-after"]).toBe("4");
    }
    expect(await refused("in_flight_limit")).toBe(before + 4);
    expect(await h.queue.count()).toBe(2);

    // Once the two jobs finish (a worker completes them), the key has its places back.
    const ids = answers.filter((a) => a.status === 202).map((a) => (a.body as JobAccepted).id);
    const workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
    const events = new QueueEvents(h.queue.name, { connection: { url: REDIS_URL, db: h.db } });
    await events.waitUntilReady();
    const wav = fakeWav(16, MULTI.sample_rate);
    const worker = new Worker<SynthJobData, SynthJobResult>(
      h.queue.name,
      async (job: Job<SynthJobData, SynthJobResult>) => ({
        audio_key: await h.audioStore.put(job.id as string, wav),
        audio_bytes: wav.length,
        audio_duration_s: 0.1,
        synthesis_s: 0.01,
        rtf: 0.1,
        sample_rate: MULTI.sample_rate,
        voice: job.data.voice,
        speaker: null,
        sentences: 1,
      }),
      { connection: workerRedis },
    );
    try {
      await Promise.all(ids.map(async (id) => (await h.queue.getJob(id))!.waitUntilFinished(events, 20_000)));
      const again = await Promise.all(
        [1, 2, 3].map((i) =>
          request(app)
            .post("/v1/jobs")
            .set(auth("cap"))
            .send({ text: `again ${i}` }),
        ),
      );
      expect(again.map((r) => r.status).sort()).toEqual([202, 202, 429]);
    } finally {
      await worker.close();
      await events.close();
      await workerRedis.quit();
    }
  }, 60_000);

  it("does not apply while the API runs open (no key to count against)", async () => {
    const app = appWith({ MAX_JOBS_IN_FLIGHT_PER_KEY: 1, SUBMIT_RATE_LIMIT: 1 }, { open: true });
    for (let i = 0; i < 3; i++)
      expect(
        (
          await request(app)
            .post("/v1/jobs")
            .send({ text: `open ${i}` })
        ).status,
      ).toBe(202);
    await h.queue.drain(true);
  });
});
