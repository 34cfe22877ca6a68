import { fileURLToPath } from "node:url";
import { z } from "zod";
import { VoicePoolsError, parseVoicePools } from "@voxqueue/contracts";
import { redisTopologyEnvShape } from "./redis-topology.js";

/** Repository root (this file is `packages/config/src/common.ts`). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Default `VOICES_DIR`: `<repo>/data/voices`, where the reference voices are generated. */
export const DEFAULT_VOICES_DIR = `${REPO_ROOT}data/voices`;

/** An environment: what `process.env` looks like. */
export type EnvSource = Record<string, string | undefined>;

const bool = z.enum(["1", "0", "true", "false", "yes", "no"], { error: "must be true or false" }).transform((v) => v === "1" || v === "true" || v === "yes");

/** Helpers for env fields: numbers arrive as strings. */
export const env = {
  int: (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def),
  num: (def: number, min = 0, max = Number.MAX_VALUE) => z.coerce.number().min(min).max(max).default(def),
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  bool: (def: boolean) => bool.default(def),
  str: (def: string) => z.string().min(1).default(def),
  redisUrl: () =>
    z
      .string()
      .default("redis://127.0.0.1:6379")
      .refine((u) => /^rediss?:\/\//.test(u), "must start with redis:// or rediss://"),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

/** Thrown by the `parse*Env` functions; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Settings both apps share. */
export const sharedEnvShape = {
  REDIS_URL: env.redisUrl(),
  ...redisTopologyEnvShape,
  QUEUE_NAME: env
    .str("tts-synthesis")
    .refine((name) => !name.includes(":"), "must not contain ':' (BullMQ queue names cannot)")
    // `<QUEUE_NAME>-batch` is the batch lane's queue (`laneQueue`): the base queue must not look like one.
    .refine((name) => !name.endsWith("-batch"), "must not end in -batch (that names a batch lane's queue)"),
  /**
   * Voice pools, `POOL=VOICE,VOICE;POOL=VOICE`: each pool's jobs go to queue
   * `<QUEUE_NAME>-pool-<POOL>`; voices no pool lists stay on QUEUE_NAME (the default pool).
   * Set it the same on the API and every worker. Default: no pools.
   */
  VOICE_POOLS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      try {
        return parseVoicePools(text);
      } catch (err) {
        if (!(err instanceof VoicePoolsError)) throw err;
        ctx.addIssue({ code: "custom", message: err.message });
        return z.NEVER;
      }
    }),
  AUDIO_TTL_SECONDS: env.int(86_400, 60),
  /** Bytes of audio the cache of repeated requests may hold in Redis (oldest evicted first); 0 turns the cache off. */
  AUDIO_CACHE_MAX_BYTES: env.int(268_435_456, 0),
  /** A cache entry is served for this long after it was stored. */
  AUDIO_CACHE_TTL_SECONDS: env.int(3_600, 1),
  LOG_LEVEL: env.logLevel(),
  /** How many characters of the user's text may appear in logs (0 = none). */
  LOG_TEXT_PREFIX_CHARS: env.int(32, 0, 1000),
  /**
   * Approximate length cap of the queue's BullMQ event stream (`streams.events.maxLen`,
   * kept in the queue's meta by whichever app starts last: set it the same on both).
   */
  QUEUE_EVENTS_MAX_LEN: env.int(10_000, 100, 1_000_000),
  /**
   * Longest audio of one job, seconds. The API refuses requests whose estimate is clearly
   * over (400); the worker stops a job as soon as its audio passes it (`invalid_input`).
   * 600 s holds MAX_TEXT_CHARS' 5,000 characters at length_scale 1 (~70 ms a character).
   */
  MAX_AUDIO_SECONDS: env.num(600, 1, 86_400),
};

/**
 * Parses `source` with `schema`, treating empty strings as unset.
 * @throws ConfigError listing each invalid variable and why
 */
export function parseWith<T extends z.ZodType>(schema: T, source: EnvSource): z.infer<T> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
