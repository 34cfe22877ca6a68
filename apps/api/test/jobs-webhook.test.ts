import { UnrecoverableError, Worker, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  WEBHOOK_URL_MAX_CHARS,
  webhookQueueName,
  type ErrorBody,
  type JobAccepted,
  type JobView,
  type SynthJobData,
  type SynthJobResult,
} from "@voxqueue/contracts";
import { REDIS_URL, SINGLE, createHarness, type Harness } from "./helpers.js";

// Redis dbs 14 (webhooks on) and 15 (off) are this file's alone. No delivery worker
// runs here (apps/worker/test/webhook-delivery.test.ts delivers): these tests see the
// submit-time checks and the delivery job the API adds next to the synthesis job.
const SECRET = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;
const HOOK = "http://127.0.0.1:9/hook";
let h: Harness;
let off: Harness;
let workerRedis: Redis;
let worker: Worker<SynthJobData, SynthJobResult>;
let events: QueueEvents;

beforeAll(async () => {
  h = await createHarness({ db: 14, env: { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", MAX_BODY_BYTES: "8192" } });
  off = await createHarness({ db: 15 });
  workerRedis = new Redis(REDIS_URL, { db: h.db, maxRetriesPerRequest: null });
  // Stands in for synthesis: "fail" fails for good, anything else completes.
  worker = new Worker<SynthJobData, SynthJobResult>(
    h.queue.name,
    async (job) => {
      if (job.data.text === "fail") throw new UnrecoverableError("invalid_input: nothing pronounceable");
      return {
        audio_key: "k",
        audio_bytes: 44,
        audio_duration_s: 1,
        synthesis_s: 0.1,
        rtf: 0.1,
        sample_rate: 16000,
        voice: job.data.voice,
        speaker: null,
        sentences: 1,
      };
    },
    { connection: workerRedis, autorun: false },
  );
  events = new QueueEvents(h.queue.name, { connection: { url: `${REDIS_URL}/14` } });
  await events.waitUntilReady();
});
afterAll(async () => {
  await worker.close();
  await events.close();
  await workerRedis.quit();
  await h.close();
  await off.close();
});

const submit = (hx: Harness, body: Record<string, unknown>) =>
  request(hx.app)
    .post("/v1/jobs")
    .send({ text: "Hello.", voice: SINGLE.id, ...body });

describe("POST /v1/jobs with webhook_url", () => {
  it("is refused while webhooks are off (no WEBHOOK_SECRET), naming webhook_url", async () => {
    const res = await submit(off, { webhook_url: "https://example.com/hook" });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "webhook_url", message: expect.stringMatching(/WEBHOOK_SECRET/) });
    expect(await off.queue.count()).toBe(0);
  });

  it("refuses a URL past the length limit", async () => {
    const res = await submit(h, { webhook_url: `https://example.com/${"a".repeat(WEBHOOK_URL_MAX_CHARS)}` });
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error).toMatchObject({ field: "webhook_url", message: `webhook_url must be at most ${WEBHOOK_URL_MAX_CHARS} characters` });
  });

  it("does not echo the URL's path or query in the error", async () => {
    const res = await submit(h, { webhook_url: "https://10.0.0.1/hook?token=s3cr3t" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain("s3cr3t");
  });

  it("queues the job under its delivery, which waits for the job's outcome", async () => {
    const res = await submit(h, { webhook_url: HOOK });
    expect(res.status).toBe(202);
    const { id } = res.body as JobAccepted;
    expect(await h.queue.getJobState(id)).toBe("waiting");
    expect(await h.queue.count()).toBeGreaterThanOrEqual(1);
    const webhookQueue = webhookQueueName(h.deps.config.QUEUE_NAME);
    const delivery = JSON.parse((await h.redis.hget(`bull:${webhookQueue}:${id}`, "data"))!) as { url: string; base_url?: string };
    expect(delivery.url).toBe(HOOK);
    // The submit's scheme and Host (supertest's loopback address): the event's links are absolute against it.
    expect(delivery.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const view = (await request(h.app).get(`/v1/jobs/${id}`)).body as JobView;
    expect(view.status).toBe("queued");
    expect(view.webhook).toEqual({ state: "pending", attempts: 0, last_status_code: null, next_attempt_at: null });
  });

  it("a job without webhook_url has no webhook block", async () => {
    const { id } = (await submit(h, {})).body as JobAccepted;
    expect(((await request(h.app).get(`/v1/jobs/${id}`)).body as JobView).webhook).toBeUndefined();
  });

  it("releases the delivery when the job completes and when it fails for good", async () => {
    const done = (await submit(h, { webhook_url: HOOK })).body as JobAccepted;
    const failed = (await submit(h, { text: "fail", webhook_url: HOOK })).body as JobAccepted;
    const finished = Promise.all([waitFor("completed", done.id), waitFor("failed", failed.id)]);
    void worker.run();
    await finished;
    for (const [id, status] of [
      [done.id, "completed"],
      [failed.id, "failed"],
    ] as const) {
      const view = (await request(h.app).get(`/v1/jobs/${id}`)).body as JobView;
      expect(view.status).toBe(status);
      expect(view.webhook?.state).toBe("scheduled");
    }
  });
});

function waitFor(event: "completed" | "failed", id: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = ({ jobId }: { jobId: string }) => {
      if (jobId !== id) return;
      events.off(event, listener);
      resolve();
    };
    events.on(event, listener);
  });
}
