import { z } from "zod";
import { checkRedisTopology } from "./redis-topology.js";
import { DEFAULT_VOICES_DIR, env, parseWith, sharedEnvShape, type EnvSource } from "./common.js";
import { workerWebhookEnvShape } from "./webhooks.js";

const PROVIDERS = ["cpu", "cuda", "webgpu"] as const;

/** A comma-separated list of names; empty entries dropped, at least one left. */
const idList = z
  .string()
  .transform((v) => [
    ...new Set(
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string()).min(1, "must name at least one"));

const workerEnvSchema = z
  .object({
    ...sharedEnvShape,
    /** Folder of Piper voices (`NAME.onnx` + `NAME.onnx.json`). */
    VOICES_DIR: env.str(DEFAULT_VOICES_DIR),
    /**
     * Hot voice reload: watch VOICES_DIR and apply added, replaced and removed voices
     * without a restart (SIGHUP reloads whatever this says).
     */
    VOICES_WATCH: env.bool(true),
    /** Quiet time after the folder's last change before a reload, ms (a copy arrives in many writes). */
    VOICES_WATCH_DEBOUNCE_MS: env.int(1000, 0, 600_000),
    /**
     * Voices this worker hosts, comma-separated ids: the others in VOICES_DIR are neither
     * loaded nor served. Default: every voice in VOICES_DIR.
     */
    WORKER_VOICES: idList.optional(),
    /**
     * Pools whose queues this worker consumes, comma-separated (`default` for the base
     * queue). Default: every pool whose voices it hosts all of (the default pool when it
     * hosts a voice no pool lists).
     */
    WORKER_POOLS: idList.optional(),
    /** Jobs processed at once; their sentences share the inference threads. */
    WORKER_CONCURRENCY: env.int(1, 1, 64),
    /** Inference threads (one onnxruntime session per voice each); 0 = max(min(cores, 8), WORKER_CONCURRENCY) on the CPU, WORKER_CONCURRENCY on a GPU. */
    INFERENCE_THREADS: env.int(0, 0, 256),
    WORKER_METRICS_PORT: env.port(9464),
    WORKER_METRICS_HOST: env.str("0.0.0.0"),
    /**
     * onnxruntime execution providers to try, in order, comma-separated: cpu (bundled),
     * cuda (needs the CUDA provider libraries on the host), webgpu. One that fails to
     * initialise is skipped with a warning; unset: EXECUTION_PROVIDER then cpu.
     */
    EXECUTION_PROVIDERS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((p) => p.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(PROVIDERS, { error: `each must be one of ${PROVIDERS.join(", ")}` })).min(1))
      .optional(),
    /** The one-provider form (kept for existing deployments): `cuda` means `cuda,cpu`. */
    EXECUTION_PROVIDER: z.enum(PROVIDERS).default("cpu"),
    /** onnxruntime intra-op threads per inference thread; 0 = cores / inference threads (1 with the defaults). */
    ORT_INTRA_OP_THREADS: env.int(0, 0, 256),
    /**
     * Dynamic batching: sentences of concurrent jobs on the same voice (and generation) with
     * the same scales run up to this many in one onnxruntime run, on voices whose graph gives
     * per-item output lengths (the reference voices; Piper's exports run one by one). 1 = off.
     */
    BATCH_MAX_SIZE: env.int(1, 1, 64),
    /** How long a batch's first sentence waits for others before it runs, ms. */
    BATCH_MAX_WAIT_MS: env.int(5, 0, 1000),
    /**
     * Priority lanes: while sentences of both lanes wait for an inference thread, interactive
     * ones go first but every Nth goes to batch (so batch gets at least 1 in N and an
     * interactive sentence waits behind at most one batch one). At least 2.
     */
    BATCH_SHARE_EVERY: env.int(4, 2, 1000),
    /** Silence between sentences, seconds (Piper's C++ CLI uses 0.2). */
    SENTENCE_SILENCE_SECONDS: env.num(0.2, 0, 10),
    /** V8 heap limit of each inference thread, MiB (worker_threads `resourceLimits`); past it the job fails with `oom`. 0 = Node's default. */
    INFERENCE_THREAD_MAX_HEAP_MB: env.int(512, 0, 65_536),
    /** Per-job synthesis time limit; past it the job fails with `timeout`. */
    JOB_TIMEOUT_SECONDS: env.num(300, 1),
    /** On SIGTERM, in-flight jobs get this long to finish before they are handed back to the queue. */
    SHUTDOWN_GRACE_SECONDS: env.num(30, 0),
    /**
     * BullMQ job lock (ms), renewed every LOCK_DURATION_MS / 2 while a job runs. When its
     * worker dies the lock expires, and the next stalled check moves the job back to the
     * queue: a killed worker delays its jobs by at most LOCK_DURATION_MS + STALLED_INTERVAL_MS.
     */
    LOCK_DURATION_MS: env.int(30_000, 1000),
    /** BullMQ stalled-job check interval (ms); every worker runs the check. */
    STALLED_INTERVAL_MS: env.int(15_000, 1000),
    /** Times a job may stall (its worker died mid-job) and still be retried; one more stall fails it (a job that kills workers). */
    MAX_STALLED_COUNT: env.int(2, 0, 100),
    /**
     * After a job that left the worker's RSS above this multiple of its RSS once warmed up
     * (onnxruntime's CPU arena keeps a long job's peak), the inference thread reloads that
     * voice's session to give the memory back. 0 = never.
     */
    ORT_ARENA_RELOAD_RSS_RATIO: env.num(1.5, 0, 100),
    /** Heartbeat period to Redis (ms), read by the API's /readyz. */
    HEARTBEAT_INTERVAL_MS: env.int(5000, 100),
    ...workerWebhookEnvShape,
  })
  .superRefine(checkRedisTopology);

/** Settings of apps/worker; `EXECUTION_PROVIDERS` is always the resolved, de-duplicated list. */
export type WorkerConfig = Omit<z.infer<typeof workerEnvSchema>, "EXECUTION_PROVIDERS"> & {
  EXECUTION_PROVIDERS: Array<(typeof PROVIDERS)[number]>;
};

/**
 * Reads the worker's settings from an environment (usually `process.env`).
 * @throws ConfigError naming each invalid variable
 */
export function parseWorkerEnv(source: EnvSource): WorkerConfig {
  const parsed = parseWith(workerEnvSchema, source);
  const wanted = parsed.EXECUTION_PROVIDERS ?? [parsed.EXECUTION_PROVIDER, "cpu" as const];
  return { ...parsed, EXECUTION_PROVIDERS: [...new Set(wanted)] };
}
