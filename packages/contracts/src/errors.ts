/**
 * The error taxonomy shared by the API, the worker, job results and the
 * `tts_errors_total{error_type}` metric. One table: type → HTTP status → retryable.
 */
export const ERROR_TYPES = {
  /** The request or the text cannot be synthesized (bad field, no pronounceable content). */
  invalid_input: { status: 400, retryable: false },
  /** Synthesis ran past the per-job timeout. */
  timeout: { status: 504, retryable: true },
  /** onnxruntime could not allocate, or the process hit its memory limit. */
  oom: { status: 507, retryable: true },
  /** The model failed to load or to run (bad graph, bad ids). */
  model_error: { status: 500, retryable: false },
  /** Redis could not store or return the audio. */
  storage_error: { status: 503, retryable: true },
  /** Anything else; a bug. */
  internal: { status: 500, retryable: true },
  // API-only types (never stored in job results):
  /** No API key, or one the API does not know (with `WWW-Authenticate: Bearer`). */
  unauthorized: { status: 401, retryable: false },
  not_found: { status: 404, retryable: false },
  method_not_allowed: { status: 405, retryable: false },
  not_ready: { status: 409, retryable: true },
  expired: { status: 410, retryable: false },
  /** The job failed: its audio will never exist (the message carries the job's own error). */
  job_failed: { status: 410, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  /** The same `Idempotency-Key` was sent with a different request body. */
  idempotency_conflict: { status: 409, retryable: false },
  /** The API key's submit rate limit (with `Retry-After` and `RateLimit-*`). */
  rate_limited: { status: 429, retryable: true },
  /** The API key's cap on jobs in flight, queued + active (with `Retry-After`). */
  in_flight_limit: { status: 429, retryable: true },
  service_unavailable: { status: 503, retryable: true },
} as const;

/** Every error type (the `type` field of error bodies). */
export type ErrorType = keyof typeof ERROR_TYPES;

/** The error types a job can fail with (stored in its result and counted by workers). */
export const JOB_ERROR_TYPES = ["invalid_input", "timeout", "oom", "model_error", "storage_error", "internal"] as const;
export type JobErrorType = (typeof JOB_ERROR_TYPES)[number];

/** The JSON error body of every non-2xx API answer: `{error: {type, message, field?}}`. */
export interface ErrorBody {
  error: { type: ErrorType; message: string; field?: string };
}

/**
 * An error with a taxonomy type, thrown by validation, synthesis and storage code.
 * `field` names the request field at fault (dotted path) where there is one.
 */
export class VoxqueueError extends Error {
  override readonly name: string = "VoxqueueError";
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  /** HTTP status for this error's type. */
  get status(): number {
    return ERROR_TYPES[this.type].status;
  }

  toBody(): ErrorBody {
    return { error: { type: this.type, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** True when `type` is one a job can fail with. */
export function isJobErrorType(type: string): type is JobErrorType {
  return (JOB_ERROR_TYPES as readonly string[]).includes(type);
}
