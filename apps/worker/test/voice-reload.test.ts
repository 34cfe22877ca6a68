import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { AudioStore } from "@voxqueue/audio-store";
import { parseWorkerEnv, type EnvSource } from "@voxqueue/config";
import { FleetRegistry } from "@voxqueue/fleet";
import { SYNTH_JOB_NAME, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { createLogger, type Logger } from "@voxqueue/telemetry";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { startWorker, type WorkerHandle } from "../src/worker-app.js";

// Hot voice reload with a real worker (startWorker in this process, and the worker
// process for SIGHUP) on real Redis (logical db 14 is this file's alone: the fleet keys
// are fixed names) with copies of the reference voices (seeded weights: their audio is
// noise). Every wait is on a log line, the catalog or a job's end.
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const REDIS_URL = `redis://${REDIS.host}/14`;
const X_LOW = "en_US-voxqueue_ref-x_low";
const MULTI = "en_US-voxqueue_ref_multi-x_low";
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const WAIT = { timeout: 120_000, interval: 100 };

/** JSON log lines written to memory. */
class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

let forged: string;
let redis: Redis;
let queue: Queue<SynthJobData, SynthJobResult>;
let events: QueueEvents;
const queueName = `voice-reload-test-${process.pid}`;

/** Copies reference voice `from` into `dir` as voice `id`: model first, config last, each by rename (as the README says to). */
async function install(from: string, dir: string, id: string): Promise<void> {
  for (const ext of [".onnx", ".onnx.json"]) {
    await copyFile(join(forged, `${from}${ext}`), join(dir, `.${id}${ext}.tmp`));
    await rename(join(dir, `.${id}${ext}.tmp`), join(dir, `${id}${ext}`));
  }
}

function config(dir: string, env: EnvSource = {}) {
  return parseWorkerEnv({
    REDIS_URL,
    QUEUE_NAME: queueName,
    VOICES_DIR: dir,
    WORKER_METRICS_HOST: "127.0.0.1",
    WORKER_METRICS_PORT: "0",
    INFERENCE_THREADS: "1",
    ORT_INTRA_OP_THREADS: "1",
    VOICES_WATCH_DEBOUNCE_MS: "200",
    LOG_LEVEL: "info",
    ...env,
  });
}

function logger(): { logs: Lines; logger: Logger } {
  const logs = new Lines();
  return { logs, logger: createLogger("voice-reload-test", "info", logs) };
}

const catalog = async () => (await new FleetRegistry(redis).voices(60_000)).map((v) => v.id);

/** Submits a job (noise off: the same model gives the same samples) and returns its WAV once completed. */
async function synthesizeJob(voice: string, text: string): Promise<{ id: string; wav: Buffer }> {
  const data: SynthJobData = { text, voice, speaker: null, speaker_id: null, length_scale: 1, noise_scale: 0, noise_w: 0, trace: {}, submitted_at: Date.now() };
  const job = await queue.add(SYNTH_JOB_NAME, data, { attempts: 1 });
  await job.waitUntilFinished(events, 600_000);
  const wav = await new AudioStore(redis, 600).get(String(job.id));
  if (!wav) throw new Error(`no audio for job ${job.id}`);
  return { id: String(job.id), wav };
}

beforeAll(async () => {
  forged = await mkdtemp(join(tmpdir(), "vq-voice-reload-forged-"));
  await ensureReferenceVoices(forged, { only: [X_LOW, MULTI] });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  queue = new Queue(queueName, { connection: redis });
  events = new QueueEvents(queueName, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }) });
  await events.waitUntilReady();
}, 180_000);
afterAll(async () => {
  await events?.close();
  await queue?.close();
  await redis?.quit();
});

const handles: WorkerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close(0)));
  await redis.flushdb();
}, 60_000);

