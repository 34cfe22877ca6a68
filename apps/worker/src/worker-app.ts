import { availableParallelism, hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Worker } from "bullmq";
import { Registry } from "prom-client";
import { AudioCache, AudioStore } from "@voxqueue/audio-store";
import { queuePrefix, type WorkerConfig } from "@voxqueue/config";
import { LONGFORM_JOB_NAME, SYNTH_JOB_NAME, laneQueues, type SynthJobData, type SynthJobResult } from "@voxqueue/contracts";
import { FleetRegistry } from "@voxqueue/fleet";
import { InferencePool, voiceInfo } from "@voxqueue/synth";
import { connectRedis, openQueue, settlesWithin } from "@voxqueue/runtime";
import { createWorkerMetrics, outageLogger, type Logger } from "@voxqueue/telemetry";
import { startGpuSampler } from "./gpu-sampler.js";
import { startMetricsServer } from "./metrics-server.js";
import { AudioStreamPublisher } from "./audio-stream.js";
import { createCompletionRecorder, createProcessor } from "./processor.js";
import { recordHolder, watchStalls } from "./stalls.js";
import { createStitchProcessor } from "./stitch-processor.js";
import { VoiceReloader } from "./voice-reload.js";
import { loadVoices, voiceLabels, warnNoBatching } from "./voices.js";
import { startWebhookWorker } from "./webhook-worker.js";
import { WorkerPoolsError, consumedQueues, servedVoices, unhostedPoolVoices } from "./worker-queues.js";

/** How long processors get to hand their jobs back once cancelled, ms. */
const HAND_BACK_TIMEOUT_MS = 5_000;

/**
 * How long inference threads get to stop at a sentence boundary when the worker
 * stops, ms. Grace + hand-back + this stays under the pods' terminationGracePeriodSeconds (45).
 */
const THREADS_STOP_MS = 5_000;

