import { z } from "zod";
import { DEFAULT_VOICES_DIR, env, parseWith, sharedEnvShape, type EnvSource } from "./common.js";

const workerEnvSchema = z.object({
  ...sharedEnvShape,
  /** Folder of Piper voices (`NAME.onnx` + `NAME.onnx.json`). */
  VOICES_DIR: env.str(DEFAULT_VOICES_DIR),
  /** Generate voxqueue's reference voices into VOICES_DIR when missing. */
  REFERENCE_VOICES: env.bool(true),
  /** Jobs processed at once; each has its own inference thread. */
  WORKER_CONCURRENCY: env.int(1, 1, 64),
  WORKER_METRICS_PORT: env.port(9464),
  WORKER_METRICS_HOST: env.str("0.0.0.0"),
  /** onnxruntime execution provider: cpu (bundled), cuda (needs the CUDA provider on the host), webgpu. */
  EXECUTION_PROVIDER: z.enum(["cpu", "cuda", "webgpu"]).default("cpu"),
  /** onnxruntime intra-op threads per inference thread; 0 = cores / WORKER_CONCURRENCY. */
  ORT_INTRA_OP_THREADS: env.int(0, 0, 256),
  /** Silence between sentences, seconds (Piper's C++ CLI uses 0.2). */
  SENTENCE_SILENCE_SECONDS: env.num(0.2, 0, 10),
  /** Per-job synthesis time limit; past it the job fails with `timeout`. */
  JOB_TIMEOUT_SECONDS: env.num(300, 1),
  /** On SIGTERM, in-flight jobs get this long to finish before they are handed back to the queue. */
  SHUTDOWN_GRACE_SECONDS: env.num(30, 0),
  /** BullMQ lock duration (ms): a job whose worker stops renewing its lock this long is stalled and retried. */
  LOCK_DURATION_MS: env.int(30_000, 1000),
  /** BullMQ stalled-job check interval (ms). */
  STALLED_INTERVAL_MS: env.int(15_000, 1000),
  /** Times a job may stall (worker died) before it fails. */
  MAX_STALLED_COUNT: env.int(2, 0, 100),
  /** Heartbeat period to Redis (ms), read by the API's /readyz. */
  HEARTBEAT_INTERVAL_MS: env.int(5000, 100),
});

/** Settings of apps/worker. */
export type WorkerConfig = z.infer<typeof workerEnvSchema>;

/**
 * Reads the worker's settings from an environment (usually `process.env`).
 * @throws ConfigError naming each invalid variable
 */
export function parseWorkerEnv(source: EnvSource): WorkerConfig {
  return parseWith(workerEnvSchema, source);
}
