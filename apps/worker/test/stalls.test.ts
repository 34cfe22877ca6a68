import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { parseWorkerEnv } from "@voxqueue/config";
import { SYNTH_JOB_NAME, type SynthJobData } from "@voxqueue/contracts";
import { METRIC, createLogger } from "@voxqueue/telemetry";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { STALLED_TOO_OFTEN, recordHolder } from "../src/stalls.js";
import { startWorker, type WorkerHandle } from "../src/worker-app.js";

// A job whose worker stops renewing its lock (as a SIGKILLed or frozen worker does) is
// found by a real worker's stalled check: counted, logged with the job id and the worker
// that lost it, and failed once it stalled more than MAX_STALLED_COUNT times.
// Real Redis, logical db 11 (the fleet keys are fixed names: this file's alone).
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const REDIS_URL = `redis://${REDIS.host}/11`;
const VOICE = "en_US-voxqueue_ref-x_low";
const QUEUE = `stalls-test-${process.pid}`;

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

let voicesDir: string;
let connection: Redis;
let queue: Queue<SynthJobData>;
let handle: WorkerHandle | undefined;
beforeAll(async () => {
  voicesDir = await mkdtemp(join(tmpdir(), "vq-stalls-"));
  await ensureReferenceVoices(voicesDir, { only: [VOICE] });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<SynthJobData>(QUEUE, { connection });
}, 120_000);

afterAll(async () => {
  await handle?.close(0);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await connection.quit();
}, 30_000);

/** Takes the next job under a lock of `lockMs` that nobody renews, as a worker that dies right after taking it. */
async function takeAndAbandon(name: string): Promise<void> {
  const dying = new Worker(QUEUE, null, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), name, lockDuration: 1000, autorun: false });
  const job = await dying.getNextJob(`token-${name}`);
  expect(job).toBeDefined();
  recordHolder(connection, queue, job!.id!, name); // as our worker does when an attempt starts
  // Close without finishing the job and without its lock renewer: the lock just expires.
  await dying.close(true);
}

describe("a stalled job", () => {
  it("is counted in tts_jobs_stalled_total and logged with its id and the worker that lost it; past MAX_STALLED_COUNT it fails with an error line", async () => {
    const data: SynthJobData = {
      text: "Hello there.",
      voice: VOICE,
      speaker: null,
      speaker_id: null,
      length_scale: 1,
      noise_scale: 0.667,
      noise_w: 0.8,
      trace: {},
      submitted_at: Date.now(),
    };
    const job = await queue.add(SYNTH_JOB_NAME, data, { attempts: 3 });
    await takeAndAbandon("dead-worker-1");

    const logs = new Lines();
    const config = parseWorkerEnv({
      REDIS_URL,
      QUEUE_NAME: QUEUE,
      VOICES_DIR: voicesDir,
      WORKER_METRICS_HOST: "127.0.0.1",
      WORKER_METRICS_PORT: "0",
      ORT_INTRA_OP_THREADS: "1",
      LOCK_DURATION_MS: "1000",
      STALLED_INTERVAL_MS: "1000",
      MAX_STALLED_COUNT: "0",
    });
    handle = await startWorker(config, createLogger("worker-test", "info", logs));

    const stalledLine = () => logs.lines.find((l) => l.job_id === job.id && String(l.msg).startsWith("job stalled"));
    await vi.waitFor(() => expect(stalledLine()).toBeDefined(), { timeout: 60_000, interval: 100 });
    expect(stalledLine()).toMatchObject({ level: "warn", stalled_worker: "dead-worker-1", worker_id: handle.id, stalls: 1, max_stalled_count: 0 });
    expect(String(stalledLine()!.msg)).toMatch(/more than MAX_STALLED_COUNT, so it fails/);

    // One stall with MAX_STALLED_COUNT=0: the next worker to take it fails it without running it.
    const failedLine = () => logs.lines.find((l) => l.job_id === job.id && String(l.msg).startsWith("job failed: it stalled"));
    await vi.waitFor(() => expect(failedLine()).toBeDefined(), { timeout: 60_000, interval: 100 });
    expect(failedLine()).toMatchObject({ level: "error", error_type: "internal", stalled_worker: "dead-worker-1" });
    expect(await queue.getJobState(job.id!)).toBe("failed");
    expect((await queue.getJob(job.id!))?.failedReason).toBe(STALLED_TOO_OFTEN);
    expect(logs.lines.some((l) => l.job_id === job.id && l.msg === "job started")).toBe(false);

    const metrics = await (await fetch(`${handle.metricsUrl}/metrics`)).text();
    expect(metrics).toContain(`${METRIC.jobsStalled}{queue="${QUEUE}"} 1`);
    expect(metrics).toContain(`${METRIC.errors}{error_type="internal"} 1`);
  }, 120_000);
});
