import type { Job } from "bullmq";
import { STATS_MAX_JOBS, STATS_WINDOW_SECONDS, synthJobResultSchema, type StatsView } from "@voxqueue/contracts";
import { BACKLOG_STATES, JOB_STATES } from "@voxqueue/telemetry";
import type { SynthQueue } from "./queues.js";

/** The `q`-quantile (0–1) of `values` by the nearest-rank method; null for none. */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

/**
 * `recent` of {@link StatsView} from finished jobs: those that finished at or after
 * `since` (epoch ms). Latency is submit → finish (`finishedOn - timestamp`).
 */
export function summariseRecent(completed: readonly Job[], failed: readonly Job[], since: number): StatsView["recent"] {
  let synthesis = 0;
  let audio = 0;
  const rtfs: number[] = [];
  const latencies: number[] = [];
  for (const job of completed) {
    if (!job.finishedOn || job.finishedOn < since) continue;
    const result = synthJobResultSchema.safeParse(job.returnvalue);
    if (!result.success) continue;
    synthesis += result.data.synthesis_s;
    audio += result.data.audio_duration_s;
    rtfs.push(result.data.rtf);
    latencies.push((job.finishedOn - job.timestamp) / 1000);
  }
  const failedInWindow = failed.filter((job) => job.finishedOn && job.finishedOn >= since).length;
  return {
    window_seconds: STATS_WINDOW_SECONDS,
    completed: rtfs.length,
    failed: failedInWindow,
    rtf: audio > 0 ? synthesis / audio : null,
    rtf_p95: nearestRank(rtfs, 0.95),
    latency_p50_seconds: nearestRank(latencies, 0.5),
    latency_p95_seconds: nearestRank(latencies, 0.95),
  };
}

/**
 * Reads {@link StatsView} from Redis: the job counts of `queues` summed (one queue per
 * voice pool; `queue` names the first, the base queue) and the newest finished jobs of
 * each (at most {@link STATS_MAX_JOBS} of each of completed and failed per queue).
 */
export async function readStats(queues: readonly SynthQueue[], now = Date.now()): Promise<StatsView> {
  const read = await Promise.all(
    queues.map((queue) =>
      Promise.all([
        queue.getJobCounts(...JOB_STATES),
        queue.getJobs(["completed"], 0, STATS_MAX_JOBS - 1, false),
        queue.getJobs(["failed"], 0, STATS_MAX_JOBS - 1, false),
      ]),
    ),
  );
  const jobs = Object.fromEntries(JOB_STATES.map((s) => [s, read.reduce((sum, [counts]) => sum + (counts[s] ?? 0), 0)])) as StatsView["jobs"];
  const completed = read.flatMap(([, done]) => done);
  const failed = read.flatMap(([, , lost]) => lost);
  return {
    at: new Date(now).toISOString(),
    queue: queues[0]?.name ?? "",
    jobs,
    queue_length: BACKLOG_STATES.reduce((sum, s) => sum + jobs[s], 0),
    recent: summariseRecent(completed, failed, now - STATS_WINDOW_SECONDS * 1000),
  };
}
