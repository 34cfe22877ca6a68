import { Redis } from "ioredis";
import { startStack } from "@voxqueue/e2e";
import { auditJobs, queueCounts, submitJob, waitForDrain } from "./jobs.js";
import { Sampler, mib } from "./measure.js";
import { startRedisServer } from "./redis-server.js";

/** Options of {@link runBurst}. */
export interface BurstOptions {
  /** Jobs to submit. */
  jobs: number;
  /** Submits in flight at once. @defaultValue 32 */
  inFlight?: number;
  /** `WORKER_CONCURRENCY` of the one worker. @defaultValue 1 */
  workerConcurrency?: number;
  /** `INFERENCE_THREADS` of the worker (each holds its own sessions of every voice). @defaultValue 2 */
  inferenceThreads?: number;
  /** Longest wait for the queue to drain after the last submit, ms. @defaultValue 30 min */
  drainTimeoutMs?: number;
  /** Called with progress lines (for the CLI). */
  progress?: (line: string) => void;
}

/** What {@link runBurst} measured. */
export interface BurstReport {
  jobs: number;
  accepted: number;
  /** Answers other than 202, by status. */
  refused: Record<string, number>;
  completed: number;
  failed: number;
  /** Accepted jobs not in the completed set at the end. */
  lost: number;
  audio_keys: number;
  submit_s: number;
  /** First submit → queue empty. */
  drain_s: number;
  jobs_per_s: number;
  peak_redis_used_memory_mib: number;
  peak_redis_keys: number;
  peak_worker_rss_mib: number;
  peak_api_rss_mib: number;
  samples: number;
}

const VOICE = "en_US-voxqueue_ref-x_low";
const TEXTS = ["Hello.", "Yes, please.", "Thank you!", "Short and sweet.", "See you soon."];

/**
 * Starts its own Redis (AOF) and a stack with one worker, submits `jobs` short x_low
 * jobs as fast as `inFlight` concurrent clients can, waits for the queue to drain and
 * reports timings and the peaks of Redis memory and the processes' RSS (sampled
 * every 500 ms). Everything it started is stopped before it returns.
 */
export async function runBurst(opts: BurstOptions): Promise<BurstReport> {
  const say = opts.progress ?? (() => undefined);
  const server = await startRedisServer();
  const redis = new Redis(server.url());
  const stack = await startStack({
    redisUrl: server.url(),
    workerEnv: { WORKER_CONCURRENCY: String(opts.workerConcurrency ?? 1), INFERENCE_THREADS: String(opts.inferenceThreads ?? 2), LOG_LEVEL: "warn" },
  });
  const sampler = new Sampler(redis, () => [stack.workers[0]!.child.pid!, stack.api.child.pid!]).start();
  try {
    const ids: string[] = [];
    const refused: Record<string, number> = {};
    let next = 0;
    const t0 = performance.now();
    const client = async () => {
      while (next < opts.jobs) {
        const i = next++;
        const res = await submitJob(stack.apiUrl, { text: TEXTS[i % TEXTS.length]!, voice: VOICE });
        if (res.status === 202) ids.push(res.id!);
        else refused[res.status] = (refused[res.status] ?? 0) + 1;
        if ((i + 1) % 500 === 0) say(`submitted ${i + 1}/${opts.jobs}; ${JSON.stringify(await queueCounts(redis, stack.queueName))}`);
      }
    };
    await Promise.all(Array.from({ length: opts.inFlight ?? 32 }, client));
    const submitSeconds = (performance.now() - t0) / 1000;
    say(`all submitted in ${submitSeconds.toFixed(1)} s; waiting for the queue to drain`);
    const progress = setInterval(() => void queueCounts(redis, stack.queueName).then((c) => say(`queue ${JSON.stringify(c)}`)), 10_000);
    const counts = await waitForDrain(redis, stack.queueName, ids.length, opts.drainTimeoutMs ?? 30 * 60_000).finally(() => clearInterval(progress));
    const drainSeconds = (performance.now() - t0) / 1000;
    await sampler.sample();
    const { notCompleted, audioKeys } = await auditJobs(redis, stack.queueName, ids);
    return {
      jobs: opts.jobs,
      accepted: ids.length,
      refused,
      completed: counts.completed,
      failed: counts.failed,
      lost: notCompleted.length,
      audio_keys: audioKeys,
      submit_s: round(submitSeconds),
      drain_s: round(drainSeconds),
      jobs_per_s: round(ids.length / drainSeconds),
      peak_redis_used_memory_mib: mib(sampler.peakUsedMemory()),
      peak_redis_keys: sampler.peakKeys(),
      peak_worker_rss_mib: mib(sampler.peakRss(0)),
      peak_api_rss_mib: mib(sampler.peakRss(1)),
      samples: sampler.samples.length,
    };
  } finally {
    sampler.stop();
    await stack.stop();
    redis.disconnect();
    await server.destroy();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
