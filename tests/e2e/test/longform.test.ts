import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { laneQueue, longformChunkJobId, type JobView } from "@voxqueue/contracts";
import { decodeAudio, freePort, redisDbUrl, startApp, startStack, until, type AppProcess, type TestStack } from "../src/index.js";

// Logical database 9 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(9);
const VOICE = "en_US-voxqueue_ref-x_low";
/** Texts over this many characters are long-form jobs on the stack's API. */
const MAX_TEXT_CHARS = 500;
const CHUNK_CHARS = 300;

// Prose with list lines and a heading, whose sentences read differently alone (a line end's
// full stop): the split has to move boundaries for them.
const TEXT = [
  "Chapter One",
  "",
  "Every morning the harbour wakes before the town does, and the first boats slide out past the breakwater while the streets are still dark.",
  "Dr. Smith paid $3.14 on Jan. 5, 2024, for a coffee at 10 a.m. and then walked to the station.",
  "Things to bring:",
  "1. A warm coat",
  "2. Two sandwiches",
  "- A map of the hills",
  "The river rises quickly in spring when the snow melts in the mountains, so the farmers move their cattle to the higher fields in the first week of April.",
  "Is this the right way to the museum? Nobody answered. The lights went out, the music stopped, and for a few seconds the whole room held its breath.",
  "After dinner they walked along the beach, talking about old friends, new plans and the places they still wanted to see before they grew too old to travel.",
  "The library on the corner stays open late on Wednesdays, and the reading room upstairs is usually empty after seven, which makes it the best place in town to work in peace.",
  "When the storm finally passed, the whole village came out to clear the road, carrying shovels, buckets and flasks of hot tea for the volunteers.",
].join("\n");

let stack: TestStack;
/** A second API on the same queue whose MAX_TEXT_CHARS takes the whole text as one job. */
let oneJobApi: AppProcess;
let oneJobApiUrl: string;
beforeAll(async () => {
  // One inference thread with one onnxruntime thread per worker: the same arithmetic in every process.
  const workerEnv = { WORKER_CONCURRENCY: "1", INFERENCE_THREADS: "1", ORT_INTRA_OP_THREADS: "1", MAX_AUDIO_SECONDS: "240" };
  stack = await startStack({
    redisUrl: REDIS_URL,
    workers: 2,
    workerEnv,
    apiEnv: { MAX_TEXT_CHARS: String(MAX_TEXT_CHARS), LONGFORM_CHUNK_CHARS: String(CHUNK_CHARS) },
  });
  const port = await freePort();
  oneJobApi = startApp("api", { REDIS_URL, QUEUE_NAME: stack.queueName, PORT: String(port), HOST: "127.0.0.1", MAX_TEXT_CHARS: "10000" });
  oneJobApiUrl = `http://127.0.0.1:${port}`;
  await until("second API /readyz", async () => ((await fetch(`${oneJobApiUrl}/readyz`)).ok ? true : undefined), 120_000);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), oneJobApi?.stop()]);
});

async function submit(apiUrl: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/** Polls the job's view until it ends, keeping every view seen. */
async function finished(apiUrl: string, id: string, seen: JobView[] = []): Promise<JobView> {
  return until(
    `job ${id}`,
    async () => {
      const view = (await (await fetch(`${apiUrl}/v1/jobs/${id}`)).json()) as JobView;
      seen.push(view);
      return view.status === "completed" || view.status === "failed" ? view : undefined;
    },
    170_000,
    100,
  );
}

async function audioOf(apiUrl: string, id: string): Promise<Buffer> {
  const res = await fetch(`${apiUrl}/v1/jobs/${id}/audio`);
  expect(res.status).toBe(200);
  const wav = Buffer.from(await res.arrayBuffer());
  expect(Number(res.headers.get("content-length"))).toBe(wav.length);
  return wav;
}

describe("long-form jobs: a text over MAX_TEXT_CHARS split into chunk jobs and stitched (real processes)", () => {
  it("gives the same WAV bytes as one job of the whole text (noise off), with chunk progress on the job", async () => {
    const body = { text: TEXT, voice: VOICE, noise_scale: 0, noise_w: 0, length_scale: 1 };
    const id = await submit(stack.apiUrl, body);
    const seen: JobView[] = [];
    const view = await finished(stack.apiUrl, id, seen);
    expect(view.status, JSON.stringify(view.error)).toBe("completed");
    const total = view.chunks!.total;
    expect(total).toBeGreaterThanOrEqual(TEXT.length / CHUNK_CHARS - 1);
    expect(view.chunks).toEqual({ done: total, total });
    // Progress only moves forward, from the views polled while the chunks ran.
    const done = seen.map((v) => v.chunks!.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(seen.every((v) => v.chunks!.total === total)).toBe(true);

    // Each chunk is a job of its own with the job's attempts, on the batch lane, run by both workers.
    const queue = new Queue(laneQueue(stack.queueName, "batch"), { connection: { url: REDIS_URL } });
    try {
      const chunk = await queue.getJob(longformChunkJobId(id, 0));
      expect(chunk?.opts.attempts).toBe(3);
    } finally {
      await queue.close();
    }
    const ran = stack.workers.map((w) => w.logs().filter((l) => l.msg === "job synthesized" && String(l.job_id).startsWith(`${id}-chunk-`)).length);
    expect(ran.reduce((a, b) => a + b, 0)).toBe(total);
    expect(
      ran.every((n) => n > 0),
      `chunks per worker: ${ran.join(", ")}`,
    ).toBe(true);

    const longform = await audioOf(stack.apiUrl, id);
    const single = await finished(oneJobApiUrl, await submit(oneJobApiUrl, body));
    expect(single.status).toBe("completed");
    expect(single.chunks).toBeUndefined();
    const whole = await audioOf(oneJobApiUrl, single.id);
    expect(longform.length).toBe(whole.length);
    expect(longform.equals(whole)).toBe(true);
    // The header's sizes are the file's, and a real decoder reads every sample.
    expect(longform.readUInt32LE(4)).toBe(longform.length - 8);
    expect(longform.readUInt32LE(40)).toBe(longform.length - 44);
    const decoded = await decodeAudio(longform);
    expect(decoded.seconds).toBeCloseTo(view.result!.audio_duration_s, 3);
    expect(view.result!.audio_duration_s).toBeCloseTo(single.result!.audio_duration_s, 6);
  });

  it("fails the job with the failing chunk's error when a chunk fails for good", async () => {
    // One sentence of ~2,800 characters is a chunk of its own: at length_scale 5 the worker's
    // estimate from its phonemes passes the workers' MAX_AUDIO_SECONDS (240 s) before any
    // inference, while the API's estimate from characters stays under its own (600 s).
    const long = `It went on${" and on".repeat(400)} until the end.`;
    const id = await submit(stack.apiUrl, { text: `A short start. ${long} A short end.`, voice: VOICE, length_scale: 5 });
    const view = await finished(stack.apiUrl, id);
    expect(view.status).toBe("failed");
    expect(view.error?.type).toBe("invalid_input");
    expect(view.error?.message).toMatch(/^chunk 2 of 3: .*MAX_AUDIO_SECONDS/);
  });

  it("refuses SSML and piper mode over MAX_TEXT_CHARS, naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ voice: VOICE, text: `<speak>${TEXT}</speak>`, text_type: "ssml" }, "text_type"],
      [{ voice: VOICE, text: TEXT, text_normalization: "piper" }, "text_normalization"],
    ];
    for (const [body, field] of cases) {
      const res = await fetch(`${stack.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
  });
});
