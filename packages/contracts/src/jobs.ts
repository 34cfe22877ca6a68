import { z } from "zod";
import { JOB_ERROR_TYPES } from "./errors.js";
import { webhookUrlSchema, type WebhookDeliveryView } from "./webhooks.js";
import { LANES } from "./queue.js";

/** Allowed ranges of Piper's synthesis scales (request overrides of the voice's defaults). */
export const SCALE_LIMITS = {
  length_scale: { min: 0.1, max: 5 },
  noise_scale: { min: 0, max: 2 },
  noise_w: { min: 0, max: 2 },
} as const;

/**
 * How a job's text is read before phonemization: `standard` (numbers, dates, money, units,
 * abbreviations, links … read as a person would; sentence splitting that knows abbreviations and
 * line breaks) or `piper` (exactly Piper's behaviour: the text goes to espeak-ng as it is, and the
 * phoneme ids are identical to Piper's).
 */
export const TEXT_NORMALIZATIONS = ["standard", "piper"] as const;
export type TextNormalization = (typeof TEXT_NORMALIZATIONS)[number];

/** What `text` holds: plain `text`, or `ssml` (also assumed when the text starts with `<speak`). */
export const TEXT_TYPES = ["text", "ssml"] as const;
export type TextType = (typeof TEXT_TYPES)[number];

/** A request's optional `text_type`. */
export function textTypeField() {
  return z.enum(TEXT_TYPES, { error: `text_type must be one of: ${TEXT_TYPES.join(", ")}` }).optional();
}

/** BullMQ priority range: 1 is the most urgent; omitted means plain FIFO (BullMQ `JobsOptions.priority`). */
export const PRIORITY_LIMITS = { min: 1, max: 1_000 } as const;

const scale = (name: keyof typeof SCALE_LIMITS) =>
  z
    .number({ error: `${name} must be a number` })
    .min(SCALE_LIMITS[name].min, `${name} must be >= ${SCALE_LIMITS[name].min}`)
    .max(SCALE_LIMITS[name].max, `${name} must be <= ${SCALE_LIMITS[name].max}`);

/**
 * Something other than white space, control and format characters (U+200B zero-width space,
 * U+200D, U+2060, U+FEFF, bidi controls): a text of only those has nothing to read.
 */
const SPEAKABLE = /[^\s\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}]/u;
const NOTHING_TO_READ = "text must contain something to read (it has only spaces, control or format characters such as U+200B)";

/** A request's `text`: trimmed, not empty, at most `maxTextChars` characters, something to read. */
export function textField(opts: { maxTextChars: number }) {
  return z
    .string({ error: "text must be a string" })
    .trim()
    .min(1, "text must not be empty")
    .max(opts.maxTextChars, `text must be at most ${opts.maxTextChars} characters`)
    .refine((text) => text === "" || SPEAKABLE.test(text), NOTHING_TO_READ);
}

/** A request's optional `voice` id. */
export function voiceField() {
  return z.string({ error: "voice must be a string" }).min(1, "voice must not be empty").max(200).optional();
}

/** A request's optional `text_normalization`. */
export function textNormalizationField() {
  return z.enum(TEXT_NORMALIZATIONS, { error: `text_normalization must be one of: ${TEXT_NORMALIZATIONS.join(", ")}` }).optional();
}

/** The one message for any malformed `speaker` (a negative id too, not zod's generic "Too small"). */
const SPEAKER_ERROR = "speaker must be a name or a non-negative integer id";

/**
 * Body of `POST /v1/jobs`. `text` is trimmed; its length limit (characters, after
 * trimming) is a setting. `speaker` is a name from the voice's `speaker_id_map` or a
 * numeric speaker id; null is the same as leaving it out. Unknown fields are rejected so
 * typos do not pass silently.
 */
export function createJobRequestSchema(opts: { maxTextChars: number }) {
  return z.strictObject({
    text: textField(opts),
    voice: voiceField(),
    speaker: z
      .union([z.string().min(1, SPEAKER_ERROR).max(200, SPEAKER_ERROR), z.number().int(SPEAKER_ERROR).nonnegative(SPEAKER_ERROR)], { error: SPEAKER_ERROR })
      .nullish(), // null is "no speaker", as job views print it
    length_scale: scale("length_scale").optional(),
    noise_scale: scale("noise_scale").optional(),
    noise_w: scale("noise_w").optional(),
    text_normalization: textNormalizationField(),
    text_type: textTypeField(),
    priority: z
      .number({ error: "priority must be an integer" })
      .int("priority must be an integer")
      .min(PRIORITY_LIMITS.min, `priority must be >= ${PRIORITY_LIMITS.min}`)
      .max(PRIORITY_LIMITS.max, `priority must be <= ${PRIORITY_LIMITS.max}`)
      .optional(),
    /** Where the job's outcome event is POSTed (syntax here; the SSRF guard decides the rest). */
    webhook_url: webhookUrlSchema.optional(),
    /** Priority lane (`LANES`): `interactive` (default: someone waits for it) or `batch` (bulk work that yields to interactive jobs). */
    lane: z.enum(LANES, { error: `lane must be one of ${LANES.join(", ")}` }).optional(),
  });
}
export type JobRequest = z.infer<ReturnType<typeof createJobRequestSchema>>;

