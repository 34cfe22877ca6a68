import { Queue } from "bullmq";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIO_FORMATS, AUDIO_FORMAT_NAMES, type AudioFormat } from "@voxqueue/contracts";
import { AAC_PRIMING_SAMPLES } from "@voxqueue/synth/encode";
import { decodeAudio, redisDbUrl, startStack, type TestStack } from "../src/index.js";

// Logical database 15 of the local Redis belongs to this file.
const REDIS_URL = redisDbUrl(15);
const TEXT = "The harbour wakes before the town does. Fishing boats slide out past the breakwater.";

let stack: TestStack;
let client: OpenAI;
let queue: Queue;
beforeAll(async () => {
  stack = await startStack({ redisUrl: REDIS_URL, apiEnv: { MAX_TEXT_CHARS: "300" } });
  // The official SDK, pointed at voxqueue: what users' code does.
  client = new OpenAI({ baseURL: `${stack.apiUrl}/v1`, apiKey: "sk-voxqueue-test", maxRetries: 0, timeout: 120_000 });
  queue = new Queue(stack.queueName, { connection: { url: REDIS_URL } });
});
afterAll(async () => {
  await queue?.close();
  await stack?.stop();
});

/** Jobs ever added to the test's queue. */
const jobsQueued = async () => Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);

describe("POST /v1/audio/speech with the openai SDK", () => {
  it("lists the speech models in OpenAI's list shape", async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      expect(model).toMatchObject({ object: "model", owned_by: "voxqueue" });
      ids.push(model.id);
    }
    expect(ids).toEqual(["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]);
    expect((await client.models.retrieve("tts-1")).id).toBe("tts-1");
  });

  it("returns decodable audio in every format, with its Content-Type, as long as the job's WAV", async () => {
    for (const format of AUDIO_FORMAT_NAMES) {
      const { data, response } = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: TEXT, response_format: format }).withResponse();
      expect(response.headers.get("content-type"), format).toBe(AUDIO_FORMATS[format].contentType);
      const id = response.headers.get("x-voxqueue-job-id")!;
      const bytes = new Uint8Array(await data.arrayBuffer());
      // The same job through the jobs API, as WAV: the reference length.
      const wav = new Uint8Array(await (await fetch(`${stack.apiUrl}/v1/jobs/${id}/audio`)).arrayBuffer());
      const reference = await decodeAudio(wav);
      const got = await decodeAudio(bytes, format === "pcm" ? reference.sampleRate : undefined);
      expect(got.channels, format).toBe(1);
      expect(got.sampleRate, format).toBe(format === "opus" ? 48_000 : reference.sampleRate);
      const seconds = got.seconds - (format === "aac" ? AAC_PRIMING_SAMPLES / got.sampleRate : 0);
      // mp3 streams (chunked) without the LAME header that trims its encoder delay: < 2 frames more.
      const slack = format === "mp3" ? 2304 / got.sampleRate : 0;
      expect(Math.abs(seconds - reference.seconds), format).toBeLessThan(0.01 * reference.seconds + slack);
    }
  });

  it("maps voices and speed: an installed voice id works directly, OpenAI names pick a speaker, speed 2 halves the audio", async () => {
    const speak = async (body: Partial<OpenAI.Audio.SpeechCreateParams>) => {
      const { data, response } = await client.audio.speech
        .create({ model: "tts-1", voice: "alloy", input: TEXT, response_format: "wav", ...body })
        .withResponse();
      const job = (await (await fetch(`${stack.apiUrl}/v1/jobs/${response.headers.get("x-voxqueue-job-id")}`)).json()) as {
        result: { voice: string; speaker: string | null; audio_duration_s: number };
      };
      expect((await decodeAudio(new Uint8Array(await data.arrayBuffer()))).seconds).toBeCloseTo(job.result.audio_duration_s, 2);
      return job.result;
    };
    expect(await speak({ voice: "en_US-voxqueue_ref-x_low" })).toMatchObject({ voice: "en_US-voxqueue_ref-x_low", speaker: null });
    // tts-1's pairs (x_low voices by id): ref-x_low, then the multi-speaker voice's speakers.
    expect(await speak({ voice: "echo" })).toMatchObject({ voice: "en_US-voxqueue_ref_multi-x_low" });
    const normal = await speak({ voice: "alloy", instructions: "Speak calmly." });
    const fast = await speak({ voice: "alloy", speed: 2 });
    expect(fast.audio_duration_s / normal.audio_duration_s).toBeGreaterThan(0.35);
    expect(fast.audio_duration_s / normal.audio_duration_s).toBeLessThan(0.65);
  });

  it("answers bad requests 400 in OpenAI's error shape naming the param, and queues nothing", async () => {
    const before = await jobsQueued();
    const bad = async (body: Record<string, unknown>) => {
      const err = await client.audio.speech
        .create({ model: "tts-1", voice: "alloy", input: TEXT, ...body } as OpenAI.Audio.SpeechCreateParams)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      const e = err as InstanceType<typeof OpenAI.BadRequestError>;
      expect(e.status).toBe(400);
      expect(e.type).toBe("invalid_request_error");
      expect(e.code).toBe("invalid_input");
      return e.param;
    };
    expect(await bad({ model: "tts-9" })).toBe("model");
    expect(await bad({ voice: "nobody" })).toBe("voice");
    expect(await bad({ response_format: "ogg" as AudioFormat })).toBe("response_format");
    expect(await bad({ speed: 4.5 })).toBe("speed");
    expect(await bad({ speed: 0.1 })).toBe("speed");
    expect(await bad({ input: "" })).toBe("input");
    expect(await bad({ input: "   " })).toBe("input");
    expect(await bad({ input: "x".repeat(301) })).toBe("input");
    expect(await bad({ stream_format: "chunks" })).toBe("stream_format");
    expect(await jobsQueued()).toBe(before);
  });
});
