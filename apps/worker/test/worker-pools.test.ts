import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseWorkerEnv, type EnvSource } from "@voxqueue/config";
import { SYNTH_JOB_NAME, laneQueues, parseVoicePools, poolQueueName, type SynthJobData } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { createLogger } from "@voxqueue/telemetry";
import { ensureReferenceVoices } from "@voxqueue/voice-forge";
import { startWorker, type WorkerHandle } from "../src/worker-app.js";
import { WorkerPoolsError, consumedQueues, servedVoices, unhostedPoolVoices } from "../src/worker-queues.js";

const POOLS = parseVoicePools("gpu=a,b;multi=c");

describe("consumedQueues", () => {
  it("consumes every pool whose voices the worker hosts all of, and the base queue for a voice no pool lists", () => {
    const queues = consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a", "b", "c", "x"] });
    expect(queues).toEqual([
      { pool: "default", queue: "tts" },
      { pool: "gpu", queue: "tts-pool-gpu" },
      { pool: "multi", queue: "tts-pool-multi" },
    ]);
    // Half of pool gpu: a job for b could reach it, so it does not consume gpu.
    expect(consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a", "c"] })).toEqual([{ pool: "multi", queue: "tts-pool-multi" }]);
    // Without pools: the base queue, as before pools existed.
    expect(consumedQueues({ baseQueue: "tts", pools: [], hostedVoices: ["a"] })).toEqual([{ pool: "default", queue: "tts" }]);
  });

  it("consumes exactly WORKER_POOLS when set, and names what is wrong otherwise", () => {
    expect(consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a"], workerPools: ["gpu", "default"] }).map((q) => q.queue)).toEqual([
      "tts-pool-gpu",
      "tts",
    ]);
    expect(() => consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a"], workerPools: ["cpu"] })).toThrow(WorkerPoolsError);
    expect(() => consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a"], workerPools: ["cpu"] })).toThrow(/WORKER_POOLS names cpu/);
    expect(() => consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a"] })).toThrow(/consumes no queue: it hosts a/);
  });

  it("serves (publishes) only voices of consumed pools, and says which voices of a consumed pool are missing", () => {
    const queues = consumedQueues({ baseQueue: "tts", pools: POOLS, hostedVoices: ["a", "c"], workerPools: ["gpu"] });
    expect(servedVoices(["a", "c"], POOLS, queues)).toEqual(["a"]);
    expect(unhostedPoolVoices(["a", "c"], POOLS, queues)).toEqual(new Map([["gpu", ["b"]]]));
  });
});

// startWorker in this process on real Redis (logical db 10 is this file's alone: the fleet keys are fixed
// names), with the x_low reference voice in pool "xlow".
const REDIS = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const VOICE = "en_US-voxqueue_ref-x_low";
const BASE = `worker-pools-test-${process.pid}`;
const POOL_QUEUE = poolQueueName(BASE, "xlow");

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

let voicesDir: string;
let redis: Redis;
const queues: Queue<SynthJobData>[] = [];
beforeAll(async () => {
  voicesDir = await mkdtemp(join(tmpdir(), "vq-worker-pools-"));
  await ensureReferenceVoices(voicesDir, { only: [VOICE] });
  redis = new Redis(`redis://${REDIS.host}/10`, { maxRetriesPerRequest: null });
  await redis.flushdb();
  for (const name of [BASE, POOL_QUEUE]) queues.push(new Queue<SynthJobData>(name, { connection: redis }));
}, 120_000);

const handles: WorkerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close(0)));
}, 30_000);
afterAll(async () => {
  for (const q of queues) await q.obliterate({ force: true }).catch(() => undefined);
  for (const q of queues) await q.close();
  await redis.flushdb();
  await redis.quit();
});

function start(env: EnvSource, logs = new Lines()): Promise<WorkerHandle> {
  const config = parseWorkerEnv({
    REDIS_URL: `redis://${REDIS.host}/10`,
    QUEUE_NAME: BASE,
    VOICES_DIR: voicesDir,
    VOICES_WATCH: "false",
    WORKER_METRICS_HOST: "127.0.0.1",
    WORKER_METRICS_PORT: "0",
    ORT_INTRA_OP_THREADS: "1",
    INFERENCE_THREADS: "1",
    VOICE_POOLS: `xlow=${VOICE}`,
    ...env,
  });
  return startWorker(config, createLogger("worker-test", "info", logs));
}

const job = (text: string): SynthJobData => ({
  text,
  voice: VOICE,
  speaker: null,
  speaker_id: null,
  length_scale: 1,
  noise_scale: 0.667,
  noise_w: 0.8,
  trace: {},
  submitted_at: Date.now(),
});

describe("startWorker with VOICE_POOLS", () => {
  it("consumes its voice's pool queue only, runs its jobs there, publishes the voice, and closes every queue's worker", async () => {
    const logs = new Lines();
    const handle = await start({ WORKER_CONCURRENCY: "2" }, logs);
    handles.push(handle);
    // The pool queue and its batch lane (priority lanes): one BullMQ Worker each.
    expect(handle.queues).toEqual(laneQueues(POOL_QUEUE));
    expect(logs.lines.find((l) => l.msg === "worker ready")).toMatchObject({
      queues: laneQueues(POOL_QUEUE),
      pools: ["xlow"],
      voices: [VOICE],
      concurrency: 2,
    });
    expect((await new FleetRegistry(redis).voices(60_000)).map((v) => v.id)).toEqual([VOICE]);
    const pool = queues[1]!;
    const events = new QueueEvents(POOL_QUEUE, { connection: { host: REDIS.hostname, port: Number(REDIS.port || 6379), db: 10 } });
    try {
      await events.waitUntilReady();
      const added = await pool.add(SYNTH_JOB_NAME, job("Hello there."), { attempts: 1 });
      const result = (await added.waitUntilFinished(events, 60_000)) as { voice: string };
      expect(result.voice).toBe(VOICE);
      expect((await pool.getWorkers()).length).toBe(1);
      expect(await queues[0]!.getWorkers()).toEqual([]);
    } finally {
      await events.close();
    }
    await handles.pop()!.close(0);
    expect(await pool.getWorkers()).toEqual([]);
  }, 120_000);

  it("with WORKER_POOLS: one BullMQ worker per named pool's queue; a voice outside WORKER_POOLS is loaded but not published", async () => {
    const both = await start({ WORKER_POOLS: "default,xlow" });
    handles.push(both);
    expect(both.queues).toEqual([...laneQueues(BASE), ...laneQueues(POOL_QUEUE)]);
    expect((await queues[0]!.getWorkers()).length).toBe(1);
    expect((await queues[1]!.getWorkers()).length).toBe(1);
    await handles.pop()!.close(0);
    const logs = new Lines();
    handles.push(await start({ WORKER_POOLS: "default" }, logs));
    expect(logs.lines.find((l) => l.msg === "worker ready")).toMatchObject({ queues: laneQueues(BASE), voices: [] });
    expect(logs.lines.some((l) => typeof l.msg === "string" && l.msg.startsWith("voices loaded but not served"))).toBe(true);
    expect(await new FleetRegistry(redis).voices(60_000)).toEqual([]);
  }, 120_000);

  it("refuses to start when WORKER_VOICES leaves no voice of VOICES_DIR", async () => {
    await expect(start({ WORKER_VOICES: "en_US-nobody-low" })).rejects.toThrow(/no voice of VOICES_DIR .* is in WORKER_VOICES \(en_US-nobody-low\)/);
  }, 60_000);
});
