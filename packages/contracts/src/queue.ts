import { poolOfVoice, poolQueueName, type VoicePool } from "./voice-pools.js";

/** Default BullMQ queue name for synthesis jobs (the `QUEUE_NAME` setting overrides it). */
export const DEFAULT_QUEUE_NAME = "tts-synthesis";

/** BullMQ job name of a synthesis job. */
export const SYNTH_JOB_NAME = "synthesize";

/** Redis key prefix of everything voxqueue writes outside BullMQ's own keys. */
export const KEY_PREFIX = "voxqueue";

/**
 * The one place that decides which queue a voice's jobs go to (API and worker both call
 * this): the queue of the voice's pool, the base queue for voices no pool lists.
 * @param voiceId the voice id (file stem of `NAME.onnx`)
 * @param baseQueue the configured queue name (`QUEUE_NAME`)
 * @param pools the `VOICE_POOLS` setting; default none (every voice on the base queue)
 */
export function queueForVoice(voiceId: string, baseQueue: string, pools: readonly VoicePool[] = []): string {
  return poolQueueName(baseQueue, poolOfVoice(voiceId, pools));
}

/**
 * Priority lanes. `interactive`: a person waits for the audio (short jobs, streamed jobs,
 * the OpenAI-compatible speech endpoint); `batch`: nobody waits for any one job (bulk
 * submits, long-form chunks). Each lane is a BullMQ queue of its own next to each pool
 * queue, so a batch backlog never sits in front of an interactive job; the worker takes
 * interactive sentences first and gives batch a guaranteed share (BATCH_SHARE_EVERY).
 */
export const LANES = ["interactive", "batch"] as const;
export type Lane = (typeof LANES)[number];

/** The lane of a job that names none. */
export const DEFAULT_LANE: Lane = "interactive";

/** Suffix of a batch lane's queue name. */
const BATCH_QUEUE_SUFFIX = "-batch";

/**
 * The queue of `lane` next to the pool queue `poolQueue` (what {@link queueForVoice}
 * returns): the pool queue itself for `interactive` (existing names unchanged),
 * `<poolQueue>-batch` for `batch`. API and worker both call this.
 */
export function laneQueue(poolQueue: string, lane: Lane): string {
  return lane === "batch" ? `${poolQueue}${BATCH_QUEUE_SUFFIX}` : poolQueue;
}

/** The lane whose queue is `queueName` (the inverse of {@link laneQueue}). */
export function laneOfQueue(queueName: string): Lane {
  return queueName.endsWith(BATCH_QUEUE_SUFFIX) ? "batch" : "interactive";
}

/** Every lane's queue next to the pool queue `poolQueue`, interactive first. */
export function laneQueues(poolQueue: string): string[] {
  return LANES.map((lane) => laneQueue(poolQueue, lane));
}

/**
 * Redis string: JSON array of the {@link VoiceInfo} a worker serves, written at its
 * start, kept alive by its heartbeats, deleted when it leaves.
 */
export function workerVoicesKey(workerId: string): string {
  return `${KEY_PREFIX}:worker-voices:${workerId}`;
}

/** Redis sorted set: worker id → when it stopped cleanly (ms since epoch). */
export const WORKERS_LEFT_KEY = `${KEY_PREFIX}:workers-left`;

/** Redis sorted set: worker id → last heartbeat (ms since epoch). */
export const WORKER_HEARTBEATS_KEY = `${KEY_PREFIX}:workers`;

/** Redis key of a job's WAV audio: a list of byte pieces, in order (a string, from before pieces). */
export function audioKey(jobId: string): string {
  return `${KEY_PREFIX}:audio:${jobId}`;
}

/**
 * Field of BullMQ's job hash (`bull:<queue>:<id>`) in which the worker running an
 * attempt writes its id when the attempt starts. BullMQ's own `processedBy` is
 * overwritten as soon as another worker takes a stalled job back, often before the
 * stall can be logged; this field changes only when the next attempt starts.
 */
export const JOB_HOLDER_FIELD = "vq_worker";

/** Redis key prefix of the per-API-key submit rate limiter (rate-limiter-flexible appends `:<key name>`). */
export const SUBMIT_RATE_LIMIT_PREFIX = `${KEY_PREFIX}:ratelimit:submit`;

/** Redis sorted set: the BullMQ job keys of an API key's jobs that may still be in flight → reserved at (ms since epoch). */
export function jobsInFlightKey(owner: string): string {
  return `${KEY_PREFIX}:in-flight:${owner}`;
}

/**
 * Redis string: what an `Idempotency-Key` named (the job id and the request's fingerprint),
 * per API key (`owner`, `-` while the API runs open); the client's key is hashed, so its
 * bytes never reach a Redis key name.
 */
export function idempotencyKey(owner: string, keyHash: string): string {
  return `${KEY_PREFIX}:idempotency:${owner}:${keyHash}`;
}

/**
 * Redis list in which one attempt writes a job's audio piece by piece before it is
 * renamed to {@link audioKey}. Its `{…}` hash tag is the audio key itself, so in a Redis
 * Cluster both keys share a slot (the rename is atomic); `attempt` keeps two attempts
 * of one job (a stalled job taken over) from mixing their pieces.
 */
export function audioPartialKey(jobId: string, attempt: string): string {
  return `{${audioKey(jobId)}}:partial:${attempt}`;
}

/**
 * Redis stream of a job's audio as the worker synthesizes it, one entry per chunk
 * (`type` chunk: `seq`, `attempt`, `rate`, `silence` samples before it, `pcm` s16le
 * bytes), then `type` end, or `type` error (`error` "<type>: message", `final` 1 when no
 * attempt follows). Trimmed to a bounded length and expiring (see AUDIO_STREAM_*), so
 * the API on any host can stream a job's audio while it is active.
 */
export function audioStreamKey(jobId: string): string {
  return `${KEY_PREFIX}:audio-stream:${jobId}`;
}

/** Entries an audio stream keeps at most (XADD MAXLEN ~): chunks of a very long job beyond it are trimmed from the front. */
export const AUDIO_STREAM_MAX_ENTRIES = 2_000;

/** Seconds an audio stream lives after its last entry (a reader that arrives later gets the stored audio instead). */
export const AUDIO_STREAM_TTL_SECONDS = 120;

/**
 * BullMQ job name of a long-form job's parent: it waits for its chunk jobs
 * ({@link SYNTH_JOB_NAME} children, one per group of sentences) and then stitches their
 * audio into one WAV. Its id is the one the client got.
 */
export const LONGFORM_JOB_NAME = "stitch";

/** Id of chunk `index` (from 0) of long-form job `parentId`: the parent's id and the index, so the stitch knows each child's place. */
export function longformChunkJobId(parentId: string, index: number): string {
  return `${parentId}-chunk-${index}`;
}

/**
 * The chunk index in a chunk job's id or BullMQ key (`bull:<queue>:<parent>-chunk-<n>`,
 * as `getChildrenValues` names them); null for anything else.
 */
export function longformChunkIndex(jobIdOrKey: string): number | null {
  const match = /-chunk-(\d{1,9})$/.exec(jobIdOrKey);
  return match ? Number(match[1]) : null;
}
