import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from "prom-client";
import { JOB_ERROR_TYPES, laneOfQueue } from "@voxqueue/contracts";
import { settleWithin } from "@voxqueue/runtime";
import { BACKLOG_STATES, BUCKETS, JOB_STATES, METRIC, REFUSAL_REASONS } from "./metric-names.js";

/** Labels of per-synthesis metrics: `model` is the voice id, `language` its code (e.g. `en_US`). */
export type SynthLabels = { model: string; language: string };

/**
 * Reads BullMQ job counts by state (e.g. `Queue.getJobCounts`). Used at scrape time,
 * so the queue gauges are the real backlog in Redis, identical on every replica.
 */
export type JobCountsReader = () => Promise<Record<string, number>>;

/** How long a scrape waits for the Redis read of the queue gauges. */
export const QUEUE_READ_TIMEOUT_MS = 1000;

/**
 * Shares one in-flight call of `read` among the collectors of one scrape, so two
 * gauges fed by the same source cost one read. prom-client starts every collector in
 * one synchronous pass, so they all join the call before it settles; the next scrape
 * starts a fresh one.
 */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => (pending ??= read().finally(() => (pending = null)));
}

/** A queue the gauges read, and how to read its job counts. */
export interface CountedQueue {
  /** BullMQ queue name (label `queue`). */
  queue: string;
  readCounts: JobCountsReader;
}

/** The queues of `opts`: `opts.queues`, else the one `opts.queue`. */
function countedQueues(opts: MetricsOptions): readonly CountedQueue[] {
  return opts.queues ?? [{ queue: opts.queue, readCounts: opts.readCounts }];
}

function queueGauges(registry: Registry, queues: readonly CountedQueue[], readTimeoutMs: number) {
  // One Redis read per queue and scrape feeds both gauges. A failed or slow read leaves
  // that queue's series absent for that scrape (never a stale value) and the rest of
  // /metrics is served: a worker that cannot reach Redis must still be scrapeable (`up` stays 1).
  const read = oncePerScrape(() => Promise.all(queues.map((q) => settleWithin(q.readCounts(), readTimeoutMs, `queue counts of ${q.queue}`).catch(() => null))));
  const fill = (gauge: Gauge<"queue" | "state">, states: readonly string[], all: readonly (Record<string, number> | null)[]) => {
    gauge.reset();
    queues.forEach(({ queue }, i) => {
      const counts = all[i];
      if (counts) for (const state of states) gauge.set({ queue, state }, counts[state] ?? 0);
    });
  };
  new Gauge({
    name: METRIC.queueLength,
    help: "Jobs waiting in Redis (BullMQ waiting + prioritized + delayed), read at scrape time. Same value on every replica: aggregate with max by (queue, state).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      fill(this, BACKLOG_STATES, await read());
    },
  });
  new Gauge({
    name: METRIC.queueJobs,
    help: "Jobs in Redis by BullMQ state, read at scrape time. Same value on every replica: aggregate with max by (queue, state).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      fill(this, JOB_STATES, await read());
    },
  });
}

/**
 * Error counter shared by both apps (`error_type` from the contracts' taxonomy). Every
 * type starts at 0, so `increase()` sees the first error of a type (a series born at
 * 1 has no earlier sample to rise from).
 */
function errorsCounter(registry: Registry) {
  const counter = new Counter({
    name: METRIC.errors,
    help: `Errors by type (${JOB_ERROR_TYPES.join(", ")}).`,
    labelNames: ["error_type"],
    registers: [registry],
  });
  for (const error_type of JOB_ERROR_TYPES) counter.inc({ error_type }, 0);
  return counter;
}

/** `tts_cache_requests_total{result}`, both results from 0 (a counter born at 1 hides its first increase). */
function cacheCounter(registry: Registry) {
  const counter = new Counter({
    name: METRIC.cacheRequests,
    help: "Submits looked up in the audio cache, by result (hit: answered from stored audio, no synthesis; miss: queued).",
    labelNames: ["result"],
    registers: [registry],
  });
  for (const result of ["hit", "miss"]) counter.inc({ result }, 0);
  return counter;
}

