import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody, JobAccepted, JobView } from "@voxqueue/contracts";
import { captions } from "../src/captions.js";
import { createHarness, fakeWav, startStubWorker, type Harness } from "./helpers.js";

// Redis db 10 is this file's alone. A BullMQ worker stands in for ours (whose timings are
// tested in apps/worker): here the API's side is tested, the view and the caption formats.
let h: Harness;
let stub: Awaited<ReturnType<typeof startStubWorker>>;
const WORDS = [
  { word: "Dr.", start_s: 0.1, end_s: 0.5, start: 0, end: 3 },
  { word: "Smith", start_s: 0.5, end_s: 0.9, start: 4, end: 9 },
  { word: "left.", start_s: 0.9, end_s: 1.3, start: 10, end: 15 },
  { word: "Bye", start_s: 1.55, end_s: 1.9, start: 16, end: 19 },
];

beforeAll(async () => {
  h = await createHarness({ db: 10 });
  stub = await startStubWorker(h, async (job) => {
    const wav = fakeWav();
    const key = await h.audioStore.put(job.id!, wav);
    const timed = job.data.text.startsWith("Dr.");
    return {
      ...{
        audio_key: key,
        audio_bytes: wav.length,
        audio_duration_s: 2,
        synthesis_s: 0.1,
        rtf: 0.05,
        sample_rate: 22050,
        voice: job.data.voice,
        speaker: null,
        sentences: 2,
      },
      ...(timed ? { word_timings: "model_durations" as const, words: WORDS } : { word_timings: "unavailable" as const }),
    };
  });
});
afterAll(async () => {
  await stub?.close();
  await h?.close();
});

async function completedJob(text: string): Promise<string> {
  const res = await request(h.app).post("/v1/jobs").send({ text });
  expect(res.status).toBe(202);
  const { id } = res.body as JobAccepted;
  await h.queue.getJob(id).then((job) => job!.waitUntilFinished(stub.events, 30_000));
  return id;
}

describe("word timings and captions", () => {
  it("shows the words with their timings in the job's result", async () => {
    const id = await completedJob("Dr. Smith left. Bye");
    const view = (await request(h.app).get(`/v1/jobs/${id}`)).body as JobView;
    expect(view.result).toMatchObject({ word_timings: "model_durations", words: WORDS });
  });

  it("GET /v1/jobs/:id/captions gives WebVTT by default and SubRip with format=srt", async () => {
    const id = await completedJob("Dr. Smith left. Bye");
    const vtt = await request(h.app).get(`/v1/jobs/${id}/captions`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers["content-type"]).toMatch(/^text\/vtt/u);
    expect(vtt.text).toBe("WEBVTT\n\n00:00:00.100 --> 00:00:01.300\nDr. Smith left.\n\n00:00:01.550 --> 00:00:01.900\nBye\n");
    const srt = await request(h.app).get(`/v1/jobs/${id}/captions?format=srt`);
    expect(srt.status).toBe(200);
    expect(srt.text).toBe("1\n00:00:00,100 --> 00:00:01,300\nDr. Smith left.\n\n2\n00:00:01,550 --> 00:00:01,900\nBye\n");
  });

  it("answers 404 saying why when the voice gave no timings, and 400 naming format for an unknown one", async () => {
    const id = await completedJob("No timings here.");
    expect(((await request(h.app).get(`/v1/jobs/${id}`)).body as JobView).result?.word_timings).toBe("unavailable");
    const none = await request(h.app).get(`/v1/jobs/${id}/captions`);
    expect(none.status).toBe(404);
    expect((none.body as ErrorBody).error.message).toMatch(/no word timings/u);
    const bad = await request(h.app).get(`/v1/jobs/${id}/captions?format=ass`);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "format" });
  });

  it("cuts cues at eight words", () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ word: `w${i}`, start_s: i * 0.2, end_s: i * 0.2 + 0.2 }));
    expect(captions(many, "vtt").split("\n\n").length).toBe(3); // header, 8 words, 2 words
  });
});
