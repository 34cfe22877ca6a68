import type { Redis } from "ioredis";
import type { AudioCache, AudioStore, CachedResult } from "@voxqueue/audio-store";
import { cachedJobKey, type JobView } from "@voxqueue/contracts";
import { jobLinks } from "@voxqueue/contracts";

/** What the API keeps of a job answered from the audio cache (it has no BullMQ job). */
interface CachedJobRecord {
  id: string;
  /** ms since epoch. */
  created_at: number;
  result: CachedResult;
  /** API key that submitted it (isolation, as `SynthJobData.owner`); absent when the API runs open. */
  owner?: string;
}

/**
 * Answers a submit from the audio cache when entry `hash` exists: the audio is copied
 * under the new job's id (so `/audio` serves it as any job's, for AUDIO_TTL_SECONDS)
 * and a record of the job is kept for `retentionSeconds`. Nothing is queued.
 * @returns true on a hit; false on a miss (nothing written)
 * @throws what ioredis throws when Redis fails
 */
export async function answerFromCache(deps: { cache: AudioCache; audioStore: AudioStore; redis: Redis; retentionSeconds: number }, hash: string, id: string, now: number, owner?: string): Promise<boolean> {
  const entry = await deps.cache.get(hash);
  if (!entry) return false;
  const record: CachedJobRecord = { id, created_at: now, result: entry.result, ...(owner !== undefined ? { owner } : {}) };
  await Promise.all([deps.audioStore.put(id, entry.wav), deps.redis.set(cachedJobKey(id), JSON.stringify(record), "EX", deps.retentionSeconds)]);
  return true;
}

/**
 * The view of a job answered from the cache: completed at once, its result the
 * cached one with `cached: true` and no synthesis time of its own; null when `id` is
 * no such job, or (`owner` given: API keys are on) another key's.
 */
export async function cachedJobView(redis: Redis, id: string, owner?: string | null): Promise<JobView | null> {
  const raw = await redis.get(cachedJobKey(id));
  if (raw === null) return null;
  const record = JSON.parse(raw) as CachedJobRecord;
  if (owner !== undefined && record.owner !== (owner ?? undefined)) return null;
  const links = jobLinks(id);
  const at = new Date(record.created_at).toISOString();
  const r = record.result;
  return {
    id,
    status: "completed",
    created_at: at,
    started_at: at,
    finished_at: at,
    attempts: 0,
    result: { audio_url: links.audio, audio_duration_s: r.audio_duration_s, synthesis_s: 0, rtf: 0, sample_rate: r.sample_rate, voice: r.voice, speaker: r.speaker, cached: true },
    links,
  };
}