/** One GPU's memory, bytes; `gpuId` is nvidia-smi's index. */
export interface GpuMemoryReading {
  gpuId: string;
  usedBytes: number;
  totalBytes: number;
}

/**
 * Reads GPU memory at scrape time. Resolving `[]` (no GPU, sampler off) or rejecting
 * leaves `tts_gpu_memory_bytes` and `tts_gpu_memory_total_bytes` absent for that scrape.
 */
export type GpuMemoryReader = () => Promise<GpuMemoryReading[]>;

/** Options shared by {@link createApiMetrics} and {@link createWorkerMetrics}. */
export interface MetricsOptions {
  /** BullMQ queue this process serves (label `queue`). */
  queue: string;
  readCounts: JobCountsReader;
  /**
   * Every queue this process serves (one per voice pool), each with its counts: the queue
   * gauges carry one `queue` series set each, and a worker's per-queue series start at 0
   * for each. @defaultValue `[{ queue, readCounts }]`
   */
  queues?: readonly CountedQueue[];
  /** Register prom-client's process metrics (RSS, event loop lag, ...). @defaultValue true */
  defaultMetrics?: boolean;
  /** Longest wait for `readCounts` in one scrape, ms. @defaultValue {@link QUEUE_READ_TIMEOUT_MS} */
  queueReadTimeoutMs?: number;
}

/** Options of {@link createWorkerMetrics}. */
export interface WorkerMetricsOptions extends MetricsOptions {
  /**
   * The voices this worker serves: their per-voice series start at 0 (requests of both
   * statuses, the three histograms), so dashboards show them before the first job
   * and `rate()`/`increase()` count that job.
   */
  models?: readonly SynthLabels[];
  /** GPU memory source (see `apps/worker/src/gpu-sampler.ts`); without it the GPU gauges stay absent. */
  readGpuMemory?: GpuMemoryReader;
  /** Execution providers this worker's voices run on: one `tts_worker_info` series each, value 1. */
  executionProviders?: readonly string[];
}

