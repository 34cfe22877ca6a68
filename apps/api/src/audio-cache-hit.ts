import { AudioCache, type CachedResult } from "@voxqueue/audio-store";
import { audioCacheKey, audioKey, cachedJobKey, jobLinks, type CacheKeyData, type JobView } from "@voxqueue/contracts";
import { ATTR, SPAN, inSpan, type ApiMetrics, type Tracer } from "@voxqueue/telemetry";
import { redisStep } from "./errors.js";
import type { AppDeps } from "./types.js";

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
 * under the new job's id inside Redis (so `/audio` serves it as any job's, for
 * `audioTtlSeconds`) and a record of the job is kept for `retentionSeconds`, in one
 * round trip ({@link AudioCache.answer}). Nothing is queued.
 * @returns true on a hit; false on a miss (nothing written)
 * @throws what ioredis throws when Redis fails
 */
export async function answerFromCache(deps: CacheHitDeps, hash: string, id: string, now: number, owner?: string): Promise<boolean> {
  const head: Omit<CachedJobRecord, "result"> = { id, created_at: now, ...(owner !== undefined ? { owner } : {}) };
  const json = JSON.stringify(head);
  const result = await deps.cache.answer(hash, {
    audioKey: audioKey(id),
    audioTtlSeconds: deps.audioTtlSeconds,
    recordKey: cachedJobKey(id),
    // The record's JSON less its closing brace, then `"result":` and the entry's result.
    recordHead: `${json.slice(0, -1)},"result":`,
    recordTtlSeconds: deps.retentionSeconds,
  });
  return result !== null;
}

/** The app's audio cache (`deps.audioCache`, else one on `deps.redis` with the configured bound and TTL) and the TTLs of a hit's copies. */
export function cacheHitDeps(deps: Pick<AppDeps, "audioCache" | "redis" | "config">): CacheHitDeps {
  const { config } = deps;
  return {
    cache: deps.audioCache ?? new AudioCache(deps.redis, { maxBytes: config.AUDIO_CACHE_MAX_BYTES, ttlSeconds: config.AUDIO_CACHE_TTL_SECONDS }),
    audioTtlSeconds: config.AUDIO_TTL_SECONDS,
    retentionSeconds: config.JOB_RETENTION_SECONDS,
  };
}

/** What {@link answerFromCache} needs. */
export interface CacheHitDeps {
  cache: AudioCache;
  /** AUDIO_TTL_SECONDS: how long the hit's copy of the audio lives. */
  audioTtlSeconds: number;
  /** JOB_RETENTION_SECONDS: how long the hit's job record lives. */
  retentionSeconds: number;
}

/**
 * Looks job `data` up in the audio cache inside an `audio cache lookup` span
 * (`tts.cache.result` hit or miss), counts it in `tts_cache_requests_total{result}`, and on
 * a hit answers job `id` from the cache ({@link answerFromCache}). Every route that
 * synthesizes asks here first.
 * @returns `{hit: true}`, or `{hit: false, key}`: the key the job's data carries (`cache_key`) so the worker fills the entry
 * @throws VoxqueueError `service_unavailable` when Redis fails
 */
export async function lookUpCache(
  deps: CacheHitDeps & { tracer: Tracer; metrics: Pick<ApiMetrics, "cacheRequests"> },
  data: CacheKeyData,
  id: string,
  owner: string | undefined,
): Promise<{ hit: true } | { hit: false; key: string }> {
  const key = audioCacheKey(data);
  const hit = await inSpan(deps.tracer, SPAN.cacheLookup, {}, async (span) => {
    const found = await redisStep("read audio cache", () => answerFromCache(deps, key, id, Date.now(), owner));
    span.setAttribute(ATTR.cacheResult, found ? "hit" : "miss");
    return found;
  });
  deps.metrics.cacheRequests.inc({ result: hit ? "hit" : "miss" });
  return hit ? { hit } : { hit, key };
}

/**
 * The view of a job answered from the cache: completed at once, its result the
 * cached one with `cached: true` and no synthesis time of its own (its word timings are
 * the first job's: same text, same audio); null when `raw` (the job's record as stored) is
 * null, or (`owner` given: API keys are on) another key's.
 */
export function cachedJobView(raw: string | null, id: string, owner?: string | null): JobView | null {
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
    result: {
      audio_url: links.audio,
      audio_duration_s: r.audio_duration_s,
      synthesis_s: 0,
      rtf: 0,
      sample_rate: r.sample_rate,
      voice: r.voice,
      speaker: r.speaker,
      cached: true,
      ...(r.word_timings ? { word_timings: r.word_timings } : {}),
      ...(r.words ? { words: r.words } : {}),
    },
    links,
  };
}
