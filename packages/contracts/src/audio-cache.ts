import { createHash } from "node:crypto";
import { KEY_PREFIX } from "./queue.js";
import type { SynthJobData } from "./jobs.js";

/** Version of what {@link audioCacheKey} hashes: bump it when the audio a request gives changes for another reason. */
export const AUDIO_CACHE_VERSION = 1;

/** Output format of cached audio (the only one today). */
export type CachedAudioFormat = "wav";

/**
 * The text as the cache compares it: Unicode NFC, white space runs as one space,
 * trimmed. Texts equal after this synthesize to the same phonemes (the worker's own
 * normalisation does no more than remove controls and collapse white space).
 */
export function cacheText(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/**
 * The audio cache key of a job: sha256 (hex) of exactly what determines its audio —
 * normalised text, text normalisation mode, voice, speaker id, the three scales and the
 * output format of what is stored — and of
 * {@link AUDIO_CACHE_VERSION}. Worker settings (sentence silence) are assumed the same
 * across a fleet.
 */
export function audioCacheKey(
  data: Pick<SynthJobData, "text" | "voice" | "speaker_id" | "length_scale" | "noise_scale" | "noise_w"> & Partial<Pick<SynthJobData, "text_normalization">>,
  format: CachedAudioFormat = "wav",
): string {
  const mode = data.text_normalization ?? null;
  const canonical = JSON.stringify([AUDIO_CACHE_VERSION, cacheText(data.text), mode, data.voice, data.speaker_id, data.length_scale, data.noise_scale, data.noise_w, format]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Redis keys of the audio cache. All share the hash tag `{audio-cache}`, so the
 * script that stores and evicts entries touches one Cluster slot.
 */
export const AUDIO_CACHE_KEYS = {
  /** String: the WAV bytes of entry `hash`. */
  audio: (hash: string) => `${KEY_PREFIX}:{audio-cache}:audio:${hash}`,
  /** String: the JSON {@link SynthJobResult}-like result of entry `hash`. */
  result: (hash: string) => `${KEY_PREFIX}:{audio-cache}:result:${hash}`,
  /** Sorted set: entry hash → when it was stored (ms); oldest evicted first. */
  index: `${KEY_PREFIX}:{audio-cache}:index`,
  /** Hash: entry hash → bytes it holds. */
  sizes: `${KEY_PREFIX}:{audio-cache}:sizes`,
  /** String: bytes held by all entries. */
  bytes: `${KEY_PREFIX}:{audio-cache}:bytes`,
} as const;

/** Redis string: the view data of a job answered from the audio cache (it has no BullMQ job). */
export function cachedJobKey(jobId: string): string {
  return `${KEY_PREFIX}:cached-job:${jobId}`;
}
