import { createHash } from "node:crypto";
import { KEY_PREFIX } from "./queue.js";
import type { SynthJobData } from "./jobs.js";

/** Version of what {@link audioCacheKey} hashes: bump it when the audio a request gives changes for another reason. */
export const AUDIO_CACHE_VERSION = 2;

/** Output format of cached audio (the only one today). */
export type CachedAudioFormat = "wav";

/** The job data fields that determine its audio (and its word timings), as {@link audioCacheKey} hashes them. */
export type CacheKeyData = Pick<SynthJobData, "text" | "voice" | "speaker" | "speaker_id" | "length_scale" | "noise_scale" | "noise_w"> &
  Partial<Pick<SynthJobData, "text_normalization" | "text_type" | "stream">>;

/**
 * The audio cache key of a job: sha256 (hex) of exactly what determines its audio and
 * the result stored with it — the text as submitted (the API has trimmed it; nothing
 * else is folded: white space, line breaks and Unicode forms change how the front end
 * reads a text and the character offsets of its word timings), `text_normalization`,
 * `text_type`, the voice, the speaker (its name and its id: a name is resolved by the
 * worker), the three scales, whether the first sentence is split at its first clause
 * (`stream`: a streamed job's audio has one more pause), the stored format, and
 * {@link AUDIO_CACHE_VERSION}. The format a client asks for is encoded from the stored
 * WAV on the way out, so it is not part of the key. Worker settings (sentence silence)
 * and the voice file behind an id are assumed the same across a fleet.
 */
export function audioCacheKey(data: CacheKeyData, format: CachedAudioFormat = "wav"): string {
  const canonical = JSON.stringify([
    AUDIO_CACHE_VERSION,
    data.text,
    data.text_normalization ?? "standard",
    data.text_type ?? null,
    data.voice,
    data.speaker,
    data.speaker_id,
    data.length_scale,
    data.noise_scale,
    data.noise_w,
    data.stream === true,
    format,
  ]);
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
