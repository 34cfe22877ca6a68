import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIO_FORMATS, AUDIO_FORMAT_NAMES, type ErrorBody, type JobAccepted } from "@voxqueue/contracts";
import { AAC_PRIMING_SAMPLES, encodeWav } from "@voxqueue/synth/encode";
import { MULTI, createHarness, startStubWorker, type Harness } from "./helpers.js";

const run = promisify(execFile);
// Redis db 12 is this file's alone.
let h: Harness;
let stub: Awaited<ReturnType<typeof startStubWorker>>;
let dir: string;
const RATE = MULTI.sample_rate;
const SECONDS = 3;

/** A 3 s tone as the job's WAV (the worker's real audio is tested elsewhere; here the API's encoding is). */
function toneWav(): Buffer {
  const pcm = Int16Array.from({ length: RATE * SECONDS }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * 330 * i) / RATE)));
  return encodeWav(pcm, RATE);
}
const WAV = toneWav();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vq-api-formats-"));
  h = await createHarness({ db: 12 });
  stub = await startStubWorker(h, async (job) => {
    const key = await h.audioStore.put(job.id!, WAV);
    return {
      audio_key: key,
      audio_bytes: WAV.length,
      audio_duration_s: SECONDS,
      synthesis_s: 0.1,
      rtf: 0.03,
      sample_rate: RATE,
      voice: job.data.voice,
      speaker: job.data.speaker,
      sentences: 1,
    };
  });
});
afterAll(async () => {
  await stub?.close();
  await h?.close();
});

async function completedJob(): Promise<string> {
  const res = await request(h.app).post("/v1/jobs").send({ text: "Hello there." });
  expect(res.status).toBe(202);
  const { id } = res.body as JobAccepted;
  await h.queue.getJob(id).then((job) => job!.waitUntilFinished(stub.events, 30_000));
  return id;
}

/** ffprobe's channels and sample rate, and the seconds ffmpeg decodes (every sample). */
async function decode(bytes: Buffer, ext: string) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.${ext}`);
  await writeFile(file, bytes);
  const input = ext === "pcm" ? ["-f", "s16le", "-ar", String(RATE), "-ac", "1"] : [];
  const probe = await run("ffprobe", ["-v", "error", ...input, "-show_entries", "stream=channels,sample_rate", "-of", "json", file]);
  const stream = (JSON.parse(probe.stdout) as { streams: { channels: number; sample_rate: string }[] }).streams[0]!;
  const pcm = await run("ffmpeg", ["-v", "error", "-xerror", ...input, "-i", file, "-f", "s16le", "-"], { encoding: "buffer", maxBuffer: 1 << 26 });
  return { channels: stream.channels, sampleRate: Number(stream.sample_rate), seconds: pcm.stdout.length / 2 / Number(stream.sample_rate) };
}

describe("GET /v1/jobs/:id/audio in every format", () => {
  it("?format= gives each format with its Content-Type and file name, decodable, mono, within 1 % of the WAV's duration", async () => {
    const id = await completedJob();
    for (const format of AUDIO_FORMAT_NAMES) {
      const res = await request(h.app)
        .get(`/v1/jobs/${id}/audio?format=${format}`)
        .buffer(true)
        .parse((r, cb) => {
          const parts: Buffer[] = [];
          r.on("data", (d: Buffer) => parts.push(d));
          r.on("end", () => cb(null, Buffer.concat(parts)));
        });
      expect(res.status, format).toBe(200);
      const { contentType, extension } = AUDIO_FORMATS[format];
      expect(res.headers["content-type"], format).toBe(contentType);
      expect(res.headers["content-disposition"]).toBe(`inline; filename="${id}.${extension}"`);
      const got = await decode(res.body as Buffer, extension);
      expect(got.channels, format).toBe(1);
      expect(got.sampleRate, format).toBe(format === "opus" ? 48_000 : RATE);
      // ADTS cannot signal AAC's priming: its decoder plays AAC_PRIMING_SAMPLES first (documented).
      const seconds = got.seconds - (format === "aac" ? AAC_PRIMING_SAMPLES / RATE : 0);
      expect(Math.abs(seconds - SECONDS) / SECONDS, format).toBeLessThan(0.01);
    }
  });

  it("Accept chooses the format when there is no ?format= (audio/mpeg → mp3, audio/ogg → opus, */* → wav)", async () => {
    const id = await completedJob();
    const typeFor = async (accept: string) => (await request(h.app).get(`/v1/jobs/${id}/audio`).set("Accept", accept)).headers["content-type"];
    expect(await typeFor("audio/mpeg")).toBe("audio/mpeg");
    expect(await typeFor("audio/ogg")).toBe(AUDIO_FORMATS.opus.contentType);
    expect(await typeFor("audio/flac, audio/wav;q=0.5")).toBe("audio/flac");
    expect(await typeFor("*/*")).toBe("audio/wav");
    expect(await typeFor("text/html")).toBe("audio/wav");
  });

  it("an unknown format is a 400 naming format; a host without ffmpeg answers 400 saying what to install", async () => {
    const id = await completedJob();
    const bad = await request(h.app).get(`/v1/jobs/${id}/audio?format=ogg`);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "format" });
    expect((bad.body as ErrorBody).error.message).toMatch(/wav, pcm, mp3, opus, flac, aac/);

    const noFfmpeg = await createHarness({ db: 13, env: { FFMPEG_PATH: join(dir, "not-installed", "ffmpeg") } });
    try {
      // Checked before the job is looked up: this id names no job there.
      const missing = await request(noFfmpeg.app).get(`/v1/jobs/${id}/audio?format=mp3`);
      expect(missing.status).toBe(400);
      expect((missing.body as ErrorBody).error).toMatchObject({ type: "invalid_input", field: "format" });
      expect((missing.body as ErrorBody).error.message).toMatch(/mp3 needs ffmpeg.*apt-get install ffmpeg/);
      // wav and pcm need no ffmpeg: the look-up happens (404: not that app's job).
      expect((await request(noFfmpeg.app).get(`/v1/jobs/${id}/audio?format=pcm`)).status).toBe(404);
    } finally {
      await noFfmpeg.close();
    }
  });
});
