import { type JobErrorType, VoxqueueError, isJobErrorType } from "@voxqueue/contracts";
import { InferenceError, InferenceOutOfMemoryError, InferenceTimeoutError } from "@voxqueue/synth";

// onnxruntime's allocation failures (CPU arena, CUDA) and V8/Node memory errors.
const OOM_PATTERN = /failed to allocate|bad_alloc|out of memory|cudaErrorMemoryAllocation|allocation failed|heap out of memory/i;

/**
 * Maps an error thrown while processing a job to the taxonomy in contracts.
 * Order matters: our own typed errors first, then timeouts, then memory (an inference
 * thread past its heap limit, or onnxruntime's allocation failures: `oom`), then
 * anything else from the model (`model_error`),
 * then Redis errors (`storage_error`); the rest is `internal`.
 */
export function classifyError(err: unknown): JobErrorType {
  if (err instanceof VoxqueueError && isJobErrorType(err.type)) return err.type;
  if (err instanceof InferenceTimeoutError) return "timeout";
  if (err instanceof InferenceOutOfMemoryError) return "oom";
  const message = err instanceof Error ? err.message : String(err);
  if (OOM_PATTERN.test(message)) return "oom";
  if (err instanceof InferenceError || err instanceof RangeError) return "model_error";
  const name = err instanceof Error ? err.name : "";
  if (/Redis|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection is closed/i.test(`${name} ${message}`)) return "storage_error";
  return "internal";
}

/**
 * The message a failed job stores: `"<type>: <human message>"`. The API parses the
 * prefix back into `{error: {type, message}}`.
 */
export function jobErrorMessage(type: JobErrorType, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${type}: `) ? message : `${type}: ${message}`;
}
