import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobAccepted, JobView } from "@voxqueue/contracts";
import { redisDbUrl, startStack, type TestStack } from "../src/index.js";

// Logical database 15 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(15);
const CACHE = { AUDIO_CACHE_MAX_BYTES: "16777216", AUDIO_CACHE_TTL_SECONDS: "600" };
const VOICE = "en_US-voxqueue_ref-x_low";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ redisUrl: REDIS_URL, apiEnv: CACHE, workerEnv: CACHE });
});
afterAll(async () => {
  await stack?.stop();
});

async function submit(body: Record<string, unknown>): Promise<JobAccepted> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobAccepted;
}

/** The job once it has ended (long poll). */
async function ended(id: string): Promise<JobView> {
  for (;;) {
    const view = (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}?wait=30`)).json()) as JobView;
    if (view.status === "completed" || view.status === "failed") return view;
  }
}

async function audio(id: string): Promise<Buffer> {
  const res = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function cacheCounts(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${stack.apiUrl}/metrics`)).text();
  const value = (result: string) => Number(new RegExp(`^tts_cache_requests_total\\{result="${result}"\\} (\\S+)$`, "m").exec(text)?.[1]);
  return { hit: value("hit"), miss: value("miss") };
}

describe("audio cache (real API, worker and Redis)", () => {
  it("answers a repeated request from stored audio, without synthesis, as a job the client can poll", async () => {
    const before = await cacheCounts();
    const first = await submit({ text: "The cache keeps this sentence.", voice: VOICE });
    expect(first.status).toBe("queued");
    const firstView = await ended(first.id);
    expect(firstView.status).toBe("completed");
    expect(firstView.result?.cached).toBeUndefined();
    const firstAudio = await audio(first.id);

    // The same request (the API trims the text): a hit.
    const second = await submit({ text: "  The cache keeps this sentence. ", voice: VOICE });
    expect(second.status).toBe("completed");
    expect(second.id).not.toBe(first.id);
    const secondView = (await (await fetch(`${stack.apiUrl}/v1/jobs/${second.id}`)).json()) as JobView;
    expect(secondView).toMatchObject({
      id: second.id,
      status: "completed",
      attempts: 0,
      result: { cached: true, synthesis_s: 0, audio_duration_s: firstView.result!.audio_duration_s },
    });
    // The first job's word timings come with it (same text, same audio): its captions too.
    expect(secondView.result?.word_timings).toBe("model_durations");
    expect(secondView.result?.words).toEqual(firstView.result?.words);
    expect((await fetch(`${stack.apiUrl}/v1/jobs/${second.id}/captions`)).status).toBe(200);
    // The same bytes: VITS noise was sampled once, for the first job.
    expect((await audio(second.id)).equals(firstAudio)).toBe(true);
    const events = await (await fetch(`${stack.apiUrl}/v1/jobs/${second.id}/events`)).text();
    expect(events).toContain('"status":"completed"');
    expect(await cacheCounts()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });

    // Another scale is another audio: a miss, synthesized.
    const third = await submit({ text: "The cache keeps this sentence.", voice: VOICE, noise_scale: 0.3 });
    expect(third.status).toBe("queued");
    expect((await ended(third.id)).result?.cached).toBeUndefined();
    expect(await cacheCounts()).toEqual({ hit: before.hit + 1, miss: before.miss + 2 });
  }, 120_000);

  it("keys on everything that changes the audio: a line break, the text type, the speaker's name", async () => {
    const text = "Shopping list\nmilk\neggs";
    const first = await submit({ text, voice: VOICE });
    await ended(first.id);
    // A line break ends a sentence in standard mode (with its pause): not the text with spaces.
    const spaced = await submit({ text: "Shopping list milk eggs", voice: VOICE });
    expect(spaced.status).toBe("queued");
    const [listView, spacedView] = [await ended(first.id), await ended(spaced.id)];
    expect(spacedView.result!.audio_duration_s).not.toBe(listView.result!.audio_duration_s);

    // <speak> read as SSML, or literally (text_type text): two audios.
    const ssml = '<speak>Two <break time="500ms"/> readings.</speak>';
    await ended((await submit({ text: ssml, voice: VOICE })).id);
    expect((await submit({ text: ssml, voice: VOICE, text_type: "text" })).status).toBe("queued");
    expect((await submit({ text: ssml, voice: VOICE })).status).toBe("completed");

    // Speaker names resolve in the worker (speaker_id null for both): still two audios.
    const multi = "en_US-voxqueue_ref_multi-x_low";
    await ended((await submit({ text: "Which speaker is this?", voice: multi, speaker: "speaker_0" })).id);
    expect((await submit({ text: "Which speaker is this?", voice: multi, speaker: "speaker_1" })).status).toBe("queued");
    expect((await submit({ text: "Which speaker is this?", voice: multi, speaker: "speaker_0" })).status).toBe("completed");
  }, 120_000);

  it("answers a repeated OpenAI speech request from the cache, as a job of the jobs API", async () => {
    const speech = async (body: Record<string, unknown>) => {
      const res = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "tts-1", voice: VOICE, ...body }),
      });
      expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
      return { id: res.headers.get("x-voxqueue-job-id")!, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") };
    };
    const before = await cacheCounts();
    const input = "Speech from the cache, twice.";
    const first = await speech({ input, response_format: "wav" });
    const again = await speech({ input, response_format: "wav" });
    expect(again.id).not.toBe(first.id);
    expect(again.type).toBe("audio/wav");
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect((await (await fetch(`${stack.apiUrl}/v1/jobs/${again.id}`)).json()) as JobView).toMatchObject({ status: "completed", result: { cached: true } });
    expect(await cacheCounts()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });

    // Streamed (pcm): its first sentence is split at a clause, so it is its own entry; a repeat is a hit.
    const streamed = await speech({ input, response_format: "pcm" });
    const streamedAgain = await speech({ input, response_format: "pcm" });
    expect(streamedAgain.bytes.equals(streamed.bytes)).toBe(true);
    expect(((await (await fetch(`${stack.apiUrl}/v1/jobs/${streamedAgain.id}`)).json()) as JobView).result?.cached).toBe(true);
    const sse = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tts-1", voice: VOICE, input, response_format: "pcm", stream_format: "sse" }),
    });
    const events = (await sse.text())
      .split("\n\n")
      .filter(Boolean)
      .map((b) => JSON.parse(b.replace(/^data: /, "")) as { type: string; audio?: string });
    expect(events.map((e) => e.type)).toEqual(["speech.audio.delta", "speech.audio.done"]);
    expect(Buffer.from(events[0]!.audio!, "base64").equals(streamed.bytes)).toBe(true);
    expect(await cacheCounts()).toEqual({ hit: before.hit + 3, miss: before.miss + 2 });
  }, 120_000);
});
