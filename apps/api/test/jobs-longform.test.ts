import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { LONGFORM_JOB_NAME, SYNTH_JOB_NAME, laneQueue, longformChunkJobId, type ErrorBody, type JobAccepted, type JobView } from "@voxqueue/contracts";
import { SINGLE, createHarness, type Harness } from "./helpers.js";

// Redis db 6 (shared with another file; files run one at a time).
let h: Harness;
/** The batch lane's queue: where a long-form job goes, parent and chunks. */
let batch: Queue;
beforeAll(async () => {
  h = await createHarness({ db: 6, env: { MAX_TEXT_CHARS: "200", MAX_LONGFORM_CHARS: "3000", LONGFORM_CHUNK_CHARS: "120", MAX_BODY_BYTES: "1024" } });
  batch = new Queue(laneQueue(h.queue.name, "batch"), { connection: h.redis });
});
afterAll(async () => {
  await batch?.close();
  await h.close();
});

const sentences = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1} of the book.`);
const TEXT = sentences.join(" ");

describe("POST /v1/jobs with a text over MAX_TEXT_CHARS: a long-form job", () => {
  it("queues a parent that waits for one chunk job per group of sentences, each with the job's options, and shows chunk progress", async () => {
    expect(TEXT.length).toBeGreaterThan(200);
    // Over MAX_BODY_BYTES (1 KiB): the body limit of this route rises with MAX_LONGFORM_CHARS.
    expect(Buffer.byteLength(JSON.stringify({ text: TEXT }))).toBeGreaterThan(1024);
    const res = await request(h.app).post("/v1/jobs").send({ text: TEXT, voice: SINGLE.id, priority: 5 });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const { id } = res.body as JobAccepted;
    // The batch lane, even though the request named none: nobody waits for one chunk.
    expect(await h.queue.getJobState(id)).toBe("unknown");
    const parent = await batch.getJob(id);
    expect(parent?.name).toBe(LONGFORM_JOB_NAME);
    expect(await batch.getJobState(id)).toBe("waiting-children");
    const total = parent!.data.longform!.chunks;
    expect(parent?.data.text).toBe(TEXT);
    expect(total).toBeGreaterThan(1);

    const chunks = await Promise.all(Array.from({ length: total }, (_, i) => batch.getJob(longformChunkJobId(id, i))));
    // The chunks are the whole text's sentences, in order, each chunk within the target.
    expect(chunks.map((c) => c!.data.text).join(" ")).toBe(TEXT);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk!.name).toBe(SYNTH_JOB_NAME);
      expect(chunk!.data.chunk).toEqual({ index: i, total });
      expect(chunk!.data.text.length).toBeLessThanOrEqual(120);
      expect(chunk!.parentKey).toBe(`bull:${batch.name}:${id}`);
      expect(chunk!.opts).toMatchObject({ attempts: 2, backoff: { type: "exponential", delay: 60000 }, priority: 5, continueParentOnFailure: true });
    }

    const view = (await request(h.app).get(`/v1/jobs/${id}`)).body as JobView;
    expect(view).toMatchObject({ id, status: "queued", chunks: { done: 0, total } });
    // The list shows the client's job, not its chunks.
    const list = (await request(h.app).get("/v1/jobs")).body as { jobs: { id: string }[] };
    expect(list.jobs.map((j) => j.id)).toEqual([id]);
    // A chunk is not a job of the client's.
    expect((await request(h.app).get(`/v1/jobs/${longformChunkJobId(id, 0)}`)).status).toBe(404);
  });

  it("refuses a text over MAX_LONGFORM_CHARS naming text, SSML naming text_type and piper mode naming text_normalization, queueing nothing", async () => {
    const before = (await h.queue.count()) + (await batch.count());
    const cases = [
      [{ text: "Word. ".repeat(600) }, "text"],
      [{ text: `<speak>${TEXT}</speak>` }, "text_type"],
      [{ text: TEXT, text_normalization: "piper" }, "text_normalization"],
    ] as const;
    for (const [body, field] of cases) {
      const res = await request(h.app).post("/v1/jobs").send(body);
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field });
    }
    expect((await h.queue.count()) + (await batch.count())).toBe(before);
  });
});