/** A running worker; `close` drains it. */
export interface WorkerHandle {
  id: string;
  metricsUrl: string;
  /** Ids of the voices served now (hot reload changes them). */
  readonly voices: string[];
  /** The synthesis queues it consumes, one BullMQ Worker each (`consumedQueues`). */
  readonly queues: string[];
  /** Applies VOICES_DIR's current voices now (SIGHUP); resolves once done, never rejects. */
  reloadVoices(): Promise<void>;
  /**
   * Stops taking jobs, lets in-flight ones finish for up to `graceMs`, then hands the
   * unfinished ones back to the queue (waiting, attempts unchanged) and stops.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts a synthesis worker: loads every voice (one onnxruntime session per voice in
 * each inference thread, warmed up), publishes them to the fleet catalog, serves
 * `/metrics`, heartbeats, and consumes the queue of each voice pool it can serve
 * (`consumedQueues`: VOICE_POOLS, WORKER_VOICES, WORKER_POOLS) with `WORKER_CONCURRENCY`
 * jobs at once per queue.
 * @throws WorkerPoolsError when it hosts no voice of WORKER_VOICES, or can consume no queue
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<WorkerHandle> {
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = logger.child({ worker_id: id });
  // WORKER_VOICES narrows VOICES_DIR: the other voices are neither loaded nor served.
  const hosts = (voiceId: string) => !config.WORKER_VOICES || config.WORKER_VOICES.includes(voiceId);
  const inDir = await loadVoices(config.VOICES_DIR, log);
  const found = inDir.filter((v) => hosts(v.id));
  const absent = (config.WORKER_VOICES ?? []).filter((id) => !inDir.some((v) => v.id === id));
  if (absent.length > 0) log.warn({ voices: absent, dir: config.VOICES_DIR }, `WORKER_VOICES names voices not in VOICES_DIR: ${absent.join(", ")}`);
  if (found.length === 0)
    throw new WorkerPoolsError(`no voice of VOICES_DIR (${config.VOICES_DIR}) is in WORKER_VOICES (${(config.WORKER_VOICES ?? []).join(", ")})`);
  // Sentences of every job are spread over the inference threads: by default one per
  // core with one onnxruntime thread each, which `pnpm bench` measured as the fastest
  // layout for one long job and for many small ones (README, Performance).
  const cores = availableParallelism();
  const onCpu = config.EXECUTION_PROVIDERS.every((p) => p === "cpu");
  // Each thread holds every voice's session: past 8 (a container may see the host's
  // cores, not its CPU quota) set INFERENCE_THREADS to the CPUs it may use.
  const threads = config.INFERENCE_THREADS || (onCpu ? Math.max(Math.min(cores, 8), config.WORKER_CONCURRENCY) : config.WORKER_CONCURRENCY);
  const intraOp = config.ORT_INTRA_OP_THREADS || Math.max(1, Math.floor(cores / threads));
  const t0 = performance.now();
  // Rejects when no voice loads at all; a voice whose model fails to load is skipped.
  const { pool, loadSeconds, failed, executionProviders, providerFailures, batching } = await InferencePool.start({
    voices: found,
    threads,
    executionProviders: config.EXECUTION_PROVIDERS,
    intraOpNumThreads: intraOp,
    maxHeapMb: config.INFERENCE_THREAD_MAX_HEAP_MB,
    arenaReloadRssRatio: config.ORT_ARENA_RELOAD_RSS_RATIO,
    batchMaxSize: config.BATCH_MAX_SIZE,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    batchShareEvery: config.BATCH_SHARE_EVERY,
  });
  for (const f of providerFailures) {
    log.warn({ execution_provider: f.provider, err: f.message }, `execution provider ${f.provider} unavailable, using the next one (${f.message})`);
  }
  if (config.BATCH_MAX_SIZE > 1) for (const [voice, can] of Object.entries(batching)) if (!can) warnNoBatching(log, voice);
  for (const f of failed) log.warn({ voice: f.id, file: f.onnxPath, err: f.message }, `voice skipped: its model does not load (${f.onnxPath}: ${f.message})`);
  // What this worker serves: metrics, catalog, queue and processor see only these.
  const voices = found.filter((v) => !failed.some((f) => f.id === v.id));
  log.info(
    {
      voices: voices.map((v) => v.id),
      load_seconds: loadSeconds,
      threads: pool.size,
      intra_op_threads: intraOp,
      execution_providers: executionProviders,
      total_s: (performance.now() - t0) / 1000,
    },
    "voices loaded",
  );

  // BullMQ workers need maxRetriesPerRequest: null (blocking commands, reconnects).
  // Logs `redis ready` and warns about risky server settings on every (re)connect.
  const connection = connectRedis(config, log, { maxRetriesPerRequest: null });
  // One JSON line per outage: every reconnect attempt repeats the error on the client, the Queue and the Worker.
  const warnOnce = outageLogger(log, connection);
  connection.on("error", (err) => warnOnce(err, "redis connection error"));
  const fleet = new FleetRegistry(connection);
  // One queue per voice pool this worker can serve (VOICE_POOLS, WORKER_POOLS): a job reaches only workers with its voice.
  const consumed = consumedQueues({
    baseQueue: config.QUEUE_NAME,
    pools: config.VOICE_POOLS,
    hostedVoices: voices.map((v) => v.id),
    workerPools: config.WORKER_POOLS,
  });
  for (const [pool, lacking] of unhostedPoolVoices(
    voices.map((v) => v.id),
    config.VOICE_POOLS,
    consumed,
  )) {
    log.warn({ pool, voices: lacking }, `WORKER_POOLS: pool ${pool} has voices this worker does not host (${lacking.join(", ")}); their jobs fail here`);
  }
  const prefix = queuePrefix(config);
  // Priority lanes: each consumed pool queue's lane queues (interactive first), one BullMQ Worker each.
  const queues = consumed
    .flatMap(({ queue: poolQueue }) => laneQueues(poolQueue))
    .map((name) =>
      openQueue<SynthJobData, SynthJobResult>(name, {
        connection,
        prefix,
        eventsMaxLen: config.QUEUE_EVENTS_MAX_LEN,
        onError: (err) => warnOnce(err, `queue ${name}: error`),
      }),
    );
  const counted = queues.map((q) => ({
    queue: q.name,
    readCounts: () => q.getJobCounts("waiting", "prioritized", "delayed", "active", "completed", "failed"),
  }));
  const registry = new Registry();
  const gpu = await startGpuSampler(log); // null on CPU hosts: GPU gauges absent
  const metrics = createWorkerMetrics(registry, {
    queue: counted[0]!.queue,
    readCounts: counted[0]!.readCounts,
    queues: counted,
    models: voices.map(voiceLabels),
    executionProviders: voices.map((v) => executionProviders[v.id]!).filter(Boolean),
    readGpuMemory: gpu ? () => gpu.read() : undefined,
  });
  const { server, url } = await startMetricsServer(registry, config.WORKER_METRICS_HOST, config.WORKER_METRICS_PORT);

  const voiceMap = new Map(voices.map((v) => [v.id, v]));
  const store = new AudioStore(connection, config.AUDIO_TTL_SECONDS);
  const processorDeps = {
    voices: voiceMap,
    pool,
    store,
    cache: new AudioCache(connection, { maxBytes: config.AUDIO_CACHE_MAX_BYTES, ttlSeconds: config.AUDIO_CACHE_TTL_SECONDS }),
    metrics,
    logger: log,
    sentenceSilenceSeconds: config.SENTENCE_SILENCE_SECONDS,
    jobTimeoutMs: config.JOB_TIMEOUT_SECONDS * 1000,
    maxAudioSeconds: config.MAX_AUDIO_SECONDS,
    logTextPrefixChars: config.LOG_TEXT_PREFIX_CHARS,
    // Streams live while the job may run, and a minute more.
    audioStream: new AudioStreamPublisher(connection, log, config.JOB_TIMEOUT_SECONDS + 60),
  };
  const stitch = createStitchProcessor({ store, logger: log, sentenceSilenceSeconds: config.SENTENCE_SILENCE_SECONDS });
  const onCompleted = createCompletionRecorder({ voices: voiceMap, metrics, logger: log });
  /**
   * A BullMQ Worker on `queue` with WORKER_CONCURRENCY jobs at once (per queue): a batch
   * backlog that fills its lane's slots never keeps an interactive job from starting; their
   * sentences then meet in the inference pool, which serves interactive ones first (BATCH_SHARE_EVERY).
   */
  const consume = (queue: (typeof queues)[number]): Worker<SynthJobData, SynthJobResult> => {
    const queueName = queue.name;
    const processor = createProcessor({ ...processorDeps, queueName });
    // Three parameters: BullMQ passes an AbortSignal only to processors that declare it.
    const worker = new Worker<SynthJobData, SynthJobResult>(
      queueName,
      async (job, token, signal) => {
        if (job.name === LONGFORM_JOB_NAME) return stitch(job);
        if (job.name !== SYNTH_JOB_NAME) throw new Error(`internal: unknown job name ${job.name}`);
        recordHolder(connection, queue, String(job.id), id);
        return processor(job, token, signal);
      },
      {
        connection,
        prefix,
        name: id, // BullMQ's processedBy
        concurrency: config.WORKER_CONCURRENCY,
        lockDuration: config.LOCK_DURATION_MS,
        stalledInterval: config.STALLED_INTERVAL_MS,
        maxStalledCount: config.MAX_STALLED_COUNT,
      },
    );
    worker.on("error", (err) => warnOnce(err, `worker error (queue ${queueName})`));
    worker.on("completed", onCompleted);
    watchStalls({ worker, queue, connection, metrics, queueName, maxStalledCount: config.MAX_STALLED_COUNT, logger: log });
    return worker;
  };
  const workers = queues.map(consume);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  // Outcome events of finished jobs: a queue and processor of their own (null when WEBHOOK_SECRET is unset).
  const webhooks = await startWebhookWorker(config, connection, registry, log, (err) => warnOnce(err, "webhook worker error"));

