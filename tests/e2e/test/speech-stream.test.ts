import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "@voxqueue/contracts";
import { decodeAudio, redisDbUrl, startStack, type TestStack } from "../src/index.js";

// Logical database 12 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(12);
/** Ten sentences, the first with a clause to split at. */
const TEN = [
  "When the storm came in from the west, the waves climbed the sea wall.",
  "The next morning, volunteers swept the stones back into the water.",
  "The baker on the corner sold out of rye bread first.",
  "Children carried small sweet rolls to school in paper bags.",
  "The lighthouse keeper still walks up the hill every evening.",
  "He says the timing has drifted by four seconds.",
  "Nobody has been able to prove him wrong.",
  "In spring the council repaints the railings.",
  "They argued for a whole winter about the colour.",
  "In the end they chose the same pale green as before.",
].join(" ");

let stack: TestStack;
let client: OpenAI;
beforeAll(async () => {
  stack = await startStack({ redisUrl: REDIS_URL });
  client = new OpenAI({ baseURL: `${stack.apiUrl}/v1`, apiKey: "sk-voxqueue-test", maxRetries: 0, timeout: 120_000 });
});
afterAll(async () => {
  await stack?.stop();
});

const view = async (id: string, wait = "") => (await (await fetch(`${stack.apiUrl}/v1/jobs/${id}${wait}`)).json()) as JobView;
const wavOf = async (id: string) => decodeAudio(new Uint8Array(await (await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`)).arrayBuffer()));

/** Reads a web stream to its end; `first` is called with the first chunk, before the rest is read. */
async function readAll(body: ReadableStream<Uint8Array>, first?: () => Promise<void>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    if (parts.length === 1) await first?.();
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

describe("sentence streaming", () => {
  it("the openai SDK's response body arrives chunk by chunk while the job is still running (pcm)", async () => {
    const t0 = performance.now();
    const { data: response, response: raw } = await client.audio.speech
      .create({ model: "tts-1", voice: "alloy", input: TEN, response_format: "pcm" })
      .withResponse();
    const id = raw.headers.get("x-voxqueue-job-id")!;
    let statusAtFirst = "";
    let firstAt = 0;
    const { bytes, chunks } = await readAll(response.body!, async () => {
      firstAt = performance.now();
      statusAtFirst = (await view(id)).status;
    });
    const wholeAt = performance.now();
    // The first audio left before the job ended: the job was still active when it arrived.
    expect(statusAtFirst).toBe("active");
    expect(chunks).toBeGreaterThan(1);
    const reference = await wavOf(id);
    const got = await decodeAudio(bytes, reference.sampleRate);
    expect(Math.abs(got.seconds - reference.seconds) / reference.seconds).toBeLessThan(0.01);
    console.log(JSON.stringify({ test: "stream-pcm", first_audio_s: (firstAt - t0) / 1000, whole_s: (wholeAt - t0) / 1000, audio_s: reference.seconds }));
  });

  it("stream_format sse sends OpenAI's speech.audio.delta events (base64 mp3) and speech.audio.done", async () => {
    const res = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tts-1", voice: "alloy", input: TEN, response_format: "mp3", stream_format: "sse" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const events = text
      .split("\n\n")
      .filter(Boolean)
      .map((block) => JSON.parse(block.replace(/^data: /, "")) as { type: string; audio?: string; usage?: object });
    expect(events.length).toBeGreaterThan(2);
    expect(events.slice(0, -1).every((e) => e.type === "speech.audio.delta")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "speech.audio.done", usage: { input_tokens: TEN.length } });
    const mp3 = Buffer.concat(events.slice(0, -1).map((e) => Buffer.from(e.audio!, "base64")));
    const reference = await wavOf(res.headers.get("x-voxqueue-job-id")!);
    const got = await decodeAudio(mp3);
    expect(got.channels).toBe(1);
    // A streamed MP3 has no LAME header to trim the encoder delay (< 2 frames).
    expect(Math.abs(got.seconds - reference.seconds)).toBeLessThan(0.01 * reference.seconds + 2304 / got.sampleRate);
  });

  it("a client that disconnects mid-stream cancels nothing: the job completes and its audio stays fetchable", async () => {
    const abort = new AbortController();
    const res = await fetch(`${stack.apiUrl}/v1/audio/speech`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tts-1", voice: "alloy", input: TEN, response_format: "opus" }),
      signal: abort.signal,
    });
    const id = res.headers.get("x-voxqueue-job-id")!;
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    expect((await view(id, "?wait=60")).status).toBe("completed");
    const audio = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio?format=opus`);
    expect(audio.status).toBe(200);
    expect((await decodeAudio(new Uint8Array(await audio.arrayBuffer()))).seconds).toBeGreaterThan(5);
  });

  it("GET /v1/jobs/:id/audio/stream streams a job of the jobs API while it is active, then its stored audio once it is done", async () => {
    const submitted = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: TEN }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const res = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio/stream?format=aac`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/aac");
    const { bytes, chunks } = await readAll(res.body!);
    expect(chunks).toBeGreaterThan(1);
    const reference = await wavOf(id);
    expect((await decodeAudio(bytes)).seconds).toBeGreaterThan(reference.seconds * 0.99);
    // Once done: the same route answers from the stored audio.
    const again = await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio/stream?format=pcm`);
    const pcm = new Uint8Array(await again.arrayBuffer());
    expect(pcm.length / 2 / reference.sampleRate).toBeCloseTo(reference.seconds, 3);
    expect((await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio/stream?format=ogg`)).status).toBe(400);
  });

  it("counts time to first audio in tts_time_to_first_audio_seconds", async () => {
    const metrics = await (await fetch(`${stack.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/tts_time_to_first_audio_seconds_count\{route="\/v1\/audio\/speech",format="pcm"\} [1-9]/);
  });
});
