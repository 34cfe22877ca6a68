/**
 * Every span name, span attribute and trace-related log field voxqueue writes, by
 * name (the tracing counterpart of `metric-names.ts`). Messaging, HTTP and error
 * attributes follow the OpenTelemetry semantic conventions; our own live under `tts.`.
 *
 * The span tree of one job:
 * ```
 * POST /v1/jobs                    SERVER    api     http.route, http.response.status_code
 * └─ send <queue>                  PRODUCER  api     messaging.*, operation type send
 *    └─ process <queue>            CONSUMER  worker  messaging.*, tts.job.attempt, tts.voice, tts.sentences, tts.audio.seconds, tts.rtf (one per attempt)
 *       ├─ preprocess              INTERNAL  worker  normalize + phonemize + ids
 *       ├─ inference               INTERNAL  worker  onnxruntime on an inference thread
 *       │  └─ inference.sentence   INTERNAL  worker  one per sentence, timed by the thread
 *       ├─ postprocess             INTERNAL  worker
 *       │  ├─ encode               INTERNAL  worker  PCM → WAV
 *       │  └─ store                INTERNAL  worker  audio store (Redis)
 *    └─ webhook                    CLIENT    worker  one per delivery attempt of the job's outcome event
 * ```
 */

/** Span names. Messaging spans are `<operation> <queue>`: see {@link messagingSpanName}. */
export const SPAN = {
  /** Producer span around the enqueue (API). */
  send: "send",
  /** Consumer span around one attempt of a job (worker). */
  process: "process",
  /** Text → normalized sentences → espeak phonemes → phoneme ids. */
  preprocess: "preprocess",
  /** All sentences of the job through onnxruntime (wait for a free thread included). */
  inference: "inference",
  /** One sentence's `session.run`; start and end are placed from the thread's own timing. */
  inferenceSentence: "inference.sentence",
  /** PCM → WAV → audio store. */
  postprocess: "postprocess",
  /** Sentence PCM joined with silence and encoded as WAV. */
  encode: "encode",
  /** The WAV written to the audio store. */
  store: "store",
  /** A submit looked up in the audio cache (API): `tts.cache.result` hit or miss. */
  cacheLookup: "audio cache lookup",
  /** One delivery attempt of a job's outcome event (CLIENT; parent: the API's `send` span of the job). */
  webhook: "webhook",
} as const;

/** Messaging operations (`messaging.operation.type` and the first word of the span name). */
export type MessagingOperation = typeof SPAN.send | typeof SPAN.process;

/** `send <queue>` / `process <queue>`, as the messaging conventions name spans. */
export function messagingSpanName(operation: MessagingOperation, queue: string): string {
  return `${operation} ${queue}`;
}

/** `messaging.system` of our queue spans (not a registered value; BullMQ is its own system). */
export const MESSAGING_SYSTEM = "bullmq";

/** Span attribute names. */
export const ATTR = {
  messagingSystem: "messaging.system",
  messagingDestinationName: "messaging.destination.name",
  messagingMessageId: "messaging.message.id",
  messagingOperationType: "messaging.operation.type",
  messagingOperationName: "messaging.operation.name",
  httpRequestMethod: "http.request.method",
  httpRoute: "http.route",
  httpResponseStatusCode: "http.response.status_code",
  urlPath: "url.path",
  /** On failed spans: our error taxonomy type (`invalid_input`, `timeout`, ...). */
  errorType: "error.type",

  /** 1 for the first attempt of a job, 2 for its first retry, ... */
  jobAttempt: "tts.job.attempt",
  voice: "tts.voice",
  language: "tts.language",
  /** Length of the job's text in characters (never the text itself). */
  textChars: "tts.text.chars",
  sentences: "tts.sentences",
  /** Sentences dropped because nothing in them was pronounceable. */
  sentencesSkipped: "tts.sentences.skipped",
  /** Phonemes espeak produced for the whole text. */
  phonemes: "tts.phonemes",
  /** Phoneme occurrences the voice has no id for (skipped). */
  phonemesMissing: "tts.phonemes.missing",
  /** 0-based position of a sentence in its job. */
  sentenceIndex: "tts.sentence.index",
  /** Number of phoneme ids of a sentence (model input length). */
  phonemeIds: "tts.phoneme_ids",
  /** Seconds of `session.run` for a sentence, as measured on the inference thread. */
  inferenceSeconds: "tts.inference.seconds",
  /** Seconds from text to PCM (preprocess + inference). */
  synthesisSeconds: "tts.synthesis.seconds",
  audioSeconds: "tts.audio.seconds",
  audioBytes: "tts.audio.bytes",
  /** Audio cache lookup of a submit: "hit" (answered from stored audio, nothing queued) or "miss". */
  cacheResult: "tts.cache.result",
  /** synthesis seconds / audio seconds. */
  rtf: "tts.rtf",
  /** Name of the API key of a request (never the key). */
  apiKeyName: "tts.api_key.name",
  /** The request's id (`X-Request-Id`, the client's or ours). */
  requestId: "tts.request.id",
  /** Host of a webhook target (never the whole URL: its path or query may hold tokens). */
  serverAddress: "server.address",
  /** 1 for the first delivery attempt of an event, 2 for its first retry, ... */
  webhookAttempt: "tts.webhook.attempt",
  /** `job.completed` or `job.failed`. */
  webhookEventType: "tts.webhook.event_type",
  /** The attempt's outcome: delivered, retried, dead, refused. */
  webhookOutcome: "tts.webhook.outcome",
} as const;

/** Log fields that tie a pino line to its trace and job (Loki structured metadata, see `infra/promtail`). */
export const LOG_FIELD = {
  traceId: "trace_id",
  spanId: "span_id",
  jobId: "job_id",
  /** The request's id (`X-Request-Id`) on the API's lines. */
  requestId: "request_id",
  /** Name of the request's API key on the API's lines (never the key). */
  apiKeyName: "api_key",
} as const;

/** Service names (`service.name`) unless `OTEL_SERVICE_NAME` says otherwise; also the tracer names. */
export const SERVICE = {
  api: "voxqueue-api",
  worker: "voxqueue-worker",
} as const;
