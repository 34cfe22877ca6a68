import type { Job, JobState } from "bullmq";
import { JOB_LIST_LIMITS, JOB_LIST_TEXT_PREVIEW_CHARS, VoxqueueError, toJobView, type JobList, type JobListItem, type SynthJobData } from "@voxqueue/contracts";
import { JOB_STATES, textPreview, type Logger } from "@voxqueue/telemetry";
import type { SynthQueue } from "./queues.js";

/**
 * `limit` of `GET /v1/jobs?limit=N`: an integer in {@link JOB_LIST_LIMITS}, the default when absent or empty.
 * @throws VoxqueueError `invalid_input` naming `limit`
 */
export function parseListLimit(raw: unknown): number {
  if (raw === undefined || raw === "") return JOB_LIST_LIMITS.default;
  const text = typeof raw === "string" ? raw : "";
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= JOB_LIST_LIMITS.min && n <= JOB_LIST_LIMITS.max)) {
    throw new VoxqueueError("invalid_input", `limit must be an integer from ${JOB_LIST_LIMITS.min} to ${JOB_LIST_LIMITS.max}`, "limit");
  }
  return n;
}

/** A list row of `job` in `state`; null when the job is gone, its data is not ours or it is a long-form job's chunk. */
export function toListItem(job: Job<SynthJobData>, state: JobState, logger?: Logger): JobListItem | null {
  const view = toJobView(job, state, (jobId) => logger?.warn({ job_id: jobId }, "completed job has no valid SynthJobResult"));
  const data = job.data as Partial<SynthJobData> | undefined;
  // A long-form job's chunks are its parts, not jobs of the client's.
  if (!view || typeof data?.voice !== "string" || data.chunk !== undefined) return null;
  const text = typeof data.text === "string" ? data.text : "";
  return { ...view, voice: data.voice, speaker: data.speaker ?? null, text_preview: textPreview(text, JOB_LIST_TEXT_PREVIEW_CHARS) };
}

/** The states the list reads: the gauges' states, and long-form jobs waiting for their chunks. */
const LISTED_STATES: readonly JobState[] = [...JOB_STATES, "waiting-children"];

/** Jobs read per state when the list is filtered (by API key): the list covers the newest this many of each state. */
export const JOB_LIST_SCAN_PER_STATE = 500;

/**
 * The newest `limit` jobs of `queues` (every voice pool's) by submit time. Reads, in each queue, the newest jobs of every
 * state (finish time for completed/failed, queue order otherwise): `limit` of each, or
 * {@link JOB_LIST_SCAN_PER_STATE} with `include`, then keeps the newest `limit` of those
 * that `include` accepts (default: all).
 */
export async function listRecentJobs(
  queues: readonly SynthQueue[],
  limit: number,
  opts: { include?: (job: Job<SynthJobData>) => boolean; logger?: Logger } = {},
): Promise<JobList> {
  const scan = opts.include ? Math.max(limit, JOB_LIST_SCAN_PER_STATE) : limit;
  const perState = await Promise.all(
    queues.flatMap((queue) => LISTED_STATES.map(async (state) => (await queue.getJobs([state], 0, scan - 1, false)).map((job) => ({ job, state })))),
  );
  const seen = new Set<string>();
  const rows: JobListItem[] = [];
  for (const { job, state } of perState.flat()) {
    // A job that moved between two reads shows once, in its first state read.
    if (!job?.id || seen.has(job.id) || (opts.include && !opts.include(job))) continue;
    seen.add(job.id);
    const item = toListItem(job, state, opts.logger);
    if (item) rows.push(item);
  }
  rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return { jobs: rows.slice(0, limit) };
}