describe("hot voice reload (VOICES_DIR watched)", () => {
  it("a voice copied in is served and catalogued without a restart; a broken replacement is refused and the old one keeps serving; a removed one leaves the catalog", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-voice-reload-"));
    await install(X_LOW, dir, "a");
    const { logs, logger: log } = logger();
    const handle = await startWorker(config(dir), log);
    handles.push(handle);
    expect(await catalog()).toEqual(["a"]);

    // Added.
    await install(MULTI, dir, "b");
    await vi.waitFor(async () => expect(await catalog()).toEqual(["a", "b"]), WAIT);
    expect(handle.voices).toEqual(["a", "b"]);
    expect(logs.lines.find((l) => l.msg === "voice added")).toMatchObject({ voice: "b", execution_provider: "cpu" });
    const fromB = await synthesizeJob("b", "A voice that came in while the worker ran.");
    expect(fromB.wav.length).toBeGreaterThan(44);

    // A broken replacement: refused with a warning, "a" serves as before.
    const before = await synthesizeJob("a", "Still the same model.");
    await writeFile(join(dir, ".a.onnx.tmp"), "not a model\n");
    await rename(join(dir, ".a.onnx.tmp"), join(dir, "a.onnx"));
    await vi.waitFor(() => expect(logs.lines.some((l) => String(l.msg).startsWith("voice refused") && l.voice === "a")).toBe(true), WAIT);
    const refusal = logs.lines.find((l) => String(l.msg).startsWith("voice refused") && l.voice === "a")!;
    expect(refusal).toMatchObject({ level: "warn", file: join(dir, "a.onnx"), err: expect.stringMatching(/protobuf parsing failed/i) });
    expect(refusal.msg).toMatch(/the old one keeps serving/);
    expect(await catalog()).toEqual(["a", "b"]);
    const after = await synthesizeJob("a", "Still the same model.");
    expect(after.wav.equals(before.wav)).toBe(true);

    // Removed.
    await rm(join(dir, "b.onnx.json"));
    await rm(join(dir, "b.onnx"));
    await vi.waitFor(async () => expect(await catalog()).toEqual(["a"]), WAIT);
    expect(handle.voices).toEqual(["a"]);
    expect(logs.lines.find((l) => String(l.msg).startsWith("voice removed"))).toMatchObject({ voice: "b" });
  }, 600_000);

  it("a job running while its voice is replaced finishes on the old model, sample for sample; the next job gets the new one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-voice-reload-"));
    await install(X_LOW, dir, "a");
    const { logs, logger: log } = logger();
    // One inference thread, one job at a time: the replacement loads between two of the job's sentences.
    const handle = await startWorker(config(dir, { VOICES_WATCH: "false" }), log);
    handles.push(handle);
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of a long text, read to the end.`).join(" ");
    const old = await synthesizeJob("a", text);

    // The same text again; once the worker has started it, the voice's files change.
    const data: SynthJobData = {
      text,
      voice: "a",
      speaker: null,
      speaker_id: null,
      length_scale: 1,
      noise_scale: 0,
      noise_w: 0,
      trace: {},
      submitted_at: Date.now(),
    };
    const job = await queue.add(SYNTH_JOB_NAME, data, { attempts: 1 });
    await vi.waitFor(() => expect(logs.lines.some((l) => l.msg === "job started" && l.job_id === job.id)).toBe(true), WAIT);
    await install(MULTI, dir, "a");
    await handle.reloadVoices();
    const msgs = () => logs.lines.filter((l) => l.job_id === job.id || l.voice === "a").map((l) => String(l.msg));
    await job.waitUntilFinished(events, 600_000);
    // The replacement happened while the job ran (its sentences are many; each thread turn takes one).
    expect(msgs().findIndex((m) => m.startsWith("voice replaced"))).toBeLessThan(msgs().indexOf("job synthesized"));
    const during = await new AudioStore(redis, 600).get(String(job.id));
    expect(during!.equals(old.wav)).toBe(true);

    const next = await synthesizeJob("a", text);
    expect(next.wav.equals(old.wav)).toBe(false);
    expect((await new FleetRegistry(redis).voices(60_000)).find((v) => v.id === "a")).toMatchObject({ num_speakers: 4 });
  }, 600_000);
});

describe("hot voice reload by SIGHUP (worker process, VOICES_WATCH=false)", () => {
  it("loads a voice copied in when the process gets SIGHUP", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vq-voice-reload-hup-"));
    await install(X_LOW, dir, "a");
    const env = {
      ...process.env,
      REDIS_URL,
      QUEUE_NAME: queueName,
      VOICES_DIR: dir,
      VOICES_WATCH: "false",
      WORKER_METRICS_HOST: "127.0.0.1",
      WORKER_METRICS_PORT: "0",
      INFERENCE_THREADS: "1",
      ORT_INTRA_OP_THREADS: "1",
      LOG_LEVEL: "info",
    };
    const child = spawn(process.execPath, ["--import", "tsx", MAIN], { env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    let rest = "";
    child.stdout.on("data", (d: Buffer) => {
      const text = rest + d.toString();
      const parts = text.split("\n");
      rest = parts.pop()!;
      for (const p of parts) if (p) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      await vi.waitFor(
        () =>
          expect(
            lines.some((l) => l.msg === "worker ready"),
            stderr,
          ).toBe(true),
        WAIT,
      );
      await install(MULTI, dir, "b");
      child.kill("SIGHUP");
      await vi.waitFor(
        () => expect(lines.find((l) => l.msg === "voices reloaded")).toMatchObject({ reason: "signal", added: ["b"], voices: ["a", "b"] }),
        WAIT,
      );
      expect(await catalog()).toEqual(["a", "b"]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }, 300_000);
});
