import type { JobView } from "./jobs.js";

/** Bounds of `GET /v1/jobs?limit=N` (the recent-jobs list). */
export const JOB_LIST_LIMITS = { min: 1, max: 100, default: 20 } as const;

/** Longest text preview in the recent-jobs list, in code points. */
export const JOB_LIST_TEXT_PREVIEW_CHARS = 80;

/** One row of `GET /v1/jobs`: the job's {@link JobView} plus what was asked for. */
export interface JobListItem extends JobView {
  /** Voice id the job was queued for. */
  voice: string;
  /** Speaker name or id, null for the voice's only speaker. */
  speaker: string | null;
  /** The first {@link JOB_LIST_TEXT_PREVIEW_CHARS} code points of the text (`…` when cut). */
  text_preview: string;
}

/** Body of `GET /v1/jobs?limit=N`: the newest jobs first (by `created_at`). */
export interface JobList {
  jobs: JobListItem[];
}

/** Jobs that finished within this many seconds count in {@link StatsView.recent}. */
export const STATS_WINDOW_SECONDS = 300;
/** At most this many of the newest finished jobs count in {@link StatsView.recent}. */
export const STATS_MAX_JOBS = 200;

/**
 * Body of `GET /v1/stats`: what the console's live charts draw. Queue counts are read
 * from Redis at request time; `recent` summarises the completed jobs that finished in the
 * last `window_seconds` (at most {@link STATS_MAX_JOBS}); its figures are null without any.
 */
export interface StatsView {
  /** ISO 8601 time of the reading. */
  at: string;
  queue: string;
  /** BullMQ job counts by state. */
  jobs: { waiting: number; prioritized: number; delayed: number; active: number; completed: number; failed: number };
  /** The backlog: waiting + prioritized + delayed (what `tts_queue_length` sums). */
  queue_length: number;
  recent: {
    window_seconds: number;
    /** Completed jobs in the window. */
    completed: number;
    /** Failed jobs in the window. */
    failed: number;
    /** Σ synthesis seconds / Σ audio seconds of the completed jobs (as `job:tts_rtf:ratio_rate5m`). */
    rtf: number | null;
    /** 95th percentile of the per-job RTF (nearest rank). */
    rtf_p95: number | null;
    /** Median and 95th percentile of submit → finish seconds (nearest rank). */
    latency_p50_seconds: number | null;
    latency_p95_seconds: number | null;
  };
}
