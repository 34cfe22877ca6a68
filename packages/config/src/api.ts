import { z } from "zod";
import { env, parseWith, sharedEnvShape, type EnvSource } from "./common.js";

const apiEnvSchema = z.object({
  ...sharedEnvShape,
  PORT: env.port(8080),
  HOST: env.str("0.0.0.0"),
  /** Longest accepted `text`, in characters after trimming. */
  MAX_TEXT_CHARS: env.int(5000, 1, 1_000_000),
  /** Largest accepted request body, in bytes. */
  MAX_BODY_BYTES: env.int(262_144, 1024, 64 * 1024 * 1024),
  /** Voice used when a request names none; default: the first installed voice in id order. */
  DEFAULT_VOICE: z.string().optional(),
  /** Attempts per job (BullMQ `attempts`), with exponential backoff from JOB_BACKOFF_MS. */
  JOB_ATTEMPTS: env.int(3, 1, 20),
  JOB_BACKOFF_MS: env.int(2000, 0),
  /** Completed/failed jobs are kept this long (then removed by BullMQ); keep >= AUDIO_TTL_SECONDS so expired audio answers 410. */
  JOB_RETENTION_SECONDS: env.int(172_800, 60),
  /** /readyz needs a worker heartbeat younger than this. */
  WORKER_STALE_SECONDS: env.int(30, 1),
  /** Voices count as installed while a worker serving them was seen this recently (a worker that leaves cleanly takes its voices at once). */
  VOICE_CATALOG_MAX_AGE_SECONDS: env.int(600, 1),
  /** Grace period for in-flight requests on SIGTERM. */
  SHUTDOWN_GRACE_SECONDS: env.int(10, 0),
});

/** Settings of apps/api. */
export type ApiConfig = z.infer<typeof apiEnvSchema>;

/**
 * Reads the API's settings from an environment (usually `process.env`).
 * @throws ConfigError naming each invalid variable
 */
export function parseApiEnv(source: EnvSource): ApiConfig {
  return parseWith(apiEnvSchema, source);
}
