import { type JobErrorType, VoxqueueError, isJobErrorType } from "./errors.js";

/**
 * The wire format of a failed job's reason (BullMQ `failedReason`): `"<type>: <human message>"`, `<type>` one of
 * {@link JOB_ERROR_TYPES}. The worker writes it with {@link encodeJobFailure}; the API reads it back with
 * {@link decodeJobFailure}. Anything else in `failedReason` (a BullMQ stall limit, a bug) reads as `internal`.
 */
export interface JobFailure {
  type: JobErrorType;
  message: string;
}

/** The message shown for a failed job whose reason says nothing. */
const EMPTY_FAILURE_MESSAGE = "synthesis failed";

/** The reason a failed job stores for `err` of `type`; a message that already starts with `"<type>: "` is kept. */
export function encodeJobFailure(type: JobErrorType, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${type}: `) ? message : `${type}: ${message}`;
}

/** Reads a failed job's reason (see {@link JobFailure}); the message is trimmed, never empty, never clipped. */
export function decodeJobFailure(reason: string | undefined): JobFailure {
  const text = (reason ?? "").trim();
  const colon = text.indexOf(":");
  const prefix = colon > 0 ? text.slice(0, colon) : "";
  if (isJobErrorType(prefix)) return { type: prefix, message: text.slice(colon + 1).trimStart() || EMPTY_FAILURE_MESSAGE };
  return { type: "internal", message: text || EMPTY_FAILURE_MESSAGE };
}

/** onnxruntime's allocation failures (CPU arena, CUDA) and V8/Node memory errors. */
const OOM_PATTERN = /failed to allocate|bad_alloc|out of memory|cudaErrorMemoryAllocation|allocation failed|heap out of memory/i;
/** Redis client errors (ioredis names and socket codes). */
const STORAGE_PATTERN = /Redis|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection is closed/i;
/**
 * Job error types of errors thrown below the worker, by `Error.name` (synth's inference errors: contracts depends on
 * no package, so it knows them by name).
 */
const TYPE_BY_ERROR_NAME: Record<string, JobErrorType> = {
  InferenceTimeoutError: "timeout",
  EspeakCrashError: "invalid_input",
  InferenceOutOfMemoryError: "oom",
  InferenceError: "model_error",
  RangeError: "model_error",
};

/**
 * Maps an error thrown while processing a job to the taxonomy. Order matters: our own typed errors first, then
 * timeouts, then memory (an inference thread past its heap limit, or onnxruntime's allocation failures: `oom`), then
 * anything else from the model (`model_error`), then Redis errors (`storage_error`); the rest is `internal`.
 */
export function classifyJobError(err: unknown): JobErrorType {
  if (err instanceof VoxqueueError && isJobErrorType(err.type)) return err.type;
  const name = err instanceof Error ? err.name : "";
  const byName = TYPE_BY_ERROR_NAME[name];
  if (byName === "timeout" || byName === "oom") return byName;
  const message = err instanceof Error ? err.message : String(err);
  if (OOM_PATTERN.test(message)) return "oom";
  if (byName) return byName;
  if (STORAGE_PATTERN.test(`${name} ${message}`)) return "storage_error";
  return "internal";
}
