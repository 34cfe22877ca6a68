import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { AudioStore } from "@voxqueue/audio-store";
import { parseWorkerEnv } from "@voxqueue/config";
import { SYNTH_JOB_NAME, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { createLogger } from "@voxqueue/telemetry";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { startWorker, type WorkerHandle } from "../src/worker-app.js";

// MAX_AUDIO_SECONDS in a real worker on real Redis (logical db 15: the fleet keys are
// fixed names), x_low reference voice: a clearly-too-long text fails before inference,
// one that passes the limit mid-synthesis is stopped there, and one within it is stored
// in pieces that read back as one valid WAV.
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const REDIS_URL = `redis://${REDIS.host}/15`;
const VOICE = "en_US-voxqueue_ref-x_low";
const QUEUE = `bounded-audio-test-${process.pid}`;
const MAX_AUDIO_SECONDS = 4;

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

const logs = new Lines();
let connection: Redis;
let queue: Queue<SynthJobData, SynthJobResult>;
let events: QueueEvents;
let handle: WorkerHandle;
beforeAll(async () => {
  const voicesDir = await mkdtemp(join(tmpdir(), "vq-bounded-"));
  await ensureReferenceVoices(voicesDir, { only: [VOICE] });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(QUEUE, { connection });
  events = new QueueEvents(QUEUE, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }) });
  await events.waitUntilReady();
  const config = parseWorkerEnv({
    REDIS_URL,
    QUEUE_NAME: QUEUE,
    VOICES_DIR: voicesDir,
    WORKER_METRICS_HOST: "127.0.0.1",
    WORKER_METRICS_PORT: "0",
    ORT_INTRA_OP_THREADS: "1",
    MAX_AUDIO_SECONDS: String(MAX_AUDIO_SECONDS),
  });
  handle = await startWorker(config, createLogger("worker-test", "info", logs));
}, 120_000);

afterAll(async () => {
  await handle?.close(0);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await events.close();
  await connection.quit();
}, 30_000);

function data(text: string, lengthScale = 1): SynthJobData {
  return {
    text,
    voice: VOICE,
    speaker: null,
    speaker_id: null,
    length_scale: lengthScale,
    noise_scale: 0.667,
    noise_w: 0.8,
    trace: {},
    submitted_at: Date.now(),
  };
}

/** The job's failed reason once it has failed (attempts: 1). */
async function failure(text: string, lengthScale = 1): Promise<string> {
  const job = await queue.add(SYNTH_JOB_NAME, data(text, lengthScale), { attempts: 1 });
  await expect(job.waitUntilFinished(events, 120_000)).rejects.toThrow();
  return (await queue.getJob(job.id!))!.failedReason;
}

describe("MAX_AUDIO_SECONDS", () => {
  it("fails a text whose estimate is clearly over before any inference, naming the limit", async () => {
    const reason = await failure("A long sentence that would take far too long to read out at this speed. ".repeat(6), 5);
    expect(reason).toMatch(/^invalid_input: the audio would be at least \d+ s .* over MAX_AUDIO_SECONDS \(4 s\)/);
  }, 120_000);

  it("stops a job as soon as its audio passes the limit (the estimate let it start), naming the limit", async () => {
    // Short sentences: the estimate (a lower bound) stays under 4 s, the audio does not.
    const reason = await failure("One two three. Four five six. Seven eight nine. Ten eleven twelve. Thirteen fourteen. Fifteen sixteen.");
    expect(reason).toMatch(/^invalid_input: the audio passed MAX_AUDIO_SECONDS \(4 s\) at sentence \d+/);
    // Nothing of the failed job is left in Redis.
    await vi.waitFor(async () => expect(await connection.keys("{voxqueue:audio:*}:partial:*")).toEqual([]), { timeout: 10_000 });
  }, 120_000);

  it("stores a job within the limit in pieces that read back as one WAV of the reported length", async () => {
    const job = await queue.add(SYNTH_JOB_NAME, data("Hello there. How are you?"), { attempts: 1 });
    const result = (await job.waitUntilFinished(events, 120_000)) as SynthJobResult;
    expect(result.audio_duration_s).toBeLessThanOrEqual(MAX_AUDIO_SECONDS);
    expect(await connection.type(result.audio_key)).toBe("list");
    expect(await connection.llen(result.audio_key)).toBeGreaterThan(2); // header, sentence, silence + sentence
    const wav = (await new AudioStore(connection, 60).get(String(job.id)))!;
    expect(wav.length).toBe(result.audio_bytes);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect((wav.length - 44) / 2 / result.sample_rate).toBeCloseTo(result.audio_duration_s, 6);
  }, 120_000);
});
