import { z } from "zod";
import { checkRedisTopology } from "./redis-topology.js";
import { env, parseWith, sharedEnvShape, type EnvSource } from "./common.js";
import { apiWebhookEnvShape } from "./webhooks.js";

/** Values of `ADMIN_QUEUES`. */
export const ADMIN_QUEUES_MODES = ["read-only", "actions", "off"] as const;

const apiEnvSchema = z
  .object({
    ...sharedEnvShape,
    PORT: env.port(8080),
    HOST: env.str("0.0.0.0"),
    /** Longest accepted `text`, in characters after trimming. */
    MAX_TEXT_CHARS: env.int(5000, 1, 1_000_000),
    /** Largest accepted request body, in bytes (`POST /v1/jobs` takes at least what MAX_LONGFORM_CHARS needs: {@link jobBodyLimitBytes}). */
    MAX_BODY_BYTES: env.int(262_144, 1024, 64 * 1024 * 1024),
    /**
     * Longest `text` of a long-form job, characters after trimming: a text over MAX_TEXT_CHARS is
     * split at sentence ends into chunk jobs that any worker of the voice's pool runs, then
     * stitched into one WAV. At or below MAX_TEXT_CHARS (0): no long-form jobs.
     */
    MAX_LONGFORM_CHARS: env.int(100_000, 0, 2_000_000),
    /** Characters per chunk job of a long-form job (whole sentences: a longer sentence is a chunk of its own). */
    LONGFORM_CHUNK_CHARS: env.int(2_000, 100, 100_000),
    /** Voice used when a request names none; default: the first installed voice in id order. */
    DEFAULT_VOICE: z.string().optional(),
    /**
     * The API's public origin (e.g. `https://tts.example.com`, behind a proxy or ingress):
     * webhook events carry absolute links against it. Default: the submit request's scheme and Host.
     */
    PUBLIC_BASE_URL: z.string().url().optional(),
    /** Attempts per job (BullMQ `attempts`), with exponential backoff from JOB_BACKOFF_MS. */
    JOB_ATTEMPTS: env.int(3, 1, 20),
    JOB_BACKOFF_MS: env.int(2000, 0),
    /** Completed/failed jobs are kept this long (then removed by BullMQ); keep >= AUDIO_TTL_SECONDS so expired audio answers 410. */
    JOB_RETENTION_SECONDS: env.int(172_800, 60),
    /** /readyz needs a worker heartbeat younger than this. */
    WORKER_STALE_SECONDS: env.int(30, 1),
    /** Voices count as installed while a worker serving them was seen this recently (a worker that leaves cleanly takes its voices at once). */
    VOICE_CATALOG_MAX_AGE_SECONDS: env.int(600, 1),
    /** A client must send a request's complete headers within this long after connecting (slowloris). */
    HTTP_HEADERS_TIMEOUT_SECONDS: env.num(10, 1, 3600),
    /** A client must send a whole request (headers and body) within this long; past it: 408 and the connection closes. */
    HTTP_REQUEST_TIMEOUT_SECONDS: env.num(30, 1, 3600),
    /** An open connection with no bytes either way for this long is closed (a client that stops reading or sending). */
    HTTP_IDLE_TIMEOUT_SECONDS: env.num(120, 1, 3600),
    /** A keep-alive connection between requests is closed after this long. */
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: env.num(5, 0, 3600),
    /** Open connections at most; further connections are closed at once (0 = no cap). */
    HTTP_MAX_CONNECTIONS: env.int(1024, 0, 1_000_000),
    /** The ffmpeg binary that encodes mp3, opus, flac and aac (wav and pcm need none). */
    FFMPEG_PATH: env.str("ffmpeg"),
    /** OpenAI voice names mapped to installed voices: `alloy=en_US-lessac-medium,echo=VOICE:SPEAKER` (unset names: the model's voices in order). */
    OPENAI_VOICE_MAP: z.string().default(""),
    /** How long `POST /v1/audio/speech` waits for its job before answering 504 (the job goes on; its audio stays fetchable). */
    SPEECH_TIMEOUT_SECONDS: env.int(120, 1, 3600),
    /**
     * The BullMQ queue inspector (bull-board) at `/admin/queues`: `read-only` (look only),
     * `actions` (retry, clean, pause, remove, ... allowed) or `off` (not served).
     */
    ADMIN_QUEUES: z.enum(ADMIN_QUEUES_MODES, { error: `must be one of ${ADMIN_QUEUES_MODES.join(", ")}` }).default("read-only"),
    /**
     * With API keys configured: the names of the keys (comma-separated) that may open the
     * queue inspector, which shows every key's jobs. Default: the key named `admin`.
     */
    ADMIN_KEY_NAMES: z
      .string()
      .default("admin")
      .transform((v) =>
        v
          .split(",")
          .map((n) => n.trim())
          .filter((n) => n !== ""),
      )
      .refine((names) => names.length > 0, "must name at least one API key"),
    /**
     * Serve even when Redis may evict keys (maxmemory-policy other than noeviction): for
     * development only; in production queued jobs, results and audio would vanish.
     */
    ALLOW_UNSAFE_REDIS: env.bool(false),
    /** Submits are refused (503, Retry-After) while Redis' used memory is at or above this share of its maxmemory. */
    REDIS_MEMORY_ADMISSION_RATIO: env.num(0.9, 0.1, 1),
    /**
     * Replicas that must confirm a job (Redis `WAIT`) before a submit answers 202; 0 = answer
     * once the primary has it (replication is asynchronous: a failover may lose it). Not with Cluster.
     */
    REDIS_WAIT_REPLICAS: env.int(0, 0, 16),
    /** How long a submit waits for those replicas before it answers 503 (below the connection's 5 s command timeout). */
    REDIS_WAIT_TIMEOUT_MS: env.int(1_000, 10, 4_000),
    /** Grace period for in-flight requests on SIGTERM. */
    SHUTDOWN_GRACE_SECONDS: env.int(10, 0),
    /**
     * File of API keys, lines `NAME:SHA256_HEX_OF_KEY` (`pnpm keys add NAME`). Set: every `/v1` route needs
     * `Authorization: Bearer <key>` (an empty file refuses everyone). Unset: the API runs open.
     */
    API_KEYS_FILE: z.string().min(1).optional(),
    /** Submits (`POST /v1/jobs`) per API key per SUBMIT_RATE_WINDOW_SECONDS, shared by all replicas; 0 = no limit. */
    SUBMIT_RATE_LIMIT: env.int(120, 0),
    SUBMIT_RATE_WINDOW_SECONDS: env.int(60, 1, 86_400),
    /** Jobs one API key may have queued or active at once; 0 = no cap. */
    MAX_JOBS_IN_FLIGHT_PER_KEY: env.int(100, 0),
    /** Submits are refused (503) while the queue's backlog (waiting + prioritized + delayed) is at least this; 0 = no limit. */
    MAX_QUEUED_JOBS: env.int(10_000, 0),
    /** Retry-After of those 503s and of in-flight-cap 429s. */
    QUEUE_FULL_RETRY_AFTER_SECONDS: env.int(10, 1, 3_600),
    /** How long an Idempotency-Key is remembered per API key; cut to JOB_RETENTION_SECONDS, so a remembered key finds its job. */
    IDEMPOTENCY_TTL_SECONDS: env.int(86_400, 60),
    ...apiWebhookEnvShape,
  })
  .superRefine((c, ctx) => {
    checkRedisTopology(c, ctx);
    if (c.REDIS_WAIT_REPLICAS > 0 && c.REDIS_CLUSTER_NODES)
      ctx.addIssue({ code: "custom", path: ["REDIS_WAIT_REPLICAS"], message: "is not supported with REDIS_CLUSTER_NODES (WAIT would reach a random node)" });
  })
  .transform((c) => ({ ...c, IDEMPOTENCY_TTL_SECONDS: Math.min(c.IDEMPOTENCY_TTL_SECONDS, c.JOB_RETENTION_SECONDS) }));

