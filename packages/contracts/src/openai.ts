import { z } from "zod";
import { AUDIO_FORMAT_NAMES, type AudioFormat } from "./audio-formats.js";
import { ERROR_TYPES, type ErrorType } from "./errors.js";

/**
 * OpenAI's speech models (`model` of `POST /v1/audio/speech`, listed by `GET /v1/models`)
 * and the voice quality each maps to: `tts-1` (OpenAI's fast model) → the lowest-quality,
 * fastest installed voices; `tts-1-hd` and `gpt-4o-mini-tts` → the highest-quality ones.
 */
export const OPENAI_SPEECH_MODELS = { "tts-1": "fastest", "tts-1-hd": "best", "gpt-4o-mini-tts": "best" } as const;
export type OpenAiSpeechModel = keyof typeof OPENAI_SPEECH_MODELS;

/**
 * OpenAI's voice names, in the order in which they take the (voice, speaker) pairs of a
 * model's voices: the first name the first pair, and so on, round the pairs again when
 * there are more names than pairs (platform.openai.com/docs/guides/text-to-speech).
 */
export const OPENAI_VOICES = ["alloy", "echo", "fable", "onyx", "nova", "shimmer", "ash", "ballad", "coral", "sage", "verse", "marin", "cedar"] as const;

/** Piper's voice qualities, fastest first (a voice id's last part: `en_US-lessac-medium`). */
export const VOICE_QUALITIES = ["x_low", "low", "medium", "high"] as const;

/** `speed` range of OpenAI's speech API; voxqueue maps it to length_scale = the voice's default / speed. */
export const SPEECH_SPEED_LIMITS = { min: 0.25, max: 4 } as const;

/** Longest `instructions` accepted (OpenAI's limit); they are accepted and ignored (Piper voices take no prompt). */
export const MAX_INSTRUCTIONS_CHARS = 4096;

/**
 * Body of `POST /v1/audio/speech`, as OpenAI defines it: `input` (trimmed, at most
 * `maxInputChars`), `model`, `voice`, `response_format` (default `mp3`, as OpenAI's),
 * `speed`, `stream_format` (`audio`: the bytes; `sse`: server-sent events) and
 * `instructions`. Unknown fields are ignored, as OpenAI-compatible clients send their own.
 */
export function createSpeechRequestSchema(opts: { maxInputChars: number }) {
  return z.object({
    model: z.string({ error: "model must be a string" }).min(1, "model must not be empty"),
    input: z
      .string({ error: "input must be a string" })
      .trim()
      .min(1, "input must not be empty")
      .max(opts.maxInputChars, `input must be at most ${opts.maxInputChars} characters`),
    voice: z.string({ error: "voice must be a string" }).min(1, "voice must not be empty").max(200),
    response_format: z
      .enum(AUDIO_FORMAT_NAMES as [AudioFormat, ...AudioFormat[]], { error: `response_format must be one of ${AUDIO_FORMAT_NAMES.join(", ")}` })
      .default("mp3"),
    speed: z
      .number({ error: "speed must be a number" })
      .min(SPEECH_SPEED_LIMITS.min, `speed must be >= ${SPEECH_SPEED_LIMITS.min}`)
      .max(SPEECH_SPEED_LIMITS.max, `speed must be <= ${SPEECH_SPEED_LIMITS.max}`)
      .default(1),
    stream_format: z.enum(["audio", "sse"], { error: 'stream_format must be "audio" or "sse"' }).default("audio"),
    instructions: z
      .string({ error: "instructions must be a string" })
      .max(MAX_INSTRUCTIONS_CHARS, `instructions must be at most ${MAX_INSTRUCTIONS_CHARS} characters`)
      .optional(),
  });
}
export type SpeechRequest = z.infer<ReturnType<typeof createSpeechRequestSchema>>;

/** OpenAI's error body: `{error: {message, type, param, code}}`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * OpenAI's error `type` for one of ours: 4xx are `invalid_request_error` (404
 * `not_found_error`), 5xx `server_error`; `code` carries our taxonomy's type.
 */
export function openAiErrorBody(type: ErrorType, message: string, param?: string): OpenAiErrorBody {
  const status = ERROR_TYPES[type].status;
  const openAiType = status === 404 ? "not_found_error" : status < 500 ? "invalid_request_error" : "server_error";
  return { error: { message, type: openAiType, param: param ?? null, code: type } };
}

/** One entry of `GET /v1/models` (OpenAI's model object). */
export interface OpenAiModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/** OpenAI's `speech.audio.delta` server-sent event: `audio` is base64 of the next bytes of the response format. */
export interface SpeechAudioDeltaEvent {
  type: "speech.audio.delta";
  audio: string;
}

/** OpenAI's `speech.audio.done` event, last of a stream (usage: voxqueue reports input characters as tokens are not counted). */
export interface SpeechAudioDoneEvent {
  type: "speech.audio.done";
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
}
