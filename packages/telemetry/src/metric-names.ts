/**
 * Every metric voxqueue exports, by name. Names follow Prometheus conventions (base
 * units, `_total` counters) and the seed document's `tts_` set; dashboards, recording
 * rules and alerts in `infra/` and `dashboards/` use exactly these.
 */
export const METRIC = {
  requests: "tts_requests_total",
  synthesisDuration: "tts_synthesis_duration_seconds",
  audioDuration: "tts_audio_duration_seconds",
  rtf: "tts_rtf_ratio",
  errors: "tts_errors_total",
  gpuMemory: "tts_gpu_memory_bytes",
  gpuMemoryTotal: "tts_gpu_memory_total_bytes",
  queueLength: "tts_queue_length",
  queueJobs: "tts_queue_jobs",
  jobsInProgress: "tts_jobs_in_progress",
  jobsStalled: "tts_jobs_stalled_total",
  redisUnsafeSettings: "tts_redis_unsafe_settings",
  redisMemoryUsedRatio: "tts_redis_memory_used_ratio",
  queueWait: "tts_queue_wait_seconds",
  httpRequests: "tts_http_requests_total",
  timeToFirstAudio: "tts_time_to_first_audio_seconds",
  httpRequestDuration: "tts_http_request_duration_seconds",
  workerInfo: "tts_worker_info",
  requestsRefused: "tts_requests_refused_total",
  cacheRequests: "tts_cache_requests_total",
  webhookDeliveries: "tts_webhook_deliveries_total",
  webhookDeliveryDuration: "tts_webhook_delivery_duration_seconds",
} as const;

/**
 * Why the API refused a request before doing any work (`reason` of `tts_requests_refused_total`):
 * no or unknown API key, the key's submit rate limit, the key's cap on jobs in flight,
 * the queue's backlog at `MAX_QUEUED_JOBS`.
 */
export const REFUSAL_REASONS = ["unauthorized", "rate_limited", "in_flight_limit", "queue_full"] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Histogram buckets (seconds or ratio), from the seed document where it gives them. */
export const BUCKETS = {
  synthesisDuration: [0.1, 0.25, 0.5, 1, 2, 5, 10],
  audioDuration: [1, 2, 5, 10, 30, 60],
  rtf: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5],
  queueWait: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  timeToFirstAudio: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30],
  http: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  webhookDelivery: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
} as const;

/**
 * Outcomes of one webhook delivery attempt (`tts_webhook_deliveries_total{outcome}`),
 * exactly one per attempt: delivered (2xx), retried (network error, timeout, 408,
 * 429 or 5xx with attempts left), dead (given up: other answers, or attempts used up),
 * refused (the SSRF guard refused the target at delivery time).
 */
export const WEBHOOK_OUTCOMES = ["delivered", "retried", "dead", "refused"] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** BullMQ states counted in `tts_queue_length` (the backlog the autoscaler reads). */
export const BACKLOG_STATES = ["waiting", "prioritized", "delayed"] as const;
/** BullMQ states counted in `tts_queue_jobs` (jobs by status). */
export const JOB_STATES = ["waiting", "prioritized", "delayed", "active", "completed", "failed"] as const;