/** Bytes one character of a JSON string takes at most (a `\uXXXX` escape). */
const JSON_BYTES_PER_CHAR = 6;

/** Room for the other fields of a `POST /v1/jobs` body, bytes. */
const JOB_BODY_FIELDS_BYTES = 16_384;

/**
 * Largest body `POST /v1/jobs` accepts, bytes: MAX_BODY_BYTES, raised so that a text of
 * MAX_LONGFORM_CHARS characters fits however it is written (every character escaped) when
 * long-form jobs are on.
 */
export function jobBodyLimitBytes(config: Pick<ApiConfig, "MAX_BODY_BYTES" | "MAX_TEXT_CHARS" | "MAX_LONGFORM_CHARS">): number {
  if (config.MAX_LONGFORM_CHARS <= config.MAX_TEXT_CHARS) return config.MAX_BODY_BYTES;
  return Math.max(config.MAX_BODY_BYTES, config.MAX_LONGFORM_CHARS * JSON_BYTES_PER_CHAR + JOB_BODY_FIELDS_BYTES);
}

/** Settings of apps/api. */
export type ApiConfig = z.infer<typeof apiEnvSchema>;

/**
 * Reads the API's settings from an environment (usually `process.env`).
 * @throws ConfigError naming each invalid variable
 */
export function parseApiEnv(source: EnvSource): ApiConfig {
  return parseWith(apiEnvSchema, source);
}