  // The catalog lists only voices whose queue this worker consumes: the API refuses the others unless another worker serves them.
  const publish = () => {
    const served = new Set(servedVoices([...voiceMap.keys()], config.VOICE_POOLS, consumed));
    return fleet.publishVoices(
      id,
      [...voiceMap.values()].filter((v) => served.has(v.id)).map((v) => ({ ...voiceInfo(v), execution_provider: executionProviders[v.id] })),
    );
  };
  await publish();
  const reloader = await VoiceReloader.create({
    dir: config.VOICES_DIR,
    pool,
    voices: voiceMap,
    executionProviders,
    logger: log,
    batching: config.BATCH_MAX_SIZE > 1,
    hosts,
    onChange: async () => {
      for (const provider of new Set(Object.values(executionProviders))) metrics.workerInfo.set({ execution_provider: provider }, 1);
      await publish().catch((err: Error) => log.warn({ err: err.message }, "could not publish the voice catalog"));
    },
  });
  if (config.VOICES_WATCH) reloader.watch(config.VOICES_WATCH_DEBOUNCE_MS);
  const beat = () => fleet.heartbeat(id).catch((err: Error) => log.warn({ err: err.message }, "heartbeat failed"));
  await beat();
  const heartbeat = setInterval(beat, config.HEARTBEAT_INTERVAL_MS);
  const served = servedVoices([...voiceMap.keys()], config.VOICE_POOLS, consumed);
  const idle = [...voiceMap.keys()].filter((v) => !served.includes(v));
  if (idle.length > 0) log.warn({ voices: idle }, `voices loaded but not served: their pools' queues are not in WORKER_POOLS (${idle.join(", ")})`);
  log.info(
    {
      queues: queues.map((q) => q.name),
      pools: consumed.map((c) => c.pool),
      voices: served,
      concurrency: config.WORKER_CONCURRENCY,
      batch_share_every: config.BATCH_SHARE_EVERY,
      metrics: `${url}/metrics`,
    },
    "worker ready",
  );

  let closing: Promise<void> | null = null;
  return {
    id,
    metricsUrl: url,
    get voices() {
      return [...voiceMap.keys()];
    },
    queues: queues.map((q) => q.name),
    async reloadVoices() {
      await reloader.reload("signal");
    },
    close(graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000) {
      closing ??= (async () => {
        clearInterval(heartbeat);
        await reloader.close();
        log.info({ grace_ms: graceMs }, "draining: no new jobs, finishing those in flight");
        const closed = Promise.all([...workers.map((w) => w.close()), webhooks?.close()]);
        if (!(await settlesWithin(closed, graceMs))) {
          // Each processor moves its job back to the queue with its lock token (no attempt
          // spent) and returns; whatever cannot (Redis away) is left to the stalled check.
          log.warn("grace period over: handing unfinished jobs back to the queue");
          for (const w of workers) w.cancelAllJobs("worker shutting down");
          if (!(await settlesWithin(closed, HAND_BACK_TIMEOUT_MS))) log.warn("jobs not handed back in time: the stalled check will return them to the queue");
        }
        await fleet.leave(id).catch(() => undefined);
        await pool.close(THREADS_STOP_MS);
        await Promise.all(queues.map((q) => q.close()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await connection.quit().catch(() => connection.disconnect());
        log.info("worker stopped");
      })();
      return closing;
    },
  };
}