/** Metrics of the API process, registered on `registry`. */
export function createApiMetrics(registry: Registry, opts: MetricsOptions) {
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  queueGauges(registry, countedQueues(opts), opts.queueReadTimeoutMs ?? QUEUE_READ_TIMEOUT_MS);
  const requestsRefused = new Counter({
    name: METRIC.requestsRefused,
    help: `Requests refused before any work, by reason (${REFUSAL_REASONS.join(", ")}); never by key.`,
    labelNames: ["reason"],
    registers: [registry],
  });
  for (const reason of REFUSAL_REASONS) requestsRefused.inc({ reason }, 0);
  return {
    errors: errorsCounter(registry),
    requestsRefused,
    httpRequests: new Counter({
      name: METRIC.httpRequests,
      help: "HTTP requests answered by the API.",
      labelNames: ["method", "route", "status_code"],
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: METRIC.httpRequestDuration,
      help: "HTTP request latency, seconds.",
      labelNames: ["method", "route", "status_code"],
      buckets: [...BUCKETS.http],
      registers: [registry],
    }),
    cacheRequests: cacheCounter(registry),
    timeToFirstAudio: new Histogram({
      name: METRIC.timeToFirstAudio,
      help: "Streamed speech: seconds from the request's arrival to its first audio bytes sent, by route and format.",
      labelNames: ["route", "format"],
      buckets: [...BUCKETS.timeToFirstAudio],
      registers: [registry],
    }),
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** Metrics of a worker process, registered on `registry`. */
export function createWorkerMetrics(registry: Registry, opts: WorkerMetricsOptions) {
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  queueGauges(registry, countedQueues(opts), opts.queueReadTimeoutMs ?? QUEUE_READ_TIMEOUT_MS);
  const synthLabels = ["model", "language"];
  // One GPU read per scrape feeds both GPU gauges; no reader, no collect: absent.
  const readGpu = opts.readGpuMemory && oncePerScrape(opts.readGpuMemory);
  const collectGpu = (field: "usedBytes" | "totalBytes") =>
    readGpu &&
    async function (this: Gauge<"gpu_id">) {
      fillGpu(this, await readGpu().catch(() => []), field);
    };
  const metrics = {
    errors: errorsCounter(registry),
    requests: new Counter({
      name: METRIC.requests,
      help: "Synthesis jobs finished, by outcome (status=success|error).",
      labelNames: ["status", ...synthLabels],
      registers: [registry],
    }),
    synthesisDuration: new Histogram({
      name: METRIC.synthesisDuration,
      help: "Time to synthesize one job (text to PCM), seconds.",
      labelNames: synthLabels,
      buckets: [...BUCKETS.synthesisDuration],
      registers: [registry],
    }),
    audioDuration: new Histogram({
      name: METRIC.audioDuration,
      help: "Length of the audio produced per job, seconds.",
      labelNames: synthLabels,
      buckets: [...BUCKETS.audioDuration],
      registers: [registry],
    }),
    rtf: new Histogram({
      name: METRIC.rtf,
      help: "Real-time factor per job: synthesis seconds / audio seconds (< 1 is faster than real time).",
      labelNames: synthLabels,
      buckets: [...BUCKETS.rtf],
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: METRIC.queueWait,
      help: "Time from enqueue to a worker starting the job, seconds, by queue and priority lane (interactive, batch).",
      labelNames: ["queue", "lane"],
      buckets: [...BUCKETS.queueWait],
      registers: [registry],
    }),
    jobsInProgress: new Gauge({
      name: METRIC.jobsInProgress,
      help: "Jobs this worker is processing now.",
      labelNames: ["queue"],
      registers: [registry],
    }),
    jobsStalled: new Counter({
      name: METRIC.jobsStalled,
      help: "Jobs this worker's stalled check found active without a lock (their worker died, froze or lost Redis) and moved back to the queue, or failed past MAX_STALLED_COUNT.",
      labelNames: ["queue"],
      registers: [registry],
    }),
    gpuMemory: new Gauge({
      name: METRIC.gpuMemory,
      help: "GPU memory in use, bytes, read at scrape time (absent on CPU hosts).",
      labelNames: ["gpu_id"],
      registers: [registry],
      collect: collectGpu("usedBytes"),
    }),
    workerInfo: new Gauge({
      name: METRIC.workerInfo,
      help: "Always 1; labels describe the worker: the onnxruntime execution provider its voices run on.",
      labelNames: ["execution_provider"],
      registers: [registry],
    }),
    gpuMemoryTotal: new Gauge({
      name: METRIC.gpuMemoryTotal,
      help: "GPU memory in total, bytes, read at scrape time (absent on CPU hosts).",
      labelNames: ["gpu_id"],
      registers: [registry],
      collect: collectGpu("totalBytes"),
    }),
  };
  // Series that exist before the first job: gauges at 0, counters and histograms of
  // every voice at 0 (label sets are bounded: statuses x installed voices).
  for (const { queue } of countedQueues(opts)) {
    metrics.jobsInProgress.set({ queue }, 0);
    metrics.jobsStalled.inc({ queue }, 0);
    metrics.queueWait.zero({ queue, lane: laneOfQueue(queue) });
  }
  for (const provider of new Set(opts.executionProviders ?? [])) metrics.workerInfo.set({ execution_provider: provider }, 1);
  for (const labels of opts.models ?? []) {
    for (const status of ["success", "error"]) metrics.requests.inc({ status, ...labels }, 0);
    metrics.synthesisDuration.zero(labels);
    metrics.audioDuration.zero(labels);
    metrics.rtf.zero(labels);
  }
  return metrics;
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** Sets one GPU gauge from a reading; GPUs missing from it (or a failed read) disappear. */
function fillGpu(gauge: Gauge<"gpu_id">, readings: readonly GpuMemoryReading[], field: "usedBytes" | "totalBytes"): void {
  gauge.reset();
  for (const r of readings) gauge.set({ gpu_id: r.gpuId }, r[field]);
}
