import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { laneQueue, type ErrorBody, type JobAccepted, type JobList, type JobView, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { QueuePool } from "../src/queues.js";
import { REDIS_URL, SINGLE, createHarness, fakeWav, type Harness } from "./helpers.js";

// Redis db 13 (shared with other files; files run one at a time).
// Priority lanes: POST /v1/jobs's `lane` puts a job on its pool queue's lane queue.
let h: Harness;
let batch: Queue<SynthJobData, SynthJobResult>;

beforeAll(async () => {
  h = await createHarness({ db: 13 });
  batch = new Queue(laneQueue(h.queue.name, "batch"), { connection: h.redis });
  await batch.waitUntilReady();
});
afterAll(async () => {
  await batch?.close();
  await h?.close();
});

const submit = async (body: Record<string, unknown>) =>
  (
    await request(h.app)
      .post("/v1/jobs")
      .send({ text: "Hello there.", voice: SINGLE.id, ...body })
      .expect(202)
  ).body as JobAccepted;

describe("POST /v1/jobs lane", () => {
  it("puts an interactive job (the default) on the pool queue and a batch job on <pool queue>-batch", async () => {
    const plain = await submit({});
    const interactive = await submit({ lane: "interactive" });
    const bulk = await submit({ lane: "batch" });
    expect(await h.queue.getJobState(plain.id)).toBe("waiting");
    expect(await h.queue.getJobState(interactive.id)).toBe("waiting");
    expect(await h.queue.getJobState(bulk.id)).toBe("unknown");
    expect(await batch.getJobState(bulk.id)).toBe("waiting");
    expect(h.logs.lines.find((l) => l.msg === "job accepted" && l.job_id === bulk.id)?.queue).toBe(batch.name);
  });

  it("refuses another lane with a 400 naming the field, queueing nothing", async () => {
    const before = (await h.queue.count()) + (await batch.count());
    for (const lane of ["urgent", 1, null]) {
      const res = await request(h.app).post("/v1/jobs").send({ text: "Hello there.", voice: SINGLE.id, lane });
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "lane" });
    }
    expect((await h.queue.count()) + (await batch.count())).toBe(before);
  });

  it("finds a batch job by its id: its view, the job list, a long poll and its audio", async () => {
    const bulk = await submit({ lane: "batch" });
    const view = (await request(h.app).get(`/v1/jobs/${bulk.id}`).expect(200)).body as JobView;
    expect([view.id, view.status]).toEqual([bulk.id, "queued"]);
    const list = (await request(h.app).get("/v1/jobs").expect(200)).body as JobList;
    expect(list.jobs.map((j) => j.id)).toContain(bulk.id);
    // What job look-ups, events, the list, stats and queue gauges cover: both lanes' queues.
    const queues = new QueuePool(h.queue, h.redis);
    expect(queues.all().map((q) => q.name)).toEqual([h.queue.name, batch.name]);
    await queues.close();

    // The long poll follows the batch queue's events.
    const waited = request(h.app)
      .get(`/v1/jobs/${bulk.id}?wait=30`)
      .then((r) => r);
    await new Promise((resolve) => setImmediate(resolve));
    const connection = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
    const worker = new Worker<SynthJobData, SynthJobResult>(
      batch.name,
      async (job: Job<SynthJobData, SynthJobResult>) => {
        const wav = fakeWav(32, SINGLE.sample_rate);
        const key = await h.audioStore.put(String(job.id), wav);
        return {
          audio_key: key,
          audio_bytes: wav.length,
          audio_duration_s: 0.5,
          synthesis_s: 0.1,
          rtf: 0.2,
          sample_rate: SINGLE.sample_rate,
          voice: job.data.voice,
          speaker: job.data.speaker,
          sentences: 1,
        };
      },
      { connection },
    );
    try {
      const done = (await waited).body as JobView;
      expect([done.id, done.status]).toEqual([bulk.id, "completed"]);
      const audio = await request(h.app).get(`/v1/jobs/${bulk.id}/audio`).expect(200);
      expect(audio.headers["content-type"]).toMatch(/^audio\/wav/);
    } finally {
      await worker.close();
      await connection.quit();
    }
  });
});
