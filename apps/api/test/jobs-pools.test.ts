import { randomUUID } from "node:crypto";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolQueueName, type JobAccepted, type JobList, type JobView, type StatsView, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { Registry } from "prom-client";
import { JOB_STATES, createApiMetrics } from "@voxqueue/telemetry";
import { QueuePool } from "../src/queues.js";
import { MULTI, REDIS_URL, SINGLE, createHarness, fakeWav, parseMetrics, sampleValue, type Harness } from "./helpers.js";

// Redis db 13 (files run one at a time; see vitest.config.ts).
// VOICE_POOLS puts MULTI in pool "multi"; SINGLE stays in the default pool (the base queue).
let h: Harness;
let poolQueue: Queue<SynthJobData, SynthJobResult>;
const workers: Worker<SynthJobData, SynthJobResult>[] = [];
const connections: Redis[] = [];

/** A stand-in worker on `queueName` that records which queue ran each job. */
async function stubWorker(queueName: string): Promise<void> {
  const connection = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  connections.push(connection);
  const worker = new Worker<SynthJobData, SynthJobResult>(
    queueName,
    async (job: Job<SynthJobData, SynthJobResult>) => {
      const wav = fakeWav(32, MULTI.sample_rate);
      const key = await h.audioStore.put(String(job.id), wav);
      return {
        audio_key: key,
        audio_bytes: wav.length,
        audio_duration_s: 0.5,
        synthesis_s: 0.1,
        rtf: 0.2,
        sample_rate: MULTI.sample_rate,
        voice: job.data.voice,
        speaker: job.data.speaker,
        sentences: 1,
      };
    },
    { connection, autorun: false },
  );
  workers.push(worker);
  await worker.waitUntilReady();
}

beforeAll(async () => {
  h = await createHarness({ db: 13, env: { VOICE_POOLS: `multi=${MULTI.id}` } });
  poolQueue = new Queue(poolQueueName(h.queue.name, "multi"), { connection: h.redis });
  await poolQueue.waitUntilReady();
  await stubWorker(h.queue.name);
  await stubWorker(poolQueue.name);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  for (const c of connections) await c.quit();
  await poolQueue?.obliterate({ force: true });
  await poolQueue?.close();
  await h?.close();
});

async function submit(voice: string): Promise<JobAccepted> {
  const res = await request(h.app).post("/v1/jobs").send({ text: "Hello there.", voice }).expect(202);
  return res.body as JobAccepted;
}

describe("voice pools in the API", () => {
  it("puts a pooled voice's job on its pool's queue with an id that names the pool, others on the base queue", async () => {
    const pooled = await submit(MULTI.id);
    const plain = await submit(SINGLE.id);
    expect(pooled.id).toMatch(/^multi\.[0-9a-f-]{36}$/);
    expect(plain.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await poolQueue.getJobState(pooled.id)).toBe("waiting");
    expect(await h.queue.getJobState(pooled.id)).toBe("unknown");
    expect(await h.queue.getJobState(plain.id)).toBe("waiting");
    expect(await poolQueue.getJobState(plain.id)).toBe("unknown");
    const logged = h.logs.lines.find((l) => l.msg === "job accepted" && l.job_id === pooled.id);
    expect(logged?.queue).toBe(poolQueue.name);
  });

  it("finds a job in its pool's queue: its view, a long poll on it and its audio", async () => {
    const pooled = await submit(MULTI.id);
    const view = (await request(h.app).get(`/v1/jobs/${pooled.id}`).expect(200)).body as JobView;
    expect([view.id, view.status]).toEqual([pooled.id, "queued"]);
    // The long poll follows the pool queue's events: it answers once the job completes there.
    const waited = request(h.app).get(`/v1/jobs/${pooled.id}?wait=30`);
    const started = waited.then((r) => r);
    // Let the long poll subscribe before the job can run (a job finishing first answers at once anyway).
    await new Promise((resolve) => setImmediate(resolve));
    for (const w of workers) void w.run();
    const done = await started;
    expect(done.status).toBe(200);
    expect((done.body as JobView).status).toBe("completed");
    const audio = await request(h.app).get(`/v1/jobs/${pooled.id}/audio`).expect(200);
    expect(audio.headers["content-type"]).toMatch(/audio\/wav/);
  });

  it("answers 404 for an id naming a pool VOICE_POOLS does not list, and for the default pool spelt out", async () => {
    for (const id of [`gpu.${randomUUID()}`, `default.${randomUUID()}`, "multi.not-a-uuid"]) {
      const res = await request(h.app).get(`/v1/jobs/${id}`).expect(404);
      expect(res.body.error.type).toBe("not_found");
    }
  });

  it("lists and counts the jobs of every pool's queue", async () => {
    const pooled = await submit(MULTI.id);
    const plain = await submit(SINGLE.id);
    const list = (await request(h.app).get("/v1/jobs?limit=100").expect(200)).body as JobList;
    const ids = list.jobs.map((j) => j.id);
    expect(ids).toEqual(expect.arrayContaining([pooled.id, plain.id]));
    const stats = (await request(h.app).get("/v1/stats").expect(200)).body as StatsView;
    const [base, pool] = await Promise.all([h.queue.getJobCounts(...JOB_STATES), poolQueue.getJobCounts(...JOB_STATES)]);
    expect(stats.jobs.completed).toBe((base.completed ?? 0) + (pool.completed ?? 0));
  });

  it("reads tts_queue_length per queue with a queue label", async () => {
    const queues = new QueuePool(h.queue, h.redis, { pools: h.deps.config.VOICE_POOLS });
    try {
      // Each pool queue with its batch lane's queue.
      expect(queues.all().map((q) => q.name)).toEqual([h.queue.name, `${h.queue.name}-batch`, poolQueue.name, `${poolQueue.name}-batch`]);
      const registry = new Registry();
      createApiMetrics(registry, {
        queue: h.queue.name,
        readCounts: () => h.queue.getJobCounts(...JOB_STATES),
        queues: queues.all().map((q) => ({ queue: q.name, readCounts: () => q.getJobCounts(...JOB_STATES) })),
        defaultMetrics: false,
      });
      await Promise.all(workers.map((w) => w.pause()));
      await submit(MULTI.id);
      await submit(MULTI.id);
      const samples = parseMetrics(await registry.metrics());
      const waiting = (queue: string) => sampleValue(samples, "tts_queue_length", { queue, state: "waiting" });
      expect(waiting(poolQueue.name)).toBe(await poolQueue.getWaitingCount());
      expect(waiting(poolQueue.name)).toBeGreaterThanOrEqual(2);
      expect(waiting(h.queue.name)).toBe(await h.queue.getWaitingCount());
    } finally {
      await queues.close();
    }
  });
});
