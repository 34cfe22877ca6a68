import type { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { JOB_HOLDER_FIELD } from "@voxqueue/contracts";
import type { Logger, WorkerMetrics } from "@voxqueue/telemetry";

/** The reason BullMQ gives a job that stalled more than `maxStalledCount` times. */
export const STALLED_TOO_OFTEN = "job stalled more than allowable limit";

/** What {@link watchStalls} needs. */
export interface StallWatchDeps {
  worker: Pick<Worker, "on">;
  /** Reads the stalled job; `toKey` names its hash (where {@link JOB_HOLDER_FIELD} is). */
  queue: Pick<Queue, "getJob" | "toKey">;
  connection: Pick<Redis, "hget">;
  metrics: Pick<WorkerMetrics, "jobsStalled" | "errors">;
  queueName: string;
  maxStalledCount: number;
  /** The worker's logger (its lines carry this worker's id). */
  logger: Logger;
}

/**
 * Makes stalls visible. BullMQ's stalled check (every worker runs it) finds jobs that
 * are active without a lock and moves them back to the queue, emitting `stalled` on
 * the worker that found them; past `maxStalledCount` the job fails when a worker next
 * takes it (`failed` with {@link STALLED_TOO_OFTEN}; the processor never runs). For each
 * stall: `tts_jobs_stalled_total` + 1 and a warning with the job id, the worker that
 * held it (`stalled_worker`, from {@link JOB_HOLDER_FIELD}, read at once, before a new
 * attempt can start) and the stall count; for the final failure an error line and
 * `tts_errors_total{error_type="internal"}`.
 */
export function watchStalls(deps: StallWatchDeps): void {
  const { logger: log } = deps;
  const holderOf = (jobId: string) => deps.connection.hget(deps.queue.toKey(jobId), JOB_HOLDER_FIELD).catch(() => null);
  deps.worker.on("stalled", (jobId: string) => {
    deps.metrics.jobsStalled.inc({ queue: deps.queueName });
    // Issued synchronously: ahead of the next attempt's recordHolder.
    const holder = holderOf(jobId);
    void Promise.all([holder, deps.queue.getJob(jobId).catch(() => undefined)]).then(([stalledWorker, job]) => {
      const stalls = job?.stalledCounter;
      const fails = stalls !== undefined && stalls > deps.maxStalledCount;
      log.warn(
        { job_id: jobId, stalled_worker: stalledWorker ?? "unknown", stalls, max_stalled_count: deps.maxStalledCount, attempts_started: job?.attemptsStarted },
        fails
          ? `job stalled: active without a lock (its worker died, froze or lost Redis); stalled ${stalls} times, more than MAX_STALLED_COUNT, so it fails`
          : "job stalled: active without a lock (its worker died, froze or lost Redis); moved back to the queue",
      );
    });
  });
  deps.worker.on("failed", (job: Job | undefined, err: Error) => {
    if (!job?.id || err.message !== STALLED_TOO_OFTEN) return;
    deps.metrics.errors.inc({ error_type: "internal" });
    // The processor never ran for this take, so the holder is still the worker that lost the job.
    void holderOf(job.id).then((stalledWorker) =>
      log.error(
        {
          job_id: job.id,
          stalled_worker: stalledWorker ?? "unknown",
          stalls: job.stalledCounter,
          max_stalled_count: deps.maxStalledCount,
          error_type: "internal",
          final: true,
        },
        `job failed: it stalled more than MAX_STALLED_COUNT (${deps.maxStalledCount}) times`,
      ),
    );
  });
}

/**
 * Records `workerId` as the holder of `jobId`'s attempt that starts now ({@link JOB_HOLDER_FIELD}).
 * Best effort: a failed write only leaves a later stall's `stalled_worker` unknown.
 */
export function recordHolder(connection: Pick<Redis, "hset">, queue: Pick<Queue, "toKey">, jobId: string, workerId: string): void {
  void connection.hset(queue.toKey(jobId), JOB_HOLDER_FIELD, workerId).catch(() => undefined);
}
