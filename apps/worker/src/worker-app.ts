import { availableParallelism, hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { AudioStore } from "@voxqueue/audio-store";
import type { WorkerConfig } from "@voxqueue/config";
import { SYNTH_JOB_NAME, queueForVoice, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { InferencePool, voiceInfo } from "@voxqueue/synth";
import { createWorkerMetrics, type Logger } from "@voxqueue/telemetry";
import { startGpuSampler } from "./gpu-sampler.js";
import { startMetricsServer } from "./metrics-server.js";
import { createProcessor } from "./processor.js";
import { loadVoices, voiceLabels } from "./voices.js";

/** A running worker; `close` drains it. */
export interface WorkerHandle {
  id: string;
  metricsUrl: string;
  voices: string[];
  /**
   * Stops taking jobs, lets in-flight ones finish for up to `graceMs`, then force-closes
   * (unfinished jobs keep no lock and return to the queue through BullMQ's stalled check).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts a synthesis worker: loads every voice (one onnxruntime session per voice in
 * each inference thread, warmed up), publishes them to the fleet catalog, serves
 * `/metrics`, heartbeats, and consumes the queue with `WORKER_CONCURRENCY` jobs at once.
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<WorkerHandle> {
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = logger.child({ worker_id: id });
  const voices = await loadVoices(config.VOICES_DIR, config.REFERENCE_VOICES, log);
  const intraOp = config.ORT_INTRA_OP_THREADS || Math.max(1, Math.floor(availableParallelism() / config.WORKER_CONCURRENCY));
  const t0 = performance.now();
  const { pool, loadSeconds } = await InferencePool.start({
    voices,
    threads: config.WORKER_CONCURRENCY,
    executionProvider: config.EXECUTION_PROVIDER,
    intraOpNumThreads: intraOp,
  });
  log.info({ voices: voices.map((v) => v.id), load_seconds: loadSeconds, threads: pool.size, intra_op_threads: intraOp, execution_provider: config.EXECUTION_PROVIDER, total_s: (performance.now() - t0) / 1000 }, "voices loaded");

  // BullMQ workers need maxRetriesPerRequest: null (blocking commands, reconnects).
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const fleet = new FleetRegistry(connection);
  const queueName = queueForVoice(voices[0]!.id, config.QUEUE_NAME);
  const queue = new Queue(queueName, { connection });
  const registry = new Registry();
  const gpu = await startGpuSampler(log); // null on CPU hosts: GPU gauges absent
  const metrics = createWorkerMetrics(registry, {
    queue: queueName,
    readCounts: () => queue.getJobCounts("waiting", "prioritized", "delayed", "active", "completed", "failed"),
    models: voices.map(voiceLabels),
    readGpuMemory: gpu ? () => gpu.read() : undefined,
  });
  const { server, url } = await startMetricsServer(registry, config.WORKER_METRICS_HOST, config.WORKER_METRICS_PORT);

  const processor = createProcessor({
    voices: new Map(voices.map((v) => [v.id, v])),
    pool,
    store: new AudioStore(connection, config.AUDIO_TTL_SECONDS),
    metrics,
    logger: log,
    queueName,
    sentenceSilenceSeconds: config.SENTENCE_SILENCE_SECONDS,
    jobTimeoutMs: config.JOB_TIMEOUT_SECONDS * 1000,
    logTextPrefixChars: config.LOG_TEXT_PREFIX_CHARS,
  });
  const worker = new Worker<SynthJobData, SynthJobResult>(queueName, async (job) => {
    if (job.name !== SYNTH_JOB_NAME) throw new Error(`internal: unknown job name ${job.name}`);
    return processor(job);
  }, {
    connection,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    maxStalledCount: config.MAX_STALLED_COUNT,
  });
  worker.on("error", (err) => log.warn({ err: err.message }, "worker error"));
  await worker.waitUntilReady();

  await fleet.publishVoices(voices.map(voiceInfo));
  const beat = () => fleet.heartbeat(id).catch((err: Error) => log.warn({ err: err.message }, "heartbeat failed"));
  await beat();
  const heartbeat = setInterval(beat, config.HEARTBEAT_INTERVAL_MS);
  log.info({ queue: queueName, concurrency: config.WORKER_CONCURRENCY, metrics: `${url}/metrics` }, "worker ready");

  let closing: Promise<void> | null = null;
  return {
    id,
    metricsUrl: url,
    voices: voices.map((v) => v.id),
    close(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      closing ??= (async () => {
        clearInterval(heartbeat);
        log.info({ grace_ms: graceMs }, "draining: no new jobs, finishing those in flight");
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          worker.close().then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!drained) {
          log.warn("grace period over: handing unfinished jobs back to the queue");
          await worker.close(true);
        }
        await fleet.leave(id).catch(() => undefined);
        await pool.close();
        await queue.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await connection.quit().catch(() => connection.disconnect());
        log.info("worker stopped");
      })();
      return closing;
    },
  };
}
