import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioKey, type ErrorBody, type JobAccepted, type JobView, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { MULTI, REDIS_URL, createHarness, fakeWav, type Harness } from "./helpers.js";

// Redis db 4 is this file's alone.
let h: Harness;
let worker: Worker<SynthJobData, SynthJobResult>;
let workerRedis: Redis;
const events = new (class JobEvents {
  private readonly seen = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  record(event: string, id: string | undefined): void {
    const key = `${event}:${id}`;
    this.seen.add(key);
    for (const wake of this.waiters.get(key) ?? []) wake();
    this.waiters.delete(key);
  }
  /** Resolves once the worker has emitted `event` for job `id` (even if it already did). */
  wait(event: "active" | "completed" | "failed", id: string, timeoutMs = 10_000): Promise<void> {
    const key = `${event}:${id}`;
    if (this.seen.has(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} event for job ${id} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), () => (clearTimeout(timer), resolve())]);
    });
  }
})();

/** Jobs whose text is "hold" stay active until released. */
const held = new Map<string, () => void>();
const WAV = fakeWav(32, MULTI.sample_rate);

/** A stand-in for the real worker: the job's text says what to do. */
async function processor(job: Job<SynthJobData, SynthJobResult>): Promise<SynthJobResult> {
  const id = job.id as string;
  switch (job.data.text) {
    case "hold":
      await new Promise<void>((resolve) => held.set(id, resolve));
      break;
    case "fail":
      throw new UnrecoverableError("invalid_input: the text has no pronounceable content");
    case "retry":
      throw new Error("timeout: synthesis ran past 300 s");
    case "crash":
      throw new UnrecoverableError("Cannot read properties of undefined (reading 'x')");
  }
  const key = await h.audioStore.put(id, WAV);
  return {
    audio_key: key,
    audio_bytes: WAV.length,
    audio_duration_s: 0.5,
    synthesis_s: 0.1,
    rtf: 0.2,
    sample_rate: MULTI.sample_rate,
    voice: job.data.voice,
    speaker: job.data.speaker,
    sentences: 1,
  };
}

beforeAll(async () => {
  h = await createHarness({ db: 4 });
  workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  worker = new Worker<SynthJobData, SynthJobResult>(h.queue.name, processor, { connection: workerRedis, concurrency: 4 });
  worker.on("active", (job) => events.record("active", job.id));
  worker.on("completed", (job) => events.record("completed", job.id));
  worker.on("failed", (job) => events.record("failed", job?.id));
  await worker.waitUntilReady();
});
afterAll(async () => {
  for (const release of held.values()) release();
  await worker.close();
  await workerRedis.quit();
  await h.close();
});

async function submit(text: string): Promise<string> {
  const res = await request(h.app).post("/v1/jobs").send({ text });
  expect(res.status).toBe(202);
  return (res.body as JobAccepted).id;
}

async function view(id: string): Promise<JobView> {
  const res = await request(h.app).get(`/v1/jobs/${id}`);
  expect(res.status).toBe(200);
  return res.body as JobView;
}

describe("GET /v1/jobs/:id and /audio through a job's life", () => {
  it("active: started, no audio yet; then completed with its result and WAV", async () => {
    const id = await submit("hold");
    await events.wait("active", id);
    const active = await view(id);
    expect(active).toMatchObject({ id, status: "active", attempts: 0 });
    expect(Date.parse(active.started_at ?? "")).toBeGreaterThanOrEqual(Date.parse(active.created_at));
    expect(active.finished_at).toBeUndefined();
    const notReady = await request(h.app).get(`/v1/jobs/${id}/audio`);
    expect(notReady.status).toBe(409);
    expect(notReady.headers["retry-after"]).toBe("2");
    expect((notReady.body as ErrorBody).error.type).toBe("not_ready");

    held.get(id)?.();
    await events.wait("completed", id);
    const done = await view(id);
    expect(done).toEqual({
      id,
      status: "completed",
      created_at: active.created_at,
      started_at: expect.any(String),
      finished_at: expect.any(String),
      attempts: 1,
      result: {
        audio_url: `/v1/jobs/${id}/audio`,
        audio_duration_s: 0.5,
        synthesis_s: 0.1,
        rtf: 0.2,
        sample_rate: MULTI.sample_rate,
        voice: MULTI.id,
        speaker: null,
      },
      links: { self: `/v1/jobs/${id}`, audio: `/v1/jobs/${id}/audio` },
    });

    const audio = await request(h.app)
      .get(`/v1/jobs/${id}/audio`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    expect(audio.status).toBe(200);
    expect(audio.headers["content-type"]).toBe("audio/wav");
    expect(audio.headers["content-length"]).toBe(String(WAV.length));
    expect(audio.headers["content-disposition"]).toBe(`inline; filename="${id}.wav"`);
    expect(Buffer.compare(audio.body as Buffer, WAV)).toBe(0);
  });

  it("410 expired once a completed job's audio is gone", async () => {
    const id = await submit("done soon");
    await events.wait("completed", id);
    await h.redis.del(audioKey(id));
    const res = await request(h.app).get(`/v1/jobs/${id}/audio`);
    expect(res.status).toBe(410);
    expect((res.body as ErrorBody).error.type).toBe("expired");
    expect((await view(id)).status).toBe("completed");
  });

  it("failed: the worker's typed error; audio 410 job_failed with that error, without Retry-After", async () => {
    const id = await submit("fail");
    await events.wait("failed", id);
    const failed = await view(id);
    expect(failed).toMatchObject({ id, status: "failed", attempts: 1, error: { type: "invalid_input", message: "the text has no pronounceable content" } });
    expect(failed.finished_at).toEqual(expect.any(String));
    expect(failed.result).toBeUndefined();
    const audio = await request(h.app).get(`/v1/jobs/${id}/audio`);
    expect(audio.status).toBe(410);
    expect(audio.headers["retry-after"]).toBeUndefined();
    expect((audio.body as ErrorBody).error).toMatchObject({ type: "job_failed" });
    expect((audio.body as ErrorBody).error.message).toContain("invalid_input: the text has no pronounceable content");
  });

  it("failed with an untyped reason reads as internal", async () => {
    const id = await submit("crash");
    await events.wait("failed", id);
    expect((await view(id)).error).toEqual({ type: "internal", message: "Cannot read properties of undefined (reading 'x')" });
  });

  it("a failed attempt that will be retried reads as queued, with its attempts", async () => {
    const id = await submit("retry");
    await events.wait("failed", id);
    const retrying = await view(id);
    expect(retrying).toMatchObject({ id, status: "queued", attempts: 1 });
    expect(retrying.error).toBeUndefined();
    expect(retrying.finished_at).toBeUndefined();
    expect((await request(h.app).get(`/v1/jobs/${id}/audio`)).status).toBe(409);
  });

  it("404 for unknown and malformed ids", async () => {
    for (const path of [
      `/v1/jobs/${randomUUID()}`,
      `/v1/jobs/${randomUUID()}/audio`,
      "/v1/jobs/not-a-job",
      "/v1/jobs/not-a-job/audio",
      "/v1/jobs/..%2F..%2Fetc",
    ]) {
      const res = await request(h.app).get(path);
      expect(res.status, path).toBe(404);
      expect((res.body as ErrorBody).error.type, path).toBe("not_found");
    }
  });
});