/**
 * Data of one BullMQ synthesis job, as the API writes it and the worker reads it.
 * Scales are resolved (request override, else the voice's default) before enqueueing;
 * `speaker_id` is resolved against the voice's `speaker_id_map` (null for
 * single-speaker voices). `trace` carries the W3C trace context (`traceparent`,
 * `tracestate`) from the API's producer span to the worker's consumer span.
 */
export const synthJobDataSchema = z.object({
  text: z.string().min(1),
  voice: z.string().min(1),
  speaker: z.string().nullable(),
  speaker_id: z.number().int().nonnegative().nullable(),
  length_scale: z.number(),
  noise_scale: z.number(),
  noise_w: z.number(),
  trace: z.record(z.string(), z.string()).default({}),
  /** How the text is read; absent (jobs queued before the field existed): `standard`, the default. */
  text_normalization: z.enum(TEXT_NORMALIZATIONS).optional(),
  /** `ssml` when the request said so; absent: plain text unless it starts with `<speak`. */
  text_type: z.enum(TEXT_TYPES).optional(),
  /** ms since epoch when the API accepted the job. */
  submitted_at: z.number(),
  /** Name of the API key that submitted the job (only it may read the job and its audio); absent when the API runs open. */
  owner: z.string().optional(),
  /** The client streams this job's audio: the worker splits the first sentence at a clause so the first audio comes sooner. */
  stream: z.boolean().optional(),
  /** Audio cache entry the worker fills with this job's audio ({@link audioCacheKey}); absent: cache off. */
  cache_key: z.string().optional(),
  /** A long-form job's parent (job name `stitch`, `LONGFORM_JOB_NAME`): `text` is the whole text, `chunks` the number of chunk jobs it waits for. */
  longform: z.object({ chunks: z.number().int().positive() }).optional(),
  /** A long-form job's chunk: its place among the parent's chunks (the parent is BullMQ's `parent` of the job). */
  chunk: z.object({ index: z.number().int().nonnegative(), total: z.number().int().positive() }).optional(),
});
export type SynthJobData = z.infer<typeof synthJobDataSchema>;

/** What a completed job returns (BullMQ `returnvalue`). Durations in seconds. */
export const synthJobResultSchema = z.object({
  audio_key: z.string(),
  audio_bytes: z.number().int().nonnegative(),
  audio_duration_s: z.number().nonnegative(),
  /** Wall time from text to PCM (phonemize + inference), seconds. */
  synthesis_s: z.number().nonnegative(),
  /** Real-time factor: synthesis_s / audio_duration_s (< 1 is faster than real time). */
  rtf: z.number().nonnegative(),
  sample_rate: z.number().int().positive(),
  voice: z.string(),
  speaker: z.string().nullable(),
  sentences: z.number().int().nonnegative(),
  /**
   * Where word timings come from: `model_durations` (the voice's model outputs phoneme
   * durations), or `unavailable` (it has none, or the job used `piper` mode): no guessing.
   */
  word_timings: z.enum(["model_durations", "unavailable"]).optional(),
  /** Words of the original text with when they are said (seconds), when `word_timings` is `model_durations`. */
  words: z.array(z.object({ word: z.string(), start_s: z.number(), end_s: z.number(), start: z.number().int(), end: z.number().int() })).optional(),
});
export type SynthJobResult = z.infer<typeof synthJobResultSchema>;

/** Public job states of `GET /v1/jobs/:id` (BullMQ's waiting/prioritized/delayed all read as `queued`). */
export const JOB_STATUSES = ["queued", "active", "completed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Body of `GET /v1/jobs/:id`; timestamps are ISO 8601, fields present as they apply. */
export interface JobView {
  id: string;
  status: JobStatus;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  attempts?: number;
  result?: {
    audio_url: string;
    audio_duration_s: number;
    synthesis_s: number;
    rtf: number;
    sample_rate: number;
    voice: string;
    speaker: string | null;
    /** True when the audio came from the audio cache: a copy of an earlier job's, not synthesized again. */
    cached?: boolean;
    /** `model_durations` or `unavailable` (see {@link synthJobResultSchema}). */
    word_timings?: "model_durations" | "unavailable";
    /** Words of the original text, when they are said (seconds), and their character offsets. */
    words?: { word: string; start_s: number; end_s: number; start: number; end: number }[];
  };
  error?: { type: (typeof JOB_ERROR_TYPES)[number]; message: string };
  /** The delivery of the job's outcome event, for jobs submitted with a `webhook_url`. */
  webhook?: WebhookDeliveryView;
  /** A long-form job's progress: chunk jobs whose audio is ready, of all its chunks. */
  chunks?: { done: number; total: number };
  links: { self: string; audio: string };
}

/** Answer of `POST /v1/jobs` (status 202, with a `Location` header). */
export interface JobAccepted {
  id: string;
  /** "completed" for an audio cache hit: its audio is ready at once. */
  status: "queued" | "completed";
  links: { self: string; audio: string };
}
