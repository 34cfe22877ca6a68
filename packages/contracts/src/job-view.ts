import { decodeJobFailure, type JobFailure } from "./job-failure.js";
import { synthJobResultSchema, type JobStatus, type JobView } from "./jobs.js";

/** BullMQ's job states (`Queue.getJobState`), `unknown` when the job is gone. */
export type QueueJobState = "completed" | "failed" | "active" | "delayed" | "prioritized" | "waiting" | "waiting-children" | "unknown";

/** The fields of a BullMQ `Job` a job view is made of (a `Job` is one). Times in ms since epoch. */
export interface QueueJobRecord {
  id?: string | undefined;
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  attemptsMade: number;
  returnvalue: unknown;
  failedReason?: string | undefined;
}

/** Longest job error message shown to clients (a worker's message, never a stack). */
const MAX_ERROR_MESSAGE_CHARS = 500;

/** The links of a job's answers: its view and its audio. */
export function jobLinks(id: string): JobView["links"] {
  return { self: `/v1/jobs/${id}`, audio: `/v1/jobs/${id}/audio` };
}

/**
 * `view` with its links (`links.self`, `links.audio`, `result.audio_url`) made absolute
 * against `baseUrl` (an origin such as `https://tts.example.com`, optionally with a path
 * prefix): a webhook receiver has no request to resolve relative links against.
 */
export function withAbsoluteLinks(view: JobView, baseUrl: string): JobView {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const absolute = (path: string) => new URL(path.replace(/^\//, ""), base).href;
  const links = { self: absolute(view.links.self), audio: absolute(view.links.audio) };
  return { ...view, links, ...(view.result ? { result: { ...view.result, audio_url: absolute(view.result.audio_url) } } : {}) };
}

/**
 * Public status of a BullMQ state. Everything before a worker picks the job up
 * (waiting, prioritized, delayed — which includes the backoff before a retry —
 * and waiting-children) reads as `queued`; null for `unknown` (the job is gone).
 */
export function publicStatus(state: QueueJobState): JobStatus | null {
  switch (state) {
    case "waiting":
    case "prioritized":
    case "delayed":
    case "waiting-children":
      return "queued";
    case "active":
    case "completed":
    case "failed":
      return state;
    default:
      return null;
  }
}

/** Reads a failed job's reason with the contracts' codec, clipped for clients (any reason; see `JobFailure`). */
export function parseJobFailure(reason: string | undefined): JobFailure {
  const failure = decodeJobFailure(reason);
  const { message } = failure;
  return message.length > MAX_ERROR_MESSAGE_CHARS ? { ...failure, message: `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` } : failure;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined || ms === null || !Number.isFinite(ms) || ms <= 0 ? undefined : new Date(ms).toISOString();
}

/**
 * The `GET /v1/jobs/:id` view of a BullMQ job in `state`; null when the state is
 * `unknown`. A completed job whose return value is not a `SynthJobResult` (a worker
 * bug) is shown without `result`, and `onInvalidResult` is called (to log it).
 */
export function toJobView(job: QueueJobRecord, state: QueueJobState, onInvalidResult?: (jobId: string) => void): JobView | null {
  const status = publicStatus(state);
  const id = job.id;
  if (status === null || id === undefined) return null;
  const links = jobLinks(id);
  const view: JobView = { id, status, created_at: iso(job.timestamp) ?? new Date(0).toISOString(), attempts: job.attemptsMade, links };
  const startedAt = iso(job.processedOn);
  // A job waiting for its retry keeps the times of its last attempt; they describe that attempt, not this state.
  if (startedAt && status !== "queued") view.started_at = startedAt;
  const finishedAt = iso(job.finishedOn);
  if (finishedAt && (status === "completed" || status === "failed")) view.finished_at = finishedAt;
  if (status === "completed") {
    const result = synthJobResultSchema.safeParse(job.returnvalue);
    if (result.success) {
      const r = result.data;
      view.result = {
        audio_url: links.audio,
        audio_duration_s: r.audio_duration_s,
        synthesis_s: r.synthesis_s,
        rtf: r.rtf,
        sample_rate: r.sample_rate,
        voice: r.voice,
        speaker: r.speaker,
      };
      if (r.word_timings) view.result.word_timings = r.word_timings;
      if (r.words) view.result.words = r.words;
    } else {
      onInvalidResult?.(id);
    }
  }
  if (status === "failed") view.error = parseJobFailure(job.failedReason);
  return view;
}
