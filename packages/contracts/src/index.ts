// What the apps, the worker and the tools share. Only names other workspace packages use are
// exported here; everything else stays inside its module (import it there from within the package).

// API keys file
export { API_KEY_NAME_PATTERN, API_KEY_NAME_RULE, API_KEY_PREFIX, ApiKeysFileError, formatApiKeyLine, hashApiKey, parseApiKeysFile } from "./api-keys.js";
export type { ApiKeyEntry } from "./api-keys.js";

// audio cache keys
export { AUDIO_CACHE_KEYS, audioCacheKey, cachedJobKey } from "./audio-cache.js";
export type { CacheKeyData } from "./audio-cache.js";

// error taxonomy
export { ERROR_TYPES, isJobErrorType, JOB_ERROR_TYPES, VoxqueueError } from "./errors.js";
export type { ErrorBody } from "./errors.js";

// job request, data, result and view
export { createJobRequestSchema, SCALE_LIMITS, synthJobDataSchema, synthJobResultSchema } from "./jobs.js";
export type { JobAccepted, JobRequest, JobView, SynthJobData, SynthJobResult, TextNormalization, TextType } from "./jobs.js";

// text preview
export { createTextPreviewRequestSchema } from "./text.js";
export type { TextPreview } from "./text.js";

// job-failure wire format
export { classifyJobError, decodeJobFailure, encodeJobFailure } from "./job-failure.js";

// queue names and Redis keys
export {
  AUDIO_STREAM_MAX_ENTRIES,
  AUDIO_STREAM_TTL_SECONDS,
  audioKey,
  audioPartialKey,
  audioStreamKey,
  idempotencyKey,
  JOB_HOLDER_FIELD,
  jobsInFlightKey,
  LONGFORM_JOB_NAME,
  longformChunkIndex,
  longformChunkJobId,
  queueForVoice,
  SUBMIT_RATE_LIMIT_PREFIX,
  SYNTH_JOB_NAME,
  WORKER_HEARTBEATS_KEY,
  WORKERS_LEFT_KEY,
  workerVoicesKey,
} from "./queue.js";

// priority lanes
export { DEFAULT_LANE, LANES, laneOfQueue, laneQueue, laneQueues, type Lane } from "./queue.js";

// voice pools
export { DEFAULT_POOL, parseVoicePools, poolJobId, poolOfJobId, poolOfVoice, poolQueueName, poolQueueNames, VoicePoolsError } from "./voice-pools.js";
export type { VoicePool } from "./voice-pools.js";

// voice catalog
export { voiceInfoSchema } from "./voices.js";
export type { VoiceInfo } from "./voices.js";

// audio formats
export { AUDIO_FORMAT_NAMES, AUDIO_FORMATS, isAudioFormat, STREAMABLE_FORMATS } from "./audio-formats.js";
export type { AudioFormat } from "./audio-formats.js";

// OpenAI-compatible speech endpoint
export { createSpeechRequestSchema, OPENAI_SPEECH_MODELS, OPENAI_VOICES, openAiErrorBody, SPEECH_SPEED_LIMITS, VOICE_QUALITIES } from "./openai.js";
export type { OpenAiModel, SpeechAudioDeltaEvent, SpeechAudioDoneEvent, SpeechRequest } from "./openai.js";

// console: job list and stats
export { JOB_LIST_LIMITS, JOB_LIST_TEXT_PREVIEW_CHARS, STATS_MAX_JOBS, STATS_WINDOW_SECONDS } from "./console.js";
export type { JobList, JobListItem, StatsView } from "./console.js";

// queue job → public view
export { jobLinks, parseJobFailure, toJobView, withAbsoluteLinks } from "./job-view.js";
export type { QueueJobState } from "./job-view.js";

// webhooks
export { WEBHOOK_JOB_NAME, WEBHOOK_URL_MAX_CHARS, webhookAttemptsKey, webhookJobDataSchema, webhookMessageId, webhookQueueName } from "./webhooks.js";
export type { WebhookDeliveryView, WebhookEvent, WebhookJobData, WebhookState } from "./webhooks.js";
