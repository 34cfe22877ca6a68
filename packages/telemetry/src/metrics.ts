import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from "prom-client";
import { BACKLOG_STATES, BUCKETS, JOB_STATES, METRIC } from "./metric-names.js";

/** Labels of per-synthesis metrics: `model` is the voice id, `language` its code (e.g. `en_US`). */
export type SynthLabels = { model: string; language: string };

/**
 * Reads BullMQ job counts by state (e.g. `Queue.getJobCounts`). Used at scrape time,
 * so the queue gauges are the real backlog in Redis, identical on every replica.
 */
export type JobCountsReader = () => Promise<Record<string, number>>;

function queueGauges(registry: Registry, queue: string, readCounts: JobCountsReader) {
  // One Redis read per scrape feeds both gauges.
  let pending: Promise<Record<string, number>> | null = null;
  const read = () => (pending ??= readCounts().finally(() => setTimeout(() => (pending = null), 0)));
  new Gauge({
    name: METRIC.queueLength,
    help: "Jobs waiting in Redis (BullMQ waiting + prioritized + delayed), read at scrape time. Same value on every replica: aggregate with max by (queue, state).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const counts = await read();
      for (const state of BACKLOG_STATES) this.set({ queue, state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: METRIC.queueJobs,
    help: "Jobs in Redis by BullMQ state, read at scrape time. Same value on every replica: aggregate with max by (queue, state).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const counts = await read();
      for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
    },
  });
}

/** Error counter shared by both apps (`error_type` from the contracts' taxonomy). */
function errorsCounter(registry: Registry) {
  return new Counter({
    name: METRIC.errors,
    help: "Errors by type (invalid_input, timeout, oom, model_error, storage_error, internal).",
    labelNames: ["error_type"],
    registers: [registry],
  });
}

/** Metrics of the API process, registered on `registry`. */
export function createApiMetrics(registry: Registry, opts: { queue: string; readCounts: JobCountsReader; defaultMetrics?: boolean }) {
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  queueGauges(registry, opts.queue, opts.readCounts);
  return {
    errors: errorsCounter(registry),
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
  };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** Metrics of a worker process, registered on `registry`. */
export function createWorkerMetrics(registry: Registry, opts: { queue: string; readCounts: JobCountsReader; defaultMetrics?: boolean }) {
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  queueGauges(registry, opts.queue, opts.readCounts);
  const synthLabels = ["model", "language"];
  return {
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
      help: "Time from enqueue to a worker starting the job, seconds.",
      labelNames: ["queue"],
      buckets: [...BUCKETS.queueWait],
      registers: [registry],
    }),
    jobsInProgress: new Gauge({
      name: METRIC.jobsInProgress,
      help: "Jobs this worker is processing now.",
      labelNames: ["queue"],
      registers: [registry],
    }),
    gpuMemory: new Gauge({
      name: METRIC.gpuMemory,
      help: "GPU memory in use, bytes (absent on CPU hosts).",
      labelNames: ["gpu_id"],
      registers: [registry],
    }),
    gpuMemoryTotal: new Gauge({
      name: METRIC.gpuMemoryTotal,
      help: "GPU memory in total, bytes (absent on CPU hosts).",
      labelNames: ["gpu_id"],
      registers: [registry],
    }),
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
